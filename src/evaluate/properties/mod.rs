//! One checker per PSP property (SPEC §5), one module each, mirroring `src/convert/`, and
//! registered in [`CHECKS`] in the order of the generator table.
//!
//! A checker answers one of SPEC §5's two questions ([`Question`]) by listing the pod's
//! offenders: short phrases naming the container (name, array and index) or volume and the
//! offending value. A mode asks one question, or (`strict`) both, and a property is violated
//! when it has an offender. Phrases name what was found, not which question found it, so that
//! `strict` merges the two lists without saying a thing twice.

mod allow_privilege_escalation;
mod allowed_capabilities;
mod allowed_csi_drivers;
mod allowed_flex_volumes;
mod allowed_host_paths;
mod allowed_proc_mount_types;
mod apparmor;
mod fs_group;
mod group_ids;
mod host_ipc;
mod host_namespace;
mod host_network;
mod host_pid;
mod host_ports;
mod privileged;
mod read_only_root_filesystem;
mod required_drop_capabilities;
mod run_as_group;
mod run_as_user;
mod runtime_class;
mod se_linux;
mod seccomp;
mod supplemental_groups;
mod sysctls;
mod volumes;

pub use apparmor::AppArmorAllowed;
pub use seccomp::SeccompAllowed;

use super::pod::Pod;
use super::scope::pod_in_scope;
use super::{CompiledPolicy, PolicyVerdict, Violation};
use crate::convert::Mode;
use crate::psp::PspSpec;

/// The two questions SPEC §5 asks; `strict` asks both.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Question {
    /// Would PSP admission, its defaults applied first, have rejected the pod?
    Admission,
    /// Does the pod, as submitted, comply with what the policy states?
    Declared,
}

impl Question {
    /// The list a policy field means for this question: as stated; an absent field means
    /// `absent` in `admission` (what PSP made of it) and "not checked" (`None`) in `declared`.
    pub fn stated<'a, T>(self, field: &'a Option<Vec<T>>, absent: &'a [T]) -> Option<&'a [T]> {
        match (field, self) {
            (Some(list), _) => Some(list),
            (None, Question::Admission) => Some(absent),
            (None, Question::Declared) => None,
        }
    }
}

/// What a checker reads: one compiled policy and one pod.
pub struct Subject<'a> {
    pub policy: &'a CompiledPolicy,
    pub spec: &'a PspSpec,
    pub pod: &'a Pod,
}

/// A property's checker.
pub struct PropertyCheck {
    /// The property as SPEC §5 and the generator table name it (`runAsUser`).
    pub property: &'static str,
    /// The name the `falco` target's rule carries (`runAsUser=MustRunAs` for strategies).
    pub label: fn(&PspSpec) -> &'static str,
    /// Pushes the pod's offenders for one question.
    pub offenders: fn(&Subject, Question, &mut Vec<String>),
}

/// Every property, in the order of `convert::GENERATORS`.
pub const CHECKS: &[PropertyCheck] = &[
    privileged::CHECK,
    host_pid::CHECK,
    host_ipc::CHECK,
    host_network::CHECK,
    read_only_root_filesystem::CHECK,
    volumes::CHECK,
    allowed_host_paths::CHECK,
    allowed_flex_volumes::CHECK,
    allowed_csi_drivers::CHECK,
    sysctls::CHECK,
    allowed_proc_mount_types::CHECK,
    runtime_class::CHECK,
    allow_privilege_escalation::CHECK,
    se_linux::CHECK,
    seccomp::CHECK,
    apparmor::CHECK,
    host_ports::CHECK,
    allowed_capabilities::CHECK,
    required_drop_capabilities::CHECK,
    run_as_user::CHECK,
    run_as_group::CHECK,
    supplemental_groups::CHECK,
    fs_group::CHECK,
];

/// Offenders named one by one in a reason; the rest are counted.
const NAMED_OFFENDERS: usize = 3;

/// Judges `pod` in `namespace` against one policy in `mode`.
pub fn evaluate_policy(
    policy: &CompiledPolicy,
    mode: Mode,
    pod: &Pod,
    namespace: &str,
) -> PolicyVerdict {
    if !pod_in_scope(&policy.scope, pod, namespace) {
        return PolicyVerdict {
            in_scope: false,
            violations: Vec::new(),
        };
    }
    let subject = Subject {
        policy,
        spec: &policy.policy.psp.spec,
        pod,
    };
    let mut violations = Vec::new();
    let mut offenders = Vec::new();
    for check in CHECKS {
        offenders.clear();
        match mode {
            Mode::Admission => (check.offenders)(&subject, Question::Admission, &mut offenders),
            Mode::Declared => (check.offenders)(&subject, Question::Declared, &mut offenders),
            Mode::Strict => {
                (check.offenders)(&subject, Question::Admission, &mut offenders);
                let seen = offenders.len();
                (check.offenders)(&subject, Question::Declared, &mut offenders);
                dedup_tail(&mut offenders, seen);
            }
        }
        if !offenders.is_empty() {
            violations.push(Violation {
                property: (check.label)(subject.spec).to_string(),
                reason: reason(&offenders),
            });
        }
    }
    PolicyVerdict {
        in_scope: true,
        violations,
    }
}

/// Drops the offenders from `from` on that an earlier one already said.
fn dedup_tail(offenders: &mut Vec<String>, from: usize) {
    let mut i = from;
    while i < offenders.len() {
        if offenders[..i].contains(&offenders[i]) {
            offenders.remove(i);
        } else {
            i += 1;
        }
    }
}

/// The first offenders, joined with `; `, and how many more there are.
fn reason(offenders: &[String]) -> String {
    let mut text = offenders[..offenders.len().min(NAMED_OFFENDERS)].join("; ");
    if offenders.len() > NAMED_OFFENDERS {
        text.push_str(&format!("; and {} more", offenders.len() - NAMED_OFFENDERS));
    }
    text
}
