//! SPEC §5, written out directly over [`Psp`] and [`Pod`]: for a property and a mode, does the
//! pod violate the policy? Written from SPEC §5's table and research/psp-admission-semantics.md
//! only, not from the generators, so that the two can disagree.
//!
//! Decisions where SPEC leaves room (SPEC wording first, then the research):
//! - `declared` checks a field only when the policy states it ("a property the policy leaves
//!   out is not checked"). For allowedCapabilities that field is `allowedCapabilities`:
//!   `defaultAddCapabilities` alone is a defaulting, which `declared` ignores. For sysctls,
//!   `forbiddenSysctls` states the forbidden names and `allowedUnsafeSysctls` the allowed
//!   unsafe ones; each is checked only when present.
//! - `seccomp` splits `allowedProfileNames` on `,` without trimming (research §3.1), so an
//!   empty annotation value is the list `[""]`: only an unset profile is allowed.
//! - `apparmor`: an empty annotation value on the pod counts as unset; an empty item in the
//!   policy's list does not allow unset (research §3.2: the strategy code is authoritative).
//! - supplementalGroups `MustRunAs` with an explicit `[]`: `admission` does not fire (SPEC
//!   table: only a listed GID outside), `declared` does ("list absent or empty").

use super::types::*;
use pspconv::convert::Mode;

/// Every SPEC §5 property, by the name its rules carry (`PSP <name> Violation (<property>)`).
pub const PROPERTIES: [&str; 23] = [
    "privileged",
    "hostPID",
    "hostIPC",
    "hostNetwork",
    "hostPorts",
    "volumes",
    "allowedHostPaths",
    "allowedFlexVolumes",
    "allowedCSIDrivers",
    "allowedCapabilities",
    "requiredDropCapabilities",
    "runAsUser",
    "runAsGroup",
    "supplementalGroups",
    "fsGroup",
    "seLinux",
    "readOnlyRootFilesystem",
    "allowPrivilegeEscalation",
    "sysctls",
    "allowedProcMountTypes",
    "runtimeClass",
    "seccomp",
    "apparmor",
];

/// The sysctls PSP always allowed (research §2.7, final list).
pub const SAFE_SYSCTLS: [&str; 5] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];

/// Whether `pod` violates `property` of `psp` in `mode`. `strict` is `admission || declared`.
pub fn violates(property: &str, mode: Mode, psp: &Psp, pod: &Pod) -> bool {
    let admission = || one(property, Q::Admission, psp, pod);
    let declared = || one(property, Q::Declared, psp, pod);
    match mode {
        Mode::Admission => admission(),
        Mode::Declared => declared(),
        Mode::Strict => admission() || declared(),
    }
}

/// The two questions SPEC §5 asks; `strict` is their union.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Q {
    Admission,
    Declared,
}

fn one(property: &str, q: Q, psp: &Psp, pod: &Pod) -> bool {
    match property {
        "privileged" => {
            psp.privileged != Some(true) && any_container(pod, |c| c.privileged == Some(true))
        }
        "hostPID" => psp.host_pid != Some(true) && pod.host_pid == Some(true),
        "hostIPC" => psp.host_ipc != Some(true) && pod.host_ipc == Some(true),
        "hostNetwork" => psp.host_network != Some(true) && pod.host_network == Some(true),
        "hostPorts" => host_ports(q, psp, pod),
        "volumes" => volumes(q, psp, pod),
        "allowedHostPaths" => {
            host_path_unmatched(psp, pod) || host_path_writable(psp, pod, |_| true)
        }
        "allowedFlexVolumes" => driver_unlisted(&psp.allowed_flex_volumes, pod, |v| match v {
            VolumeSource::Flex(d) => Some(d),
            _ => None,
        }),
        "allowedCSIDrivers" => driver_unlisted(&psp.allowed_csi_drivers, pod, |v| match v {
            VolumeSource::Csi(d) => Some(d),
            _ => None,
        }),
        "allowedCapabilities" => capabilities(q, psp, pod),
        "requiredDropCapabilities" => required_drop(q, psp, pod),
        "runAsUser" => run_as_user(q, psp, pod),
        "runAsGroup" => run_as_group(q, psp, pod),
        "supplementalGroups" => supplemental_groups(q, psp, pod),
        "fsGroup" => fs_group(q, psp, pod),
        "seLinux" => se_linux(q, psp, pod),
        "readOnlyRootFilesystem" => {
            psp.read_only_root_filesystem == Some(true)
                && any_container(pod, |c| match q {
                    Q::Admission => c.read_only_root_filesystem == Some(false),
                    Q::Declared => c.read_only_root_filesystem != Some(true),
                })
        }
        "allowPrivilegeEscalation" => {
            psp.allow_privilege_escalation == Some(false)
                && any_container(pod, |c| match q {
                    Q::Admission => c.allow_privilege_escalation == Some(true),
                    Q::Declared => c.allow_privilege_escalation != Some(false),
                })
        }
        "sysctls" => sysctls(q, psp, pod),
        "allowedProcMountTypes" => proc_mount(q, psp, pod),
        "runtimeClass" => runtime_class(psp, pod),
        "seccomp" => {
            seccomp_pod(q, psp, pod) || any_container(pod, |c| seccomp_container(q, psp, pod, c))
        }
        "apparmor" => any_container(pod, |c| apparmor_container(q, psp, c)),
        other => panic!("unknown property {other}"),
    }
}

