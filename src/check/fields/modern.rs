//! Field extraction as the k8saudit plugin (plugins/k8saudit/pkg/k8saudit/extract.go, plugins
//! 0b3cbd8d) and json plugin (plugins/json/pkg/json/json.go) do it: a missing value is *no
//! value*, list fields drop missing elements, non-string JSON is compact-marshaled.

use super::walk::{
    all_strings, container_field, container_values, plugin_repository, recursive, rules_field,
    skip_nil, subject_names, volumes,
};
use super::{
    gen_event_extractor, uri_param, ArgKind, Event, Extractor, FieldInfo, Values, GEN_EVENT_FIELDS,
};
use crate::check::json::Json;

/// Single-valued `ka.*` fields read by `extractFromKeys`, with their key paths.
const KEY_FIELDS: &[(&str, &[&str])] = &[
    ("ka.auditid", &["auditID"]),
    ("ka.stage", &["stage"]),
    (
        "ka.auth.decision",
        &["annotations", "authorization.k8s.io/decision"],
    ),
    (
        "ka.auth.reason",
        &["annotations", "authorization.k8s.io/reason"],
    ),
    (
        "ka.auth.openshift.decision",
        &["annotations", "authentication.openshift.io/decision"],
    ),
    (
        "ka.auth.openshift.username",
        &["annotations", "authentication.openshift.io/username"],
    ),
    (
        "ka.validations.admission.policy.failure",
        &[
            "annotations",
            "validation.policy.admission.k8s.io/validation_failure",
        ],
    ),
    (
        "ka.security.pod.violations",
        &["annotations", "pod-security.kubernetes.io/audit-violations"],
    ),
    ("ka.user.name", &["user", "username"]),
    ("ka.impuser.name", &["impersonatedUser", "username"]),
    ("ka.verb", &["verb"]),
    ("ka.uri", &["requestURI"]),
    ("ka.target.name", &["objectRef", "name"]),
    ("ka.target.namespace", &["objectRef", "namespace"]),
    ("ka.target.resource", &["objectRef", "resource"]),
    ("ka.target.subresource", &["objectRef", "subresource"]),
    ("ka.req.binding.role", &["requestObject", "roleRef", "name"]),
    ("ka.req.configmap.name", &["objectRef", "name"]),
    ("ka.req.configmap.obj", &["requestObject", "data"]),
    ("ka.req.pod.host_ipc", &["requestObject", "spec", "hostIPC"]),
    (
        "ka.req.pod.host_network",
        &["requestObject", "spec", "hostNetwork"],
    ),
    (
        "ka.req.container.host_network",
        &["requestObject", "spec", "hostNetwork"],
    ),
    ("ka.req.pod.host_pid", &["requestObject", "spec", "hostPID"]),
    (
        "ka.req.pod.run_as_user",
        &["requestObject", "spec", "securityContext", "runAsUser"],
    ),
    (
        "ka.req.pod.run_as_group",
        &["requestObject", "spec", "securityContext", "runAsGroup"],
    ),
    (
        "ka.req.pod.fs_group",
        &["requestObject", "spec", "securityContext", "fsGroup"],
    ),
    ("ka.req.service.type", &["requestObject", "spec", "type"]),
    ("ka.resp.name", &["responseObject", "metadata", "name"]),
    ("ka.response.code", &["responseStatus", "code"]),
    ("ka.response.reason", &["responseStatus", "reason"]),
    ("ka.useragent", &["userAgent"]),
    ("ka.cluster.name", &["annotations", "cluster_name"]),
];

/// List fields read by `extractFromKeys` (the value must be an array; no index argument).
const KEY_LIST_FIELDS: &[(&str, &[&str])] = &[
    ("ka.user.groups", &["user", "groups"]),
    ("ka.req.binding.subjects", &["requestObject", "subjects"]),
    ("ka.req.role.rules", &["requestObject", "rules"]),
    (
        "ka.req.pod.supplemental_groups",
        &[
            "requestObject",
            "spec",
            "securityContext",
            "supplementalGroups",
        ],
    ),
];

/// Per-container fields, generated for `containers`, `initContainers`, `ephemeralContainers`.
const CONTAINER_FIELDS: &[&str] = &[
    "name",
    "image",
    "image.repository",
    "command",
    "args",
    "privileged",
    "allow_privilege_escalation",
    "read_only_fs",
    "run_as_user",
    "eff_run_as_user",
    "run_as_group",
    "eff_run_as_group",
    "proc_mount",
    "add_capabilities",
    "host_port",
];
const CONTAINER_LISTS: [&str; 3] = ["containers", "initContainers", "ephemeralContainers"];

