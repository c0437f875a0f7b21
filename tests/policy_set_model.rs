//! Property test (fixed seed, few cases): on random pods and requesters against the cluster
//! fixtures, the set verdict is "every usable policy rejects", computed from the per-policy
//! native verdicts, and the `falco` target's set rules fire exactly as that verdict says
//! (which rule: which policies were usable), in every mode.

mod common;

use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use pspconv::convert::{convert, Mode, Options, PolicySetOptions, Sources};
use pspconv::evaluate::{PolicyEvaluator, SetVerdict};
use pspconv::psp::load_policy_set;
use pspconv::rbac::{load_rbac, UsePermissions};
use pspconv::Target;
use serde_json::{json, Value};

const PSP: &str = include_str!("data/cluster/psp.yaml");
const RBAC: &str = include_str!("data/cluster/rbac.yaml");
const CASES: u32 = 40;

const NAMESPACES: [&str; 5] = ["kube-system", "default", "team-a", "team-b", "sandbox"];
const USERS: [&str; 5] = [
    "alice@example.com",
    "system:serviceaccount:kube-system:replicaset-controller",
    "system:serviceaccount:team-a:deployer",
    "system:anonymous",
    "admin",
];
const GROUPS: [&str; 5] = [
    "team-a-devs",
    "system:authenticated",
    "system:masters",
    "system:serviceaccounts:kube-system",
    "system:serviceaccounts",
];
const SERVICE_ACCOUNTS: [Option<&str>; 5] = [
    None,
    Some(""),
    Some("default"),
    Some("deployer"),
    Some("kube-proxy"),
];

#[derive(Debug, Clone)]
struct Case {
    namespace: &'static str,
    user: &'static str,
    groups: Vec<&'static str>,
    service_account: Option<&'static str>,
    privileged: bool,
    host_network: bool,
    host_path: bool,
    run_as_user: Option<i64>,
    hardened: bool,
}

fn case() -> impl Strategy<Value = Case> {
    (
        prop::sample::select(&NAMESPACES[..]),
        prop::sample::select(&USERS[..]),
        prop::sample::subsequence(&GROUPS[..], 0..=3),
        prop::sample::select(&SERVICE_ACCOUNTS[..]),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop::option::of(prop::sample::select(&[0i64, 1000][..])),
        any::<bool>(),
    )
        .prop_map(
            |(namespace, user, groups, service_account, (p, hn, hp), run_as_user, hardened)| Case {
                namespace,
                user,
                groups,
                service_account,
                privileged: p && hp,
                host_network: hn && !hp,
                host_path: hp,
                run_as_user,
                hardened,
            },
        )
}

fn event(c: &Case) -> String {
    let mut sc = json!({});
    if c.hardened {
        sc = json!({"allowPrivilegeEscalation": false, "capabilities": {"drop": ["ALL"]}});
    }
    if c.privileged {
        sc["privileged"] = json!(true);
    }
    let mut spec =
        json!({"containers": [{"name": "app", "image": "nginx", "securityContext": sc}]});
    let mut pod_sc = json!({});
    if c.hardened {
        pod_sc = json!({"runAsNonRoot": true, "fsGroup": 2000, "supplementalGroups": [3000]});
    }
    if let Some(uid) = c.run_as_user {
        pod_sc["runAsUser"] = json!(uid);
    }
    spec["securityContext"] = pod_sc;
    if c.host_network {
        spec["hostNetwork"] = json!(true);
    }
    if c.host_path {
        spec["volumes"] = json!([{"name": "h", "hostPath": {"path": "/var/log"}}]);
        spec["containers"][0]["volumeMounts"] = json!([{"name": "h", "mountPath": "/h"}]);
    }
    if let Some(sa) = c.service_account {
        spec["serviceAccountName"] = json!(sa);
    }
    let pod = json!({"kind": "Pod", "apiVersion": "v1",
        "metadata": {"name": "p", "namespace": c.namespace}, "spec": spec});
    let e: Value = json!({
        "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": "RequestResponse",
        "auditID": "a", "stage": "ResponseComplete", "verb": "create",
        "requestURI": format!("/api/v1/namespaces/{}/pods", c.namespace),
        "user": {"username": c.user, "groups": c.groups},
        "objectRef": {"resource": "pods", "namespace": c.namespace, "apiVersion": "v1"},
        "responseStatus": {"code": 201}, "requestObject": pod, "responseObject": pod,
        "requestReceivedTimestamp": "2026-12-04T10:00:00.000000Z",
        "stageTimestamp": "2026-12-04T10:00:00.000000Z",
    });
    format!("{e}\n")
}

#[test]
fn set_rules_agree_with_native_per_policy_verdicts() {
    let loaded = load_policy_set(PSP, "psp.yaml").unwrap();
    let rbac_objects = load_rbac(RBAC, "rbac.yaml").unwrap().objects;
    let (perms, _) = UsePermissions::resolve(&rbac_objects);
    for mode in [Mode::Admission, Mode::Declared, Mode::Strict] {
        let opts = Options {
            target: Target::Falco,
            mode,
            sources: Sources::K8sAudit,
            policy_set: Some(PolicySetOptions {
                rbac: Some(perms.clone()),
            }),
            ..Options::default()
        };
        let rules = common::load(
            &convert(&loaded.policies, &opts).unwrap().text,
            Target::Falco,
        );
        let evaluator = PolicyEvaluator::new(&loaded.policies, mode, &[], &[]).unwrap();
        let names: Vec<&str> = evaluator.policies.iter().map(|p| p.name.as_str()).collect();
        let config = Config {
            cases: CASES,
            failure_persistence: None,
            ..Config::default()
        };
        let rng = TestRng::from_seed(RngAlgorithm::ChaCha, &[12; 32]);
        let mut runner = TestRunner::new_with_rng(config, rng);
        // (admitted, every usable policy rejects, no usable policy): each must occur.
        let seen = std::cell::RefCell::new([0u32; 3]);
        let result = runner.run(&case(), |c| {
            let line = event(&c);
            let verdict = evaluator
                .evaluate_event(line.as_bytes())
                .expect("a pod creation");
            let request = verdict.creation.request();
            let set = SetVerdict::judge(&names, &verdict.per_policy, &request, Some(&perms));
            // The set verdict from the per-policy verdicts, spelled out.
            let usable: Vec<usize> = (0..names.len())
                .filter(|&i| perms.usable(names[i], &request))
                .collect();
            let every_usable_rejects = usable.iter().all(|&i| !verdict.per_policy[i].admits());
            prop_assert_eq!(set.violated(), every_usable_rejects);
            prop_assert_eq!(&set.usable, &usable);
            let want: Vec<String> = if !set.violated() {
                vec![]
            } else if usable.is_empty() {
                vec!["PSP set Violation (no usable policy) K8s Audit".into()]
            } else {
                let u: Vec<&str> = usable.iter().map(|&i| names[i]).collect();
                vec![format!(
                    "PSP set Violation (usable: {}) K8s Audit",
                    u.join(", ")
                )]
            };
            seen.borrow_mut()[match (set.violated(), usable.is_empty()) {
                (false, _) => 0,
                (true, false) => 1,
                (true, true) => 2,
            }] += 1;
            let fired = common::fired_on(&rules, Target::Falco, &line);
            prop_assert_eq!(fired, want, "{:?} mode {}", c, mode.name());
            Ok(())
        });
        if let Err(e) = result {
            panic!("{}: {e}", mode.name());
        }
        let seen = seen.into_inner();
        assert!(
            seen.iter().all(|&n| n > 0),
            "{} mode: {seen:?}",
            mode.name()
        );
    }
}
