//! # allowedCSIDrivers
//!
//! `spec.allowedCSIDrivers` (non-empty), in every mode: an inline `csi` volume whose driver is
//! not listed (exact names). An empty or absent list allows every driver.

use super::{PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedCSIDrivers",
    label: |_| "allowedCSIDrivers",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Vec<String>) {
    let Some(allowed) = s.spec.allowed_csi_drivers.as_deref() else {
        return;
    };
    if allowed.is_empty() {
        return;
    }
    for (i, v) in s.pod.spec.volumes.iter().enumerate() {
        if let Some(d) = &v.csi_driver {
            if !allowed.iter().any(|a| &a.name == d) {
                out.push(format!(
                    "volume {:?} (volumes[{i}]) uses CSI driver {d:?}",
                    v.name
                ));
            }
        }
    }
}
