//! The seed's example legacy rules, run on Falco's PSP trace files.

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::Target;

const SEED: &str = include_str!("check_fixtures/seed_legacy_rules.yaml");
const TRACES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/falco-psp-tests/trace_files/psp"
);

fn run(rules: &str, target: Target, events: &str) -> (String, check::Summary) {
    let rs = check::load(rules, "rules.yaml", target).unwrap();
    let opts = CheckOptions {
        target,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let mut out = Vec::new();
    let mut diag = Vec::new();
    let s = check::run(&rs, events.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    (String::from_utf8(out).unwrap(), s)
}

fn trace(name: &str) -> String {
    std::fs::read_to_string(format!("{TRACES}/{name}.json")).unwrap()
}

#[test]
fn seed_rules_load_in_legacy_with_unused_macro_warnings() {
    let rs = check::load(SEED, "seed", Target::Legacy).unwrap();
    let unused: Vec<_> = rs
        .warnings
        .iter()
        .filter(|w| w.code == "LOAD_UNUSED_MACRO")
        .map(|w| w.item.clone())
        .collect();
    assert_eq!(
        unused,
        ["macro 'psp_ka_never_true'", "macro 'psp_never_true'"]
    );
    assert_eq!(rs.rules.len(), 4);
}

#[test]
fn seed_privileged_fires_on_privileged_trace_only() {
    let (out, s) = run(SEED, Target::Legacy, &trace("privileged"));
    assert!(out.contains("PSP") || s.alerts > 0, "{out}");
    let priv_count = s
        .per_rule
        .iter()
        .find(|(n, _)| n == "PSP Violation (privileged) K8s Audit")
        .unwrap()
        .1;
    assert_eq!(priv_count, 1, "{out}");
    let (_, s) = run(
        SEED,
        Target::Legacy,
        &trace("create_vanilla_nginx_deployment"),
    );
    let priv_count = s
        .per_rule
        .iter()
        .find(|(n, _)| n == "PSP Violation (privileged) K8s Audit")
        .unwrap()
        .1;
    assert_eq!(priv_count, 0);
}

#[test]
fn seed_alert_text() {
    let (out, _) = run(SEED, Target::Legacy, &trace("privileged"));
    println!("{out}");
    assert!(out.starts_with("2018-10-25T14:09:12.581541000+0000: Warning Pod Security Policy no_privileged validation failure--pod with privileged=true (user=system:serviceaccount:kube-system:replicaset-controller pod="), "{out}");
}

#[test]
fn every_suite_trace_is_a_valid_event_for_both_targets() {
    let rules = "- rule: any\n  desc: d\n  condition: ka.verb exists\n  output: \"%ka.verb %ka.target.resource %ka.target.subresource\"\n  priority: DEBUG\n  source: k8s_audit\n";
    for dir in ["psp", "k8s_audit"] {
        let path = format!(
            "{}/tests/data/falco-psp-tests/trace_files/{dir}",
            env!("CARGO_MANIFEST_DIR")
        );
        for entry in std::fs::read_dir(&path).unwrap() {
            let p = entry.unwrap().path();
            if p.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            for target in [Target::Falco, Target::Legacy] {
                let (out, s) = run(rules, target, &text);
                assert_eq!(
                    (s.invalid_events, s.alerts),
                    (0, s.events),
                    "{}: {out}",
                    p.display()
                );
                assert!(s.events >= 1);
            }
        }
    }
}
