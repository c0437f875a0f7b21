//! # runAsUser
//!
//! `spec.runAsUser`, per container, on its effective `runAsUser` and `runAsNonRoot` (its own,
//! else the pod's). `MustRunAs`: the UID set and outside the ranges; `declared`: also unset.
//! `MustRunAsNonRoot`: `runAsNonRoot: false`, or UID 0; `declared`: also neither a UID nor
//! `runAsNonRoot: true` (PSP would have set `runAsNonRoot: true`). `RunAsAny`: nothing.

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::evaluate::effective;
use crate::evaluate::ranges::{in_id_ranges, IdRanges};
use crate::psp::{PspSpec, RunAsUserRule};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "runAsUser",
    label,
    offenders,
};

fn label(spec: &PspSpec) -> &'static str {
    match spec.run_as_user.as_ref().map(|s| s.rule) {
        Some(RunAsUserRule::MustRunAs) => "runAsUser=MustRunAs",
        Some(RunAsUserRule::MustRunAsNonRoot) => "runAsUser=MustRunAsNonRoot",
        _ => "runAsUser",
    }
}

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(strategy) = &s.spec.run_as_user else {
        return;
    };
    for c in &s.view.containers {
        let uid = effective::run_as_user(s.pod, c.container);
        let non_root = effective::run_as_non_root(s.pod, c.container);
        match strategy.rule {
            RunAsUserRule::RunAsAny => return,
            RunAsUserRule::MustRunAs => match uid {
                Some(u) if !in_id_ranges(u, &strategy.ranges) => out.add(format_args!(
                    "{c} runs as user {u}, outside the allowed ranges ({})",
                    IdRanges(&strategy.ranges)
                )),
                None if q.declared() => out.add(format_args!("{c} has no runAsUser")),
                _ => {}
            },
            RunAsUserRule::MustRunAsNonRoot => {
                if non_root == Some(false) {
                    out.add(format_args!("{c} sets runAsNonRoot: false"));
                }
                if uid == Some(0) {
                    out.add(format_args!("{c} runs as user 0"));
                }
                if q.declared() && uid.is_none() && non_root != Some(true) {
                    out.add(format_args!(
                        "{c} sets neither runAsUser nor runAsNonRoot: true"
                    ));
                }
            }
        }
    }
}
