//! proptest strategies for policies and pods over small, adversarial value domains, so that
//! values collide with range edges, prefixes and list items: IDs at range edges and with a
//! range's digits as prefix (`400` vs 30-40), paths that share a prefix without a segment
//! boundary (`/food` vs `/foo`), capabilities in the wrong case, `cephfs` vs PSP `cephFS`,
//! `docker/default` vs `runtime/default`, empty vs absent lists, pod-level vs container-level
//! values, init and ephemeral containers, a second container that alone violates.
//!
//! Only valid input is generated: policies the Kubernetes API would accept (see [`fix_policy`])
//! and pods it would accept (see [`fix_pod`]). Pods stay within the converter's default bounds
//! (and within allowedHostPaths' read-only window: 2 init and 2 regular containers, 8 volumes,
//! 8 mounts each), so the "too large" rules must never fire.

use super::model::sysctl_matches;
use super::types::*;
use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;
use proptest::sample::{select, subsequence};

const IDS: [i64; 13] = [
    0, 1, 29, 30, 40, 41, 300, 400, 1000, 65534, 65535, 100000, 2147483647,
];
const ID_RANGES: [(i64, i64); 9] = [
    (65535, 2147483647),
    (0, 0),
    (1, 1),
    (29, 29),
    (30, 40),
    (40, 41),
    (41, 1000),
    (1000, 65534),
    (0, 65534),
];
const PORTS: [i64; 9] = [29, 30, 40, 41, 80, 400, 443, 8080, 65535];
const PORT_RANGES: [(i64, i64); 6] = [
    (30, 40),
    (80, 80),
    (443, 8080),
    (8000, 9000),
    (0, 0),
    (1, 65535),
];
const PSP_VOLUMES: [&str; 11] = [
    "hostPath",
    "ephemeral",
    "emptyDir",
    "secret",
    "configMap",
    "cephFS",
    "flexVolume",
    "csi",
    "projected",
    "persistentVolumeClaim",
    "*",
];
/// `image` (Kubernetes 1.31) is no PSP type: only `*` allows it.
const POD_VOLUMES: [&str; 9] = [
    "emptyDir",
    "ephemeral",
    "image",
    "secret",
    "configMap",
    "cephfs",
    "projected",
    "persistentVolumeClaim",
    "nfs",
];
const PATH_PREFIXES: [&str; 7] = [
    "/foo", "/foo/", "/food", "/foo/bar", "/", "/var/log", "/foo//",
];
const HOST_PATHS: [&str; 9] = [
    "/foo",
    "/foo/",
    "/food",
    "/foo/bar",
    "/foo/bar/baz",
    "/",
    "/var/log/pods",
    "/foo//bar",
    "/etc",
];
const FLEX_DRIVERS: [&str; 3] = ["example/lvm", "example/cifs", "Example/LVM"];
const CSI_DRIVERS: [&str; 3] = ["csi.example.com", "other.csi.io", "CSI.example.com"];
const ALLOWED_CAPS: [&str; 4] = ["NET_ADMIN", "SYS_TIME", "CHOWN", "*"];
const DEFAULT_ADD_CAPS: [&str; 2] = ["CHOWN", "NET_BIND_SERVICE"];
const REQUIRED_DROP_CAPS: [&str; 3] = ["NET_RAW", "SYS_TIME", "ALL"];
const ADD_CAPS: [&str; 7] = [
    "NET_ADMIN",
    "SYS_TIME",
    "NET_RAW",
    "CHOWN",
    "NET_BIND_SERVICE",
    "net_admin",
    "CAP_NET_ADMIN",
];
const DROP_CAPS: [&str; 4] = ["ALL", "NET_RAW", "SYS_TIME", "net_raw"];
const SYSCTL_PATTERNS: [&str; 7] = [
    "kernel.shm*",
    "kernel.*",
    "net.*",
    "net.core.somaxconn",
    "kernel.shm_rmid_forced",
    "kernel.msgmax",
    "*",
];
/// Names as PSP compared them: raw, so the slash spelling of a safe sysctl is not safe.
const SYSCTLS: [&str; 11] = [
    "kernel.shm_rmid_forced",
    "kernel/shm_rmid_forced",
    "kernel.shm",
    "net",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ip_unprivileged_port_start",
    "kernel.shmmax",
    "kernel.msgmax",
    "net.core.somaxconn",
    "net.ipv4.ip_forward",
    "kernel.sem",
];
const RUNTIME_CLASSES: [&str; 3] = ["gvisor", "kata", "*"];
const POD_RUNTIME_CLASSES: [&str; 3] = ["gvisor", "kata", "runc"];
const SECCOMP_LIST: [&str; 4] = [
    "runtime/default",
    "docker/default",
    "unconfined",
    "localhost/prof.json",
];
const SECCOMP_PROFILES: [&str; 5] = [
    "runtime/default",
    "docker/default",
    "unconfined",
    "localhost/prof.json",
    "localhost/other.json",
];
const APPARMOR_LIST: [&str; 3] = ["runtime/default", "localhost/k8s-apparmor", "unconfined"];
const APPARMOR_PROFILES: [&str; 5] = [
    "runtime/default",
    "localhost/k8s-apparmor",
    "localhost/other",
    "unconfined",
    "",
];
const SELINUX_LEVELS: [&str; 5] = ["s0", "s0:c0,c6", "s0:c6,c0", "s1:c0,c6", "s0:c0"];

