//! Semantics of the privileged and host-namespace properties (privileged, host namespaces, readOnlyRootFilesystem),
//! proven by evaluating the generated rules with `check` on audit events, for both targets and
//! every mode.

mod common;
use common::*;
use pspconv::convert::Mode;
use pspconv::Target;
use serde_json::json;

const READ_ONLY: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: ro}
spec: {privileged: true, hostPID: true, hostIPC: true, hostNetwork: true, readOnlyRootFilesystem: true}
";

const NO_PRIVILEGED: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: no-priv}
spec: {privileged: false}
";

const RO: &str = "(readOnlyRootFilesystem) K8s Audit";

#[test]
fn read_only_second_container_unset_fires_on_current_falco_in_declared_and_strict() {
    // The k8saudit plugin drops unset values from read_only_fs: this pod would pass a
    // list-field rule. The per-index rule sees container 1.
    let spec = json!({"containers": [
        container("a", json!({"readOnlyRootFilesystem": true})),
        container("b", json!({})),
    ]});
    for mode in [Mode::Declared, Mode::Strict] {
        let names = fired(READ_ONLY, Target::Falco, mode, spec.clone());
        assert_eq!(count(&names, RO), 1, "{mode:?}: {names:?}");
    }
    // PSP would have defaulted container b to true: admission does not fire.
    assert_eq!(
        count(&fired(READ_ONLY, Target::Falco, Mode::Admission, spec), RO),
        0
    );
}

#[test]
fn read_only_every_container_set_does_not_fire() {
    let spec = json!({
        "initContainers": [container("i", json!({"readOnlyRootFilesystem": true}))],
        "containers": [
            container("a", json!({"readOnlyRootFilesystem": true})),
            container("b", json!({"readOnlyRootFilesystem": true})),
        ]
    });
    for target in TARGETS {
        for mode in MODES {
            assert_eq!(
                count(&fired(READ_ONLY, target, mode, spec.clone()), RO),
                0,
                "{target:?} {mode:?}"
            );
        }
    }
}

#[test]
fn read_only_explicit_false_fires_in_every_mode_and_target() {
    let spec = json!({"containers": [
        container("a", json!({"readOnlyRootFilesystem": true})),
        container("b", json!({"readOnlyRootFilesystem": false})),
    ]});
    for target in TARGETS {
        for mode in MODES {
            assert_eq!(
                count(&fired(READ_ONLY, target, mode, spec.clone()), RO),
                1,
                "{target:?} {mode:?}"
            );
        }
    }
}

#[test]
fn read_only_init_container_unset_fires_on_current_falco() {
    let spec = json!({
        "initContainers": [container("i", json!({}))],
        "containers": [container("a", json!({"readOnlyRootFilesystem": true}))]
    });
    assert_eq!(
        count(
            &fired(READ_ONLY, Target::Falco, Mode::Declared, spec.clone()),
            RO
        ),
        1
    );
    assert_eq!(
        count(&fired(READ_ONLY, Target::Falco, Mode::Admission, spec), RO),
        0
    );
}

#[test]
fn read_only_all_unset_fires_in_declared_on_both_targets() {
    let spec = json!({"containers": [container("a", json!({}))]});
    for target in TARGETS {
        assert_eq!(
            count(&fired(READ_ONLY, target, Mode::Declared, spec.clone()), RO),
            1,
            "{target:?}"
        );
        assert_eq!(
            count(&fired(READ_ONLY, target, Mode::Admission, spec.clone()), RO),
            0,
            "{target:?}"
        );
    }
}

#[test]
fn privileged_second_container_fires_unprivileged_pod_does_not() {
    let bad = json!({"containers": [container("a", json!({})), container("b", json!({"privileged": true}))]});
    let good = json!({"containers": [container("a", json!({"privileged": false})), container("b", json!({}))]});
    for target in TARGETS {
        for mode in MODES {
            assert_eq!(
                count(
                    &fired(NO_PRIVILEGED, target, mode, bad.clone()),
                    "(privileged) K8s Audit"
                ),
                1
            );
            assert_eq!(
                count(
                    &fired(NO_PRIVILEGED, target, mode, good.clone()),
                    "(privileged) K8s Audit"
                ),
                0
            );
        }
    }
}

#[test]
fn privileged_init_and_ephemeral_containers_are_checked_on_current_falco() {
    for kind in ["initContainers", "ephemeralContainers"] {
        let spec = json!({"containers": [container("a", json!({}))], kind: [container("x", json!({"privileged": true}))]});
        for mode in MODES {
            assert_eq!(
                count(
                    &fired(NO_PRIVILEGED, Target::Falco, mode, spec.clone()),
                    "(privileged) K8s Audit"
                ),
                1,
                "{kind}"
            );
        }
    }
}

#[test]
fn host_namespaces_absent_mean_false() {
    for (field, label) in [
        ("hostPID", "(hostPID)"),
        ("hostIPC", "(hostIPC)"),
        ("hostNetwork", "(hostNetwork)"),
    ] {
        let spec = json!({"containers": [container("a", json!({}))], field: true});
        let off = json!({"containers": [container("a", json!({}))], field: false});
        for target in TARGETS {
            for mode in MODES {
                assert_eq!(
                    count(&fired(NO_PRIVILEGED, target, mode, spec.clone()), label),
                    1,
                    "{field} {target:?} {mode:?}"
                );
                assert_eq!(
                    count(&fired(NO_PRIVILEGED, target, mode, off.clone()), label),
                    0,
                    "{field} {target:?} {mode:?}"
                );
            }
        }
    }
}

#[test]
fn host_namespace_allowed_by_policy_has_no_rule() {
    let names = fired(
        READ_ONLY,
        Target::Falco,
        Mode::Strict,
        json!({"hostPID": true, "containers": [container("a", json!({"readOnlyRootFilesystem": true}))]}),
    );
    assert!(names.is_empty(), "{names:?}");
}

#[test]
fn scope_limits_rules_to_listed_images_with_registry_ports() {
    let psp = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: scoped
  annotations: {falco-rules-psp-images: \"[registry.local:5000/team/app]\"}
spec: {privileged: false}
";
    let in_scope = json!({"containers": [{"name": "a", "image": "registry.local:5000/team/app:1.2@sha256:abc", "securityContext": {"privileged": true}}]});
    let other = json!({"containers": [{"name": "a", "image": "registry.local:5000/team/other:1", "securityContext": {"privileged": true}}]});
    let mixed = json!({"containers": [
        {"name": "a", "image": "registry.local:5000/team/app", "securityContext": {"privileged": true}},
        {"name": "b", "image": "busybox"}
    ]});
    assert_eq!(
        count(
            &fired(psp, Target::Falco, Mode::Strict, in_scope),
            "(privileged)"
        ),
        1
    );
    assert_eq!(
        count(
            &fired(psp, Target::Falco, Mode::Strict, other),
            "(privileged)"
        ),
        0
    );
    assert_eq!(
        count(
            &fired(psp, Target::Falco, Mode::Strict, mixed),
            "(privileged)"
        ),
        0
    );
}

#[test]
fn too_many_containers_are_reported_not_ignored() {
    let containers: Vec<_> = (0..9)
        .map(|i| container(&format!("c{i}"), json!({"readOnlyRootFilesystem": true})))
        .collect();
    let names = fired(
        READ_ONLY,
        Target::Falco,
        Mode::Strict,
        json!({"containers": containers}),
    );
    assert_eq!(count(&names, "Pod Too Large To Check"), 1, "{names:?}");
}
