//! Field extraction as Falco's built-in K8s audit engine did (falco 0.31.1
//! `userspace/engine/json_evt.cpp`, read at tag 0.31.1): a failed extraction is the single
//! value `<NA>`; `def_extract` walks JSON pointers, gives `<NA>` for an array element missing
//! the sub-pointer and flattens arrays at the leaf; non-strings are `dump()`ed (nlohmann, keys
//! sorted). Quirks kept: `containers.run_as_user` reads runAsGroup; an index argument applies
//! only to `def_extract` fields (custom extractors ignore it) and narrows the value *list*
//! while set comparisons still see every value (see `ops`); `ka.req.volume.hostpath[p*]`
//! fails on any hostPath volume (it compares the string with the hostPath object).

use super::{legacy_repository, ArgKind, Event, Extractor, FieldInfo, Values};
use crate::check::json::Json;

pub const NA: &str = "<NA>";

/// The 57 `ka.*` fields of 0.31.1 (identical to k8saudit 0.1.0's) and whether they index.
const KA_FIELDS: &[(&str, ArgKind)] = &[
    ("ka.auditid", ArgKind::None),
    ("ka.stage", ArgKind::None),
    ("ka.auth.decision", ArgKind::None),
    ("ka.auth.reason", ArgKind::None),
    ("ka.user.name", ArgKind::None),
    ("ka.user.groups", ArgKind::None),
    ("ka.impuser.name", ArgKind::None),
    ("ka.verb", ArgKind::None),
    ("ka.uri", ArgKind::None),
    ("ka.uri.param", ArgKind::Key),
    ("ka.target.name", ArgKind::None),
    ("ka.target.namespace", ArgKind::None),
    ("ka.target.resource", ArgKind::None),
    ("ka.target.subresource", ArgKind::None),
    ("ka.req.binding.subjects", ArgKind::None),
    ("ka.req.binding.role", ArgKind::None),
    ("ka.req.binding.subject.has_name", ArgKind::Key),
    ("ka.req.configmap.name", ArgKind::None),
    ("ka.req.configmap.obj", ArgKind::None),
    ("ka.req.pod.containers.image", ArgKind::Index),
    ("ka.req.container.image", ArgKind::None),
    ("ka.req.pod.containers.image.repository", ArgKind::Index),
    ("ka.req.container.image.repository", ArgKind::None),
    ("ka.req.pod.host_ipc", ArgKind::None),
    ("ka.req.pod.host_network", ArgKind::None),
    ("ka.req.container.host_network", ArgKind::None),
    ("ka.req.pod.host_pid", ArgKind::None),
    ("ka.req.pod.containers.host_port", ArgKind::Index),
    ("ka.req.pod.containers.privileged", ArgKind::Index),
    ("ka.req.container.privileged", ArgKind::None),
    (
        "ka.req.pod.containers.allow_privilege_escalation",
        ArgKind::Index,
    ),
    ("ka.req.pod.containers.read_only_fs", ArgKind::Index),
    ("ka.req.pod.run_as_user", ArgKind::None),
    ("ka.req.pod.containers.run_as_user", ArgKind::Index),
    ("ka.req.pod.containers.eff_run_as_user", ArgKind::Index),
    ("ka.req.pod.run_as_group", ArgKind::None),
    ("ka.req.pod.containers.run_as_group", ArgKind::Index),
    ("ka.req.pod.containers.eff_run_as_group", ArgKind::Index),
    ("ka.req.pod.containers.proc_mount", ArgKind::Index),
    ("ka.req.role.rules", ArgKind::None),
    ("ka.req.role.rules.apiGroups", ArgKind::Index),
    ("ka.req.role.rules.nonResourceURLs", ArgKind::Index),
    ("ka.req.role.rules.verbs", ArgKind::Index),
    ("ka.req.role.rules.resources", ArgKind::Index),
    ("ka.req.pod.fs_group", ArgKind::None),
    ("ka.req.pod.supplemental_groups", ArgKind::None),
    ("ka.req.pod.containers.add_capabilities", ArgKind::Index),
    ("ka.req.service.type", ArgKind::None),
    ("ka.req.service.ports", ArgKind::Index),
    ("ka.req.pod.volumes.hostpath", ArgKind::Index),
    ("ka.req.volume.hostpath", ArgKind::Key),
    ("ka.req.pod.volumes.flexvolume_driver", ArgKind::Index),
    ("ka.req.pod.volumes.volume_type", ArgKind::Index),
    ("ka.resp.name", ArgKind::None),
    ("ka.response.code", ArgKind::None),
    ("ka.response.reason", ArgKind::None),
    ("ka.useragent", ArgKind::None),
];

