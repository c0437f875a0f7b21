//! Command-line front end: the only module that uses clap. It turns arguments into the
//! clap-free configurations of [`crate::app`] and maps results to exit codes.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};

mod generate;

use crate::app::{self, ConvertConfig, Input, Output};
use crate::check::RuleMatching;
use crate::convert::{Bounds, Mode, Options, RulePer, Sources};
use crate::dry_run::{self, CheckConfig, RulesSource};
use crate::Target;

const EXAMPLES: &str = "\
Examples:
  pspconv convert psp --psp-path psp.yaml --rules-path /etc/falco/rules.d/psp.yaml
  kubectl get psp -o yaml | pspconv convert psp --psp-path - --rules-path psp_rules.yaml
  pspconv convert psp --psp-path psp.yaml --target legacy --mode declared | less
  pspconv convert psp --psp-path psp.yaml | pspconv check --rules-path - --events audit.log
  pspconv convert psp --psp-path psp.yaml --policy-set --rbac rbac.yaml --rules-path set_rules.yaml
  pspconv explain readOnlyRootFilesystem

Hand Falco a file or its rules.d folder, never a pipe: Falco skips a rules path that is not a
regular file (-r /dev/stdin, -r <(...)) without a word. --rules-path replaces the file at once,
so a file Falco watches is never seen half-written.";

