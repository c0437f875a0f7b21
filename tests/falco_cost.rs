//! What the `falco` target's rules cost on a real Falco (SPEC §10), counted by `check --stats`
//! for the Kubernetes website's restricted PSP, and the exactness of the whole-array tests that
//! keep it low.

mod common;

use common::{fired_on, load, pod_event, rules_for};
use pspconv::check::{self, CheckOptions, CostSummary};
use pspconv::convert::Mode;
use pspconv::Target;
use serde_json::{json, Value};

const RESTRICTED: &str = include_str!("data/psp-corpus/kubernetes-website_restricted-psp.yaml");

fn cost(rules: &str, events: &str) -> CostSummary {
    let rs = load(rules, Target::Falco);
    let opts = CheckOptions::default();
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run_with_stats(&rs, events.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    s.cost.unwrap()
}

/// A container as the restricted policy wants it.
fn hardened(name: &str) -> Value {
    json!({"name": name, "image": "nginx", "securityContext": {
        "allowPrivilegeEscalation": false, "runAsNonRoot": true, "runAsUser": 1000,
        "capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}})
}

fn compliant_pod(containers: usize) -> String {
    let spec = json!({
        "containers": (0..containers).map(|i| hardened(&format!("c{i}"))).collect::<Vec<_>>(),
        "volumes": [{"name": "data", "emptyDir": {}}],
        "securityContext": {"runAsNonRoot": true, "fsGroup": 2000, "supplementalGroups": [3000],
            "seccompProfile": {"type": "RuntimeDefault"}},
    });
    let meta = json!({"annotations": {
        "container.apparmor.security.beta.kubernetes.io/c0": "runtime/default",
        "container.apparmor.security.beta.kubernetes.io/c1": "runtime/default"}});
    pod_event(spec, meta)
}

fn other_event(verb: &str) -> String {
    json!({"kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "x", "stage": "ResponseComplete",
        "verb": verb, "objectRef": {"resource": "configmaps", "namespace": "default", "name": "c"},
        "responseStatus": {"code": 200}, "stageTimestamp": "2024-05-01T10:00:00.000000Z"})
    .to_string()
}

#[test]
fn restricted_rules_are_cheap_for_compliant_pods_and_other_events() {
    let rules = rules_for(RESTRICTED, Target::Falco, Mode::Strict);
    assert!(
        rules.len() < 100_000,
        "rules file grew: {} bytes",
        rules.len()
    );
    // The pod really complies: nothing fires.
    let rs = load(&rules, Target::Falco);
    for n in [1, 2] {
        assert_eq!(
            fired_on(&rs, Target::Falco, &compliant_pod(n)),
            Vec::<String>::new()
        );
    }
    let k8s_rules = rules.matches("source: k8s_audit").count() as u64;
    // A read is rejected by each rule's first comparison.
    let reads = cost(&rules, &other_event("get"));
    assert_eq!(reads.total, k8s_rules);
    // Before the rules were ordered and gated, one compliant pod cost over 400 extractions.
    for (n, bound) in [(1, 60), (2, 70)] {
        let pod = cost(&rules, &compliant_pod(n));
        assert!(
            pod.total <= bound,
            "{n} container(s): {} extractions, over {bound}: {:#?}",
            pod.total,
            pod.per_rule
        );
    }
}

/// The required-drop check reads each container's `add` and `drop` arrays as compact JSON
/// text with one regex; only a whole element equal to the name counts.
#[test]
fn capability_arrays_match_whole_elements_only() {
    let psp = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: drop-raw\nspec:\n  requiredDropCapabilities: [NET_RAW]\n  allowedCapabilities: ['*']\n  volumes: ['*']\n";
    let psp = psp.replace("  allowedCapabilities: ['*']\n", "");
    let rules = load(&rules_for(&psp, Target::Falco, Mode::Strict), Target::Falco);
    let caps = |add: Value, drop: Value| {
        let spec = json!({"containers": [
            {"name": "a", "image": "x", "securityContext": {"capabilities": {"drop": ["ALL"]}}},
            {"name": "b", "image": "x", "securityContext": {"capabilities": {"add": add, "drop": drop}}}]});
        let fired = fired_on(&rules, Target::Falco, &pod_event(spec, json!({})));
        fired.iter().any(|r| r.contains("requiredDropCapabilities"))
    };
    // Dropped as a whole element (first, middle, last, or by ALL): compliant.
    assert!(!caps(json!([]), json!(["NET_RAW"])));
    assert!(!caps(json!([]), json!(["CHOWN", "NET_RAW", "KILL"])));
    assert!(!caps(json!([]), json!(["CHOWN", "NET_RAW"])));
    assert!(!caps(json!([]), json!(["ALL"])));
    // Names that merely contain it, or a quoted copy inside another name, do not count.
    assert!(caps(json!([]), json!(["XNET_RAW", "NET_RAWX"])));
    assert!(caps(json!([]), json!(["a\",\"NET_RAW\",\"b"])));
    assert!(caps(json!([]), json!(["ALLX", "XALL"])));
    // Added as a whole element: a violation even when dropped.
    assert!(caps(json!(["NET_RAW"]), json!(["ALL"])));
    assert!(caps(json!(["KILL", "NET_RAW"]), json!(["ALL"])));
    assert!(!caps(json!(["XNET_RAW", "a\",\"NET_RAW"]), json!(["ALL"])));
}
