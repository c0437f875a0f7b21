//! The host namespaces (`hostPID`, `hostIPC`, `hostNetwork`) share one test: the policy's
//! field false or absent, the pod's field `true`, in every mode.

/// The offender for a host namespace `field`, if any.
pub fn offender(field: &str, allowed: Option<bool>, pod_value: Option<bool>) -> Option<String> {
    (allowed != Some(true) && pod_value == Some(true)).then(|| format!("pod sets {field}: true"))
}
