//! Hand-picked edge cases, run every time whatever the random draw: each pins the model's
//! verdict (per mode: admission, declared, strict) on one property, straight from a SPEC §5
//! sentence, and then goes through the same agreement check as the random cases.

use super::types::*;

/// One edge: what it shows, the policy, the pod, the property and the model's verdict in
/// admission, declared and strict.
pub struct Edge {
    pub what: &'static str,
    pub psp: Psp,
    pub pod: Pod,
    pub property: &'static str,
    pub verdict: [bool; 3],
}

const ALL: [bool; 3] = [true, true, true];
const NONE: [bool; 3] = [false, false, false];
const DECLARED: [bool; 3] = [false, true, true];
const ADMISSION: [bool; 3] = [true, false, true];

fn pod(containers: Vec<Container>) -> Pod {
    let mut p = Pod {
        containers,
        ..Pod::default()
    };
    p.name_containers(false);
    p
}

fn c() -> Container {
    Container::default()
}

fn host_path(prefix: &'static str, read_only: Option<bool>, path: &'static str) -> (Psp, Pod) {
    let psp = Psp {
        allowed_host_paths: Some(vec![HostPathRule { prefix, read_only }]),
        ..Psp::default()
    };
    let mut p = pod(vec![Container {
        mounts: vec![Mount {
            volume: 0,
            read_only: None,
        }],
        ..c()
    }]);
    p.volumes = vec![VolumeSource::HostPath(path)];
    (psp, p)
}

fn edge(
    what: &'static str,
    (psp, pod): (Psp, Pod),
    property: &'static str,
    verdict: [bool; 3],
) -> Edge {
    Edge {
        what,
        psp,
        pod,
        property,
        verdict,
    }
}

pub fn edges() -> Vec<Edge> {
    let ro = Psp {
        read_only_root_filesystem: Some(true),
        ..Psp::default()
    };
    let must_run_as = |ranges: Ranges| Psp {
        run_as_user: Some(UserStrategy {
            rule: UserRule::MustRunAs,
            ranges,
        }),
        ..Psp::default()
    };
    let uid = |u: Option<i64>| Container {
        run_as_user: u,
        ..c()
    };
    let se_linux = |level: &'static str| SeLinux {
        type_: Some("container_t"),
        level: Some(level),
        ..SeLinux::default()
    };
    let seccomp = |allowed: &str| Psp {
        seccomp_allowed: Some(allowed.to_string()),
        ..Psp::default()
    };
    let mut init_privileged = pod(vec![c()]);
    init_privileged.init = vec![Container {
        privileged: Some(true),
        ..c()
    }];
    init_privileged.name_containers(false);
    vec![
        edge(
            "only the second container violates",
            (
                ro.clone(),
                pod(vec![
                    Container {
                        read_only_root_filesystem: Some(true),
                        ..c()
                    },
                    Container {
                        read_only_root_filesystem: Some(false),
                        ..c()
                    },
                ]),
            ),
            "readOnlyRootFilesystem",
            ALL,
        ),
        edge(
            "unset readOnlyRootFilesystem: PSP defaults it",
            (ro, pod(vec![c()])),
            "readOnlyRootFilesystem",
            DECLARED,
        ),
        edge(
            "a privileged init container",
            (Psp::default(), init_privileged),
            "privileged",
            ALL,
        ),
        edge(
            "/foo does not allow /food",
            host_path("/foo", None, "/food"),
            "allowedHostPaths",
            ALL,
        ),
        edge(
            "/foo/ allows /foo/bar",
            host_path("/foo/", None, "/foo/bar"),
            "allowedHostPaths",
            NONE,
        ),
        edge(
            "/ allows everything",
            host_path("/", Some(false), "/etc"),
            "allowedHostPaths",
            NONE,
        ),
        edge(
            "a writable mount under a read-only prefix",
            host_path("/foo", Some(true), "/foo/bar"),
            "allowedHostPaths",
            ALL,
        ),
        edge(
            "400 is outside 30-40 though it starts with 40",
            (must_run_as(vec![(30, 40)]), pod(vec![uid(Some(400))])),
            "runAsUser",
            ALL,
        ),
        edge(
            "unset UID under MustRunAs",
            (must_run_as(vec![(30, 40)]), pod(vec![uid(None)])),
            "runAsUser",
            DECLARED,
        ),
        edge(
            "pod-level UID, container override in range",
            (
                must_run_as(vec![(30, 40)]),
                Pod {
                    run_as_user: Some(0),
                    ..pod(vec![uid(Some(30))])
                },
            ),
            "runAsUser",
            NONE,
        ),
        edge(
            "PSP cephFS is pod cephfs",
            (
                Psp {
                    volumes: Some(vec!["cephFS"]),
                    ..Psp::default()
                },
                Pod {
                    volumes: vec![VolumeSource::Plain("cephfs")],
                    ..pod(vec![c()])
                },
            ),
            "volumes",
            NONE,
        ),
        edge(
            "no volumes list allows no volume in admission",
            (
                Psp::default(),
                Pod {
                    volumes: vec![VolumeSource::Plain("emptyDir")],
                    ..pod(vec![c()])
                },
            ),
            "volumes",
            ADMISSION,
        ),
        edge(
            "SELinux categories in another order are equal",
            (
                Psp {
                    se_linux: Some(SeLinuxStrategy::MustRunAs(se_linux("s0:c0,c6"))),
                    ..Psp::default()
                },
                Pod {
                    se_linux: Some(se_linux("s0:c6,c0")),
                    ..pod(vec![c()])
                },
            ),
            "seLinux",
            NONE,
        ),
        edge(
            "docker/default is runtime/default",
            (
                seccomp("runtime/default"),
                Pod {
                    seccomp: Some(Seccomp::Annotation("docker/default")),
                    ..pod(vec![c()])
                },
            ),
            "seccomp",
            NONE,
        ),
        edge(
            "a trailing comma allows an unset profile",
            (seccomp("runtime/default,"), pod(vec![c()])),
            "seccomp",
            NONE,
        ),
        edge(
            "hostNetwork makes a containerPort a host port",
            (
                Psp {
                    host_network: Some(true),
                    host_ports: Some(vec![(8000, 9000)]),
                    ..Psp::default()
                },
                Pod {
                    host_network: Some(true),
                    ..pod(vec![Container {
                        ports: vec![Port {
                            container_port: 80,
                            host_port: None,
                        }],
                        ..c()
                    }])
                },
            ),
            "hostPorts",
            ALL,
        ),
        edge(
            "capabilities compare case-sensitively",
            (
                Psp {
                    allowed_capabilities: Some(vec!["NET_ADMIN"]),
                    ..Psp::default()
                },
                pod(vec![Container {
                    add: Some(vec!["net_admin"]),
                    ..c()
                }]),
            ),
            "allowedCapabilities",
            ALL,
        ),
        edge(
            "drop ALL satisfies a required drop; dropping another does not",
            (
                Psp {
                    required_drop_capabilities: Some(vec!["NET_RAW"]),
                    ..Psp::default()
                },
                pod(vec![
                    Container {
                        drop: Some(vec!["ALL"]),
                        ..c()
                    },
                    Container {
                        drop: Some(vec!["SYS_TIME"]),
                        ..c()
                    },
                ]),
            ),
            "requiredDropCapabilities",
            DECLARED,
        ),
        edge(
            "the slash spelling of a safe sysctl is not safe",
            (
                Psp::default(),
                Pod {
                    sysctls: Some(vec!["kernel/shm_rmid_forced"]),
                    ..pod(vec![c()])
                },
            ),
            "sysctls",
            ADMISSION,
        ),
    ]
}
