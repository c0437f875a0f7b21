//! # hostNetwork
//!
//! `spec.hostNetwork` false or absent: a pod with `spec.hostNetwork: true` violates it, in every mode.

use super::host_namespace::check;
use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "hostNetwork",
    label: |_| "hostNetwork",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    check(
        "hostNetwork",
        s.spec.host_network,
        s.pod.spec.host_network,
        out,
    );
}
