//! # privileged
//!
//! `spec.privileged` false or absent: an init, regular or ephemeral container with
//! `securityContext.privileged: true` violates it, in every mode (PSP never defaulted it).

use super::{PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "privileged",
    label: |_| "privileged",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Vec<String>) {
    if s.spec.privileged == Some(true) {
        return;
    }
    for c in s.pod.all_containers() {
        if c.container.security().privileged == Some(true) {
            out.push(format!("{c} is privileged"));
        }
    }
}
