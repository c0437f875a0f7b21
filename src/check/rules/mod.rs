//! Loading a Falco rules file the way Falco's rule loader does (falco `rule_loader_reader.cpp`,
//! `rule_loader_collector.cpp`, `rule_loader_compiler.cpp`): lists, macros, rules, appends and
//! overrides, exceptions, version requirements; then every rule is expanded, validated for
//! its source and, for `k8s_audit`, compiled for evaluation.

mod checks;
mod collect;
mod exceptions;
mod lists;
mod reader;
mod validate;
mod versions;
mod written_for;

pub use written_for::{detect_target, DetectedTarget};

use super::compile::CompiledRules;
use super::condition::Expr;
use crate::Target;
use std::fmt;

/// Falco rule priorities, most severe first (`falco_common::priority_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Priority {
    Emergency,
    Alert,
    Critical,
    Error,
    Warning,
    Notice,
    Informational,
    Debug,
}

impl Priority {
    /// Case-insensitive, with the `INFO` alias (`falco_common::parse_priority`).
    pub fn parse(s: &str) -> Option<Priority> {
        Some(match s.to_ascii_lowercase().as_str() {
            "emergency" => Priority::Emergency,
            "alert" => Priority::Alert,
            "critical" => Priority::Critical,
            "error" => Priority::Error,
            "warning" => Priority::Warning,
            "notice" => Priority::Notice,
            "informational" | "info" => Priority::Informational,
            "debug" => Priority::Debug,
            _ => return None,
        })
    }

    /// As Falco prints it in alerts (`format_priority`, long form).
    pub fn as_str(self) -> &'static str {
        match self {
            Priority::Emergency => "Emergency",
            Priority::Alert => "Alert",
            Priority::Critical => "Critical",
            Priority::Error => "Error",
            Priority::Warning => "Warning",
            Priority::Notice => "Notice",
            Priority::Informational => "Informational",
            Priority::Debug => "Debug",
        }
    }
}

impl fmt::Display for Priority {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One loaded rule, its condition fully expanded (macros inlined, exceptions appended, lists
/// expanded).
#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub desc: String,
    pub condition: Expr,
    pub output: String,
    pub priority: Priority,
    pub source: String,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub skip_if_unknown_filter: bool,
}

/// A Falco load warning, with Falco's code (`LOAD_UNUSED_MACRO`, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoadWarning {
    pub code: &'static str,
    /// `rule 'X'`, `macro 'Y'`, `list 'Z'` or `file`.
    pub item: String,
    pub message: String,
}

impl fmt::Display for LoadWarning {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{}: {}: {}", self.code, self.item, self.message)
    }
}

/// A load failure: Falco would refuse the whole file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{origin}{}: {item}: {message}", line.map(|l| format!(":{l}")).unwrap_or_default())]
pub struct LoadError {
    pub origin: String,
    /// 1-based line of the offending item, when it could be located.
    pub line: Option<usize>,
    /// `rule 'X'`, `macro 'Y'`, `list 'Z'`, `item N` or `file`.
    pub item: String,
    pub message: String,
}

/// A loaded rules file.
pub struct RuleSet {
    pub origin: String,
    pub target: Target,
    /// All rules in file order, every source (syscall rules are validated, not evaluated).
    pub rules: Vec<Rule>,
    pub warnings: Vec<LoadWarning>,
    /// `required_engine_version` as semver, if declared.
    pub required_engine_version: Option<String>,
    pub(crate) compiled: CompiledRules,
    /// The pspconv plugin's policies that `psp.*` fields read (`plugin` target); see
    /// [`RuleSet::attach_plugin`].
    pub(crate) plugin: Option<std::sync::Arc<crate::plugin_fields::PluginState>>,
}

impl fmt::Debug for RuleSet {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.debug_struct("RuleSet")
            .field("origin", &self.origin)
            .field("rules", &self.rules)
            .field("warnings", &self.warnings)
            .finish()
    }
}

impl RuleSet {
    /// Evaluates the `psp.*` fields of these rules with the pspconv plugin's policies, as the
    /// plugin configured with them would (`plugin` target). Without it they have no value.
    pub fn attach_plugin(&mut self, state: std::sync::Arc<crate::plugin_fields::PluginState>) {
        self.plugin = Some(state);
    }

    pub fn rule(&self, name: &str) -> Option<&Rule> {
        self.rules.iter().find(|r| r.name == name)
    }
}

/// Loads a rules file (YAML text). `origin` names it in messages.
pub fn load(text: &str, origin: &str, target: Target) -> Result<RuleSet, LoadError> {
    let with_line = |mut e: LoadError| {
        if e.line.is_none() {
            if let Some((kind, rest)) = e.item.split_once(" '") {
                e.line = reader::find_line(text, kind, rest.trim_end_matches('\''));
            }
        }
        e
    };
    let items = reader::read(text, origin, target).map_err(with_line)?;
    let mut warnings = items.warnings.clone();
    let collected = collect::collect(&items, origin, target, &mut warnings).map_err(with_line)?;
    let (rules, compiled) =
        validate::finish(collected, text, origin, target, &mut warnings).map_err(with_line)?;
    Ok(RuleSet {
        origin: origin.to_string(),
        target,
        rules,
        warnings,
        required_engine_version: items.engine_version,
        compiled,
        plugin: None,
    })
}
