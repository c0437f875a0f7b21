//! The native evaluator where the `falco` target's rules cannot follow: pods past every bound
//! (20 containers, 50 volumes, 12 ports, many mounts and sysctls), AppArmor and seccomp
//! container annotations keyed by container name, and the audit-event guard and parse. Each
//! test states what PSP decides (SPEC §5, research/psp-admission-semantics.md) and asserts the
//! evaluator's verdict and reason.

mod common;

use common::{container_with, native, pod_event, MODES};
use pspconv::convert::Mode;
use pspconv::evaluate::{pod_creation, PolicyEvaluator, PolicyVerdict};
use pspconv::psp::load_policies;
use serde_json::{json, Value};

fn psp(annotations: Value, spec: Value) -> String {
    json!({
        "apiVersion": "policy/v1beta1", "kind": "PodSecurityPolicy",
        "metadata": {"name": "t", "annotations": annotations},
        "spec": spec,
    })
    .to_string()
}

/// The one policy's verdict on a pod created in `default`.
fn verdict(psp: &str, mode: Mode, spec: Value, annotations: Value) -> PolicyVerdict {
    let event = pod_event(spec, json!({"annotations": annotations}));
    let evaluator = native::evaluator(psp, mode);
    let v = evaluator.evaluate_event(event.trim().as_bytes()).unwrap();
    v.per_policy.into_iter().next().unwrap()
}

fn props(v: &PolicyVerdict) -> Vec<&str> {
    v.properties().collect()
}

fn many(n: usize, f: impl Fn(usize) -> Value) -> Vec<Value> {
    (0..n).map(f).collect()
}

#[test]
fn twenty_containers_the_last_one_privileged() {
    let policy = psp(json!({}), json!({"privileged": false, "volumes": ["*"]}));
    let mut containers = many(20, |i| container_with(&format!("app-{i}"), json!({})));
    let compliant = json!({"containers": containers.clone()});
    containers[19]["securityContext"] = json!({"privileged": true});
    let violating = json!({"containers": containers});
    for mode in MODES {
        assert!(verdict(&policy, mode, compliant.clone(), json!({})).admits());
        let v = verdict(&policy, mode, violating.clone(), json!({}));
        assert_eq!(props(&v), ["privileged"], "{mode:?}");
        assert_eq!(
            v.violations[0].reason,
            "container \"app-19\" (containers[19]) is privileged"
        );
    }
}

#[test]
fn twenty_init_and_ephemeral_containers_the_last_one_adds_a_capability() {
    let policy = psp(
        json!({}),
        json!({"volumes": ["*"], "allowedCapabilities": ["NET_BIND_SERVICE"]}),
    );
    let caps = |c: &str| json!({"securityContext": {"capabilities": {"add": [c]}}});
    let init = many(20, |i| {
        container_with(&format!("init-{i}"), caps("NET_BIND_SERVICE"))
    });
    let mut ephemeral = many(20, |i| container_with(&format!("debug-{i}"), json!({})));
    let spec = |e: &Vec<Value>| json!({"initContainers": init, "containers": [container_with("app", json!({}))], "ephemeralContainers": e});
    for mode in MODES {
        assert!(verdict(&policy, mode, spec(&ephemeral), json!({})).admits());
    }
    ephemeral[19] = container_with("debug-19", caps("SYS_ADMIN"));
    for mode in MODES {
        let v = verdict(&policy, mode, spec(&ephemeral), json!({}));
        assert_eq!(props(&v), ["allowedCapabilities"]);
        assert_eq!(
            v.violations[0].reason,
            "container \"debug-19\" (ephemeralContainers[19]) adds capability SYS_ADMIN"
        );
    }
}

#[test]
fn fifty_volumes_the_last_one_of_a_type_not_allowed() {
    let policy = psp(json!({}), json!({"volumes": ["emptyDir", "configMap"]}));
    let mut volumes = many(50, |i| json!({"name": format!("v{i}"), "emptyDir": {}}));
    let spec =
        |v: &Vec<Value>| json!({"containers": [container_with("a", json!({}))], "volumes": v});
    for mode in MODES {
        assert!(verdict(&policy, mode, spec(&volumes), json!({})).admits());
    }
    volumes[49] = json!({"name": "v49", "cephfs": {"monitors": ["10.0.0.1:6789"]}});
    for mode in MODES {
        let v = verdict(&policy, mode, spec(&volumes), json!({}));
        assert_eq!(props(&v), ["volumes"]);
        assert_eq!(
            v.violations[0].reason,
            "volume \"v49\" (volumes[49]) is of type cephfs"
        );
    }
}

