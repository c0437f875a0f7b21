//! What every policy reads of one pod, worked out once per pod rather than once per policy:
//! each container's name for reasons (`container "app" (containers[1])`) and its seccomp and
//! AppArmor profiles, which live in annotations keyed by the container's name.

use super::effective::{container_apparmor, container_seccomp, pod_seccomp};
use super::pod::{Container, Pod};

/// One container, with what policies read of it beyond its own fields.
#[derive(Debug)]
pub struct ContainerView<'a> {
    pub container: &'a Container,
    /// `container "<name>" (<array>[<index>])`.
    pub label: String,
    /// Its own seccomp profile (field, else annotation), in annotation spelling.
    pub seccomp: Option<String>,
    /// Its AppArmor profile annotation (empty counts as unset).
    pub apparmor: Option<&'a str>,
}

impl std::fmt::Display for ContainerView<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// A pod as every policy reads it.
#[derive(Debug)]
pub struct PodView<'a> {
    pub pod: &'a Pod,
    /// Init, regular and ephemeral containers, in the order PSP visited them.
    pub containers: Vec<ContainerView<'a>>,
    /// The pod's own seccomp profile (annotation, else field), in annotation spelling.
    pub seccomp: Option<String>,
}

impl<'a> PodView<'a> {
    pub fn new(pod: &'a Pod) -> Self {
        let containers = pod
            .all_containers()
            .map(|at| ContainerView {
                container: at.container,
                label: at.to_string(),
                seccomp: container_seccomp(pod, at.container),
                apparmor: container_apparmor(pod, at.container),
            })
            .collect();
        PodView {
            pod,
            containers,
            seccomp: pod_seccomp(pod),
        }
    }
}
