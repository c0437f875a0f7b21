//! The native evaluator as a further judge in the semantic tests: the same PSP, pod and mode,
//! evaluated by `pspconv::evaluate`, must violate the same properties as the `falco` target's
//! rules fire for.
#![allow(dead_code)]

use pspconv::convert::Mode;
use pspconv::evaluate::{Pod, PolicyEvaluator};
use pspconv::psp::load_policies;
use serde_json::Value;

/// The evaluator for the policies of `psp` (YAML) in `mode`.
pub fn evaluator(psp: &str, mode: Mode) -> PolicyEvaluator {
    let loaded = load_policies(psp, "test.yaml").expect("test PSP loads");
    PolicyEvaluator::new(&loaded.policies, mode, &[], &[]).expect("evaluator builds")
}

/// Labels (`privileged`, `runAsUser=MustRunAs`...) the first policy of `psp` finds violated
/// by the pod created in the audit event `event` (one JSON line), which must be an evaluated
/// pod creation.
pub fn violated_by_event(psp: &str, mode: Mode, event: &str) -> Vec<String> {
    let verdict = evaluator(psp, mode)
        .evaluate_event(event.trim().as_bytes())
        .unwrap_or_else(|| panic!("not an evaluated pod creation: {event}"));
    verdict.per_policy[0]
        .properties()
        .map(str::to_string)
        .collect()
}

/// As [`violated_by_event`], for a pod manifest (`{"metadata": ..., "spec": ...}`) created in
/// namespace `default`.
pub fn violated_by_pod(psp: &str, mode: Mode, pod: &Value) -> Vec<String> {
    let pod: Pod = serde_json::from_value(pod.clone()).expect("test pod parses");
    evaluator(psp, mode).evaluate(&pod, "default")[0]
        .properties()
        .map(str::to_string)
        .collect()
}

/// The labels of the K8s audit violation rules among `fired` rule names
/// (`PSP <name> Violation (<label>) K8s Audit`), or `None` when a "too large" rule fired (the
/// rules then do not claim to have judged the pod).
pub fn fired_labels(fired: &[String]) -> Option<Vec<String>> {
    if fired.iter().any(|n| n.contains("Too Large")) {
        return None;
    }
    let mut labels: Vec<String> = fired
        .iter()
        .filter_map(|n| {
            let rest = n.split_once(" Violation (")?.1;
            rest.strip_suffix(") K8s Audit").map(str::to_string)
        })
        .collect();
    labels.sort();
    labels.dedup();
    Some(labels)
}
