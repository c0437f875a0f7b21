//! What the binary does, free of clap: read input, convert or check, write output, report.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::convert::{self, Options, PolicySetOptions, GENERATORS};
use crate::output::{write_atomic, write_stdout};
use crate::psp::{load_policies, load_policy_set};

#[derive(Debug, Clone)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// How messages name this input.
    pub fn origin(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }

    /// Reads the whole input as UTF-8, refusing more than the loader accepts.
    pub fn read_text(&self) -> Result<String> {
        let limit = crate::psp::load::MAX_INPUT_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        match self {
            Input::Stdin => {
                std::io::stdin()
                    .take(limit)
                    .read_to_end(&mut bytes)
                    .context("cannot read stdin")?;
            }
            Input::File(p) => {
                let f = std::fs::File::open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?;
                if f.metadata().is_ok_and(|m| m.is_dir()) {
                    return Err(user_error(
                        format!("{} is a directory, not a PSP file", p.display()),
                        "give the path of a YAML or JSON file, or `-` for stdin",
                    ));
                }
                f.take(limit)
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("cannot read {}", p.display()))?;
            }
        }
        if bytes.len() as u64 >= limit {
            return Err(user_error(
                format!(
                    "{}: input is larger than {} bytes",
                    self.origin(),
                    limit - 1
                ),
                "split the input into smaller files",
            ));
        }
        String::from_utf8(bytes).map_err(|e| {
            user_error(
                format!(
                    "{}: input is not valid UTF-8 (byte {})",
                    self.origin(),
                    e.utf8_error().valid_up_to()
                ),
                "convert the file to UTF-8 (Kubernetes manifests are UTF-8)",
            )
        })
    }
}

#[derive(Debug, Clone)]
pub enum Output {
    Stdout,
    File(PathBuf),
}

pub struct ConvertConfig {
    pub input: Input,
    pub output: Output,
    pub options: Options,
    pub fail_on_warning: bool,
    /// `--policy-set`, with its `--rbac` inputs.
    pub policy_set: Option<PolicySetInputs>,
}

/// `--policy-set` as given: the RBAC inputs still to be read.
#[derive(Debug, Clone, Default)]
pub struct PolicySetInputs {
    pub rbac: Vec<Input>,
}

/// Reads the `--rbac` inputs and resolves who may use which policy; without any, says once
/// that RBAC is not considered. `psp` is the policy input: stdin can be read only once.
pub fn policy_set_options(
    set: &PolicySetInputs,
    psp: &Input,
    reporter: &Reporter,
) -> Result<PolicySetOptions> {
    let stdin_uses = set
        .rbac
        .iter()
        .filter(|i| matches!(i, Input::Stdin))
        .count()
        + usize::from(matches!(psp, Input::Stdin));
    if stdin_uses > 1 {
        return Err(user_error(
            "stdin (`-`) given more than once among --psp-path and --rbac".into(),
            "read at most one of the inputs from stdin; give the others as files",
        ));
    }
    if set.rbac.is_empty() {
        reporter.diag("note: --policy-set without --rbac: RBAC is not considered, every policy of the set counts as usable for every pod");
        return Ok(PolicySetOptions { rbac: None });
    }
    let mut texts = Vec::new();
    for input in &set.rbac {
        texts.push((input.read_text()?, input.origin()));
    }
    let (perms, warnings) =
        crate::rbac::resolve_inputs(texts.iter().map(|(t, o)| (t.as_str(), o.as_str()))).map_err(
            |e| {
                for w in &e.warnings {
                    reporter.diag(w);
                }
                user_error(
                    e.to_string(),
                    "fix the RBAC input at the position or field shown (Roles, ClusterRoles, RoleBindings, ClusterRoleBindings as `kubectl get ... -o yaml` prints them)",
                )
            },
        )?;
    for w in &warnings {
        reporter.diag(w);
    }
    Ok(PolicySetOptions { rbac: Some(perms) })
}

/// An error whose fix is known: the message, and the hint printed below it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct UserError {
    pub message: String,
    pub hint: String,
}

