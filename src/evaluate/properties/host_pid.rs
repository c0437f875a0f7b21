//! # hostPID
//!
//! `spec.hostPID` false or absent: a pod with `spec.hostPID: true` violates it, in every mode.

use super::host_namespace::check;
use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "hostPID",
    label: |_| "hostPID",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    check("hostPID", s.spec.host_pid, s.pod.spec.host_pid, out);
}