#[test]
fn fifty_volumes_the_last_host_path_mounted_writable_by_the_twentieth_container() {
    let policy = psp(
        json!({}),
        json!({"volumes": ["*"], "allowedHostPaths": [{"pathPrefix": "/var/log", "readOnly": true}]}),
    );
    let mut volumes = many(49, |i| json!({"name": format!("v{i}"), "emptyDir": {}}));
    volumes.push(json!({"name": "logs", "hostPath": {"path": "/var/log/pods"}}));
    let mounts = |last_read_only: bool| {
        let mut m = many(
            12,
            |i| json!({"name": format!("v{i}"), "mountPath": format!("/m{i}")}),
        );
        m.push(json!({"name": "logs", "mountPath": "/logs", "readOnly": last_read_only}));
        m
    };
    let pod = |ro: bool| {
        let mut containers = many(20, |i| container_with(&format!("c{i}"), json!({})));
        containers[19]["volumeMounts"] = json!(mounts(ro));
        json!({"containers": containers, "volumes": volumes})
    };
    for mode in MODES {
        assert!(verdict(&policy, mode, pod(true), json!({})).admits());
        let v = verdict(&policy, mode, pod(false), json!({}));
        assert_eq!(props(&v), ["allowedHostPaths"]);
        assert!(
            v.violations[0].reason.starts_with(
                "container \"c19\" (containers[19]) mounts read-only hostPath \"/var/log/pods\""
            ),
            "{}",
            v.violations[0].reason
        );
    }
    // A path under no prefix, at volume 49.
    let mut outside = volumes.clone();
    outside[49] = json!({"name": "logs", "hostPath": {"path": "/var/logs"}});
    let v = verdict(
        &policy,
        Mode::Strict,
        json!({"containers": [container_with("a", json!({}))], "volumes": outside}),
        json!({}),
    );
    assert_eq!(
        v.violations[0].reason,
        "volume \"logs\" (volumes[49]) has hostPath \"/var/logs\" outside the allowed prefixes"
    );
}

#[test]
fn twelve_ports_the_last_host_port_outside_the_ranges() {
    let policy = psp(
        json!({}),
        json!({"volumes": ["*"], "hostPorts": [{"min": 8000, "max": 8011}]}),
    );
    let ports = |last: i64| {
        let mut p = many(
            11,
            |i| json!({"containerPort": 80 + i, "hostPort": 8000 + i}),
        );
        p.push(json!({"containerPort": 91, "hostPort": last}));
        p
    };
    let pod = |last| {
        let mut containers = many(3, |i| container_with(&format!("c{i}"), json!({})));
        containers[2]["ports"] = json!(ports(last));
        json!({"containers": containers})
    };
    for mode in MODES {
        assert!(verdict(&policy, mode, pod(8011), json!({})).admits());
        let v = verdict(&policy, mode, pod(9000), json!({}));
        assert_eq!(props(&v), ["hostPorts"]);
        assert_eq!(
            v.violations[0].reason,
            "container \"c2\" (containers[2]) uses host port 9000, outside the allowed host ports (8000-8011)"
        );
    }
    // Under hostNetwork, a containerPort without hostPort is a host port too.
    let net = json!({"hostNetwork": true, "containers": [container_with("a", json!({"ports": [{"containerPort": 443}]}))]});
    let allow_net = psp(
        json!({}),
        json!({"volumes": ["*"], "hostNetwork": true, "hostPorts": [{"min": 8000, "max": 8011}]}),
    );
    assert_eq!(
        props(&verdict(&allow_net, Mode::Declared, net, json!({}))),
        ["hostPorts"]
    );
}

#[test]
fn thirty_sysctls_the_last_one_unsafe() {
    let policy = psp(
        json!({}),
        json!({"volumes": ["*"], "allowedUnsafeSysctls": ["net.core.*"]}),
    );
    let mut sysctls = many(
        29,
        |i| json!({"name": format!("net.core.s{i}"), "value": "1"}),
    );
    sysctls.push(json!({"name": "kernel.msgmax", "value": "1"}));
    let spec = json!({"securityContext": {"sysctls": sysctls}, "containers": [container_with("a", json!({}))]});
    for mode in MODES {
        let v = verdict(&policy, mode, spec.clone(), json!({}));
        assert_eq!(
            v.violations[0].reason,
            "sysctl \"kernel.msgmax\" is unsafe and not allowed"
        );
    }
}