fn any_container(pod: &Pod, f: impl Fn(&Container) -> bool) -> bool {
    pod.all_containers().any(|(_, c)| f(c))
}

pub fn in_ranges(v: i64, ranges: &Ranges) -> bool {
    ranges.iter().any(|&(min, max)| min <= v && v <= max)
}

/// The list a field means in `q`: as stated; absent means `absent` in `admission` (what PSP
/// made of it) and "not checked" (`None`) in `declared`.
fn stated<'a, T>(field: &'a Option<Vec<T>>, q: Q, absent: &'a [T]) -> Option<&'a [T]> {
    match (field, q) {
        (Some(list), _) => Some(list),
        (None, Q::Admission) => Some(absent),
        (None, Q::Declared) => None,
    }
}

fn host_ports(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(ranges) = stated(&psp.host_ports, q, &[]) else {
        return false;
    };
    let ranges: Ranges = ranges.to_vec();
    let host_network = pod.host_network == Some(true);
    pod.all_containers().flat_map(|(_, c)| &c.ports).any(|p| {
        let host_port = match p.host_port {
            Some(h) if h > 0 => Some(h),
            _ if host_network => Some(p.container_port),
            _ => None,
        };
        host_port.is_some_and(|h| !in_ranges(h, &ranges))
    })
}

/// PSP `FSType` name → pod volume key (the one naming trap: `cephFS` is `cephfs`).
pub fn pod_key(fs_type: &str) -> &str {
    if fs_type == "cephFS" {
        "cephfs"
    } else {
        fs_type
    }
}

fn volumes(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(list) = stated(&psp.volumes, q, &[]) else {
        return false;
    };
    if list.contains(&"*") {
        return false;
    }
    pod.volumes
        .iter()
        .any(|v| !list.iter().any(|t| pod_key(t) == v.key()))
}

/// PSP's `hasPathPrefix` (research §2.3): one trailing `/` trimmed from both, then a prefix
/// that ends at a segment boundary.
pub fn has_path_prefix(path: &str, prefix: &str) -> bool {
    let path = path.strip_suffix('/').unwrap_or(path);
    let prefix = prefix.strip_suffix('/').unwrap_or(prefix);
    path.starts_with(prefix)
        && (path.len() == prefix.len() || path.as_bytes()[prefix.len()] == b'/')
}

fn host_path_rules(psp: &Psp) -> &[HostPathRule] {
    psp.allowed_host_paths.as_deref().unwrap_or(&[])
}

/// A hostPath volume whose path matches no `allowedHostPaths` prefix (non-empty list only).
pub fn host_path_unmatched(psp: &Psp, pod: &Pod) -> bool {
    let rules = host_path_rules(psp);
    !rules.is_empty()
        && pod.volumes.iter().any(|v| match v {
            VolumeSource::HostPath(p) => !rules.iter().any(|r| has_path_prefix(p, r.prefix)),
            _ => false,
        })
}

/// A mount without `readOnly: true` of a hostPath volume that only read-only prefixes match,
/// among the containers `kinds` accepts.
pub fn host_path_writable(psp: &Psp, pod: &Pod, kinds: impl Fn(Kind) -> bool) -> bool {
    let rules = host_path_rules(psp);
    let read_only_only = |i: usize| match &pod.volumes[i] {
        VolumeSource::HostPath(p) => {
            let mut matching = rules
                .iter()
                .filter(|r| has_path_prefix(p, r.prefix))
                .peekable();
            matching.peek().is_some() && matching.all(|r| r.read_only == Some(true))
        }
        _ => false,
    };
    pod.all_containers()
        .filter(|(k, _)| kinds(*k))
        .any(|(_, c)| {
            c.mounts
                .iter()
                .any(|m| m.read_only != Some(true) && pod.mounted(m).is_some_and(read_only_only))
        })
}

