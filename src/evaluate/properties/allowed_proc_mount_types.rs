//! # allowedProcMountTypes
//!
//! `spec.allowedProcMountTypes`: a container whose `procMount` (unset counts as `Default`) is
//! not listed; an empty list allows only `Default`. `admission`: an absent list allows only
//! `Default`. `declared`: an absent list is not checked.

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::ProcMountType;

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedProcMountTypes",
    label: |_| "allowedProcMountTypes",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(listed) = q.stated(&s.spec.allowed_proc_mount_types, &[]) else {
        return;
    };
    let listed: &[ProcMountType] = if listed.is_empty() {
        &[ProcMountType::Default]
    } else {
        listed
    };
    for c in &s.view.containers {
        let value = c.container.security().proc_mount.as_deref();
        let effective = value.unwrap_or("Default");
        if !listed.iter().any(|t| t.as_str() == effective) {
            match value {
                Some(v) => out.add(format_args!("{c} has procMount {v}")),
                None => out.add(format_args!("{c} leaves procMount unset (Default)")),
            }
        }
    }
}
