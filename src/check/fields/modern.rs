//! Field extraction as the k8saudit plugin (plugins/k8saudit/pkg/k8saudit/extract.go, plugins
//! 0b3cbd8d) and json plugin (plugins/json/pkg/json/json.go) do it: a missing value is *no
//! value*, list fields drop missing elements, non-string JSON is compact-marshaled.

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

/// `getValuesRecursive`: walks keys, fanning out over arrays (or selecting `index` in them);
/// a per-element miss becomes `None`, a miss before any array means "not available".
fn recursive<'a>(
    mut v: &'a Json,
    index: Option<usize>,
    keys: &[&str],
) -> Option<Vec<Option<&'a Json>>> {
    for (i, k) in keys.iter().enumerate() {
        if let Json::Arr(a) = v {
            match index {
                None => {
                    let mut res = Vec::with_capacity(a.len());
                    for e in a {
                        match recursive(e, index, &keys[i..]) {
                            Some(vals) => res.extend(vals),
                            None => res.push(None),
                        }
                    }
                    return Some(res);
                }
                Some(n) => v = a.get(n)?,
            }
        }
        if !k.is_empty() {
            v = v.get(k)?;
        }
    }
    Some(vec![Some(v)])
}

fn skip_nil(vals: &[Option<&Json>]) -> Values {
    vals.iter().flatten().map(|v| v.to_value_string()).collect()
}

fn container_values<'a>(
    e: &'a Json,
    list: &str,
    index: Option<usize>,
    sub: &[&str],
) -> Option<Vec<Option<&'a Json>>> {
    let mut keys = vec!["requestObject", "spec", list];
    keys.extend_from_slice(sub);
    recursive(e, index, &keys)
}

/// `arrayAsStrings`: any missing element is an error, i.e. no value at all.
fn all_strings(vals: Option<Vec<Option<&Json>>>) -> Option<Values> {
    vals?.iter().map(|v| v.map(Json::to_value_string)).collect()
}

/// The plugin's repository cut: first `:` then first `@` (wrong for registries with a port).
fn plugin_repository(image: &str) -> String {
    let a = image.split(':').next().unwrap_or("");
    a.split('@').next().unwrap_or("").to_string()
}

fn joined_arrays(vals: Option<Vec<Option<&Json>>>) -> Values {
    let mut out = Vec::new();
    for v in vals.unwrap_or_default().into_iter().flatten() {
        let Some(items) = v.as_array() else {
            return Vec::new();
        };
        let mut parts = Vec::with_capacity(items.len());
        for it in items {
            match it.as_str() {
                Some(s) => parts.push(s),
                None => return Vec::new(),
            }
        }
        out.push(parts.join(" "));
    }
    out
}

fn container_field(e: &Json, list: &str, field: &str, index: Option<usize>) -> Values {
    let sc = |k: &str| {
        skip_nil(&container_values(e, list, index, &["securityContext", k]).unwrap_or_default())
    };
    match field {
        "name" => all_strings(container_values(e, list, index, &["name"])).unwrap_or_default(),
        "image" => all_strings(container_values(e, list, index, &["image"])).unwrap_or_default(),
        "image.repository" => all_strings(container_values(e, list, index, &["image"]))
            .unwrap_or_default()
            .iter()
            .map(|i| plugin_repository(i))
            .collect(),
        "command" => joined_arrays(container_values(e, list, index, &["command"])),
        "args" => joined_arrays(container_values(e, list, index, &["args"])),
        "privileged" => sc("privileged"),
        "allow_privilege_escalation" => sc("allowPrivilegeEscalation"),
        "read_only_fs" => sc("readOnlyRootFilesystem"),
        "run_as_user" => sc("runAsUser"),
        "run_as_group" => sc("runAsGroup"),
        "proc_mount" => sc("procMount"),
        "add_capabilities" => skip_nil(
            &container_values(e, list, index, &["securityContext", "capabilities", "add"])
                .unwrap_or_default(),
        ),
        // The plugin reads `spec.runAsUser` and `containers[*].runAsUser`, not securityContext.
        "eff_run_as_user" | "eff_run_as_group" => {
            let key = if field == "eff_run_as_user" {
                "runAsUser"
            } else {
                "runAsGroup"
            };
            let pod = e
                .path(&["requestObject", "spec", key])
                .map_or_else(|| "0".to_string(), Json::to_value_string);
            container_values(e, list, index, &[key])
                .unwrap_or_default()
                .iter()
                .map(|v| v.map_or_else(|| pod.clone(), Json::to_value_string))
                .collect()
        }
        "host_port" => {
            let mut out = Vec::new();
            for ports in container_values(e, list, index, &["ports"])
                .unwrap_or_default()
                .into_iter()
                .flatten()
            {
                let Some(ports) = ports.as_array() else {
                    return Vec::new();
                };
                for p in ports {
                    if let Some(v) = p.get("hostPort").or_else(|| p.get("containerPort")) {
                        out.push(v.to_value_string());
                    }
                }
            }
            out
        }
        _ => Vec::new(),
    }
}

fn subject_names(e: &Json, kind: &str) -> Values {
    let (kind, namespaced) = match kind {
        "NamespacedServiceAccount" => ("ServiceAccount", true),
        k => (k, false),
    };
    let Some(subjects) = e
        .path(&["requestObject", "subjects"])
        .and_then(Json::as_array)
    else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for s in subjects {
        let (Some(k), Some(n)) = (s.get("kind"), s.get("name")) else {
            continue;
        };
        if k.to_value_string() != kind {
            continue;
        }
        let name = n.to_value_string();
        if namespaced {
            match s.get("namespace") {
                Some(ns) => out.push(format!("{}:{name}", ns.to_value_string())),
                None => continue,
            }
        } else {
            out.push(name);
        }
    }
    out
}

fn rules_field(e: &Json, index: Option<usize>, key: &'static str) -> Values {
    let mut out = Vec::new();
    for v in recursive(e, index, &["requestObject", "rules", key])
        .unwrap_or_default()
        .into_iter()
        .flatten()
    {
        if let Some(items) = v.as_array() {
            out.extend(items.iter().map(Json::to_value_string));
        }
    }
    out
}

fn volumes<'a>(e: &'a Json, index: Option<usize>, sub: &[&str]) -> Option<Vec<Option<&'a Json>>> {
    let mut keys = vec!["requestObject", "spec", "volumes"];
    keys.extend_from_slice(sub);
    recursive(e, index, &keys)
}

/// Builds the extractor; `info` has already accepted the name.
pub fn extractor(name: &str, arg: Option<String>, index: Option<usize>) -> Extractor {
    if let Some(f) = gen_event_extractor(name) {
        return f;
    }
    match name {
        "json.value" | "jevt.value" => {
            let ptr = arg.unwrap_or_default();
            return Box::new(move |ev: &Event| {
                if ptr.is_empty() {
                    return vec![ev.json.to_compact(false)];
                }
                ev.json
                    .pointer(&ptr)
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
