//! Audit events as the evaluator sees them: the guard that decides, before any full parse,
//! whether an event is a pod creation to evaluate (the `falco` target's guard: verb `create`,
//! resource `pods`, no subresource, stage `ResponseComplete`, a 2xx response code), and the
//! one parse of those that are.
//!
//! Most audit events are not pod creations, so the guard costs little: a byte scan for the
//! JSON strings `"create"` and `"pods"` (skipped when the event spells a string with `\u`
//! escapes, where the bytes could hide them), then a parse of the few head members into
//! borrowed strings, every other member skipped unread. Only a pod creation is parsed into a
//! typed [`Pod`].

use memchr::memmem;
use serde::Deserialize;
use std::borrow::Cow;

use super::pod::Pod;
use super::{PolicyEvaluator, PolicyVerdict};

/// A pod creation read from an audit event.
#[derive(Debug, Clone)]
pub struct PodCreation {
    /// `objectRef.namespace`, else the pod's `metadata.namespace`, else `default`.
    pub namespace: String,
    /// `user.username` of the request (empty when absent).
    pub user: String,
    /// `user.groups` of the request.
    pub groups: Vec<String>,
    /// `requestObject`.
    pub pod: Pod,
}

impl PodCreation {
    /// The pod's `spec.serviceAccountName`, else `default`, as PSP admission read it.
    pub fn service_account(&self) -> &str {
        self.pod
            .spec
            .service_account_name
            .as_deref()
            .filter(|s| !s.is_empty())
            .unwrap_or("default")
    }
}

/// Everything the evaluator says of one audit event.
#[derive(Debug, Clone)]
pub struct EventVerdict {
    pub creation: PodCreation,
    /// One verdict per policy, in the evaluator's policy order.
    pub per_policy: Vec<PolicyVerdict>,
}

/// The members the guard reads, borrowed from the event's bytes where no escape is in the way.
#[derive(Deserialize)]
struct Head<'a> {
    #[serde(borrow, default)]
    verb: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    stage: Option<Cow<'a, str>>,
    #[serde(rename = "objectRef", borrow, default)]
    object_ref: Option<HeadRef<'a>>,
    #[serde(rename = "responseStatus", default)]
    response_status: Option<ResponseStatus>,
}

#[derive(Deserialize)]
struct HeadRef<'a> {
    #[serde(borrow, default)]
    resource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subresource: Option<Cow<'a, str>>,
}

#[derive(Deserialize)]
struct ResponseStatus {
    #[serde(default)]
    code: Option<i64>,
}

/// The members of a pod creation the evaluator keeps.
#[derive(Deserialize)]
struct Creation {
    #[serde(rename = "objectRef", default)]
    object_ref: Option<ObjectRef>,
    #[serde(default)]
    user: Option<User>,
    #[serde(rename = "requestObject", default)]
    request_object: Option<Pod>,
}

#[derive(Deserialize)]
struct ObjectRef {
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct User {
    #[serde(default)]
    username: Option<String>,
    #[serde(default)]
    groups: Option<Vec<String>>,
}

/// Whether the bytes can hold a pod creation at all: the JSON strings `"create"` and `"pods"`
/// appear, or a `\u` escape could spell them.
fn may_be_pod_creation(event: &[u8]) -> bool {
    (memmem::find(event, b"\"create\"").is_some() && memmem::find(event, b"\"pods\"").is_some())
        || memmem::find(event, b"\\u").is_some()
}

/// The guard of the `falco` target, on the head members only.
fn is_pod_creation(event: &[u8]) -> bool {
    let Ok(head) = serde_json::from_slice::<Head>(event) else {
        return false;
    };
    let object = head.object_ref.as_ref();
    head.verb.as_deref() == Some("create")
        && object.and_then(|o| o.resource.as_deref()) == Some("pods")
        && object
            .and_then(|o| o.subresource.as_deref())
            .is_none_or(str::is_empty)
        && head.stage.as_deref() == Some("ResponseComplete")
        && head
            .response_status
            .and_then(|r| r.code)
            .is_some_and(|c| (200..300).contains(&c))
}

/// Whether `event` (one audit event's JSON) is an evaluated pod creation, and if so, its pod
/// and requester; cheap for the other events (no full parse). Malformed JSON, or a creation
/// whose request body was not logged (audit level `Metadata`), is `None`.
pub fn pod_creation(event: &[u8]) -> Option<PodCreation> {
    if !may_be_pod_creation(event) || !is_pod_creation(event) {
        return None;
    }
    let creation: Creation = serde_json::from_slice(event).ok()?;
    let pod = creation.request_object?;
    let namespace = creation
        .object_ref
        .and_then(|o| o.namespace)
        .filter(|n| !n.is_empty())
        .or_else(|| pod.metadata.namespace.clone().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "default".to_string());
    let (user, groups) = match creation.user {
        Some(u) => (u.username.unwrap_or_default(), u.groups.unwrap_or_default()),
        None => (String::new(), Vec::new()),
    };
    Some(PodCreation {
        namespace,
        user,
        groups,
        pod,
    })
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