fn driver_unlisted(
    list: &Option<Vec<&'static str>>,
    pod: &Pod,
    driver: impl Fn(&VolumeSource) -> Option<&&'static str>,
) -> bool {
    match list {
        Some(list) if !list.is_empty() => pod
            .volumes
            .iter()
            .filter_map(driver)
            .any(|d| !list.contains(d)),
        _ => false,
    }
}

fn wildcard_capabilities(psp: &Psp) -> bool {
    psp.allowed_capabilities
        .as_ref()
        .is_some_and(|a| a.contains(&"*"))
}

fn capabilities(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(allowed) = stated(&psp.allowed_capabilities, q, &[]) else {
        return false;
    };
    if wildcard_capabilities(psp) {
        return false;
    }
    let default_add = psp.default_add_capabilities.as_deref().unwrap_or(&[]);
    any_container(pod, |c| {
        c.add
            .iter()
            .flatten()
            .any(|cap| !allowed.contains(cap) && !default_add.contains(cap))
    })
}

fn required_drop(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let required = psp.required_drop_capabilities.as_deref().unwrap_or(&[]);
    if required.is_empty() || wildcard_capabilities(psp) {
        return false;
    }
    any_container(pod, |c| {
        let adds = c.add.iter().flatten().any(|cap| required.contains(cap));
        let drop = c.drop.as_deref().unwrap_or(&[]);
        let undropped = required
            .iter()
            .any(|r| !drop.contains(r) && !drop.contains(&"ALL"));
        adds || (q == Q::Declared && undropped)
    })
}

fn run_as_user(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(s) = &psp.run_as_user else {
        return false;
    };
    any_container(pod, |c| {
        let uid = c.run_as_user.or(pod.run_as_user);
        let non_root = c.run_as_non_root.or(pod.run_as_non_root);
        match s.rule {
            UserRule::RunAsAny => false,
            UserRule::MustRunAs => match uid {
                Some(u) => !in_ranges(u, &s.ranges),
                None => q == Q::Declared,
            },
            UserRule::MustRunAsNonRoot => {
                non_root == Some(false)
                    || uid == Some(0)
                    || (q == Q::Declared && uid.is_none() && non_root != Some(true))
            }
        }
    })
}

/// A set ID outside the ranges; an unset one only for `MustRunAs` in `declared`.
fn group_id(q: Q, s: &GroupStrategy, id: Option<i64>) -> bool {
    match (s.rule.unwrap_or(GroupRule::RunAsAny), id) {
        (GroupRule::RunAsAny, _) => false,
        (_, Some(id)) => !in_ranges(id, &s.ranges),
        (GroupRule::MustRunAs, None) => q == Q::Declared,
        (GroupRule::MayRunAs, None) => false,
    }
}

fn run_as_group(q: Q, psp: &Psp, pod: &Pod) -> bool {
    psp.run_as_group.as_ref().is_some_and(|s| {
        any_container(pod, |c| group_id(q, s, c.run_as_group.or(pod.run_as_group)))
    })
}

fn fs_group(q: Q, psp: &Psp, pod: &Pod) -> bool {
    psp.fs_group
        .as_ref()
        .is_some_and(|s| group_id(q, s, pod.fs_group))
}

fn supplemental_groups(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(s) = &psp.supplemental_groups else {
        return false;
    };
    let rule = s.rule.unwrap_or(GroupRule::RunAsAny);
    if rule == GroupRule::RunAsAny {
        return false;
    }
    let list = pod.supplemental_groups.as_deref().unwrap_or(&[]);
    let outside = list.iter().any(|g| !in_ranges(*g, &s.ranges));
    outside || (rule == GroupRule::MustRunAs && q == Q::Declared && list.is_empty())
}

/// SELinux levels are equal when identical, or with the same sensitivity and the same set of
/// categories (`s0:c6,c0` = `s0:c0,c6`).
pub fn level_eq(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.split_once(':'), b.split_once(':')) {
        (Some((sa, ca)), Some((sb, cb))) => sa == sb && categories(ca) == categories(cb),
        _ => false,
    }
}

fn categories(c: &str) -> std::collections::BTreeSet<&str> {
    c.split(',').collect()
}

fn se_linux_differs(policy: &SeLinux, pod: &SeLinux) -> bool {
    let s = |v: Option<&str>| v.unwrap_or("").to_string();
    s(policy.user) != s(pod.user)
        || s(policy.role) != s(pod.role)
        || s(policy.type_) != s(pod.type_)
        || !level_eq(&s(policy.level), &s(pod.level))
}