const JEVT_FIELDS: &[(&str, ArgKind)] = &[
    ("jevt.time", ArgKind::None),
    ("jevt.time.iso8601", ArgKind::None),
    ("jevt.rawtime", ArgKind::None),
    ("jevt.value", ArgKind::Key),
    ("jevt.obj", ArgKind::None),
];

pub fn info(name: &str) -> Option<FieldInfo> {
    KA_FIELDS
        .iter()
        .chain(JEVT_FIELDS)
        .find(|(n, _)| *n == name)
        // The legacy engine had no list type: every field compares as a set of values.
        .map(|(_, arg)| FieldInfo {
            list: false,
            arg: *arg,
        })
}

/// `json_as_string`: strings raw, anything else `dump()`ed.
fn js(v: &Json) -> String {
    v.to_legacy_string()
}

/// Pointer paths of the fields read by `def_extract` (one or two pointers).
fn def_pointers(name: &str) -> Option<Vec<&'static [&'static str]>> {
    const C: &[&str] = &["requestObject", "spec", "containers"];
    const V: &[&str] = &["requestObject", "spec", "volumes"];
    let one = |p: &'static [&'static str]| Some(vec![p]);
    match name {
        "ka.auditid" => one(&["auditID"]),
        "ka.stage" => one(&["stage"]),
        "ka.auth.decision" => one(&["annotations", "authorization.k8s.io/decision"]),
        "ka.auth.reason" => one(&["annotations", "authorization.k8s.io/reason"]),
        "ka.user.name" => one(&["user", "username"]),
        "ka.user.groups" => one(&["user", "groups"]),
        "ka.impuser.name" => one(&["impersonatedUser", "username"]),
        "ka.verb" => one(&["verb"]),
        "ka.uri" => one(&["requestURI"]),
        "ka.target.name" | "ka.req.configmap.name" => one(&["objectRef", "name"]),
        "ka.target.namespace" => one(&["objectRef", "namespace"]),
        "ka.target.resource" => one(&["objectRef", "resource"]),
        "ka.target.subresource" => one(&["objectRef", "subresource"]),
        "ka.req.binding.subjects" => one(&["requestObject", "subjects"]),
        "ka.req.binding.role" => one(&["requestObject", "roleRef", "name"]),
        "ka.req.configmap.obj" => one(&["requestObject", "data"]),
        "ka.req.pod.host_ipc" => one(&["requestObject", "spec", "hostIPC"]),
        "ka.req.pod.host_network" | "ka.req.container.host_network" => {
            one(&["requestObject", "spec", "hostNetwork"])
        }
        "ka.req.pod.host_pid" => one(&["requestObject", "spec", "hostPID"]),
        "ka.req.pod.run_as_user" => one(&["requestObject", "spec", "securityContext", "runAsUser"]),
        "ka.req.pod.run_as_group" => {
            one(&["requestObject", "spec", "securityContext", "runAsGroup"])
        }
        "ka.req.pod.fs_group" => one(&["requestObject", "spec", "securityContext", "fsGroup"]),
        "ka.req.pod.supplemental_groups" => one(&[
            "requestObject",
            "spec",
            "securityContext",
            "supplementalGroups",
        ]),
        "ka.req.role.rules" => one(&["requestObject", "rules"]),
        "ka.req.service.type" => one(&["requestObject", "spec", "type"]),
        "ka.req.service.ports" => one(&["requestObject", "spec", "ports"]),
        "ka.resp.name" => one(&["responseObject", "metadata", "name"]),
        "ka.response.code" => one(&["responseStatus", "code"]),
        "ka.response.reason" => one(&["responseStatus", "reason"]),
        "ka.useragent" => one(&["userAgent"]),
        "ka.req.pod.containers.privileged" => Some(vec![C, &["securityContext", "privileged"]]),
        "ka.req.pod.containers.allow_privilege_escalation" => {
            Some(vec![C, &["securityContext", "allowPrivilegeEscalation"]])
        }
        "ka.req.pod.containers.read_only_fs" => {
            Some(vec![C, &["securityContext", "readOnlyRootFilesystem"]])
        }
        // json_evt.cpp bug (0.18.0 → 0.36.0): the container run_as_user field reads runAsGroup.
        "ka.req.pod.containers.run_as_user" | "ka.req.pod.containers.run_as_group" => {
            Some(vec![C, &["securityContext", "runAsGroup"]])
        }
        "ka.req.pod.containers.proc_mount" => Some(vec![C, &["securityContext", "procMount"]]),
        "ka.req.pod.containers.add_capabilities" => {
            Some(vec![C, &["securityContext", "capabilities", "add"]])
        }
        "ka.req.pod.volumes.hostpath" => Some(vec![V, &["hostPath", "path"]]),
        "ka.req.pod.volumes.flexvolume_driver" => Some(vec![V, &["flexVolume", "driver"]]),
        _ => None,
    }
}

