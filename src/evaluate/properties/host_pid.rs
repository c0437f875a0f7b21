//! # hostPID
//!
//! `spec.hostPID` false or absent: a pod with `spec.hostPID: true` violates it, in every mode.

use super::host_namespace::offender;
use super::{PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "hostPID",
    label: |_| "hostPID",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Vec<String>) {
    out.extend(offender("hostPID", s.spec.host_pid, s.pod.spec.host_pid));
}
