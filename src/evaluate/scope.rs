//! Whether a pod falls in a policy's scope (SPEC §3): its namespace is listed, and every
//! container (init, regular, ephemeral) has an image whose repository is listed. The same test
//! as the `falco` target's scope macros; no scope covers every pod.

use super::pod::Pod;
use crate::psp::scope::{image_repository, Scope};

pub fn pod_in_scope(scope: &Scope, pod: &Pod, namespace: &str) -> bool {
    let namespace_ok =
        scope.namespaces.is_empty() || scope.namespaces.iter().any(|n| n == namespace);
    let images_ok = scope.images.is_empty()
        || pod.all_containers().all(|c| {
            c.container.image.as_deref().is_some_and(|image| {
                let repo = image_repository(image);
                scope.images.iter().any(|r| r == repo)
            })
        });
    namespace_ok && images_ok
}
