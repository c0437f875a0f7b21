//! Audit events as the evaluator sees them: the guard that decides, before any full parse,
//! whether an event is a pod creation to evaluate (the `falco` target's guard: verb `create`,
//! resource `pods`, no subresource, stage `ResponseComplete`, a 2xx response code), and the
//! one parse of those that are.

use super::pod::Pod;
use super::{PolicyEvaluator, PolicyVerdict};

/// A pod creation read from an audit event.
#[derive(Debug, Clone)]
pub struct PodCreation {
    /// `objectRef.namespace`, else the pod's `metadata.namespace`, else `default`.
    pub namespace: String,
    /// `user.username` of the request.
    pub user: String,
    /// `user.groups` of the request.
    pub groups: Vec<String>,
    /// `requestObject`.
    pub pod: Pod,
}

/// Everything the evaluator says of one audit event.
#[derive(Debug, Clone)]
pub struct EventVerdict {
    pub creation: PodCreation,
    /// One verdict per policy, in the evaluator's policy order.
    pub per_policy: Vec<PolicyVerdict>,
}

/// Whether `event` (one audit event's JSON) is an evaluated pod creation; cheap for the other
/// events (no full parse). Malformed JSON is `None`.
pub fn pod_creation(event: &[u8]) -> Option<PodCreation> {
    let _ = event;
    None
}

impl PolicyEvaluator {
    /// Parses `event` once and judges its pod against every policy; `None` for events that
    /// are not evaluated pod creations (or are malformed).
    pub fn evaluate_event(&self, event: &[u8]) -> Option<EventVerdict> {
        let creation = pod_creation(event)?;
        let per_policy = self.evaluate(&creation.pod, &creation.namespace);
        Some(EventVerdict {
            creation,
            per_policy,
        })
    }
}
