//! # supplementalGroups
//!
//! `spec.supplementalGroups` `MustRunAs`/`MayRunAs`: a GID of the pod's
//! `securityContext.supplementalGroups` outside the ranges; `MustRunAs` in `declared`: also a
//! pod whose list is absent or empty (PSP would have set `[ranges[0].min]`).

use super::group_ids::{id_problem, label};
use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::GroupRule;

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "supplementalGroups",
    label: |spec| {
        label(
            spec.supplemental_groups.as_ref(),
            "supplementalGroups=MustRunAs",
            "supplementalGroups=MayRunAs",
            "supplementalGroups",
        )
    },
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(strategy) = &s.spec.supplemental_groups else {
        return;
    };
    let groups = s
        .pod
        .security()
        .supplemental_groups
        .as_deref()
        .unwrap_or(&[]);
    for &gid in groups {
        if let Some(problem) = id_problem(q, strategy, Some(gid)) {
            out.add(format_args!("pod supplemental group {problem}"));
        }
    }
    if groups.is_empty() && strategy.rule() == GroupRule::MustRunAs && q.declared() {
        out.add(format_args!("pod has no supplementalGroups"));
    }
}
