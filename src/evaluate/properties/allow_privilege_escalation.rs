//! # allowPrivilegeEscalation
//!
//! `spec.allowPrivilegeEscalation: false`. `admission`: a container setting
//! `allowPrivilegeEscalation: true` (PSP turned unset into `false`). `declared`: a container
//! not setting it to `false` (unset means `true` in Kubernetes). Absent in the policy, PSP
//! defaulted it to `true`: nothing to check. `defaultAllowPrivilegeEscalation` never fires.

use super::{PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowPrivilegeEscalation",
    label: |_| "allowPrivilegeEscalation",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Vec<String>) {
    if s.spec.allow_privilege_escalation != Some(false) {
        return;
    }
    for c in s.pod.all_containers() {
        match (c.container.security().allow_privilege_escalation, q) {
            (Some(true), _) => out.push(format!("{c} sets allowPrivilegeEscalation: true")),
            (None, Question::Declared) => {
                out.push(format!("{c} leaves allowPrivilegeEscalation unset"))
            }
            _ => {}
        }
    }
}
