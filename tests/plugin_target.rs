//! The `plugin` target (SPEC §8): rules that read the pspconv plugin's fields, evaluated with
//! `check --target plugin` (the native evaluator behind `psp.*`, as the plugin itself): one
//! alert per violating pod, per-property rules named as in the `falco` target, the
//! out-of-sync guard, field arguments for any policy name, no Falco load warning, and the
//! size of the rules.

mod common;
use common::*;
use pspconv::convert::{convert, Mode, Options, RulePer, Sources};
use pspconv::psp::load_policies;
use pspconv::Target;
use serde_json::json;
use std::process::Command;

const NO_PRIVILEGED: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: no-privileged
spec:
  privileged: false
  readOnlyRootFilesystem: true
";

const OTHER: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: other
spec:
  hostNetwork: false
";

fn plugin_text(psp: &str, mode: Mode, rule_per: RulePer, sources: Sources) -> String {
    let loaded = load_policies(psp, "test.yaml").unwrap();
    let opts = Options {
        target: Target::Plugin,
        mode,
        sources,
        rule_per,
        ..Options::default()
    };
    convert(&loaded.policies, &opts).unwrap().text
}

fn privileged_pod() -> String {
    pod_event(
        json!({"containers": [container("app", json!({"privileged": true, "readOnlyRootFilesystem": true}))]}),
        json!({}),
    )
}

fn compliant_pod() -> String {
    pod_event(
        json!({"containers": [container("app", json!({"readOnlyRootFilesystem": true}))]}),
        json!({}),
    )
}

fn non_pod_event() -> String {
    let e = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "auditID": "1", "stage": "ResponseComplete",
        "verb": "get", "objectRef": {"resource": "secrets", "namespace": "default"},
        "responseStatus": {"code": 200}, "user": {"username": "u"},
        "stageTimestamp": "2024-01-01T00:00:00.000000Z"
    });
    format!("{e}\n")
}

#[test]
fn one_rule_per_policy_fires_once_per_violating_pod() {
    for mode in MODES {
        let rules = plugin_rules(NO_PRIVILEGED, mode, RulePer::Policy);
        let events = privileged_pod() + &compliant_pod() + &non_pod_event();
        let fired = fired_on(&rules, Target::Plugin, &events);
        assert_eq!(fired, ["PSP no_privileged Violation K8s Audit"], "{mode:?}");
    }
}

#[test]
fn the_alert_lists_the_violated_properties_and_the_reasons() {
    let rules = plugin_rules(NO_PRIVILEGED, Mode::Strict, RulePer::Policy);
    let pod = pod_event(
        json!({"containers": [container("app", json!({"privileged": true}))]}),
        json!({}),
    );
    let opts = pspconv::check::CheckOptions {
        target: Target::Plugin,
        ..Default::default()
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    pspconv::check::run(&rules, pod.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    let alert = String::from_utf8(out).unwrap();
    assert!(
        alert.contains("validation failure--(privileged,readOnlyRootFilesystem)"),
        "{alert}"
    );
    assert!(
        alert.contains("reason=") && alert.contains("app"),
        "{alert}"
    );
    assert!(alert.contains("mode=strict"), "{alert}");
}

#[test]
fn rule_per_property_uses_the_falco_targets_names() {
    let falco = rules_for(NO_PRIVILEGED, Target::Falco, Mode::Strict);
    let plugin = plugin_text(NO_PRIVILEGED, Mode::Strict, RulePer::Property, Sources::All);
    let audit_rules = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| l.strip_prefix("- rule: "))
            .filter(|n| n.contains(" Violation (") && n.ends_with("K8s Audit"))
            .filter(|n| !n.contains("(other)"))
            .map(str::to_string)
            .collect()
    };
    assert_eq!(audit_rules(&plugin), audit_rules(&falco));
    assert!(plugin.contains("- rule: PSP no_privileged Violation (other) K8s Audit"));
    let rules = plugin_rules(NO_PRIVILEGED, Mode::Strict, RulePer::Property);
    let mut fired = fired_on(&rules, Target::Plugin, &privileged_pod());
    fired.sort();
    assert_eq!(
        fired,
        ["PSP no_privileged Violation (privileged) K8s Audit"]
    );
}

