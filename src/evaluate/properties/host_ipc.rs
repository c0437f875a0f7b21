//! # hostIPC
//!
//! `spec.hostIPC` false or absent: a pod with `spec.hostIPC: true` violates it, in every mode.

use super::host_namespace::check;
use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "hostIPC",
    label: |_| "hostIPC",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    check("hostIPC", s.spec.host_ipc, s.pod.spec.host_ipc, out);
}
