//! `pspconv check`, free of clap: get rules (converted on the fly from `--psp-path`, or an
//! existing file from `--rules-path`), stream the events through [`crate::check`], print alerts
//! on stdout and the summary on stderr. Exit 1 when anything fired (SPEC §1, §6).

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::app::{policy_set_options, Input, PolicySetInputs, Reporter, UserError};
use crate::check::{self, CheckOptions, RuleMatching};
use crate::convert::{self, Options};
use crate::plugin_config::{plugin_state, PluginSettings};
use crate::psp::{load_policies, load_policy_set};
use crate::Target;
use std::sync::Arc;

/// Where the rules come from.
pub enum RulesSource {
    /// Convert these PSPs with the options of the check.
    Psp(Input),
    /// Load an existing Falco rules file.
    Rules(Input),
    /// `plugin` target: load an existing rules file, with the policies the plugin is
    /// configured with.
    PluginRules { rules: Input, policies: Input },
}

pub struct CheckConfig {
    pub rules: RulesSource,
    pub events: Input,
    /// Target, mode, scope and bounds for the conversion (the target also for evaluation).
    pub options: Options,
    /// Whether `--target` was given; if not, a rules file is evaluated as the target it was
    /// written for.
    pub target_given: bool,
    /// `--policy-set`, with its `--rbac` inputs (only with `--psp-path`).
    pub policy_set: Option<PolicySetInputs>,
    pub json: bool,
    pub rule_matching: RuleMatching,
    /// Also count Falco's field extractions (`check::run_with_stats`).
    pub stats: bool,
}

/// The target to evaluate an existing rules file as: the one it was written for unless
/// `--target` says otherwise, which is honoured with a warning when the file contradicts it.
fn rules_target(
    text: &str,
    origin: &str,
    asked: Target,
    target_given: bool,
    reporter: &Reporter,
) -> Target {
    let detected = check::detect_target(text);
    match (detected, target_given) {
        (Some(d), false) => {
            reporter.diag(&format!(
                "note: {origin}: evaluating as target {}, inferred from {} (--target overrides)",
                d.target.name(),
                d.evidence
            ));
            d.target
        }
        (Some(d), true) if d.target != asked => {
            reporter.diag(&format!(
                "warning: {origin}: --target {} contradicts the file, written for {} ({}); \
                 evaluating as {} as asked: expect alerts the file's Falco would not raise",
                asked.name(),
                d.target.name(),
                d.evidence,
                asked.name()
            ));
            asked
        }
        (None, false) => {
            reporter.diag(&format!(
                "note: {origin}: the file does not say which Falco it is for (no \
                 required_engine_version, no target-specific field); evaluating as target {}",
                asked.name()
            ));
            asked
        }
        (_, true) => asked,
    }
}

pub fn run_check(cfg: &CheckConfig, reporter: &Reporter) -> Result<ExitCode> {
    let mut target = cfg.options.target;
    let mut options = cfg.options.clone();
    match (&cfg.policy_set, &cfg.rules) {
        (None, _) => {}
        (Some(set), RulesSource::Psp(input)) => {
            if matches!(cfg.events, Input::Stdin)
                && set.rbac.iter().any(|i| matches!(i, Input::Stdin))
            {
                return Err(UserError {
                    message: "stdin (`-`) given for both --events and --rbac".into(),
                    hint: "read at most one of the inputs from stdin".into(),
                }
                .into());
            }
            options.policy_set = Some(policy_set_options(set, input, reporter)?);
        }
        (Some(_), _) => {
            return Err(UserError {
                message: "--policy-set needs --psp-path alone: a rules file given with --rules-path already holds its policy set".into(),
                hint: "convert with `pspconv convert psp --policy-set ...` and check that file without --policy-set, or give only --psp-path".into(),
            }
            .into())
        }
    }
    let policies = |input: &Input| -> Result<Vec<crate::psp::LoadedPolicy>> {
        let psp_text = input.read_text()?;
        let loaded = if cfg.policy_set.is_some() {
            load_policy_set(&psp_text, &input.origin())?
        } else {
            load_policies(&psp_text, &input.origin())?
        };
        for w in &loaded.warnings {
            reporter.diag(w);
        }
        Ok(loaded.policies)
    };
    let (text, origin, plugin_policies) = match &cfg.rules {
        RulesSource::Psp(input) => {
            let policies = policies(input)?;
            let conversion = convert::convert(&policies, &options)?;
            for w in &conversion.warnings {
                reporter.diag(w);
            }
            (
                conversion.text,
                format!("rules converted from {}", input.origin()),
                Some(policies),
            )
        }
        RulesSource::Rules(input) => {
            let text = input.read_text()?;
            let origin = input.origin();
            target = rules_target(&text, &origin, target, cfg.target_given, reporter);
            if target == Target::Plugin {
                return Err(UserError {
                    message: format!("{origin}: target plugin evaluates the rules with the plugin's policies, and none were given"),
                    hint: "add --psp-path with the policies the plugin is configured with".into(),
                }
                .into());
            }
            (text, origin, None)
        }
        RulesSource::PluginRules {
            rules,
            policies: psp,
        } => {
            let text = rules.read_text()?;
            let origin = rules.origin();
            target = rules_target(&text, &origin, target, cfg.target_given, reporter);
            if target != Target::Plugin {
                return Err(UserError {
                    message: "--psp-path and --rules-path go together only with --target plugin".into(),
                    hint: "give --psp-path to convert on the fly, or --rules-path for an existing rules file".into(),
                }
                .into());
            }
            (text, origin, Some(policies(psp)?))
        }
    };
    let mut rules = check::load(&text, &origin, target)?;
    for w in &rules.warnings {
        reporter.diag(&format!("warning: {origin}: {w}"));
    }
    if target == Target::Plugin {
        let settings = PluginSettings {
            policies: Default::default(),
            mode: cfg.options.mode,
            images: cfg.options.images.clone(),
            namespaces: cfg.options.namespaces.clone(),
            rbac: Vec::new(),
        };
        let mut state = plugin_state(plugin_policies.as_deref().unwrap_or_default(), &settings)?;
        // The RBAC read for --policy-set, as the plugin's `rbac` setting would give it.
        state.set.rbac = options.policy_set.as_ref().and_then(|s| s.rbac.clone());
        rules.attach_plugin(Arc::new(state));
    }
    let opts = CheckOptions {
        target,
        json: cfg.json,
        rule_matching: cfg.rule_matching,
    };
    let events: Box<dyn BufRead> = match &cfg.events {
        Input::Stdin => Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
        Input::File(p) => Box::new(BufReader::with_capacity(
            1 << 16,
            std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
        )),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut diag: Box<dyn Write> = if reporter.is_quiet() {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::stderr())
    };
    let run = if cfg.stats {
        check::run_with_stats
    } else {
        check::run
    };
    let summary = match run(&rules, events, &opts, &mut out, &mut diag) {
        Ok(s) => s,
        // The reader of our alerts went away (`pspconv check ... | head`): a normal end.
        Err(check::CheckError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS)
        }
        Err(e) => return Err(e).with_context(|| format!("cannot check {}", cfg.events.origin())),
    };
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("cannot write alerts")?,
    }
    if !reporter.is_quiet() {
        summary.print(&mut std::io::stderr())?;
    }
    // The process ends here: freeing the compiled rules' expression trees one node at a time
    // took ~15 % of a small check's startup cost, so the OS reclaims them instead.
    std::mem::forget(rules);
    Ok(if summary.fired() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