#[test]
fn the_guard_fires_on_evaluated_pods_when_the_plugin_lacks_the_policy() {
    let text = plugin_text(
        NO_PRIVILEGED,
        Mode::Strict,
        RulePer::Policy,
        Sources::K8sAudit,
    );
    let mut rules = load(&text, Target::Plugin);
    let other = load_policies(OTHER, "other.yaml").unwrap();
    rules.attach_plugin(std::sync::Arc::new(plugin_state(
        &other.policies,
        Mode::Strict,
    )));
    let events = privileged_pod() + &non_pod_event() + &compliant_pod();
    let fired = fired_on(&rules, Target::Plugin, &events);
    assert_eq!(
        fired,
        [
            "PSP no_privileged Not Loaded In pspconv Plugin K8s Audit",
            "PSP no_privileged Not Loaded In pspconv Plugin K8s Audit"
        ]
    );
}

#[test]
fn any_policy_name_gives_a_plain_field_argument() {
    let spaced = NO_PRIVILEGED.replace("name: no-privileged", "name: no privileged");
    let text = plugin_text(&spaced, Mode::Strict, RulePer::Policy, Sources::K8sAudit);
    assert!(text.contains("psp.violated[no_privileged]=true"), "{text}");
    let dotted = NO_PRIVILEGED.replace("name: no-privileged", "name: psp.flannel.unprivileged");
    let text = plugin_text(&dotted, Mode::Strict, RulePer::Policy, Sources::K8sAudit);
    assert!(
        text.contains("psp.violated[psp.flannel.unprivileged]=true"),
        "{text}"
    );
    let rules = plugin_rules(&spaced, Mode::Strict, RulePer::Policy);
    assert_eq!(
        fired_on(&rules, Target::Plugin, &privileged_pod()),
        ["PSP no_privileged Violation K8s Audit"]
    );
}

#[test]
fn default_rules_stay_under_5_kb_per_policy() {
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/psp-corpus");
    let restricted =
        std::fs::read_to_string(format!("{corpus}/kubernetes-website_restricted-psp.yaml"))
            .unwrap();
    let audit_only = plugin_text(
        &restricted,
        Mode::Strict,
        RulePer::Policy,
        Sources::K8sAudit,
    );
    assert!(audit_only.len() < 5_000, "{} bytes", audit_only.len());
    let all = plugin_text(&restricted, Mode::Strict, RulePer::Policy, Sources::All);
    assert!(all.len() < 12_000, "{} bytes with syscall rules", all.len());
}

#[test]
fn check_target_plugin_needs_the_policies() {
    let bin = env!("CARGO_BIN_EXE_pspconv");
    let dir = tempfile::tempdir().unwrap();
    let rules = dir.path().join("rules.yaml");
    std::fs::write(
        &rules,
        plugin_text(NO_PRIVILEGED, Mode::Strict, RulePer::Policy, Sources::All),
    )
    .unwrap();
    let psp = dir.path().join("psp.yaml");
    std::fs::write(&psp, NO_PRIVILEGED).unwrap();
    let events = dir.path().join("events.jsonl");
    std::fs::write(&events, privileged_pod()).unwrap();
    let run = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap()
    };
    let (r, p, e) = (
        rules.to_str().unwrap(),
        psp.to_str().unwrap(),
        events.to_str().unwrap(),
    );
    let needs_policies = |args: &[&str]| {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("--psp-path"));
    };
    needs_policies(&[
        "check",
        "--target",
        "plugin",
        "--rules-path",
        r,
        "--events",
        e,
    ]);
    // Without --target the file says it is for the plugin (required_plugin_versions: pspconv).
    needs_policies(&["check", "--rules-path", r, "--events", e]);
    let falco = [
        "check",
        "--target",
        "falco",
        "--rules-path",
        r,
        "--psp-path",
        p,
        "--events",
        e,
    ];
    assert_eq!(run(&falco).status.code(), Some(2));
    let given = [
        "check",
        "--target",
        "plugin",
        "--rules-path",
        r,
        "--psp-path",
        p,
        "--events",
        e,
    ];
    let detected = ["check", "--rules-path", r, "--psp-path", p, "--events", e];
    for args in [&given[..], &detected[..]] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{stderr}");
        assert!(String::from_utf8_lossy(&out.stdout)
            .contains("Pod Security Policy no-privileged validation failure--"));
    }
    let stderr = String::from_utf8_lossy(&run(&detected).stderr).into_owned();
    assert!(
        stderr.contains("inferred from required_plugin_versions names pspconv"),
        "{stderr}"
    );
}

#[test]
fn a_falco_without_the_plugin_refuses_the_plugin_rules() {
    let text = plugin_text(
        NO_PRIVILEGED,
        Mode::Strict,
        RulePer::Policy,
        Sources::K8sAudit,
    );
    let err = pspconv::check::load(&text, "rules.yaml", Target::Falco).unwrap_err();
    assert!(err.to_string().contains("pspconv"), "{err}");
}
