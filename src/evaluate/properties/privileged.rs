//! # privileged
//!
//! `spec.privileged` false or absent: an init, regular or ephemeral container with
//! `securityContext.privileged: true` violates it, in every mode (PSP never defaulted it).

use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "privileged",
    label: |_| "privileged",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    if s.spec.privileged == Some(true) {
        return;
    }
    for c in &s.view.containers {
        if c.container.security().privileged == Some(true) {
            out.add(format_args!("{c} is privileged"));
        }
    }
}
