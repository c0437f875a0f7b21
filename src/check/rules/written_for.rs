//! Which Falco a rules file was written for, read from the file itself, so that
//! `pspconv check --rules-path FILE` without `--target` evaluates it with the semantics it
//! was written for (a legacy file evaluated as current Falco reports false violations: `<NA>`
//! idioms mean nothing to the plugins).
//!
//! The evidence, strongest first:
//! - `required_engine_version`: legacy Falco (0.18–0.31) declares an integer engine version up
//!   to 11 (pspconv's legacy files say `5`); current Falco files declare a semver (`0.39.0`)
//!   or a version only newer engines have.
//! - `required_plugin_versions`: plugins (`k8saudit`, `json`, `container`) mean current Falco.
//! - fields: `jevt.*` exists only in the built-in K8s audit engine of legacy Falco;
//!   `json.value[...]` and `container.*` only with current Falco's plugins.
//!
//! - `required_plugin_versions` naming `pspconv`: rules reading pspconv's own plugin (`plugin`
//!   target), stronger than the engine version those files also declare.

use crate::yaml::Value;
use crate::Target;

/// The target a rules file was written for, and why we think so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DetectedTarget {
    pub target: Target,
    /// What in the file says so, for the user (`required_engine_version: 5, jevt.* fields`).
    pub evidence: String,
}

/// One hint about the target, with its strength (higher wins).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Signal {
    target: Target,
    strength: u8,
    says: String,
}

/// Engine versions up to this one exist in legacy Falco (0.31 had engine 11).
const LAST_LEGACY_ENGINE: u64 = 11;

/// Reads the target from the rules text; `None` when the file says nothing either way (or is
/// not a readable rules file: loading it reports that properly).
pub fn detect_target(text: &str) -> Option<DetectedTarget> {
    let docs = crate::yaml::load_all(text).ok()?;
    let mut signals = Vec::new();
    let mut fields = FieldPrefixes::default();
    for item in docs.iter().filter_map(Value::as_sequence).flatten() {
        if let Some(v) = item.get("required_engine_version") {
            signals.extend(engine_version_signal(v));
        }
        if let Some(v) = item.get("required_plugin_versions") {
            signals.extend(plugin_signals(v));
        }
        for key in ["condition", "output"] {
            if let Some(Value::String(s)) = item.get(key) {
                fields.scan(s);
            }
        }
    }
    signals.extend(fields.signals());
    decide(signals)
}

/// The strongest signal's target, with the signals of that strength as the evidence.
fn decide(signals: Vec<Signal>) -> Option<DetectedTarget> {
    let top = signals.iter().max_by_key(|s| s.strength)?;
    let (strongest, strength) = (top.target, top.strength);
    let mut says: Vec<String> = Vec::new();
    for s in signals
        .into_iter()
        .filter(|s| s.target == strongest && s.strength == strength)
    {
        if !says.contains(&s.says) {
            says.push(s.says);
        }
    }
    Some(DetectedTarget {
        target: strongest,
        evidence: says.join(", "),
    })
}

fn engine_version_signal(v: &Value) -> Option<Signal> {
    let (minor, shown) = match v {
        Value::Number(n) => (n.as_u64()?, n.to_string()),
        Value::String(s) => {
            let s = s.trim();
            let minor = match s.parse::<u64>() {
                Ok(n) => n,
                Err(_) => {
                    let mut parts = s.split('.');
                    let major = parts.next()?.parse::<u64>().ok()?;
                    let minor = parts.next()?.parse::<u64>().ok()?;
                    if major > 0 {
                        u64::MAX
                    } else {
                        minor
                    }
                }
            };
            (minor, format!("{s:?}"))
        }
        _ => return None,
    };
    let target = if minor <= LAST_LEGACY_ENGINE {
        Target::Legacy
    } else {
        Target::Falco
    };
    let why = match target {
        Target::Legacy => "an engine of Falco 0.31 or older",
        _ => "an engine newer than legacy Falco's",
    };
    Some(Signal {
        target,
        strength: 3,
        says: format!("required_engine_version: {shown}, {why}"),
    })
}

fn plugin_signals(v: &Value) -> Vec<Signal> {
    let names = v
        .as_sequence()
        .into_iter()
        .flatten()
        .filter_map(|p| p.get("name").and_then(Value::as_str));
    names
        .filter_map(|n| match n {
            // Rules reading pspconv's own plugin also declare a current engine version.
            "pspconv" => Some(Signal {
                target: Target::Plugin,
                strength: 4,
                says: "required_plugin_versions names pspconv".to_string(),
            }),
            "k8saudit" | "json" | "container" => Some(Signal {
                target: Target::Falco,
                strength: 2,
                says: format!("required_plugin_versions names {n}"),
            }),
            _ => None,
        })
        .collect()
}

