//! The pspconv Falco plugin's fields: the one table of their names, types, arguments and
//! meanings, and the values each gives for an event. Shared by the plugin crate (`plugin/`)
//! and by `check --target plugin`, so that the dry run reads exactly what Falco would.
//!
//! | field | type | value |
//! |---|---|---|
//! | `psp.evaluated` | string | `true` for a pod creation the plugin evaluated (verb `create`, resource `pods`, no subresource, stage `ResponseComplete`, 2xx response), `false` for every other audit event, malformed ones included |
//! | `psp.violated[<policy>]` | string | `true` when the evaluated pod violates the policy (in the plugin's mode), `false` when it complies or is outside the policy's scope; no value on other events |
//! | `psp.violations[<policy>]` | list | the violated properties, named as in the `falco` target's rule names (`privileged`, `runAsUser=MustRunAs`, ...); no value when there are none |
//! | `psp.reason[<policy>]` | string | why, in words: each violation's container or volume and offending value, joined with `; `; no value when there is none |
//! | `psp.loaded[<policy>]` | string | `true` when the plugin has the policy, `false` otherwise, on every event (the event is not read) |
//! | `psp.policies` | list | the names of the loaded policies |
//! | `psp.mode` | string | the plugin's mode: `strict`, `admission` or `declared` |
//!
//! `<policy>` is the policy's `metadata.name` or its safe name (`no privileged` and
//! `no_privileged` both name the policy `no privileged`), so that rules can always use a plain
//! bracket argument. **A policy the plugin does not have** gives `psp.loaded` = `false` and no
//! value for `psp.violated`, `psp.violations` and `psp.reason`: every comparison on those is then
//! false, so a violation rule stays quiet, and the out-of-sync guard rule
//! (`psp.loaded[x] = false and psp.evaluated = true`) fires instead, once per evaluated pod.
//!
//! Every value is a string, as the k8saudit plugin's are: rules compare with `= true`,
//! `intersects (...)` and `exists`, the same on Falco and in `check`.

use std::collections::HashMap;

use crate::convert::safe_name;
use crate::evaluate::{EventVerdict, PolicyEvaluator};

/// What a field reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FieldKind {
    Evaluated,
    Violated,
    Violations,
    Reason,
    Loaded,
    Policies,
    Mode,
}

/// One field of the plugin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PluginField {
    pub name: &'static str,
    pub kind: FieldKind,
    /// List-typed: Falco allows only `in`, `intersects` and `exists` on it.
    pub list: bool,
    /// Takes a required `[<policy>]` argument.
    pub per_policy: bool,
    pub description: &'static str,
}

/// Every field, in the order the plugin declares them.
pub const FIELDS: &[PluginField] = &[
    PluginField {
        name: "psp.evaluated",
        kind: FieldKind::Evaluated,
        list: false,
        per_policy: false,
        description: "'true' when the event is a successful pod creation the plugin evaluated, 'false' for any other audit event",
    },
    PluginField {
        name: "psp.violated",
        kind: FieldKind::Violated,
        list: false,
        per_policy: true,
        description: "'true' when the evaluated pod violates the policy named in the argument, 'false' when it complies or is out of the policy's scope; no value on other events or for a policy the plugin does not have",
    },
    PluginField {
        name: "psp.violations",
        kind: FieldKind::Violations,
        list: true,
        per_policy: true,
        description: "The properties of the policy named in the argument that the evaluated pod violates, named as in pspconv's rule names (privileged, runAsUser=MustRunAs, ...)",
    },
    PluginField {
        name: "psp.reason",
        kind: FieldKind::Reason,
        list: false,
        per_policy: true,
        description: "Why the evaluated pod violates the policy named in the argument: the container or volume and the offending value of each violation",
    },
    PluginField {
        name: "psp.loaded",
        kind: FieldKind::Loaded,
        list: false,
        per_policy: true,
        description: "'true' when the plugin has loaded the policy named in the argument, else 'false' (rules and plugin configuration out of sync)",
    },
    PluginField {
        name: "psp.policies",
        kind: FieldKind::Policies,
        list: true,
        per_policy: false,
        description: "The names of the policies the plugin has loaded",
    },
    PluginField {
        name: "psp.mode",
        kind: FieldKind::Mode,
        list: false,
        per_policy: false,
        description: "The plugin's mode: strict, admission or declared",
    },
];

