//! Policy sets with RBAC (SPEC §9) on a realistic cluster (`tests/data/cluster/`): three PSPs
//! (`privileged` for kube-system's service accounts, `baseline` for team-a, `restricted` for
//! every authenticated user), the cluster's RBAC objects, and pod creations by controllers,
//! users, a cluster admin and an anonymous request. Each expectation holds in all three modes,
//! for the `falco` target (rules evaluated by `check`) and for the native evaluator.

mod common;

use pspconv::check;
use pspconv::convert::{convert, Mode, Options, PolicySetOptions, Sources};
use pspconv::evaluate::{PolicyEvaluator, PolicySet, SetViolation};
use pspconv::psp::load_policy_set;
use pspconv::rbac::{load_rbac, UsePermissions};
use pspconv::Target;

const PSP: &str = include_str!("data/cluster/psp.yaml");
const RBAC: &str = include_str!("data/cluster/rbac.yaml");
const EVENTS: &str = include_str!("data/cluster/events.jsonl");

/// Per event (by auditID): the set rule that fires, if any. The same in every mode.
const EXPECTED: [(&str, Option<&str>); 9] = [
    // kube-proxy in kube-system: its service account may use `privileged`, which admits it.
    ("kube-system-daemonset", None),
    // The same pod in default: only `restricted` (the controller is authenticated) is usable.
    (
        "daemonset-in-default",
        Some("PSP set Violation (usable: restricted) K8s Audit"),
    ),
    // Created by the replicaset-controller: the pod's service account `deployer` may use
    // `baseline` in team-a, which admits a root pod.
    ("controller-deployer-sa", None),
    // The same pod with the default service account: only `restricted`, which refuses root.
    (
        "controller-default-sa",
        Some("PSP set Violation (usable: restricted) K8s Audit"),
    ),
    // alice (team-a-devs) may use `baseline` in team-a: a root pod is fine...
    ("team-user-root-pod", None),
    // ...a hostPath volume is not, for either policy she may use.
    (
        "team-user-host-path",
        Some("PSP set Violation (usable: baseline, restricted) K8s Audit"),
    ),
    // Her RoleBinding holds in team-a only.
    (
        "team-user-other-namespace",
        Some("PSP set Violation (usable: restricted) K8s Audit"),
    ),
    // system:masters may use every policy: `privileged` admits kube-proxy anywhere.
    ("cluster-admin", None),
    // Anonymous, in sandbox: no policy is usable at all.
    (
        "anonymous-sandbox",
        Some("PSP set Violation (no usable policy) K8s Audit"),
    ),
];

fn rbac() -> UsePermissions {
    let loaded = load_rbac(RBAC, "rbac.yaml").expect("fixture RBAC loads");
    assert!(
        loaded.warnings.iter().all(|w| !w.starts_with("warning:")),
        "{:?}",
        loaded.warnings
    );
    let (perms, warnings) = UsePermissions::resolve(&loaded.objects);
    assert!(warnings.is_empty(), "{warnings:?}");
    perms
}

fn set_rules(mode: Mode, rbac: Option<UsePermissions>) -> String {
    let loaded = load_policy_set(PSP, "psp.yaml").expect("fixture PSPs load");
    let opts = Options {
        target: Target::Falco,
        mode,
        sources: Sources::K8sAudit,
        policy_set: Some(PolicySetOptions { rbac }),
        ..Options::default()
    };
    convert(&loaded.policies, &opts).expect("converts").text
}

fn event_lines() -> Vec<(String, &'static str)> {
    EVENTS
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            (v["auditID"].as_str().unwrap().to_string(), l)
        })
        .collect()
}

fn expected(id: &str) -> Option<&'static str> {
    EXPECTED
        .iter()
        .find(|(e, _)| *e == id)
        .unwrap_or_else(|| panic!("no expectation for {id}"))
        .1
}

#[test]
fn falco_target_fires_the_set_rule_exactly_when_no_usable_policy_admits() {
    for mode in common::MODES {
        let rules = common::load(&set_rules(mode, Some(rbac())), Target::Falco);
        for (id, line) in event_lines() {
            let fired = common::fired_on(&rules, Target::Falco, &format!("{line}\n"));
            let want: Vec<String> = expected(&id).into_iter().map(str::to_string).collect();
            assert_eq!(fired, want, "{id} in {} mode", mode.name());
        }
    }
}

