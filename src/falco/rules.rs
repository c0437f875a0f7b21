//! The rules-file model: header items, lists, macros, rules and comment banners.

use super::expr::{Expr, Value};

/// One Falco rules file, in output order.
#[derive(Debug, Clone, Default)]
pub struct RulesFile {
    /// Comment lines at the very top (without `# `).
    pub header: Vec<String>,
    pub items: Vec<Item>,
}

#[derive(Debug, Clone)]
pub enum Item {
    /// A comment block; `banner` draws it as a `####` box, as the seed does per property.
    Comment {
        lines: Vec<String>,
        banner: bool,
    },
    EngineVersion(EngineVersion),
    PluginVersions(Vec<PluginRequirement>),
    List {
        name: String,
        items: Vec<Value>,
    },
    Macro {
        name: String,
        condition: Expr,
    },
    Rule(Rule),
}

/// `required_engine_version`: an integer (legacy, `5`) or a semver string (`0.43.0`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EngineVersion {
    Int(u32),
    Semver(u32, u32, u32),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PluginRequirement {
    pub name: &'static str,
    pub version: &'static str,
    pub alternatives: Vec<(&'static str, &'static str)>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    K8sAudit,
    Syscall,
}

impl Source {
    pub fn name(self) -> &'static str {
        match self {
            Source::K8sAudit => "k8s_audit",
            Source::Syscall => "syscall",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub name: String,
    pub desc: String,
    pub condition: Expr,
    pub output: String,
    pub priority: &'static str,
    pub source: Source,
    pub tags: Vec<String>,
    /// Lets a Falco without the container plugin skip this rule with a warning (SPEC §4).
    pub skip_if_unknown_filter: bool,
}

impl RulesFile {
    pub fn rules(&self) -> impl Iterator<Item = &Rule> {
        self.items.iter().filter_map(|i| match i {
            Item::Rule(r) => Some(r),
            _ => None,
        })
    }
}
