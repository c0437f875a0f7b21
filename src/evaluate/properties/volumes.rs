//! # volumes
//!
//! `spec.volumes`: a pod volume whose type (its source key; PSP `cephFS` is pod `cephfs`) is
//! not listed violates it; `*` allows every type and an empty list none. `admission`: an absent
//! list allows no volume, as PSP made it. `declared`: an absent list is not checked. A volume
//! with no source at all has no type PSP knew, and is refused as PSP refused it.

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::FsType;

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "volumes",
    label: |_| "volumes",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(allowed) = q.stated(&s.spec.volumes, &[]) else {
        return;
    };
    if allowed.contains(&FsType::All) {
        return;
    }
    let listed = |key: &str| allowed.iter().any(|t| t.pod_key() == key);
    for (i, v) in s.pod.spec.volumes.iter().enumerate() {
        if v.sources.is_empty() {
            out.add(format_args!(
                "volume {:?} (volumes[{i}]) has no known type",
                v.name
            ));
        }
        for key in v.sources.iter().filter(|k| !listed(k)) {
            out.add(format_args!(
                "volume {:?} (volumes[{i}]) is of type {key}",
                v.name
            ));
        }
    }
}
