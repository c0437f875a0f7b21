//! The annotation keys of the seccomp and AppArmor controls, which PSP kept in annotations
//! rather than in its spec: on the policy, the allowed and default profiles; on the pod, the
//! pod's seccomp profile and each container's profiles, keyed by container name.

pub const SECCOMP_ALLOWED: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
pub const SECCOMP_DEFAULT: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";
pub const SECCOMP_POD: &str = "seccomp.security.alpha.kubernetes.io/pod";
/// Followed by the container's name.
pub const SECCOMP_CONTAINER_PREFIX: &str = "container.seccomp.security.alpha.kubernetes.io/";

pub const APPARMOR_ALLOWED: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
pub const APPARMOR_DEFAULT: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";
/// Followed by the container's name.
pub const APPARMOR_CONTAINER_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";