/// Other indexable list fields.
const INDEX_LIST_FIELDS: &[&str] = &[
    "ka.req.role.rules.apiGroups",
    "ka.req.role.rules.nonResourceURLs",
    "ka.req.role.rules.verbs",
    "ka.req.role.rules.resources",
    "ka.req.service.ports",
    "ka.req.pod.volumes.hostpath",
    "ka.req.pod.volumes.flexvolume_driver",
    "ka.req.pod.volumes.volume_type",
    "ka.sourceips",
];
const PLAIN_LIST_FIELDS: &[&str] = &[
    "ka.req.binding.subjects.user_names",
    "ka.req.binding.subjects.serviceaccount_names",
    "ka.req.binding.subjects.serviceaccount_ns_names",
    "ka.req.binding.subjects.group_names",
];
const OTHER_SINGLE: &[&str] = &[
    "ka.target.pod.name",
    "ka.req.container.image",
    "ka.req.container.image.repository",
    "ka.req.container.privileged",
    "json.obj",
    "jevt.obj",
    "json.rawtime",
    "jevt.rawtime",
];

fn split_container_field(name: &str) -> Option<(&'static str, &str)> {
    CONTAINER_LISTS.iter().find_map(|list| {
        let rest = name
            .strip_prefix("ka.req.pod.")?
            .strip_prefix(list)?
            .strip_prefix('.')?;
        // Ephemeral containers have no ports in the plugin's field list.
        let ok = CONTAINER_FIELDS.contains(&rest)
            && !(*list == "ephemeralContainers" && rest == "host_port");
        ok.then_some((*list, rest))
    })
}

pub fn info(name: &str) -> Option<FieldInfo> {
    let f = |list, arg| Some(FieldInfo { list, arg });
    if split_container_field(name).is_some() {
        return f(true, ArgKind::Index);
    }
    if KEY_FIELDS.iter().any(|(n, _)| *n == name)
        || OTHER_SINGLE.contains(&name)
        || GEN_EVENT_FIELDS.contains(&name)
    {
        return f(false, ArgKind::None);
    }
    if KEY_LIST_FIELDS.iter().any(|(n, _)| *n == name) || PLAIN_LIST_FIELDS.contains(&name) {
        return f(true, ArgKind::None);
    }
    if INDEX_LIST_FIELDS.contains(&name) {
        return f(true, ArgKind::Index);
    }
    match name {
        "json.value"
        | "jevt.value"
        | "ka.uri.param"
        | "ka.req.volume.hostpath"
        | "ka.req.binding.subject.has_name" => f(false, ArgKind::Key),
        _ => None,
    }
}

/// Builds the extractor; `info` has already accepted the name.
pub fn extractor(name: &str, arg: Option<String>, index: Option<usize>) -> Extractor {
    if let Some(f) = gen_event_extractor(name) {
        return f;
    }
    match name {
        "json.value" | "jevt.value" => {
            let ptr = arg.unwrap_or_default();
            if ptr.is_empty() {
                return Box::new(|ev: &Event| vec![ev.json.to_compact(false)]);
            }
            let ptr = crate::check::json::Pointer::new(&ptr);
            return Box::new(move |ev: &Event| {
                ev.json
                    .walk_pointer(&ptr)
                    .map(Json::to_value_string)
                    .into_iter()
                    .collect()
            });
        }
        "json.obj" | "jevt.obj" => return Box::new(|ev: &Event| vec![ev.json.to_pretty()]),
        "json.rawtime" | "jevt.rawtime" => {
            return Box::new(|ev: &Event| vec![ev.time_ns.to_string()])
        }
        _ => {}
    }
    let inner = ka_extractor(name, arg, index);
    // The k8saudit plugin ignores JSON without an auditID (ExtractFromJSON).
    Box::new(move |ev: &Event| {
        if ev.json.get("auditID").is_some() {
            inner(&ev.json)
        } else {
            Vec::new()
        }
    })
}

type JsonExtractor = Box<dyn Fn(&Json) -> Values + Send + Sync>;