/// Present half the time: policy fields.
fn half<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    option::weighted(0.5, s)
}

/// Present now and then: pod fields, so that most pods comply with most properties.
fn sparse<T: std::fmt::Debug>(s: impl Strategy<Value = T>) -> impl Strategy<Value = Option<T>> {
    option::weighted(0.25, s)
}

fn some_of<const N: usize>(
    items: [&'static str; N],
    max: usize,
) -> impl Strategy<Value = Vec<&'static str>> {
    subsequence(items.to_vec(), 0..=max.min(N))
}

fn ranges(min: usize) -> impl Strategy<Value = Ranges> {
    vec(select(ID_RANGES.to_vec()), min..=3)
}

fn se_linux_options() -> impl Strategy<Value = SeLinux> {
    (
        sparse(select(vec!["system_u", "user_u"])),
        sparse(select(vec!["system_r", "object_r"])),
        option::weighted(0.6, select(vec!["container_t", "spc_t"])),
        option::weighted(0.6, select(SELINUX_LEVELS.to_vec())),
    )
        .prop_map(|(user, role, type_, level)| SeLinux {
            user,
            role,
            type_,
            level,
        })
}

/// Pod SELinux options: random, or (since a random match is rare) the policy's own, as given
/// or with the level's categories reordered (`s0:c6,c0` for `s0:c0,c6`: still equal).
fn pod_se_linux(policy: Option<SeLinux>) -> BoxedStrategy<SeLinux> {
    match policy {
        None => se_linux_options().boxed(),
        Some(o) => {
            let mut reordered = o.clone();
            reordered.level = match o.level {
                Some("s0:c0,c6") => Some("s0:c6,c0"),
                Some("s0:c6,c0") => Some("s0:c0,c6"),
                other => other,
            };
            prop_oneof![2 => se_linux_options(), 1 => Just(o), 1 => Just(reordered)].boxed()
        }
    }
}

fn user_strategy() -> impl Strategy<Value = UserStrategy> {
    prop_oneof![
        ranges(1).prop_map(|ranges| UserStrategy {
            rule: UserRule::MustRunAs,
            ranges
        }),
        Just(UserStrategy {
            rule: UserRule::MustRunAsNonRoot,
            ranges: Vec::new()
        }),
        Just(UserStrategy {
            rule: UserRule::RunAsAny,
            ranges: Vec::new()
        }),
    ]
}

fn group_strategy() -> impl Strategy<Value = GroupStrategy> {
    prop_oneof![
        ranges(1).prop_map(|ranges| GroupStrategy {
            rule: Some(GroupRule::MustRunAs),
            ranges
        }),
        ranges(1).prop_map(|ranges| GroupStrategy {
            rule: Some(GroupRule::MayRunAs),
            ranges
        }),
        Just(GroupStrategy {
            rule: Some(GroupRule::RunAsAny),
            ranges: Vec::new()
        }),
        Just(GroupStrategy {
            rule: None,
            ranges: Vec::new()
        }),
    ]
}