const AA: &str = "container.apparmor.security.beta.kubernetes.io/";
const SC: &str = "container.seccomp.security.alpha.kubernetes.io/";

#[test]
fn apparmor_container_annotations_are_read_by_container_name() {
    let policy = psp(
        json!({"apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default,localhost/strict"}),
        json!({"volumes": ["*"]}),
    );
    // Names inside one another: only `c1`'s annotation exists, so `c` has no profile.
    let spec =
        json!({"containers": [container_with("c", json!({})), container_with("c1", json!({}))]});
    let key = |n: &str| format!("{AA}{n}");
    let cases = [
        (
            json!({key("c"): "runtime/default", key("c1"): "localhost/strict"}),
            [false; 3],
        ),
        // Set and not listed: every mode (the falco target cannot see this).
        (
            json!({key("c"): "unconfined", key("c1"): "runtime/default"}),
            [true; 3],
        ),
        // Unset (no annotation, or an empty one): PSP refused it without a default.
        (json!({key("c1"): "runtime/default"}), [true; 3]),
        (
            json!({key("c"): "", key("c1"): "runtime/default"}),
            [true; 3],
        ),
    ];
    for (annotations, want) in cases {
        for (mode, want) in MODES.into_iter().zip(want) {
            let v = verdict(&policy, mode, spec.clone(), annotations.clone());
            assert_eq!(
                props(&v).contains(&"apparmor"),
                want,
                "{mode:?} {annotations}"
            );
        }
    }
    let v = verdict(
        &policy,
        Mode::Strict,
        spec.clone(),
        json!({key("c1"): "runtime/default"}),
    );
    assert_eq!(
        v.violations[0].reason,
        "container \"c\" (containers[0]) has no AppArmor profile"
    );
    let v = verdict(
        &policy,
        Mode::Strict,
        spec.clone(),
        json!({key("c"): "unconfined", key("c1"): "runtime/default"}),
    );
    assert_eq!(
        v.violations[0].reason,
        "container \"c\" (containers[0]) AppArmor profile \"unconfined\" is not allowed"
    );
}

#[test]
fn apparmor_default_is_injected_in_admission_only() {
    let with_default = |default: &str| {
        psp(
            json!({"apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default",
                   "apparmor.security.beta.kubernetes.io/defaultProfileName": default}),
            json!({"volumes": ["*"]}),
        )
    };
    let spec = json!({"containers": [container_with("a", json!({}))]});
    let fires = |p: &str| {
        MODES.map(|m| props(&verdict(p, m, spec.clone(), json!({}))).contains(&"apparmor"))
    };
    assert_eq!(fires(&with_default("runtime/default")), [false, true, true]);
    // A default that is not itself allowed is injected, then refused.
    assert_eq!(fires(&with_default("unconfined")), [true, true, true]);
}

#[test]
fn seccomp_container_annotations_are_read_by_container_name() {
    let policy = psp(
        json!({"seccomp.security.alpha.kubernetes.io/allowedProfileNames": "runtime/default"}),
        json!({"volumes": ["*"]}),
    );
    let pod_ann = "seccomp.security.alpha.kubernetes.io/pod";
    let spec = json!({"containers": [container_with("app", json!({})), container_with("sidecar", json!({}))]});
    let fires = |annotations: Value, spec: &Value| {
        MODES.map(|m| {
            props(&verdict(&policy, m, spec.clone(), annotations.clone())).contains(&"seccomp")
        })
    };
    assert_eq!(fires(json!({pod_ann: "docker/default"}), &spec), [false; 3]);
    // The sidecar's own annotation overrides the pod's: not allowed.
    let ann = json!({pod_ann: "runtime/default", format!("{SC}sidecar"): "unconfined"});
    assert_eq!(fires(ann.clone(), &spec), [true; 3]);
    let v = verdict(&policy, Mode::Declared, spec.clone(), ann.clone());
    assert_eq!(
        v.violations[0].reason,
        "container \"sidecar\" (containers[1]) seccomp profile \"unconfined\" is not allowed"
    );
    // A container's seccompProfile field wins over its annotation.
    let mut fixed = spec.clone();
    fixed["containers"][1]["securityContext"] =
        json!({"seccompProfile": {"type": "RuntimeDefault"}});
    assert_eq!(fires(ann, &fixed), [false; 3]);
    // An annotation for a container the pod does not have changes nothing.
    assert_eq!(
        fires(
            json!({pod_ann: "runtime/default", format!("{SC}ghost"): "unconfined"}),
            &spec
        ),
        [false; 3]
    );
}

