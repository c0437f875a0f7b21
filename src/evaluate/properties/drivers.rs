//! `allowedFlexVolumes` and `allowedCSIDrivers` share one test, in every mode: with a
//! non-empty list, a volume of the kind whose driver is not listed (exact names).

use super::{Offenders, Subject};
use crate::evaluate::pod::Volume;

/// Adds the volumes whose driver (read by `driver`) is not in `allowed` (when non-empty).
pub fn check(
    s: &Subject,
    out: &mut Offenders,
    allowed: &[&str],
    kind: &str,
    driver: fn(&Volume) -> Option<&str>,
) {
    if allowed.is_empty() {
        return;
    }
    for (i, v) in s.pod.spec.volumes.iter().enumerate() {
        if let Some(d) = driver(v).filter(|d| !allowed.contains(d)) {
            out.add(format_args!(
                "volume {:?} (volumes[{i}]) uses {kind} driver {d:?}",
                v.name
            ));
        }
    }
}