fn se_linux_strategy() -> impl Strategy<Value = SeLinuxStrategy> {
    prop_oneof![
        3 => se_linux_options().prop_map(SeLinuxStrategy::MustRunAs),
        1 => Just(SeLinuxStrategy::RunAsAny),
    ]
}

fn seccomp_allowed() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => subsequence(SECCOMP_LIST.to_vec(), 1..=3).prop_map(|l| l.join(",")),
        // A trailing comma adds the empty item: an unset profile is allowed.
        2 => subsequence(SECCOMP_LIST.to_vec(), 0..=2).prop_map(|l| format!("{},", l.join(","))),
        1 => Just(String::new()),
        1 => Just("*".to_string()),
    ]
}

fn apparmor_allowed() -> impl Strategy<Value = String> {
    (subsequence(APPARMOR_LIST.to_vec(), 1..=2), any::<bool>()).prop_map(|(l, comma)| {
        let list = l.join(",");
        if comma {
            format!("{list},")
        } else {
            list
        }
    })
}

fn host_path_rule() -> impl Strategy<Value = HostPathRule> {
    (select(PATH_PREFIXES.to_vec()), half(any::<bool>()))
        .prop_map(|(prefix, read_only)| HostPathRule { prefix, read_only })
}

fn runtime_class() -> impl Strategy<Value = RuntimeClass> {
    (
        some_of(RUNTIME_CLASSES, 2),
        half(select(RUNTIME_CLASSES[..2].to_vec())),
    )
        .prop_map(|(allowed, default)| RuntimeClass { allowed, default })
}

pub fn psp() -> impl Strategy<Value = Psp> {
    let bools = (
        half(any::<bool>()),
        half(any::<bool>()),
        half(any::<bool>()),
        half(any::<bool>()),
        half(any::<bool>()),
        half(any::<bool>()),
        half(any::<bool>()),
    );
    let volumes = (
        half(vec(select(PORT_RANGES.to_vec()), 0..=2)),
        half(some_of(PSP_VOLUMES, 4)),
        half(vec(host_path_rule(), 0..=3)),
        half(subsequence(FLEX_DRIVERS.to_vec(), 1..=2)),
        half(subsequence(CSI_DRIVERS.to_vec(), 1..=2)),
    );
    let caps = (
        half(some_of(ALLOWED_CAPS, 3)),
        half(some_of(DEFAULT_ADD_CAPS, 2)),
        // Often present and non-empty: a container adding a required-drop capability is rare.
        option::weighted(
            0.7,
            prop_oneof![1 => Just(Vec::new()), 4 => subsequence(REQUIRED_DROP_CAPS.to_vec(), 1..=2)],
        ),
    );
    let ids = (
        half(user_strategy()),
        half(group_strategy()),
        half(group_strategy()),
        half(group_strategy()),
        half(se_linux_strategy()),
    );
    let misc = (
        half(some_of(SYSCTL_PATTERNS, 2)),
        half(some_of(SYSCTL_PATTERNS, 2)),
        half(some_of(["Default", "Unmasked"], 2)),
        half(runtime_class()),
        half(seccomp_allowed()),
        half(select(SECCOMP_LIST.to_vec())),
        half(apparmor_allowed()),
        half(select(APPARMOR_LIST.to_vec())),
    );
    (bools, volumes, caps, ids, misc).prop_map(|(b, v, c, i, m)| {
        let mut psp = Psp {
            privileged: b.0,
            host_pid: b.1,
            host_ipc: b.2,
            host_network: b.3,
            read_only_root_filesystem: b.4,
            allow_privilege_escalation: b.5,
            default_allow_privilege_escalation: b.6,
            host_ports: v.0,
            volumes: v.1,
            allowed_host_paths: v.2,
            allowed_flex_volumes: v.3,
            allowed_csi_drivers: v.4,
            allowed_capabilities: c.0,
            default_add_capabilities: c.1,
            required_drop_capabilities: c.2,
            run_as_user: i.0,
            run_as_group: i.1,
            supplemental_groups: i.2,
            fs_group: i.3,
            se_linux: i.4,
            allowed_unsafe_sysctls: m.0,
            forbidden_sysctls: m.1,
            allowed_proc_mount_types: m.2,
            runtime_class: m.3,
            seccomp_allowed: m.4,
            seccomp_default: m.5,
            apparmor_allowed: m.6,
            apparmor_default: m.7,
        };
        fix_policy(&mut psp);
        psp
    })
}