/// The field named `name`.
pub fn field(name: &str) -> Option<&'static PluginField> {
    FIELDS.iter().find(|f| f.name == name)
}

/// Two loaded policies that one field argument could not tell apart.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("policies {first:?} ({first_doc}) and {second:?} ({second_doc}) are both named {key:?} in field arguments; rename one")]
pub struct AmbiguousPolicy {
    pub first: String,
    pub first_doc: String,
    pub second: String,
    pub second_doc: String,
    pub key: String,
}

/// The evaluator and the index of its policies by name and by safe name: what the fields read.
#[derive(Debug)]
pub struct PluginState {
    pub evaluator: PolicyEvaluator,
    by_name: HashMap<String, usize>,
}

impl PluginState {
    /// Indexes the evaluator's policies; two that share a name or a safe name are refused.
    pub fn new(evaluator: PolicyEvaluator) -> Result<Self, AmbiguousPolicy> {
        let mut by_name: HashMap<String, usize> = HashMap::new();
        for (i, p) in evaluator.policies.iter().enumerate() {
            let safe = safe_name(&p.name);
            for key in [p.name.clone(), safe] {
                match by_name.get(&key) {
                    Some(&j) if j != i => {
                        let first = &evaluator.policies[j];
                        return Err(AmbiguousPolicy {
                            first: first.name.clone(),
                            first_doc: first.policy.source.clone(),
                            second: p.name.clone(),
                            second_doc: p.policy.source.clone(),
                            key,
                        });
                    }
                    _ => {
                        by_name.insert(key, i);
                    }
                }
            }
        }
        Ok(PluginState { evaluator, by_name })
    }

    /// The index of the policy a field argument names (its name or its safe name).
    pub fn policy(&self, arg: &str) -> Option<usize> {
        self.by_name.get(arg).copied()
    }

    /// Judges one audit event (its JSON): `None` when it is not an evaluated pod creation.
    pub fn evaluate_event(&self, event: &[u8]) -> Option<EventVerdict> {
        self.evaluator.evaluate_event(event)
    }

    /// The values of `field` (with its bracket argument) for an event whose verdict is
    /// `verdict` (`None`: not an evaluated pod creation). Empty means no value.
    pub fn values(
        &self,
        field: &PluginField,
        arg: Option<&str>,
        verdict: Option<&EventVerdict>,
    ) -> Vec<String> {
        let policy = arg.and_then(|a| self.policy(a));
        let judged = verdict.zip(policy).map(|(v, i)| &v.per_policy[i]);
        let flag = |b: bool| vec![if b { "true" } else { "false" }.to_string()];
        match field.kind {
            FieldKind::Evaluated => flag(verdict.is_some()),
            FieldKind::Loaded => flag(policy.is_some()),
            FieldKind::Mode => vec![self.evaluator.mode.name().to_string()],
            FieldKind::Policies => self
                .evaluator
                .policies
                .iter()
                .map(|p| p.name.clone())
                .collect(),
            FieldKind::Violated => judged.map(|j| flag(!j.admits())).unwrap_or_default(),
            FieldKind::Violations => judged
                .map(|j| j.properties().map(str::to_string).collect())
                .unwrap_or_default(),
            FieldKind::Reason => judged
                .filter(|j| !j.admits())
                .map(|j| vec![j.reason()])
                .unwrap_or_default(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_names_are_unique_and_under_psp() {
        for (i, f) in FIELDS.iter().enumerate() {
            assert!(f.name.starts_with("psp."));
            assert!(FIELDS[..i].iter().all(|g| g.name != f.name));
        }
    }
}