fn user_error(message: String, hint: &str) -> anyhow::Error {
    UserError {
        message,
        hint: hint.to_string(),
    }
    .into()
}

/// Prints diagnostics on stderr in one style; colour only on a terminal without `NO_COLOR`.
/// Writing to a closed stderr is ignored rather than a panic.
pub struct Reporter {
    quiet: bool,
    colour: bool,
}

impl Reporter {
    pub fn new(quiet: bool) -> Self {
        let colour = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Reporter { quiet, colour }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn emit(&self, text: &str) {
        use std::io::Write;
        let _ = writeln!(std::io::stderr().lock(), "{text}");
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// A warning or note line (already prefixed `warning:` / `note:`); silent with `--quiet`.
    pub fn diag(&self, line: &str) {
        if self.quiet {
            return;
        }
        let line = if let Some(rest) = line.strip_prefix("warning:") {
            format!("{}{rest}", self.paint("1;33", "warning:"))
        } else if let Some(rest) = line.strip_prefix("note:") {
            format!("{}{rest}", self.paint("1;36", "note:"))
        } else {
            line.to_string()
        };
        self.emit(&line);
    }

    /// `error: <message>`, each cause on its own line, and a hint saying what to do.
    pub fn error(&self, e: &anyhow::Error) {
        self.emit(&format!("{} {e}", self.paint("1;31", "error:")));
        for cause in e.chain().skip(1) {
            self.emit(&format!("  caused by: {cause}"));
        }
        self.emit(&format!(
            "  {} {}",
            self.paint("1;32", "hint:"),
            hint_for(e)
        ));
    }

    /// A command-line usage error, in the same shape as [`Reporter::error`].
    pub fn usage(&self, message: &str, details: &[String], hint: &str) {
        self.emit(&format!("{} {message}", self.paint("1;31", "error:")));
        for d in details {
            let d = match d.split_once(": ") {
                Some((head, rest)) if head == "Usage" || head == "tip" => {
                    format!("{}: {rest}", head.to_lowercase())
                }
                _ => d.clone(),
            };
            self.emit(&format!("  {d}"));
        }
        self.emit(&format!("  {} {hint}", self.paint("1;32", "hint:")));
    }
}

/// What to do about an error, from the most specific thing known about it.
pub fn hint_for(e: &anyhow::Error) -> String {
    for cause in e.chain() {
        if let Some(u) = cause.downcast_ref::<UserError>() {
            return u.hint.clone();
        }
        if let Some(l) = cause.downcast_ref::<crate::psp::LoadError>() {
            return if l.message.contains("larger than") || l.message.contains(" more than ") {
                "split the input into smaller files".into()
            } else if l.line.is_some() || !l.path.is_empty() {
                "fix the input at the position or field shown; `pspconv explain <property>` describes each property".into()
            } else {
                "check that the input is a PodSecurityPolicy (policy/v1beta1) in YAML or JSON"
                    .into()
            };
        }
        if let Some(c) = cause.downcast_ref::<crate::convert::ConvertError>() {
            return match c {
                crate::convert::ConvertError::NameCollision { .. } => {
                    "rename one of the policies (metadata.name)".into()
                }
                crate::convert::ConvertError::Unsupported(_) => {
                    "change the options shown in the message".into()
                }
                _ => "change the value shown in the policy (or the --images/--namespaces flags)"
                    .into(),
            };
        }
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            return match io.kind() {
                std::io::ErrorKind::NotFound => "check that the path exists".into(),
                std::io::ErrorKind::PermissionDenied => "check the file's permissions".into(),
                _ => "check the path and that the disk is writable".into(),
            };
        }
    }
    "run `pspconv --help` for usage".into()
}

pub fn run_convert(cfg: &ConvertConfig, reporter: &Reporter) -> Result<ExitCode> {
    if let (Input::File(i), Output::File(o)) = (&cfg.input, &cfg.output) {
        if same_file(i, o) {
            return Err(user_error(
                format!(
                    "--rules-path {} is the same file as --psp-path {}: refusing to overwrite the policy",
                    o.display(),
                    i.display()
                ),
                "write the rules to another file, e.g. --rules-path psp_rules.yaml",
            ));
        }
    }
    if matches!(cfg.input, Input::Stdin) && std::io::stdin().is_terminal() {
        reporter.diag("note: reading the policy from the terminal; end it with Ctrl-D");
    }
    let mut options = cfg.options.clone();
    if let Some(set) = &cfg.policy_set {
        options.policy_set = Some(policy_set_options(set, &cfg.input, reporter)?);
    }
    let text = cfg.input.read_text()?;
    let load = if cfg.policy_set.is_some() {
        load_policy_set
    } else {
        load_policies
    };
    let loaded = load(&text, &cfg.input.origin()).inspect_err(|e| {
        for w in &e.warnings {
            reporter.diag(w);
        }
    })?;
    let conversion = convert::convert(&loaded.policies, &options)?;
    let warnings: Vec<&String> = loaded.warnings.iter().chain(&conversion.warnings).collect();
    for w in &warnings {
        reporter.diag(w);
    }
    if cfg.fail_on_warning && warnings.iter().any(|w| w.starts_with("warning:")) {
        let n = warnings
            .iter()
            .filter(|w| w.starts_with("warning:"))
            .count();
        return Err(user_error(
            format!("{n} warning(s) and --fail-on-warning given; no rules written"),
            "fix what the warnings above point at, or run without --fail-on-warning",
        ));
    }
    match &cfg.output {
        Output::Stdout => {
            // `false`: the reader went away (`| head`), which is a normal end.
            write_stdout(&conversion.text).context("cannot write to stdout")?;
        }
        Output::File(p) => {
            write_atomic(p, &conversion.text)
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// Whether two paths name one file: the same path, the same file through `./`, `..` or a
/// symbolic link, or a hard link (same device and inode).
pub fn same_file(a: &std::path::Path, b: &std::path::Path) -> bool {
    if a == b {
        return true;
    }
    if let (Ok(x), Ok(y)) = (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        if x == y {
            return true;
        }
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return x.dev() == y.dev() && x.ino() == y.ino();
        }
    }
    false
}

/// `pspconv explain [property]`: the generator's doc comment, or the list of properties.
pub fn run_explain(property: Option<&str>) -> Result<ExitCode> {
    let Some(property) = property else {
        let mut text = String::from("Properties (pspconv explain <property>):\n");
        for g in GENERATORS {
            text.push_str(&format!("  {}\n", g.property));
        }
        write_stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    };
    let wanted = EXPLAIN_ALIASES
        .iter()
        .find(|(alias, _)| alias.eq_ignore_ascii_case(property))
        .map_or(property, |(_, p)| p);
    let Some(g) = GENERATORS
        .iter()
        .find(|g| g.property.eq_ignore_ascii_case(wanted))
    else {
        let known: Vec<&str> = GENERATORS.iter().map(|g| g.property).collect();
        return Err(user_error(
            format!("unknown property {property:?}; known: {}", known.join(", ")),
            "run `pspconv explain` for the list of properties",
        ));
    };
    write_stdout(&doc_text(g.doc))?;
    Ok(ExitCode::SUCCESS)
}

/// PSP fields (and annotations) covered by a generator of another name.
const EXPLAIN_ALIASES: [(&str, &str); 7] = [
    ("defaultAddCapabilities", "allowedCapabilities"),
    ("allowedUnsafeSysctls", "sysctls"),
    ("forbiddenSysctls", "sysctls"),
    ("allowedRuntimeClassNames", "runtimeClass"),
    (
        "seccomp.security.alpha.kubernetes.io/allowedProfileNames",
        "seccomp",
    ),
    (
        "apparmor.security.beta.kubernetes.io/allowedProfileNames",
        "apparmor",
    ),
    (
        "defaultAllowPrivilegeEscalation",
        "allowPrivilegeEscalation",
    ),
];

/// The leading `//!` comment of a generator module, as plain text.
pub fn doc_text(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}