/// `def_extract`: false when the first pointer is missing.
fn def_extract(v: &Json, ptrs: &[&[&str]], out: &mut Values) -> bool {
    let Some((first, rest)) = ptrs.split_first() else {
        out.push(js(v));
        return true;
    };
    let Some(j) = v.path(first) else { return false };
    match j {
        Json::Arr(items) => {
            for it in items {
                if !def_extract(it, rest, out) {
                    out.push(NA.into());
                }
            }
        }
        other => out.push(js(other)),
    }
    true
}

fn containers(e: &Json) -> Option<&[Json]> {
    e.path(&["requestObject", "spec", "containers"])?.as_array()
}

/// Custom extractors; `None` means the extraction failed (value `<NA>`).
fn custom(name: &str, e: &Json, arg: &str) -> Option<Values> {
    let mut out = Vec::new();
    match name {
        "ka.uri.param" => {
            // No percent-decoding of the value; the key is compared decoded.
            let uri = e.get("requestURI")?.as_str()?;
            let parts: Vec<&str> = uri.split('?').collect();
            if parts.len() != 2 {
                return None;
            }
            let v = parts[1].split('&').find_map(|p| {
                let kv: Vec<&str> = p.split('=').collect();
                (kv.len() == 2 && super::percent_decode(kv[0]) == arg).then(|| kv[1].to_string())
            })?;
            out.push(v);
        }
        "ka.req.binding.subject.has_name" => out.push("true".into()),
        "ka.req.pod.containers.image"
        | "ka.req.container.image"
        | "ka.req.pod.containers.image.repository"
        | "ka.req.container.image.repository" => {
            for c in containers(e)? {
                let image = c.get("image")?.as_str()?;
                out.push(if name.ends_with(".repository") {
                    legacy_repository(image)
                } else {
                    image.to_string()
                });
                if name.starts_with("ka.req.container.") {
                    break;
                }
            }
        }
        "ka.req.pod.containers.host_port" => {
            for c in containers(e)? {
                for p in c.get("ports").and_then(Json::as_array).unwrap_or_default() {
                    if let Some(v) = p.get("hostPort").or_else(|| p.get("containerPort")) {
                        out.push(js(v));
                    }
                }
            }
        }
        "ka.req.container.privileged" => {
            for c in containers(e)? {
                match c.path(&["securityContext", "privileged"]) {
                    Some(Json::Bool(true)) => return Some(vec!["true".into()]),
                    None | Some(Json::Bool(false)) => {}
                    Some(_) => return None,
                }
            }
            out.push("false".into());
        }
        "ka.req.pod.containers.eff_run_as_user" | "ka.req.pod.containers.eff_run_as_group" => {
            let key = if name.ends_with("user") {
                "runAsUser"
            } else {
                "runAsGroup"
            };
            let spec = e.path(&["requestObject", "spec"])?;
            let int = |v: Option<&Json>, default: i64| -> Option<i64> {
                match v {
                    None => Some(default),
                    Some(Json::Num(n)) => n.as_i64(),
                    Some(_) => None,
                }
            };
            let pod = int(spec.path(&["securityContext", key]), 0)?;
            for c in spec.get("containers")?.as_array()? {
                out.push(int(c.path(&["securityContext", key]), pod)?.to_string());
            }
        }
        "ka.req.role.rules.apiGroups"
        | "ka.req.role.rules.nonResourceURLs"
        | "ka.req.role.rules.verbs"
        | "ka.req.role.rules.resources" => {
            let prop = name.rsplit('.').next().unwrap_or("");
            for r in e.path(&["requestObject", "rules"])?.as_array()? {
                if let Some(items) = r.get(prop) {
                    out.extend(items.as_array()?.iter().map(js));
                }
            }
        }
        "ka.req.volume.hostpath" => {
            for v in e.path(&["requestObject", "spec", "volumes"])?.as_array()? {
                let Some(hp) = v.get("hostPath") else {
                    continue;
                };
                // The "prefix" form compares the prefix with the whole path; comparing a string
                // with the usual hostPath *object* is a nlohmann type_error.
                match (arg.strip_suffix('*'), hp) {
                    (Some(p), Json::Str(s)) if s == p => out.push("true".into()),
                    (Some(_), Json::Str(_)) => {}
                    (Some(_), _) => return None,
                    (None, Json::Str(s)) if s == arg => out.push("true".into()),
                    (None, _) => {}
                }
            }
            out.push("false".into());
        }
        "ka.req.pod.volumes.volume_type" => {
            for v in e.path(&["requestObject", "spec", "volumes"])?.as_array()? {
                if let Json::Obj(m) = v {
                    // nlohmann objects iterate in key order.
                    let mut keys: Vec<&String> =
                        m.iter().map(|(k, _)| k).filter(|k| *k != "name").collect();
                    keys.sort();
                    out.extend(keys.into_iter().cloned());
                }
            }
        }
        _ => return None,
    }
    Some(out)
}

