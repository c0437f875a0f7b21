//! Helpers shared by the tests: PSP and pod builders, converting a PSP and running the rules
//! through `check` on audit events built from pod specs (which rules fired), and, in [`cli`],
//! running the binary.
#![allow(dead_code)]

pub mod cli;
pub mod native;

use pspconv::check::{self, CheckOptions};
use pspconv::convert::{convert, Mode, Options, Sources};
use pspconv::psp::load_policies;
use pspconv::Target;
use serde_json::{json, Value};

pub const MODES: [Mode; 3] = [Mode::Admission, Mode::Declared, Mode::Strict];
pub const TARGETS: [Target; 2] = [Target::Falco, Target::Legacy];

/// Converts `psp` (YAML) to rules text.
pub fn rules_for(psp: &str, target: Target, mode: Mode) -> String {
    let loaded = load_policies(psp, "test.yaml").expect("test PSP loads");
    let opts = Options {
        target,
        mode,
        sources: Sources::All,
        ..Options::default()
    };
    convert(&loaded.policies, &opts)
        .expect("test PSP converts")
        .text
}

/// Loads rules text into check, asserting Falco would load it without any warning for the
/// current target (SPEC §3: the output is free of Falco load warnings).
pub fn load(rules: &str, target: Target) -> check::RuleSet {
    let set = check::load(rules, "rules.yaml", target)
        .unwrap_or_else(|e| panic!("rules load: {e}\n{rules}"));
    if target == Target::Falco {
        let warnings: Vec<String> = set.warnings.iter().map(|w| w.to_string()).collect();
        assert!(warnings.is_empty(), "load warnings: {warnings:#?}");
    }
    set
}

/// Names of the rules that fired on `events` (JSON lines), each once per alert.
pub fn fired_on(rules: &check::RuleSet, target: Target, events: &str) -> Vec<String> {
    let mut names = Vec::new();
    for (rule, count) in alerts_on(rules, target, events) {
        for _ in 0..count {
            names.push(rule.clone());
        }
    }
    names
}

/// Alerts per rule (every rule of the set, in file order, with its count) on `events`.
pub fn alerts_on(rules: &check::RuleSet, target: Target, events: &str) -> Vec<(String, u64)> {
    let opts = CheckOptions {
        target,
        ..CheckOptions::default()
    };
    let mut out = Vec::new();
    let mut diag = Vec::new();
    let summary =
        check::run(rules, events.as_bytes(), &opts, &mut out, &mut diag).expect("check runs");
    assert_eq!(
        summary.invalid_events,
        0,
        "invalid events: {}",
        String::from_utf8_lossy(&diag)
    );
    summary.per_rule
}

/// Converts and evaluates in one go: the rules of `psp` that fire on a pod with `spec`.
pub fn fired(psp: &str, target: Target, mode: Mode, spec: Value) -> Vec<String> {
    let rules = load(&rules_for(psp, target, mode), target);
    let event = pod_event(spec, json!({}));
    let names = fired_on(&rules, target, &event);
    // The native evaluator, a further judge: it violates what the `falco` target fires for.
    if let (Target::Falco, Some(want)) = (target, native::fired_labels(&names)) {
        let mut got = native::violated_by_event(psp, mode, &event);
        got.sort();
        assert_eq!(got, want, "native evaluator vs falco rules, {mode:?}");
    }
    names
}

/// A successful pod-create audit event (one JSON line) for a pod `spec` and `metadata`.
pub fn pod_event(spec: Value, metadata: Value) -> String {
    let mut meta = json!({"name": "test-pod", "namespace": "default"});
    if let (Some(m), Some(extra)) = (meta.as_object_mut(), metadata.as_object()) {
        for (k, v) in extra {
            m.insert(k.clone(), v.clone());
        }
    }
    let pod = json!({"kind": "Pod", "apiVersion": "v1", "metadata": meta, "spec": spec});
    let event = json!({
        "kind": "Event",
        "apiVersion": "audit.k8s.io/v1",
        "level": "RequestResponse",
        "auditID": "00000000-0000-0000-0000-000000000001",
        "stage": "ResponseComplete",
        "requestURI": "/api/v1/namespaces/default/pods",
        "verb": "create",
        "user": {"username": "tester"},
        "objectRef": {"resource": "pods", "namespace": "default", "apiVersion": "v1"},
        "responseStatus": {"metadata": {}, "code": 201},
        "requestObject": pod,
        "responseObject": pod,
        "requestReceivedTimestamp": "2024-01-01T00:00:00.000000Z",
        "stageTimestamp": "2024-01-01T00:00:00.000000Z",
    });
    format!("{event}\n")
}

/// A container with the given securityContext (none when `null`).
pub fn container(name: &str, security_context: Value) -> Value {
    if security_context.is_null() {
        container_with(name, json!({}))
    } else {
        container_with(name, json!({"securityContext": security_context}))
    }
}

/// A container `name` running `nginx`, with more fields (`ports`, `securityContext`...).
pub fn container_with(name: &str, fields: Value) -> Value {
    let mut c = json!({"name": name, "image": "nginx"});
    if let (Value::Object(m), Value::Object(more)) = (&mut c, fields) {
        m.extend(more);
    }
    c
}

/// A PodSecurityPolicy named `name` as YAML: `annotations` is the inside of a flow mapping
/// (`a: b, c: d`), `spec` the spec's lines, indented by two spaces.
pub fn policy_yaml(name: &str, annotations: &str, spec: &str) -> String {
    format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: {name}\n  annotations: {{{annotations}}}\nspec:\n{spec}\n"
    )
}

/// Rules of `names` whose name contains `property` (e.g. `(readOnlyRootFilesystem)`).
pub fn count(names: &[String], property: &str) -> usize {
    names.iter().filter(|n| n.contains(property)).count()
}

/// `plugin` target: `psp` (YAML) converted with one rule per policy or per property, loaded
/// (asserting no Falco load warning), with the plugin configured with the same policies in
/// the same mode, as `check --target plugin` does.
pub fn plugin_rules(psp: &str, mode: Mode, rule_per: pspconv::convert::RulePer) -> check::RuleSet {
    let loaded = load_policies(psp, "test.yaml").expect("test PSP loads");
    let opts = Options {
        target: Target::Plugin,
        mode,
        sources: Sources::All,
        rule_per,
        ..Options::default()
    };
    let text = convert(&loaded.policies, &opts)
        .expect("test PSP converts")
        .text;
    let mut set = load(&text, Target::Plugin);
    let warnings: Vec<String> = set.warnings.iter().map(|w| w.to_string()).collect();
    assert!(warnings.is_empty(), "load warnings: {warnings:#?}");
    set.attach_plugin(std::sync::Arc::new(plugin_state(&loaded.policies, mode)));
    set
}

/// The plugin's state for `policies` in `mode` (no scope overrides).
pub fn plugin_state(
    policies: &[pspconv::psp::LoadedPolicy],
    mode: Mode,
) -> pspconv::plugin_fields::PluginState {
    let settings = pspconv::plugin_config::PluginSettings {
        mode,
        ..Default::default()
    };
    pspconv::plugin_config::plugin_state(policies, &settings).expect("plugin state")
}
