//! # allowedFlexVolumes
//!
//! `spec.allowedFlexVolumes` (non-empty), in every mode: a `flexVolume` whose driver is not
//! listed (exact names). An empty or absent list allows every driver.

use super::{drivers, Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedFlexVolumes",
    label: |_| "allowedFlexVolumes",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    let allowed: Vec<&str> = (s.spec.allowed_flex_volumes.iter().flatten())
        .map(|a| a.driver.as_str())
        .collect();
    drivers::check(s, out, &allowed, "flexVolume", |v| v.flex_driver.as_deref());
}