/// Which target-specific field families the conditions and outputs use.
#[derive(Default)]
struct FieldPrefixes {
    jevt: bool,
    json_value: bool,
    container_plugin: bool,
}

impl FieldPrefixes {
    fn scan(&mut self, text: &str) {
        self.jevt |= uses_field(text, "jevt.");
        self.json_value |= uses_field(text, "json.value[");
        self.container_plugin |= uses_field(text, "container.host_");
    }

    fn signals(&self) -> Vec<Signal> {
        let mut out = Vec::new();
        let mut add = |on: bool, target, says: &str| {
            if on {
                out.push(Signal {
                    target,
                    strength: 1,
                    says: says.to_string(),
                });
            }
        };
        add(
            self.jevt,
            Target::Legacy,
            "jevt.* fields, which only legacy Falco has",
        );
        add(
            self.json_value,
            Target::Falco,
            "json.value[...] fields of the json plugin",
        );
        add(
            self.container_plugin,
            Target::Falco,
            "container.host_* fields of the container plugin",
        );
        out
    }
}

/// Whether `prefix` starts a field name somewhere in `text` (not inside a longer identifier).
fn uses_field(text: &str, prefix: &str) -> bool {
    text.match_indices(prefix).any(|(i, _)| {
        text[..i]
            .chars()
            .next_back()
            .is_none_or(|c| !(c.is_ascii_alphanumeric() || c == '_' || c == '.'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn detect(text: &str) -> Option<(Target, String)> {
        detect_target(text).map(|d| (d.target, d.evidence))
    }

    #[test]
    fn legacy_engine_version_and_jevt_fields() {
        let text = "- required_engine_version: 5\n\
                    - rule: r\n  desc: d\n  condition: jevt.value[/verb]=create\n  output: o\n  priority: INFO\n";
        let (target, evidence) = detect(text).unwrap();
        assert_eq!(target, Target::Legacy);
        assert!(
            evidence.contains("required_engine_version: 5"),
            "{evidence}"
        );
        assert!(
            !evidence.contains("jevt.*"),
            "only the strongest evidence: {evidence}"
        );
    }

    #[test]
    fn rules_requiring_the_pspconv_plugin_are_plugin_rules() {
        let text = "- required_engine_version: 0.39.0\n\
                    - required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n  - name: pspconv\n    version: 0.1.0\n";
        let (target, evidence) = detect(text).unwrap();
        assert_eq!(target, Target::Plugin);
        assert!(evidence.contains("names pspconv"), "{evidence}");
    }

    #[test]
    fn semver_engine_version_is_current_falco() {
        let text = "- required_engine_version: 0.39.0\n- list: l\n  items: [a]\n";
        let (target, evidence) = detect(text).unwrap();
        assert_eq!(target, Target::Falco);
        assert!(evidence.contains("\"0.39.0\""), "{evidence}");
    }

    #[test]
    fn old_semver_engine_version_is_legacy() {
        assert_eq!(
            detect("- required_engine_version: 0.11.0\n").unwrap().0,
            Target::Legacy
        );
        assert_eq!(
            detect("- required_engine_version: 12\n").unwrap().0,
            Target::Falco
        );
    }

    #[test]
    fn fields_alone_decide_without_a_version() {
        let legacy = "- macro: m\n  condition: jevt.value[/x] exists\n";
        assert_eq!(detect(legacy).unwrap().0, Target::Legacy);
        let current = "- macro: m\n  condition: json.value[/x] exists\n";
        assert_eq!(detect(current).unwrap().0, Target::Falco);
        // `myjevt.x` is not a jevt field.
        assert_eq!(detect("- macro: m\n  condition: myjevt.x=1\n"), None);
    }

    #[test]
    fn plugin_requirements_mean_current_falco() {
        let text = "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n";
        assert_eq!(detect(text).unwrap().0, Target::Falco);
    }

    #[test]
    fn the_declared_version_outweighs_fields() {
        let text = "- required_engine_version: 5\n- macro: m\n  condition: json.value[/x] exists\n";
        let (target, evidence) = detect(text).unwrap();
        assert_eq!(target, Target::Legacy);
        assert!(!evidence.contains("json"), "{evidence}");
    }

    #[test]
    fn nothing_said_or_not_yaml() {
        assert_eq!(detect("- list: l\n  items: [a]\n"), None);
        assert_eq!(detect("- rule: [unclosed\n"), None);
    }
}
