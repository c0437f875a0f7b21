//! # allowedCSIDrivers
//!
//! `spec.allowedCSIDrivers` (non-empty), in every mode: an inline `csi` volume whose driver is
//! not listed (exact names). An empty or absent list allows every driver.

use super::{drivers, Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedCSIDrivers",
    label: |_| "allowedCSIDrivers",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    let allowed: Vec<&str> = (s.spec.allowed_csi_drivers.iter().flatten())
        .map(|a| a.name.as_str())
        .collect();
    drivers::check(s, out, &allowed, "CSI", |v| v.csi_driver.as_deref());
}
