//! # runAsUser
//!
//! `spec.runAsUser`, per container, on its effective `runAsUser` and `runAsNonRoot` (its own,
//! else the pod's). `MustRunAs`: the UID set and outside the ranges; `declared`: also unset.
//! `MustRunAsNonRoot`: `runAsNonRoot: false`, or UID 0; `declared`: also neither a UID nor
//! `runAsNonRoot: true` (PSP would have set `runAsNonRoot: true`). `RunAsAny`: nothing.

use super::{PropertyCheck, Question, Subject};
use crate::evaluate::effective;
use crate::evaluate::ranges::{in_id_ranges, spell_ids};
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

fn offenders(s: &Subject, q: Question, out: &mut Vec<String>) {
    let Some(strategy) = &s.spec.run_as_user else {
        return;
    };
    for c in s.pod.all_containers() {
        let uid = effective::run_as_user(s.pod, c.container);
        let non_root = effective::run_as_non_root(s.pod, c.container);
        match strategy.rule {
            RunAsUserRule::RunAsAny => return,
            RunAsUserRule::MustRunAs => match uid {
                Some(u) if !in_id_ranges(u, &strategy.ranges) => out.push(format!(
                    "{c} runs as user {u}, outside the allowed ranges ({})",
                    spell_ids(&strategy.ranges)
                )),
                None if q == Question::Declared => out.push(format!("{c} has no runAsUser")),
                _ => {}
            },
            RunAsUserRule::MustRunAsNonRoot => {
                if non_root == Some(false) {
                    out.push(format!("{c} sets runAsNonRoot: false"));
                }
                if uid == Some(0) {
                    out.push(format!("{c} runs as user 0"));
                }
                if q == Question::Declared && uid.is_none() && non_root != Some(true) {
                    out.push(format!("{c} sets neither runAsUser nor runAsNonRoot: true"));
                }
            }
        }
    }
}
