//! `check --stats`: the extraction counts of Falco's evaluator on hand-made rules whose cost is
//! known by reading them (left-to-right short-circuit, every rule on every event, one
//! extraction per evaluated comparison, macros and lists expanded, nothing shared).

use pspconv::check::{self, CheckOptions, CostSummary, RuleMatching};
use pspconv::Target;

fn event(verb: &str, resource: &str, id: &str, spec: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"{id}","stage":"ResponseComplete","verb":"{verb}","objectRef":{{"resource":"{resource}","namespace":"ns"}},"responseStatus":{{"code":201}},"requestObject":{{"spec":{spec}}},"stageTimestamp":"2024-05-01T10:00:00.000000Z"}}"#
    )
}

fn rule(name: &str, condition: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {condition}\n  output: o\n  priority: WARNING\n  source: k8s_audit\n")
}

fn stats(rules: &str, events: &[String], m: RuleMatching) -> CostSummary {
    let rs = check::load(rules, "t", Target::Falco).unwrap();
    let opts = CheckOptions {
        target: Target::Falco,
        json: false,
        rule_matching: m,
    };
    let text = events.join("\n");
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run_with_stats(&rs, text.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    s.cost.expect("stats asked for")
}

fn pod(id: &str, spec: &str) -> String {
    event("create", "pods", id, spec)
}

#[test]
fn and_or_short_circuit_left_to_right() {
    let rules = [
        rule("A", "ka.verb=create and ka.target.resource=pods"),
        rule("O", "ka.verb=get or ka.verb=create or ka.verb=list"),
    ]
    .concat();
    let events = [
        event("get", "pods", "e1", "{}"),
        pod("e2", "{}"),
        event("create", "configmaps", "e3", "{}"),
    ];
    let s = stats(&rules, &events, RuleMatching::All);
    // A: get stops after ka.verb (1); pod creation 2; configmap creation 2.
    // O: get is decided by the first disjunct (1); create needs two (2, 2).
    assert_eq!(s.per_rule[0].total, 1 + 2 + 2);
    assert_eq!(s.per_rule[1].total, 1 + 2 + 2);
    assert_eq!(s.per_rule[0].max, 2);
    assert_eq!(s.total, 10);
    assert_eq!(s.events, 3);
    assert_eq!(s.pod_creations, 1);
    assert_eq!(s.pod_creation_total, 4);
    let worst = s.worst.unwrap();
    assert_eq!((worst.extractions, worst.line), (4, 2));
    assert_eq!(worst.audit_id.as_deref(), Some("e2"));
}

#[test]
fn not_costs_nothing_and_repeated_comparisons_cost_each_time() {
    // The same comparison twice in one rule and once in another: Falco extracts each time.
    let rules = [
        rule(
            "Twice",
            "not ka.verb=get and (ka.target.resource=secrets or ka.target.resource=pods)",
        ),
        rule("Again", "ka.target.resource=pods"),
    ]
    .concat();
    let s = stats(&rules, &[pod("p", "{}")], RuleMatching::All);
    assert_eq!(s.per_rule[0].total, 3);
    assert_eq!(s.per_rule[1].total, 1);
    assert_eq!(s.total, 4);
}

#[test]
fn macros_lists_and_list_fields_are_expanded_before_counting() {
    let rules = format!(
        "- list: verbs\n  items: [create, update]\n- macro: pod_write\n  condition: ka.verb in (verbs) and ka.target.resource=pods\n{}",
        [
            rule(
                "M",
                "pod_write and json.value[/requestObject/spec/containers/0] exists and ka.req.pod.containers.privileged intersects (true)",
            ),
            rule("Field to field", "json.value[/requestObject/spec/a] = val(ka.verb)"),
        ]
        .concat()
    );
    let privileged = pod(
        "p1",
        r#"{"containers":[{"name":"a","securityContext":{"privileged":true}}],"a":"create"}"#,
    );
    let plain = pod("p2", r#"{"containers":[]}"#);
    let deletion = event("delete", "pods", "d", "{}");
    let s = stats(&rules, &[privileged, plain, deletion], RuleMatching::All);
    // M: 4 for the privileged pod, 3 for the pod without containers, 1 for the deletion.
    assert_eq!(s.per_rule[0].total, 4 + 3 + 1);
    assert_eq!(s.per_rule[0].max, 4);
    // A `val(...)` comparison extracts both fields.
    assert_eq!(s.per_rule[1].total, 2 * 3);
    assert!((s.per_pod_creation() - (6.0 + 5.0) / 2.0).abs() < 1e-9);
}

#[test]
fn rule_matching_first_stops_at_the_first_rule_that_fires() {
    let rules = [
        rule("Pods", "ka.target.resource=pods"),
        rule("Create", "ka.verb=create and ka.target.resource=pods"),
    ]
    .concat();
    let events = [pod("p", "{}")];
    assert_eq!(stats(&rules, &events, RuleMatching::All).total, 3);
    assert_eq!(stats(&rules, &events, RuleMatching::First).total, 1);
}

#[test]
fn events_no_rule_can_match_are_counted_too() {
    // check skips such events without parsing them; Falco still evaluates every rule.
    let rules = rule("A", "ka.verb=create and ka.target.resource=pods");
    let events: Vec<String> = (0..5)
        .map(|i| event("watch", "leases", &format!("w{i}"), "{}"))
        .collect();
    let s = stats(&rules, &events, RuleMatching::All);
    assert_eq!((s.events, s.total, s.pod_creations), (5, 5, 0));
    assert_eq!(s.per_event(), 1.0);
}
