//! Audit events as the evaluator sees them: the guard that decides, before any full parse,
//! whether an event is a pod creation to evaluate (the `falco` target's guard: verb `create`,
//! resource `pods`, no subresource, stage `ResponseComplete`, a 2xx response code), and the
//! one parse of those that are.
//!
//! Most audit events are not pod creations, so the guard costs little: a byte scan for the
//! JSON strings `"create"` and `"pods"` answers the others without any parse (unless the event
//! spells a string with `\u` escapes, where the bytes could hide them). What is left (pod
//! creations, and the few events such as `pods/binding` creations that name both) is parsed
//! once, into the guard's members and a typed [`Pod`], every other member skipped unread.

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

/// The members of an audit event the evaluator reads; every other member is skipped unread.
#[derive(Deserialize)]
struct AuditEvent<'a> {
    #[serde(borrow, default)]
    verb: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    stage: Option<Cow<'a, str>>,
    #[serde(rename = "objectRef", borrow, default)]
    object_ref: Option<ObjectRef<'a>>,
    #[serde(rename = "responseStatus", default)]
    response_status: Option<ResponseStatus>,
    #[serde(default)]
    user: Option<User>,
    #[serde(rename = "requestObject", default)]
    request_object: Option<Pod>,
}

#[derive(Deserialize)]
struct ObjectRef<'a> {
    #[serde(borrow, default)]
    resource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    subresource: Option<Cow<'a, str>>,
    #[serde(default)]
    namespace: Option<String>,
}

#[derive(Deserialize)]
struct ResponseStatus {
    #[serde(default)]
    code: Option<i64>,
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

impl AuditEvent<'_> {
    /// The guard of the `falco` target: verb `create`, resource `pods`, no subresource, stage
    /// `ResponseComplete`, a 2xx response code.
    fn is_pod_creation(&self) -> bool {
        let object = self.object_ref.as_ref();
        self.verb.as_deref() == Some("create")
            && object.and_then(|o| o.resource.as_deref()) == Some("pods")
            && object
                .and_then(|o| o.subresource.as_deref())
                .is_none_or(str::is_empty)
            && self.stage.as_deref() == Some("ResponseComplete")
            && self
                .response_status
                .as_ref()
                .and_then(|r| r.code)
                .is_some_and(|c| (200..300).contains(&c))
    }
}

/// Whether `event` (one audit event's JSON) is an evaluated pod creation, and if so, its pod
/// and requester. Events that cannot be pod creations are told apart by a byte scan, before
/// any parse; the others are parsed once, into typed members. Malformed JSON, or a creation
/// whose request body was not logged (audit level `Metadata`), is `None`.
pub fn pod_creation(event: &[u8]) -> Option<PodCreation> {
    if !may_be_pod_creation(event) {
        return None;
    }
    let parsed: AuditEvent = serde_json::from_slice(event).ok()?;
    if !parsed.is_pod_creation() {
        return None;
    }
    let pod = parsed.request_object?;
    let namespace = parsed
        .object_ref
        .and_then(|o| o.namespace)
        .filter(|n| !n.is_empty())
        .or_else(|| pod.metadata.namespace.clone().filter(|n| !n.is_empty()))
        .unwrap_or_else(|| "default".to_string());
    let (user, groups) = match parsed.user {
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