#[test]
fn scope_limits_the_policy_to_listed_namespaces_and_images() {
    let policy = psp(
        json!({"falco-rules-psp-namespaces": "[team-a]", "falco-rules-psp-images": "[registry:5000/team/app]"}),
        json!({"privileged": false, "volumes": ["*"]}),
    );
    let loaded = load_policies(&policy, "t.yaml").unwrap();
    let privileged = |image: &str| {
        serde_json::from_value(json!({"spec": {"containers": [
            {"name": "a", "image": image, "securityContext": {"privileged": true}}]}}))
        .unwrap()
    };
    let e = PolicyEvaluator::new(&loaded.policies, Mode::Strict, &[], &[]).unwrap();
    let app = privileged("registry:5000/team/app:1.2@sha256:abc");
    assert_eq!(props(&e.evaluate(&app, "team-a")[0]), ["privileged"]);
    let out = &e.evaluate(&app, "default")[0];
    assert!(!out.in_scope && out.admits());
    let other = &e.evaluate(&privileged("registry:5000/team/other"), "team-a")[0];
    assert!(!other.in_scope && other.admits());
    // Flags override the annotations.
    let e = PolicyEvaluator::new(
        &loaded.policies,
        Mode::Strict,
        &["busybox".into()],
        &["default".into()],
    )
    .unwrap();
    assert!(e.evaluate(&privileged("busybox:1"), "default")[0].in_scope);
    assert!(!e.evaluate(&app, "team-a")[0].in_scope);
    assert_eq!(e.position("t"), Some(0));
    assert_eq!(e.position("u"), None);
}

fn event(verb: &str, resource: &str, extra: Value) -> String {
    let mut e: Value = serde_json::from_str(
        pod_event(
            json!({"containers": [container_with("a", json!({}))]}),
            json!({}),
        )
        .trim(),
    )
    .unwrap();
    e["verb"] = json!(verb);
    e["objectRef"]["resource"] = json!(resource);
    if let (Value::Object(m), Value::Object(x)) = (&mut e, extra) {
        m.extend(x);
    }
    e.to_string()
}

#[test]
fn only_successful_complete_pod_creations_are_evaluated() {
    assert!(pod_creation(event("create", "pods", json!({})).as_bytes()).is_some());
    let not = [
        event("get", "pods", json!({})),
        event("create", "configmaps", json!({})),
        event(
            "create",
            "pods",
            json!({"objectRef": {"resource": "pods", "subresource": "binding", "namespace": "default"}}),
        ),
        event("create", "pods", json!({"stage": "RequestReceived"})),
        event("create", "pods", json!({"responseStatus": {"code": 403}})),
        event("create", "pods", json!({"responseStatus": {}})),
        event("create", "pods", json!({"requestObject": null})),
        "".to_string(),
        "{".to_string(),
        "[1, 2]".to_string(),
        "{\"verb\": \"create\", \"objectRef\": {\"resource\": \"pods\"}".to_string(),
        event(
            "create",
            "pods",
            json!({"requestObject": {"spec": {"containers": "nope"}}}),
        ),
    ];
    for e in &not {
        assert!(pod_creation(e.as_bytes()).is_none(), "{e}");
    }
    // Escaped spellings are still recognised (the byte scan does not rule them out).
    let escaped = event("create", "pods", json!({})).replace("\"create\"", "\"\\u0063reate\"");
    assert!(pod_creation(escaped.as_bytes()).is_some());
    // Truncated events of every length: never a panic.
    let full = event("create", "pods", json!({}));
    for n in 0..full.len() {
        let _ = pod_creation(&full.as_bytes()[..n]);
    }
}