#[test]
fn native_evaluator_gives_the_same_set_verdicts_with_reasons() {
    let perms = rbac();
    let loaded = load_policy_set(PSP, "psp.yaml").unwrap();
    for mode in common::MODES {
        let evaluator = PolicyEvaluator::new(&loaded.policies, mode, &[], &[]).unwrap();
        let policy_set = PolicySet::new(&evaluator, Some(perms.clone()));
        for (id, line) in event_lines() {
            let verdict = evaluator
                .evaluate_event(line.as_bytes())
                .unwrap_or_else(|| panic!("{id} is an evaluated pod creation"));
            let set = policy_set.judge(&verdict);
            let usable: Vec<&str> = policy_set.names_of(&set.usable).collect();
            let got = match set.violation() {
                None => None,
                Some(SetViolation::NoUsablePolicy) => {
                    Some("PSP set Violation (no usable policy) K8s Audit".to_string())
                }
                Some(SetViolation::EveryUsablePolicyRejects) => Some(format!(
                    "PSP set Violation (usable: {}) K8s Audit",
                    usable.join(", ")
                )),
            };
            assert_eq!(
                got.as_deref(),
                expected(&id),
                "{id} in {} mode",
                mode.name()
            );
            let reason = policy_set.reason(&set, &verdict);
            if id == "team-user-host-path" {
                // Every usable policy, with the properties that reject the pod and why.
                assert!(
                    reason.starts_with("no usable policy admits the pod: [baseline] volumes: volume \"host\" (volumes[0]) is of type hostPath [restricted] volumes: volume \"host\" (volumes[0]) is of type hostPath"),
                    "{reason}"
                );
            }
            if id == "anonymous-sandbox" {
                assert_eq!(reason, "no PodSecurityPolicy is usable by user \"system:anonymous\" (groups [\"system:unauthenticated\"]) or by service account \"default\" in namespace \"sandbox\"");
            }
            if expected(&id).is_none() {
                assert_eq!(reason, "");
            }
            if id == "daemonset-in-default" {
                // The alert says which properties of `restricted` reject the pod.
                assert!(reason.contains("[restricted] privileged: "), "{reason}");
                assert!(reason.contains("privileged"), "{reason}");
                assert!(reason.contains("hostNetwork"), "{reason}");
                assert!(reason.contains("volumes"), "{reason}");
            }
        }
    }
}

#[test]
fn without_rbac_every_policy_is_usable_and_one_rule_names_them_all() {
    let text = set_rules(Mode::Strict, None);
    assert!(text.contains("RBAC not considered"));
    let rules = common::load(&text, Target::Falco);
    let names: Vec<&str> = rules_names(&rules);
    assert_eq!(
        names,
        ["PSP set Violation (usable: all, RBAC not considered) K8s Audit"]
    );
    for (id, line) in event_lines() {
        let fired = common::fired_on(&rules, Target::Falco, &format!("{line}\n"));
        // `privileged` admits every fixture pod.
        assert!(fired.is_empty(), "{id}: {fired:?}");
    }
    // A pod that even `privileged` refuses? None exists: privileged allows everything but
    // what it does not list; so in declared mode it rejects nothing and no rule is written.
    let declared = set_rules(Mode::Declared, None);
    assert!(declared.contains("# No set rule: privileged rejects no pod in this mode"));
}

fn rules_names(rules: &check::RuleSet) -> Vec<&str> {
    rules.rules.iter().map(|r| r.name.as_str()).collect()
}

#[test]
fn set_rules_start_with_the_pod_creation_guard_and_quote_values() {
    let text = set_rules(Mode::Strict, Some(rbac()));
    for line in text
        .lines()
        .filter(|l| l.contains("condition: psp_set_ka_pod_creation"))
    {
        assert!(line
            .trim_start()
            .starts_with("condition: psp_set_ka_pod_creation"));
    }
    assert!(text.contains("\"system:masters\""), "{text}");
    assert!(text.contains("ka.target.namespace=\"team-a\""));
    assert!(text.contains("json.value[/requestObject/spec/serviceAccountName]=\"deployer\""));
    // Syscall rules are not part of a set.
    assert!(!text.contains("System Activity"));
}