fn se_linux(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(SeLinuxStrategy::MustRunAs(options)) = &psp.se_linux else {
        return false;
    };
    let differs = |o: &Option<SeLinux>| o.as_ref().is_some_and(|o| se_linux_differs(options, o));
    differs(&pod.se_linux)
        || any_container(pod, |c| differs(&c.se_linux))
        || (q == Q::Declared
            && any_container(pod, |c| c.se_linux.is_none() && pod.se_linux.is_none()))
}

/// A sysctl pattern: exact, `prefix*`, or `*`.
pub fn sysctl_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

fn sysctls(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let forbidden = stated(&psp.forbidden_sysctls, q, &[]);
    let allowed = stated(&psp.allowed_unsafe_sysctls, q, &[]);
    pod.sysctls.iter().flatten().any(|name| {
        let is_forbidden = forbidden.is_some_and(|f| f.iter().any(|p| sysctl_matches(p, name)));
        let unsafe_not_allowed = allowed.is_some_and(|a| {
            !SAFE_SYSCTLS.contains(name) && !a.iter().any(|p| sysctl_matches(p, name))
        });
        is_forbidden || unsafe_not_allowed
    })
}

fn proc_mount(q: Q, psp: &Psp, pod: &Pod) -> bool {
    let Some(list) = stated(&psp.allowed_proc_mount_types, q, &[]) else {
        return false;
    };
    let list: &[&str] = if list.is_empty() { &["Default"] } else { list };
    any_container(pod, |c| !list.contains(&c.proc_mount.unwrap_or("Default")))
}

fn runtime_class(psp: &Psp, pod: &Pod) -> bool {
    match (&psp.runtime_class, pod.runtime_class_name) {
        (Some(rc), Some(name)) => !rc.allowed.contains(&"*") && !rc.allowed.contains(&name),
        _ => false,
    }
}

/// The parsed `allowedProfileNames`: `None` when absent; `Some(None)` when it holds `*`.
fn seccomp_list(psp: &Psp) -> Option<Option<Vec<&str>>> {
    psp.seccomp_allowed.as_deref().map(|s| {
        let items: Vec<&str> = s.split(',').collect();
        (!items.contains(&"*")).then_some(items)
    })
}

fn is_runtime_default(p: &str) -> bool {
    p == "runtime/default" || p == "docker/default"
}

/// Whether `profile` (`None`: unset) is refused in `q`: `admission` refuses any set profile
/// when the policy has no list; `declared` checks only a stated list.
fn seccomp_refused(q: Q, psp: &Psp, profile: Option<&str>) -> bool {
    match seccomp_list(psp) {
        Some(None) => false,
        None => q == Q::Admission && profile.is_some(),
        Some(Some(list)) => {
            let p = profile.unwrap_or("");
            !list
                .iter()
                .any(|a| *a == p || (is_runtime_default(a) && is_runtime_default(p)))
        }
    }
}

/// The pod's profile as PSP sees it in `q`: set, or (`admission`) the injected default.
pub fn seccomp_pod_profile(q: Q, psp: &Psp, pod: &Pod) -> Option<&'static str> {
    let own = pod.seccomp.map(Seccomp::profile);
    match q {
        Q::Admission => own.or(psp.seccomp_default),
        Q::Declared => own,
    }
}

pub fn seccomp_pod(q: Q, psp: &Psp, pod: &Pod) -> bool {
    seccomp_refused(q, psp, seccomp_pod_profile(q, psp, pod))
}

/// A container's profile: its own (field or annotation), else the pod's.
pub fn seccomp_container(q: Q, psp: &Psp, pod: &Pod, c: &Container) -> bool {
    let profile = c
        .seccomp
        .map(Seccomp::profile)
        .or(seccomp_pod_profile(q, psp, pod));
    seccomp_refused(q, psp, profile)
}

/// A container's AppArmor profile (empty counts as unset) is unset or not listed; `admission`
/// first injects the default into an unset profile.
pub fn apparmor_container(q: Q, psp: &Psp, c: &Container) -> bool {
    let Some(allowed) = psp.apparmor_allowed.as_deref() else {
        return false;
    };
    let own = c.apparmor.filter(|p| !p.is_empty());
    let profile = match q {
        Q::Admission => own.or(psp.apparmor_default),
        Q::Declared => own,
    };
    profile.is_none_or(|p| !allowed.split(',').any(|a| a == p))
}