#[test]
fn a_creation_keeps_namespace_requester_and_service_account() {
    let e = event(
        "create",
        "pods",
        json!({"user": {"username": "system:serviceaccount:kube-system:replicaset-controller",
                        "groups": ["system:serviceaccounts", "system:authenticated"]},
               "objectRef": {"resource": "pods", "namespace": "team-a"}}),
    );
    let c = pod_creation(e.as_bytes()).unwrap();
    assert_eq!(c.namespace, "team-a");
    assert_eq!(
        c.user,
        "system:serviceaccount:kube-system:replicaset-controller"
    );
    assert_eq!(c.groups, ["system:serviceaccounts", "system:authenticated"]);
    assert_eq!(c.service_account(), "default");
    // No objectRef namespace: the pod's, else `default`.
    let mut v: Value = serde_json::from_str(&e).unwrap();
    v["objectRef"] = json!({"resource": "pods"});
    v["requestObject"]["metadata"]["namespace"] = json!("team-b");
    v["requestObject"]["spec"]["serviceAccountName"] = json!("builder");
    let c = pod_creation(v.to_string().as_bytes()).unwrap();
    assert_eq!(
        (c.namespace.as_str(), c.service_account()),
        ("team-b", "builder")
    );
    v["requestObject"]["metadata"] = json!({"name": "p"});
    assert_eq!(
        pod_creation(v.to_string().as_bytes()).unwrap().namespace,
        "default"
    );
    // Nulls read as empty, as Kubernetes' decoder reads them.
    v["requestObject"]["spec"]["volumes"] = Value::Null;
    v["requestObject"]["metadata"]["annotations"] = Value::Null;
    assert!(pod_creation(v.to_string().as_bytes()).is_some());
}

#[test]
fn strict_reasons_say_what_either_reading_refuses_once() {
    let policy = psp(
        json!({}),
        json!({"volumes": ["*"], "readOnlyRootFilesystem": true}),
    );
    let spec = json!({"containers": [
        container_with("a", json!({"securityContext": {"readOnlyRootFilesystem": false}})),
        container_with("b", json!({})),
        container_with("c", json!({"securityContext": {"readOnlyRootFilesystem": true}})),
    ]});
    let reason = |mode| {
        verdict(&policy, mode, spec.clone(), json!({})).violations[0]
            .reason
            .clone()
    };
    let refused = "container \"a\" (containers[0]) sets readOnlyRootFilesystem: false";
    let unset = "container \"b\" (containers[1]) leaves readOnlyRootFilesystem unset";
    assert_eq!(reason(Mode::Admission), refused);
    assert_eq!(reason(Mode::Declared), format!("{refused}; {unset}"));
    assert_eq!(reason(Mode::Strict), format!("{refused}; {unset}"));
}

proptest::proptest! {
    #![proptest_config(proptest::test_runner::Config {
        cases: 512,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0xbad_e7e7),
        failure_persistence: None,
        ..Default::default()
    })]

    /// Any bytes changed anywhere in a pod creation: an answer, never a panic, and the pod
    /// judged when the event still parses.
    #[test]
    fn damaged_events_never_panic(edits in proptest::collection::vec((0usize..4096, proptest::num::u8::ANY), 1..6)) {
        let event = pod_event(
            json!({"containers": [container_with("a", json!({"securityContext": {"privileged": true}}))],
                   "volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]}),
            json!({"annotations": {"container.apparmor.security.beta.kubernetes.io/a": "unconfined"}}),
        );
        let mut bytes = event.trim().as_bytes().to_vec();
        for (at, b) in edits {
            let i = at % bytes.len();
            bytes[i] = b;
        }
        let policy = psp(
            json!({"apparmor.security.beta.kubernetes.io/allowedProfileNames": "runtime/default"}),
            json!({"volumes": ["configMap"], "allowedHostPaths": [{"pathPrefix": "/var"}]}),
        );
        let evaluator = native::evaluator(&policy, Mode::Strict);
        if let Some(v) = evaluator.evaluate_event(&bytes) {
            proptest::prop_assert_eq!(v.per_policy.len(), 1);
        }
    }
}

#[test]
fn a_policy_reason_names_each_property_then_its_offenders() {
    let policy = psp(
        json!({}),
        json!({"privileged": false, "volumes": ["configMap"]}),
    );
    let spec = json!({"containers": [container_with("a", json!({"securityContext": {"privileged": true}}))],
                      "volumes": [{"name": "h", "hostPath": {"path": "/etc"}}]});
    let v = verdict(&policy, Mode::Declared, spec, json!({}));
    assert_eq!(
        v.reason(),
        "privileged: container \"a\" (containers[0]) is privileged | volumes: volume \"h\" (volumes[0]) is of type hostPath"
    );
}
