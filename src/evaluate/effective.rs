//! Effective values: what a container runs with when it leaves a field to the pod. PSP read
//! `runAsUser`, `runAsGroup`, `runAsNonRoot` and `seLinuxOptions` from the container, else from
//! the pod (research §1.2); seccomp profiles fall back the same way (research §3.1).

use super::pod::{Container, Pod};
use crate::psp::SeLinuxOptions;

use crate::psp::annotations::{APPARMOR_CONTAINER_PREFIX, SECCOMP_CONTAINER_PREFIX, SECCOMP_POD};

pub fn run_as_user(pod: &Pod, c: &Container) -> Option<i64> {
    c.security().run_as_user.or(pod.security().run_as_user)
}

pub fn run_as_group(pod: &Pod, c: &Container) -> Option<i64> {
    c.security().run_as_group.or(pod.security().run_as_group)
}

pub fn run_as_non_root(pod: &Pod, c: &Container) -> Option<bool> {
    c.security()
        .run_as_non_root
        .or(pod.security().run_as_non_root)
}

pub fn se_linux_options<'a>(pod: &'a Pod, c: &'a Container) -> Option<&'a SeLinuxOptions> {
    c.security()
        .se_linux_options
        .as_ref()
        .or(pod.security().se_linux_options.as_ref())
}

/// The pod's own seccomp profile, in annotation spelling: its annotation, else its
/// `securityContext.seccompProfile`.
pub fn pod_seccomp(pod: &Pod) -> Option<String> {
    pod.annotation(SECCOMP_POD).map(str::to_owned).or_else(|| {
        pod.security()
            .seccomp_profile
            .as_ref()
            .map(|p| p.annotation_form())
    })
}

/// A container's own seccomp profile: its `seccompProfile` field, else its annotation
/// `container.seccomp.security.alpha.kubernetes.io/<name>` (None: it takes the pod's).
pub fn container_seccomp(pod: &Pod, c: &Container) -> Option<String> {
    c.security()
        .seccomp_profile
        .as_ref()
        .map(|p| p.annotation_form())
        .or_else(|| {
            pod.annotation(&format!("{SECCOMP_CONTAINER_PREFIX}{}", c.name))
                .map(str::to_owned)
        })
}

/// A container's AppArmor profile: the annotation keyed by its name (there is no pod-level
/// profile); an empty value is unset.
pub fn container_apparmor<'a>(pod: &'a Pod, c: &Container) -> Option<&'a str> {
    pod.annotation(&format!("{APPARMOR_CONTAINER_PREFIX}{}", c.name))
}
