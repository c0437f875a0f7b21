//! The host namespaces (`hostPID`, `hostIPC`, `hostNetwork`) share one test: the policy's
//! field false or absent, the pod's field `true`, in every mode.

use super::Offenders;

/// Adds the pod as an offender when it sets host namespace `field` that the policy does not
/// allow.
pub fn check(field: &str, allowed: Option<bool>, pod_value: Option<bool>, out: &mut Offenders) {
    if allowed != Some(true) && pod_value == Some(true) {
        out.add(format_args!("pod sets {field}: true"));
    }
}
