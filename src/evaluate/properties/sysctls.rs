//! # sysctls
//!
//! `spec.forbiddenSysctls` and `spec.allowedUnsafeSysctls`, decided together per sysctl of
//! `spec.securityContext.sysctls` as PSP did: forbidden if a forbidden pattern matches, else
//! allowed if safe or matched by an allowed pattern. `admission`: absent lists are empty, so
//! every unsafe sysctl needs `allowedUnsafeSysctls`. `declared`: each list only when stated.

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::sysctls::{is_safe, sysctl_matches};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "sysctls",
    label: |_| "sysctls",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(sysctls) = &s.pod.security().sysctls else {
        return;
    };
    let forbidden = q.stated(&s.spec.forbidden_sysctls, &[]);
    let allowed = q.stated(&s.spec.allowed_unsafe_sysctls, &[]);
    let matches =
        |patterns: &[String], name: &str| patterns.iter().any(|p| sysctl_matches(p, name));
    for sysctl in sysctls {
        let name = sysctl.name.as_str();
        if forbidden.is_some_and(|f| matches(f, name)) {
            out.add(format_args!("sysctl {name:?} is forbidden"));
        } else if allowed.is_some_and(|a| !is_safe(name) && !matches(a, name)) {
            out.add(format_args!("sysctl {name:?} is unsafe and not allowed"));
        }
    }
}