#[derive(Parser, Debug)]
#[command(
    name = "pspconv",
    version,
    about = "Convert Kubernetes PodSecurityPolicies into Falco rules that dry-run the policy",
    long_about = "Convert Kubernetes PodSecurityPolicies into Falco rules that evaluate the policy as a dry \
run: they detect pods and containers that violate it, and never block anything.",
    after_help = EXAMPLES
)]
pub struct Cli {
    /// Print nothing on stderr but errors.
    #[arg(long, short, global = true)]
    pub quiet: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Conversion helpers.
    Convert {
        #[command(subcommand)]
        what: ConvertWhat,
    },
    /// Dry-run rules on K8s audit events or pod manifests; exit 1 when any rule fired.
    #[command(after_help = CHECK_EXAMPLES)]
    Check(CheckArgs),
    /// Print what the rules of one PSP property check, per mode and target.
    Explain {
        /// A PSP property, e.g. privileged, hostPID, readOnlyRootFilesystem.
        property: Option<String>,
    },
    /// Print a shell completion script (bash, zsh or fish).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: ShellArg,
    },
    /// Print the man page (roff), or write one page per command into a directory.
    Man {
        /// Write pspconv.1, pspconv-convert-psp.1, ... into this directory instead.
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ShellArg {
    Bash,
    Zsh,
    Fish,
}

#[derive(Subcommand, Debug)]
pub enum ConvertWhat {
    /// Convert a PodSecurityPolicy file to a Falco rules file.
    #[command(after_help = EXAMPLES)]
    Psp(ConvertArgs),
}

#[derive(Args, Debug, Clone)]
pub struct PolicyArgs {
    /// Target Falco: current (plugins), legacy (0.18-0.31, built-in K8s audit), or current with
    /// the pspconv plugin evaluating the policies [default: falco; `check --rules-path`: the
    /// target the file was written for].
    #[arg(long, value_enum)]
    pub target: Option<TargetArg>,
    /// Plugin target: one audit rule per policy, or one per policy and property.
    #[arg(long, value_enum, default_value_t = RulePerArg::Policy)]
    pub rule_per: RulePerArg,
    /// admission: what PSP admission rejected; declared: what the pod states; strict: either.
    #[arg(long, value_enum, default_value_t = ModeArg::Strict)]
    pub mode: ModeArg,
    /// Limit the rules to pods whose containers all use these image repositories (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = image_arg)]
    pub images: Vec<String>,
    /// Limit the rules to pods in these namespaces (comma-separated).
    #[arg(long, value_delimiter = ',', value_parser = namespace_arg)]
    pub namespaces: Vec<String>,
    /// Containers per kind (init, regular, ephemeral) that per-index checks look at.
    #[arg(long, default_value_t = Bounds::default().containers as u16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_containers: u16,
    /// Volumes that per-index checks look at.
    #[arg(long, default_value_t = Bounds::default().volumes as u16, value_parser = clap::value_parser!(u16).range(1..=1024))]
    pub max_volumes: u16,
    /// Items per container (ports, capabilities, mounts) that per-index checks look at.
    #[arg(long, default_value_t = Bounds::default().per_container as u16, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub max_items: u16,
    /// Treat warnings as errors (exit 2).
    #[arg(long)]
    pub fail_on_warning: bool,
    /// Judge pods against all policies of the input as one set: a pod violates the set when no
    /// policy usable for it admits it (falco target: k8s_audit rules only).
    #[arg(long)]
    pub policy_set: bool,
    /// Roles, ClusterRoles, RoleBindings and ClusterRoleBindings (as `kubectl get ... -o yaml`
    /// prints them) deciding which policies are usable; repeatable; `-` reads stdin.
    #[arg(long, value_name = "FILE|-", requires = "policy_set")]
    pub rbac: Vec<String>,
}

#[derive(Args, Debug)]
pub struct ConvertArgs {
    /// PSP file (YAML or JSON, several documents allowed); `-` reads stdin.
    #[arg(long, short = 'P', value_name = "FILE|-")]
    pub psp_path: String,
    /// Rules file to write; `-` or omitted writes stdout.
    #[arg(long, short = 'R', value_name = "FILE|-")]
    pub rules_path: Option<String>,
    /// Which rules to emit.
    #[arg(long, value_enum, default_value_t = SourceArg::All)]
    pub source: SourceArg,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

const CHECK_EXAMPLES: &str = "\
Examples:
  pspconv check --psp-path psp.yaml --events audit.log
  pspconv check --psp-path psp.yaml --events pod.yaml --mode admission
  pspconv check --psp-path psp.yaml --policy-set --rbac rbac.yaml --events audit.log
  pspconv check --rules-path psp_rules.yaml --events - --json < audit.jsonl";

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// PSP file to convert on the fly (YAML or JSON); `-` reads stdin. With `--target plugin`
    /// and `--rules-path`: the policies the plugin is configured with.
    #[arg(
        long,
        short = 'P',
        value_name = "FILE|-",
        required_unless_present = "rules_path"
    )]
    pub psp_path: Option<String>,
    /// An existing Falco rules file to evaluate instead.
    #[arg(long, short = 'R', value_name = "FILE|-")]
    pub rules_path: Option<String>,
    /// K8s audit events (JSON lines, JSON array, EventList) or pod manifests; `-` reads stdin.
    #[arg(long, short = 'e', value_name = "FILE|-")]
    pub events: String,
    /// Print alerts in Falco's JSON output format.
    #[arg(long)]
    pub json: bool,
    /// `first` reports only the first matching rule per event, like Falco's default.
    #[arg(long, value_enum, default_value_t = RuleMatchingArg::All)]
    pub rule_matching: RuleMatchingArg,
    /// After the summary, count the plugin field extractions (`ka.*`, `json.value[...]`) that
    /// Falco's evaluator would make: every k8s_audit rule on every event, `and`/`or` left to
    /// right, one extraction per comparison evaluated. Prints the total, the average per event
    /// and per pod creation, the worst event (line, auditID) and each rule's average and
    /// maximum. What a rules file costs on a real Falco grows with these counts.
    #[arg(long)]
    pub stats: bool,
    #[command(flatten)]
    pub policy: PolicyArgs,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RuleMatchingArg {
    First,
    All,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum TargetArg {
    Falco,
    Legacy,
    Plugin,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RulePerArg {
    Policy,
    Property,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ModeArg {
    Strict,
    Declared,
    Admission,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum SourceArg {
    All,
    #[value(name = "k8s_audit")]
    K8sAudit,
    Syscall,
}

impl PolicyArgs {
    pub fn options(&self, source: SourceArg) -> Options {
        Options {
            target: match self.target.unwrap_or(TargetArg::Falco) {
                TargetArg::Falco => Target::Falco,
                TargetArg::Legacy => Target::Legacy,
                TargetArg::Plugin => Target::Plugin,
            },
            rule_per: match self.rule_per {
                RulePerArg::Policy => RulePer::Policy,
                RulePerArg::Property => RulePer::Property,
            },
            mode: match self.mode {
                ModeArg::Strict => Mode::Strict,
                ModeArg::Declared => Mode::Declared,
                ModeArg::Admission => Mode::Admission,
            },
            sources: match source {
                SourceArg::All => Sources::All,
                SourceArg::K8sAudit => Sources::K8sAudit,
                SourceArg::Syscall => Sources::Syscall,
            },
            images: self
                .images
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            namespaces: self
                .namespaces
                .iter()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            bounds: Bounds {
                containers: self.max_containers.into(),
                volumes: self.max_volumes.into(),
                per_container: self.max_items.into(),
            },
            // Filled by `app` from the files given (reading them is not clap's business).
            policy_set: None,
        }
    }

    /// `--policy-set` and its `--rbac` inputs.
    pub fn policy_set(&self) -> Option<app::PolicySetInputs> {
        self.policy_set.then(|| app::PolicySetInputs {
            rbac: self.rbac.iter().map(|p| input(p)).collect(),
        })
    }
}

/// One `--images` item: checked here so that a bad one is a usage error, whatever the policy.
fn image_arg(s: &str) -> Result<String, String> {
    let s = s.trim();
    if !s.is_empty() {
        crate::psp::scope::check_repository(crate::psp::scope::image_repository(s))?;
    }
    Ok(s.to_string())
}

/// One `--namespaces` item.
fn namespace_arg(s: &str) -> Result<String, String> {
    let s = s.trim();
    if !s.is_empty() {
        crate::psp::scope::check_namespace(s)?;
    }
    Ok(s.to_string())
}

pub fn input(path: &str) -> Input {
    if path == "-" {
        Input::Stdin
    } else {
        Input::File(PathBuf::from(path))
    }
}

pub fn output(path: Option<&str>) -> Output {
    match path {
        None | Some("-") => Output::Stdout,
        Some(p) => Output::File(PathBuf::from(p)),
    }
}

/// Parses arguments, runs, reports errors, and returns the exit code (SPEC §1: 0, 1, 2).
pub fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => return usage_error(&e),
    };
    let reporter = app::Reporter::new(cli.quiet);
    let result = match cli.command {
        Command::Convert {
            what: ConvertWhat::Psp(args),
        } => app::run_convert(
            &ConvertConfig {
                input: input(&args.psp_path),
                output: output(args.rules_path.as_deref()),
                options: args.policy.options(args.source),
                fail_on_warning: args.policy.fail_on_warning,
                policy_set: args.policy.policy_set(),
            },
            &reporter,
        ),
        Command::Check(args) => {
            let rules = match (&args.psp_path, &args.rules_path) {
                (Some(p), None) => RulesSource::Psp(input(p)),
                (None, Some(r)) => RulesSource::Rules(input(r)),
                (Some(p), Some(r)) => RulesSource::PluginRules {
                    rules: input(r),
                    policies: input(p),
                },
                (None, None) => unreachable!("clap requires one of --psp-path and --rules-path"),
            };
            dry_run::run_check(
                &CheckConfig {
                    rules,
                    events: input(&args.events),
                    options: args.policy.options(SourceArg::All),
                    policy_set: args.policy.policy_set(),
                    target_given: args.policy.target.is_some(),
                    json: args.json,
                    rule_matching: match args.rule_matching {
                        RuleMatchingArg::First => RuleMatching::First,
                        RuleMatchingArg::All => RuleMatching::All,
                    },
                    stats: args.stats,
                },
                &reporter,
            )
        }
        Command::Explain { property } => app::run_explain(property.as_deref()),
        Command::Completions { shell } => generate::completions(shell),
        Command::Man { dir } => generate::man(dir.as_deref()),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            reporter.error(&e);
            ExitCode::from(2)
        }
    }
}

/// Help and version go to stdout (exit 0); usage errors are reported like every other error:
/// `error: ...`, clap's tip and usage line, a hint, exit 2.
fn usage_error(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    match e.kind() {
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion => {
            let _ = crate::output::write_stdout(&e.render().to_string());
            return ExitCode::SUCCESS;
        }
        ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            // `pspconv` alone: the help is the most useful answer, but the run did nothing.
            let _ = e.print();
            return ExitCode::from(2);
        }
        _ => {}
    }
    let text = e.render().to_string();
    let mut lines = text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with("For more information"));
    let message = lines
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ")
        .to_string();
    let details: Vec<String> = lines.map(|l| l.trim().to_string()).collect();
    let command = usage_command(&details);
    app::Reporter::new(false).usage(
        &message,
        &details,
        &format!("run `{command} --help` for usage"),
    );
    ExitCode::from(2)
}

/// `pspconv convert psp` from clap's `Usage: pspconv convert psp [OPTIONS] ...` line.
fn usage_command(details: &[String]) -> String {
    details
        .iter()
        .find_map(|l| l.strip_prefix("Usage: "))
        .map(|u| {
            u.split_whitespace()
                .take_while(|w| {
                    w.starts_with(|c: char| c.is_ascii_lowercase())
                        && w.chars().all(|c| c.is_ascii_lowercase() || c == '-')
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .filter(|c| !c.is_empty())
        .unwrap_or_else(|| {
            // No usage line (a bad value): the subcommands as typed.
            let words: Vec<String> = std::env::args()
                .skip(1)
                .take_while(|a| {
                    ["convert", "psp", "check", "explain", "completions", "man"]
                        .contains(&a.as_str())
                })
                .collect();
            std::iter::once("pspconv".to_string())
                .chain(words)
                .collect::<Vec<_>>()
                .join(" ")
        })
}