/// Drops what Kubernetes' PSP validation refuses, so the policy is one a cluster could hold.
pub fn fix_policy(psp: &mut Psp) {
    if psp.allow_privilege_escalation == Some(false)
        && psp.default_allow_privilege_escalation == Some(true)
    {
        psp.default_allow_privilege_escalation = None;
    }
    // `*` in allowedCapabilities forbids requiredDropCapabilities; a capability may not be both
    // required to drop and allowed or added by default.
    let allowed = psp.allowed_capabilities.clone().unwrap_or_default();
    let default_add = psp.default_add_capabilities.clone().unwrap_or_default();
    if allowed.contains(&"*") {
        psp.required_drop_capabilities = None;
    }
    if let Some(drop) = &mut psp.required_drop_capabilities {
        drop.retain(|c| !allowed.contains(c) && !default_add.contains(c));
    }
    // A sysctl pattern `*` must be alone, and the two lists may not overlap.
    for list in [&mut psp.allowed_unsafe_sysctls, &mut psp.forbidden_sysctls]
        .into_iter()
        .flatten()
    {
        if list.contains(&"*") {
            *list = vec!["*"];
        }
    }
    if let (Some(allowed), Some(forbidden)) =
        (&mut psp.allowed_unsafe_sysctls, &psp.forbidden_sysctls)
    {
        allowed.retain(|a| {
            !forbidden
                .iter()
                .any(|f| sysctl_matches(f, a) || sysctl_matches(a, f))
        });
    }
    // runtimeClass: `*` must be alone, and the default must be allowed.
    if let Some(rc) = &mut psp.runtime_class {
        if rc.allowed.contains(&"*") {
            rc.allowed = vec!["*"];
        }
        if rc
            .default
            .is_some_and(|d| !rc.allowed.contains(&"*") && !rc.allowed.contains(&d))
        {
            rc.default = None;
        }
    }
}

fn seccomp() -> impl Strategy<Value = Seccomp> {
    (select(SECCOMP_PROFILES.to_vec()), 0..3u8).prop_map(|(p, repr)| match (p, repr) {
        // No field spells docker/default.
        ("docker/default", _) | (_, 0) => Seccomp::Annotation(p),
        (_, 1) => Seccomp::Field(p),
        _ => Seccomp::Both(p),
    })
}

fn port() -> impl Strategy<Value = Port> {
    (
        select(PORTS.to_vec()),
        option::weighted(
            0.6,
            prop_oneof![1 => Just(0i64), 4 => select(PORTS.to_vec())],
        ),
    )
        .prop_map(|(container_port, host_port)| Port {
            container_port,
            host_port,
        })
}

fn mount() -> impl Strategy<Value = Mount> {
    (0..8usize, half(any::<bool>())).prop_map(|(volume, read_only)| Mount { volume, read_only })
}

fn container(se_linux: Option<SeLinux>) -> impl Strategy<Value = Container> {
    let security = (
        sparse(any::<bool>()),
        option::weighted(0.5, any::<bool>()),
        option::weighted(0.5, any::<bool>()),
        sparse(select(vec!["Default", "Unmasked"])),
        sparse(select(IDS.to_vec())),
        sparse(select(IDS.to_vec())),
        sparse(any::<bool>()),
        sparse(pod_se_linux(se_linux)),
        any::<bool>(),
    );
    let rest = (
        option::weighted(0.4, some_of(ADD_CAPS, 2)),
        option::weighted(0.4, some_of(DROP_CAPS, 2)),
        prop_oneof![2 => Just(Vec::new()), 1 => vec(port(), 1..=2)],
        prop_oneof![1 => Just(Vec::new()), 1 => vec(mount(), 1..=2)],
        sparse(seccomp()),
        option::weighted(0.4, select(APPARMOR_PROFILES.to_vec())),
    );
    (security, rest).prop_map(|(s, r)| Container {
        name: String::new(),
        privileged: s.0,
        read_only_root_filesystem: s.1,
        allow_privilege_escalation: s.2,
        proc_mount: s.3,
        run_as_user: s.4,
        run_as_group: s.5,
        run_as_non_root: s.6,
        se_linux: s.7,
        empty_security_context: s.8,
        add: r.0,
        drop: r.1,
        ports: r.2,
        mounts: r.3,
        seccomp: r.4,
        apparmor: r.5,
    })
}