fn ka_extractor(name: &str, arg: Option<String>, index: Option<usize>) -> JsonExtractor {
    if let Some((list, field)) = split_container_field(name) {
        let field = field.to_string();
        return Box::new(move |e: &Json| container_field(e, list, &field, index));
    }
    if let Some((_, keys)) = KEY_FIELDS.iter().find(|(n, _)| *n == name) {
        return Box::new(move |e: &Json| {
            e.path(keys)
                .map(Json::to_value_string)
                .into_iter()
                .collect()
        });
    }
    if let Some((_, keys)) = KEY_LIST_FIELDS.iter().find(|(n, _)| *n == name) {
        return Box::new(
            move |e: &Json| match e.path(keys).and_then(Json::as_array) {
                Some(items) => items.iter().map(Json::to_value_string).collect(),
                None => Vec::new(),
            },
        );
    }
    let arg = arg.unwrap_or_default();
    match name {
        "ka.uri.param" => Box::new(move |e: &Json| {
            e.get("requestURI")
                .and_then(|u| uri_param(&u.to_value_string(), &arg))
                .into_iter()
                .collect()
        }),
        "ka.target.pod.name" => Box::new(|e: &Json| {
            let s = |k: &str| {
                e.path(&["objectRef", k])
                    .and_then(Json::as_str)
                    .unwrap_or("")
                    .to_string()
            };
            if s("resource") == "pods" && s("subresource").is_empty() {
                return e
                    .path(&["responseObject", "metadata", "name"])
                    .map(Json::to_value_string)
                    .into_iter()
                    .collect();
            }
            Vec::new()
        }),
        "ka.req.binding.subjects.user_names" => Box::new(|e: &Json| subject_names(e, "User")),
        "ka.req.binding.subjects.serviceaccount_names" => {
            Box::new(|e: &Json| subject_names(e, "ServiceAccount"))
        }
        "ka.req.binding.subjects.serviceaccount_ns_names" => {
            Box::new(|e: &Json| subject_names(e, "NamespacedServiceAccount"))
        }
        "ka.req.binding.subjects.group_names" => Box::new(|e: &Json| subject_names(e, "Group")),
        "ka.req.binding.subject.has_name" => Box::new(|_: &Json| vec!["true".to_string()]),
        "ka.req.container.image" => Box::new(|e: &Json| {
            all_strings(container_values(e, "containers", Some(0), &["image"])).unwrap_or_default()
        }),
        "ka.req.container.image.repository" => Box::new(|e: &Json| {
            let imgs = all_strings(container_values(e, "containers", Some(0), &["image"]))
                .unwrap_or_default();
            imgs.iter().map(|i| plugin_repository(i)).collect()
        }),
        "ka.req.container.privileged" => Box::new(|e: &Json| {
            let Some(vals) =
                container_values(e, "containers", None, &["securityContext", "privileged"])
            else {
                return Vec::new();
            };
            let any = vals.iter().flatten().any(|v| matches!(v, Json::Bool(true)));
            vec![any.to_string()]
        }),
        "ka.req.role.rules.apiGroups" => {
            Box::new(move |e: &Json| rules_field(e, index, "apiGroups"))
        }
        "ka.req.role.rules.nonResourceURLs" => {
            Box::new(move |e: &Json| rules_field(e, index, "nonResourceURLs"))
        }
        "ka.req.role.rules.verbs" => Box::new(move |e: &Json| rules_field(e, index, "verbs")),
        "ka.req.role.rules.resources" => {
            Box::new(move |e: &Json| rules_field(e, index, "resources"))
        }
        // The plugin reads sourceIPs under requestObject.rules (extract.go), so it rarely has a value.
        "ka.sourceips" => Box::new(move |e: &Json| rules_field(e, index, "sourceIPs")),
        "ka.req.service.ports" => Box::new(move |e: &Json| {
            skip_nil(&recursive(e, index, &["requestObject", "spec", "ports"]).unwrap_or_default())
        }),
        "ka.req.volume.hostpath" => Box::new(move |e: &Json| {
            let Some(vals) = volumes(e, None, &["hostPath", "path"]) else {
                return Vec::new();
            };
            let prefix = arg.strip_suffix('*');
            let hit = skip_nil(&vals)
                .iter()
                .any(|v| prefix.is_some_and(|p| v.starts_with(p)) || *v == arg);
            vec![hit.to_string()]
        }),
        "ka.req.pod.volumes.hostpath" => Box::new(move |e: &Json| {
            skip_nil(&volumes(e, index, &["hostPath", "path"]).unwrap_or_default())
        }),
        "ka.req.pod.volumes.flexvolume_driver" => Box::new(move |e: &Json| {
            skip_nil(&volumes(e, index, &["flexVolume", "driver"]).unwrap_or_default())
        }),
        "ka.req.pod.volumes.volume_type" => Box::new(move |e: &Json| {
            let mut out = Vec::new();
            for v in volumes(e, index, &[""])
                .unwrap_or_default()
                .into_iter()
                .flatten()
            {
                if let Json::Obj(m) = v {
                    out.extend(
                        m.iter()
                            .filter(|(k, _)| k != "name")
                            .map(|(k, _)| k.clone()),
                    );
                }
            }
            out
        }),
        _ => Box::new(|_: &Json| Vec::new()),
    }
}