#[test]
fn larger_sets_get_one_rule_naming_the_set() {
    // Three more policies nobody is bound to: usable only by system:masters.
    let mut psp = PSP.to_string();
    for extra in ["spare-a", "spare-b", "spare-c"] {
        psp.push_str(&format!(
            "---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {{name: {extra}}}\nspec:\n  privileged: false\n"
        ));
    }
    let loaded = load_policy_set(&psp, "psp.yaml").unwrap();
    assert_eq!(loaded.policies.len(), 6);
    for mode in common::MODES {
        let opts = Options {
            target: Target::Falco,
            mode,
            sources: Sources::K8sAudit,
            policy_set: Some(PolicySetOptions { rbac: Some(rbac()) }),
            ..Options::default()
        };
        let rules = common::load(
            &convert(&loaded.policies, &opts).unwrap().text,
            Target::Falco,
        );
        assert_eq!(
            rules_names(&rules),
            [
                "PSP set Violation (no usable policy) K8s Audit",
                "PSP set Violation K8s Audit"
            ]
        );
        for (id, line) in event_lines() {
            let fired = common::fired_on(&rules, Target::Falco, &format!("{line}\n"));
            let want: Vec<String> = expected(&id)
                .map(|r| {
                    if r.contains("no usable policy") {
                        r.to_string()
                    } else {
                        "PSP set Violation K8s Audit".to_string()
                    }
                })
                .into_iter()
                .collect();
            assert_eq!(fired, want, "{id} in {} mode", mode.name());
        }
    }
}

#[test]
fn subject_names_are_values_not_condition_text() {
    let evil = r#"evil") or (ka.verb=create"#;
    let extra = format!(
        "kind: ClusterRoleBinding\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {{name: odd}}\nroleRef: {{kind: ClusterRole, name: psp:restricted}}\nsubjects:\n- {{kind: User, name: '{evil}'}}\n- {{kind: Group, name: \"line\\nbreak\"}}\n"
    );
    let mut objects = load_rbac(RBAC, "rbac.yaml").unwrap().objects;
    objects.extend(load_rbac(&extra, "odd.yaml").unwrap().objects);
    let (perms, warnings) = UsePermissions::resolve(&objects);
    assert!(
        warnings.iter().any(|w| w.contains("control characters")),
        "{warnings:?}"
    );
    let rules = common::load(&set_rules(Mode::Strict, Some(perms)), Target::Falco);
    let pod = serde_json::json!({"containers": [{"name": "a", "image": "nginx",
        "securityContext": {"privileged": true}}]});
    for (user, want) in [
        (evil, "PSP set Violation (usable: restricted) K8s Audit"),
        ("mallory", "PSP set Violation (no usable policy) K8s Audit"),
    ] {
        let mut event: serde_json::Value =
            serde_json::from_str(&common::pod_event(pod.clone(), serde_json::json!({}))).unwrap();
        event["user"] = serde_json::json!({"username": user});
        let fired = common::fired_on(&rules, Target::Falco, &format!("{event}\n"));
        assert_eq!(fired, [want], "{user}");
    }
}

#[test]
fn plugin_target_fires_its_set_rule_exactly_when_no_usable_policy_admits() {
    let loaded = load_policy_set(PSP, "psp.yaml").unwrap();
    for mode in common::MODES {
        let opts = Options {
            target: Target::Plugin,
            mode,
            sources: Sources::K8sAudit,
            policy_set: Some(PolicySetOptions { rbac: Some(rbac()) }),
            ..Options::default()
        };
        let text = convert(&loaded.policies, &opts).unwrap().text;
        let mut rules = common::load(&text, Target::Plugin);
        assert!(rules.warnings.is_empty(), "{:?}", rules.warnings);
        let mut state = common::plugin_state(&loaded.policies, mode);
        state.set.rbac = Some(rbac());
        rules.attach_plugin(std::sync::Arc::new(state));
        for (id, line) in event_lines() {
            let fired = common::fired_on(&rules, Target::Plugin, &format!("{line}\n"));
            let want: Vec<&str> = expected(&id)
                .map(|_| "PSP set Violation K8s Audit")
                .into_iter()
                .collect();
            assert_eq!(fired, want, "{id} in {} mode", mode.name());
        }
    }
}
