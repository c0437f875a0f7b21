//! # runAsGroup
//!
//! `spec.runAsGroup` `MustRunAs`/`MayRunAs`: a container whose effective `runAsGroup` (its
//! own, else the pod's) is set and outside the ranges; `MustRunAs` in `declared`: also unset.

use super::group_ids::{id_problem, label};
use super::{Offenders, PropertyCheck, Question, Subject};
use crate::evaluate::effective;

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "runAsGroup",
    label: |spec| {
        label(
            spec.run_as_group.as_ref(),
            "runAsGroup=MustRunAs",
            "runAsGroup=MayRunAs",
            "runAsGroup",
        )
    },
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(strategy) = &s.spec.run_as_group else {
        return;
    };
    for c in &s.view.containers {
        let gid = effective::run_as_group(s.pod, c.container);
        if let Some(problem) = id_problem(q, strategy, gid) {
            out.add(format_args!("{c} runAsGroup is {problem}"));
        }
    }
}
