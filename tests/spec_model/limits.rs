//! What the rules can be expected to report, given the limits each generator documents in its
//! `//!` comment. Each limit is modelled exactly (the expectation is the model on the part of
//! the pod the rule can see), so the test still proves the rule right everywhere else, and
//! still proves it never reports more than SPEC §5 does.
//!
//! Every entry names the generator doc it follows. A limit that is not documented there is not
//! modelled here: a disagreement then fails the test.

use super::model::{self, Q};
use super::types::*;
use pspconv::convert::Mode;
use pspconv::Target;

/// Whether the `property` rule of `psp` should fire on `pod`.
pub fn expected(property: &str, target: Target, mode: Mode, psp: &Psp, pod: &Pod) -> bool {
    let legacy = target == Target::Legacy;
    match property {
        // privileged.rs "Limits": the legacy target checks regular containers only. The same
        // holds for readOnlyRootFilesystem (its doc: "Legacy Falco: the seed's `not
        // ka.req.pod.containers.read_only_fs in (true)`", a list field over `containers`),
        // though its doc has no "Limits" section saying so (reported). Both could check init
        // and ephemeral containers by per-index `jevt.value` pointers, as
        // allowPrivilegeEscalation does on legacy.
        "privileged" | "readOnlyRootFilesystem" if legacy => {
            model::violates(property, mode, psp, &regular_only(pod))
        }
        // allowed_host_paths.rs: "Ephemeral containers are left out of this part [read-only
        // mounts]"; "Limits": legacy Falco checks the prefixes only.
        "allowedHostPaths" => {
            let ro = !legacy && model::host_path_writable(psp, pod, |k| k != Kind::Ephemeral);
            model::host_path_unmatched(psp, pod) || ro
        }
        // seccomp.rs "Limits": a container that takes its profile from its own annotation
        // (no `seccompProfile` field) is not reported.
        "seccomp" => questions(mode).any(|q| {
            model::seccomp_pod(q, psp, pod)
                || pod.all_containers().any(|(_, c)| {
                    c.seccomp.and_then(Seccomp::field).is_some()
                        && model::seccomp_container(q, psp, pod, c)
                })
        }),
        // apparmor.rs "Limits": only an unset (or empty) profile is reported, and only when
        // the pod has no container AppArmor annotation at all or (current Falco) the
        // container's name occurs nowhere in the annotations.
        "apparmor" => {
            let annotations = pod.annotations();
            let any_key = annotations
                .keys()
                .any(|k| k.starts_with("container.apparmor.security.beta.kubernetes.io/"));
            let name_seen = |name: &str| {
                annotations
                    .iter()
                    .any(|(k, v)| k.contains(name) || v.as_str().is_some_and(|v| v.contains(name)))
            };
            questions(mode).any(|q| {
                pod.all_containers().any(|(_, c)| {
                    let unset = c.apparmor.is_none_or(str::is_empty);
                    let visible = !any_key || (!legacy && !name_seen(&c.name));
                    unset && visible && model::apparmor_container(q, psp, c)
                })
            })
        }
        _ => model::violates(property, mode, psp, pod),
    }
}

fn questions(mode: Mode) -> impl Iterator<Item = Q> {
    let qs: &[Q] = match mode {
        Mode::Admission => &[Q::Admission],
        Mode::Declared => &[Q::Declared],
        Mode::Strict => &[Q::Admission, Q::Declared],
    };
    qs.iter().copied()
}

fn regular_only(pod: &Pod) -> Pod {
    Pod {
        init: Vec::new(),
        ephemeral: Vec::new(),
        ..pod.clone()
    }
}

/// Disagreements that are bugs (not documented limits), reported and not yet fixed: the
/// property is left out of the comparison for the cases they cover, and only those. Each entry
/// names the bug; remove it when the fix lands.
pub fn known_bug(
    property: &str,
    _target: Target,
    mode: Mode,
    psp: &Psp,
    _pod: &Pod,
) -> Option<&'static str> {
    // None open: the empty seccomp allowedProfileNames (treated as absent in declared mode)
    // was fixed in seccomp.rs; its reproduction runs as a plain test now.
    let _ = (property, mode, psp);
    None
}
