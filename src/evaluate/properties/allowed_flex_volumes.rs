//! # allowedFlexVolumes
//!
//! `spec.allowedFlexVolumes` (non-empty), in every mode: a `flexVolume` whose driver is not
//! listed (exact names). An empty or absent list allows every driver.

use super::{PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedFlexVolumes",
    label: |_| "allowedFlexVolumes",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Vec<String>) {
    let Some(allowed) = s.spec.allowed_flex_volumes.as_deref() else {
        return;
    };
    if allowed.is_empty() {
        return;
    }
    for (i, v) in s.pod.spec.volumes.iter().enumerate() {
        if let Some(d) = &v.flex_driver {
            if !allowed.iter().any(|a| &a.driver == d) {
                out.push(format!(
                    "volume {:?} (volumes[{i}]) uses flexVolume driver {d:?}",
                    v.name
                ));
            }
        }
    }
}