fn volume() -> impl Strategy<Value = VolumeSource> {
    prop_oneof![
        3 => select(POD_VOLUMES.to_vec()).prop_map(VolumeSource::Plain),
        3 => select(HOST_PATHS.to_vec()).prop_map(VolumeSource::HostPath),
        2 => select(FLEX_DRIVERS.to_vec()).prop_map(VolumeSource::Flex),
        2 => select(CSI_DRIVERS.to_vec()).prop_map(VolumeSource::Csi),
    ]
}

/// A policy and 1 to `max` pods to check against it.
pub fn case(max: usize) -> impl Strategy<Value = (Psp, Vec<Pod>)> {
    psp().prop_flat_map(move |psp| {
        let se_linux = match &psp.se_linux {
            Some(SeLinuxStrategy::MustRunAs(o)) => Some(o.clone()),
            _ => None,
        };
        (Just(psp), vec(pod(se_linux), 1..=max))
    })
}

pub fn pod(se_linux: Option<SeLinux>) -> impl Strategy<Value = Pod> {
    let namespaces = (
        sparse(any::<bool>()),
        sparse(any::<bool>()),
        sparse(any::<bool>()),
    );
    let security = (
        sparse(select(IDS.to_vec())),
        sparse(select(IDS.to_vec())),
        sparse(any::<bool>()),
        option::weighted(0.5, select(IDS.to_vec())),
        option::weighted(0.5, vec(select(IDS.to_vec()), 0..=3)),
        sparse(pod_se_linux(se_linux.clone())),
        sparse(vec(select(SYSCTLS.to_vec()), 0..=3)),
        sparse(seccomp()),
        sparse(select(POD_RUNTIME_CLASSES.to_vec())),
    );
    let containers = (
        prop_oneof![2 => Just(Vec::new()), 1 => vec(container(se_linux.clone()), 1..=2)],
        vec(container(se_linux.clone()), 1..=2),
        prop_oneof![3 => Just(Vec::new()), 1 => vec(container(se_linux), 1..=2)],
        vec(volume(), 0..=4),
    );
    let shape = (any::<bool>(), any::<bool>());
    (namespaces, security, containers, shape).prop_map(|(n, s, c, (nested, explicit_empty))| {
        let mut pod = Pod {
            host_network: n.0,
            host_pid: n.1,
            host_ipc: n.2,
            run_as_user: s.0,
            run_as_group: s.1,
            run_as_non_root: s.2,
            fs_group: s.3,
            supplemental_groups: s.4,
            se_linux: s.5,
            sysctls: s.6,
            seccomp: s.7,
            runtime_class_name: s.8,
            init: c.0,
            containers: c.1,
            ephemeral: c.2,
            volumes: c.3,
            explicit_empty,
        };
        fix_pod(&mut pod, nested);
        pod
    })
}

/// Names the containers and drops what the API server refuses: under `hostNetwork: true` a
/// `hostPort` must be unset, 0 or the `containerPort`.
pub fn fix_pod(pod: &mut Pod, nested_names: bool) {
    pod.name_containers(nested_names);
    if pod.host_network == Some(true) {
        for c in pod
            .init
            .iter_mut()
            .chain(&mut pod.containers)
            .chain(&mut pod.ephemeral)
        {
            for p in &mut c.ports {
                if p.host_port.is_some_and(|h| h != 0 && h != p.container_port) {
                    p.host_port = Some(p.container_port);
                }
            }
        }
    }
}