/// Whether `[k]` narrows this field (only `def_extract` fields honour an index).
pub fn honours_index(name: &str) -> bool {
    def_pointers(name).is_some()
}

pub fn extractor(name: &str, arg: Option<String>, index: Option<usize>) -> Extractor {
    let arg = arg.unwrap_or_default();
    match name {
        // nlohmann json_pointer: "" is the whole document, otherwise "/"-separated tokens.
        "jevt.value" => {
            let parts = if arg.is_empty() {
                Vec::new()
            } else {
                crate::check::json::pointer_parts(&arg)
            };
            return Box::new(move |ev: &Event| {
                vec![ev.json.walk(&parts).map_or_else(|| NA.to_string(), js)]
            });
        }
        "jevt.obj" => return Box::new(|ev: &Event| vec![ev.json.to_compact(true)]),
        "jevt.rawtime" => return Box::new(|ev: &Event| vec![ev.time_ns.to_string()]),
        "jevt.time" => {
            return Box::new(|ev: &Event| vec![crate::check::time::time_hms(ev.time_ns)])
        }
        "jevt.time.iso8601" => {
            return Box::new(|ev: &Event| vec![crate::check::time::time_iso8601(ev.time_ns)])
        }
        _ => {}
    }
    if let Some(ptrs) = def_pointers(name) {
        return Box::new(move |ev: &Event| {
            let mut out = Vec::new();
            if !def_extract(&ev.json, &ptrs, &mut out) {
                return vec![NA.into()];
            }
            // An out-of-range index fails the whole extraction.
            match index {
                Some(k) if k >= out.len() => vec![NA.into()],
                _ => out,
            }
        });
    }
    let name = name.to_string();
    Box::new(move |ev: &Event| custom(&name, &ev.json, &arg).unwrap_or_else(|| vec![NA.into()]))
}
