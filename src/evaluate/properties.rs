//! One checker per PSP property (SPEC §5), in the order of the generator table.

use super::pod::Pod;
use super::{CompiledPolicy, PolicyVerdict};
use crate::convert::Mode;

/// Judges `pod` in `namespace` against one policy in `mode`.
pub fn evaluate_policy(
    policy: &CompiledPolicy,
    mode: Mode,
    pod: &Pod,
    namespace: &str,
) -> PolicyVerdict {
    let _ = (policy, mode, pod, namespace);
    PolicyVerdict::default()
}
