//! # fsGroup
//!
//! `spec.fsGroup` `MustRunAs`/`MayRunAs`: the pod's `securityContext.fsGroup` set and outside
//! the ranges; `MustRunAs` in `declared`: also unset.

use super::group_ids::{id_problem, label};
use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "fsGroup",
    label: |spec| {
        label(
            spec.fs_group.as_ref(),
            "fsGroup=MustRunAs",
            "fsGroup=MayRunAs",
            "fsGroup",
        )
    },
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(strategy) = &s.spec.fs_group else {
        return;
    };
    if let Some(problem) = id_problem(q, strategy, s.pod.security().fs_group) {
        out.add(format_args!("pod fsGroup is {problem}"));
    }
}
