//! # allowPrivilegeEscalation
//!
//! `spec.allowPrivilegeEscalation: false`. `admission`: a container setting
//! `allowPrivilegeEscalation: true` (PSP turned unset into `false`). `declared`: a container
//! not setting it to `false` (unset means `true` in Kubernetes). Absent in the policy, PSP
//! defaulted it to `true`: nothing to check. `defaultAllowPrivilegeEscalation` never fires.

use super::{required_flag, Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowPrivilegeEscalation",
    label: |_| "allowPrivilegeEscalation",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    if s.spec.allow_privilege_escalation == Some(false) {
        required_flag::check(s, q, out, "allowPrivilegeEscalation", false, |sc| {
            sc.allow_privilege_escalation
        });
    }
}
