//! Field extraction as Falco's built-in K8s audit engine did (falco 0.31.1
//! `userspace/engine/json_evt.cpp`): a missing value is the string `<NA>`, per-element misses
//! are `<NA>`, arrays at the leaf are flattened, non-strings are `dump()`ed (nlohmann, keys
//! sorted). Quirks kept: `containers.run_as_user` reads runAsGroup.

use super::{legacy_repository, uri_param, ArgKind, Event, Extractor, FieldInfo, Values};
use crate::check::json::Json;

pub const NA: &str = "<NA>";

/// The 57 `ka.*` fields of 0.31.1 (identical to k8saudit 0.1.0's) and whether they index.
const KA_FIELDS: &[(&str, ArgKind)] = &[
    ("ka.auditid", ArgKind::None),
    ("ka.stage", ArgKind::None),
    ("ka.auth.decision", ArgKind::None),
    ("ka.auth.reason", ArgKind::None),
    ("ka.user.name", ArgKind::None),
    ("ka.user.groups", ArgKind::Index),
    ("ka.impuser.name", ArgKind::None),
    ("ka.verb", ArgKind::None),
    ("ka.uri", ArgKind::None),
    ("ka.uri.param", ArgKind::Key),
    ("ka.target.name", ArgKind::None),
    ("ka.target.namespace", ArgKind::None),
    ("ka.target.resource", ArgKind::None),
    ("ka.target.subresource", ArgKind::None),
    ("ka.req.binding.subjects", ArgKind::Index),
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
    ("ka.req.role.rules", ArgKind::Index),
    ("ka.req.role.rules.apiGroups", ArgKind::Index),
    ("ka.req.role.rules.nonResourceURLs", ArgKind::Index),
    ("ka.req.role.rules.verbs", ArgKind::Index),
    ("ka.req.role.rules.resources", ArgKind::Index),
    ("ka.req.pod.fs_group", ArgKind::None),
    ("ka.req.pod.supplemental_groups", ArgKind::Index),
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

/// `dump()` of a leaf; arrays are flattened one value per item.
fn push_leaf(v: &Json, out: &mut Values) {
    match v {
        Json::Arr(a) => a.iter().for_each(|x| out.push(x.to_legacy_string())),
        other => out.push(other.to_legacy_string()),
    }
}

/// `def_extract` with a path to an array and a sub-path into each element.
fn per_element(e: &Json, base: &[&str], sub: &[&str]) -> Values {
    let Some(arr) = e.path(base) else {
        return vec![NA.into()];
    };
    let Some(items) = arr.as_array() else {
        let mut out = Vec::new();
        push_leaf(arr, &mut out);
        return out;
    };
    let mut out = Vec::new();
    for it in items {
        match it.path(sub) {
            Some(v) => push_leaf(v, &mut out),
            None => out.push(NA.into()),
        }
    }
    out
}

fn single(e: &Json, keys: &[&str]) -> Values {
    let mut out = Vec::new();
    match e.path(keys) {
        Some(v) => push_leaf(v, &mut out),
        None => out.push(NA.into()),
    }
    out
}

const CONTAINERS: [&str; 3] = ["requestObject", "spec", "containers"];
const VOLUMES: [&str; 3] = ["requestObject", "spec", "volumes"];

fn images(e: &Json) -> Option<Vec<String>> {
    let items = e.path(&CONTAINERS)?.as_array()?;
    items
        .iter()
        .map(|c| c.get("image").map(Json::to_legacy_string))
        .collect()
}

fn ka_values(name: &str, e: &Json, arg: &str) -> Values {
    let sc = |k: &str| per_element(e, &CONTAINERS, &["securityContext", k]);
    let spec = |k: &[&str]| {
        let mut p = vec!["requestObject", "spec"];
        p.extend_from_slice(k);
        single(e, &p)
    };
    match name {
        "ka.auditid" => single(e, &["auditID"]),
        "ka.stage" => single(e, &["stage"]),
        "ka.auth.decision" => single(e, &["annotations", "authorization.k8s.io/decision"]),
        "ka.auth.reason" => single(e, &["annotations", "authorization.k8s.io/reason"]),
        "ka.user.name" => single(e, &["user", "username"]),
        "ka.user.groups" => single(e, &["user", "groups"]),
        "ka.impuser.name" => single(e, &["impersonatedUser", "username"]),
        "ka.verb" => single(e, &["verb"]),
        "ka.uri" => single(e, &["requestURI"]),
        "ka.uri.param" => vec![e
            .get("requestURI")
            .and_then(|u| uri_param(&u.to_legacy_string(), arg))
            .unwrap_or_else(|| NA.into())],
        "ka.target.name" | "ka.req.configmap.name" => single(e, &["objectRef", "name"]),
        "ka.target.namespace" => single(e, &["objectRef", "namespace"]),
        "ka.target.resource" => single(e, &["objectRef", "resource"]),
        "ka.target.subresource" => single(e, &["objectRef", "subresource"]),
        "ka.req.binding.subjects" => single(e, &["requestObject", "subjects"]),
        "ka.req.binding.role" => single(e, &["requestObject", "roleRef", "name"]),
        "ka.req.binding.subject.has_name" => vec!["true".into()],
        "ka.req.configmap.obj" => single(e, &["requestObject", "data"]),
        "ka.req.pod.containers.image" => images(e).unwrap_or_else(|| vec![NA.into()]),
        "ka.req.container.image" => images(e)
            .and_then(|v| v.into_iter().next())
            .into_iter()
            .collect(),
        "ka.req.pod.containers.image.repository" => images(e)
            .map(|v| v.iter().map(|i| legacy_repository(i)).collect())
            .unwrap_or_else(|| vec![NA.into()]),
        "ka.req.container.image.repository" => images(e)
            .and_then(|v| v.first().map(|i| legacy_repository(i)))
            .into_iter()
            .collect(),
        "ka.req.pod.host_ipc" => spec(&["hostIPC"]),
        "ka.req.pod.host_network" | "ka.req.container.host_network" => spec(&["hostNetwork"]),
        "ka.req.pod.host_pid" => spec(&["hostPID"]),
        "ka.req.pod.containers.host_port" => {
            let Some(items) = e.path(&CONTAINERS).and_then(Json::as_array) else {
                return vec![NA.into()];
            };
            let mut out = Vec::new();
            for c in items {
                for p in c.get("ports").and_then(Json::as_array).unwrap_or_default() {
                    if let Some(v) = p.get("hostPort").or_else(|| p.get("containerPort")) {
                        out.push(v.to_legacy_string());
                    }
                }
            }
            out
        }
        "ka.req.pod.containers.privileged" => sc("privileged"),
        "ka.req.container.privileged" => {
            let any = sc("privileged").iter().any(|v| v == "true");
            vec![any.to_string()]
        }
        "ka.req.pod.containers.allow_privilege_escalation" => sc("allowPrivilegeEscalation"),
        "ka.req.pod.containers.read_only_fs" => sc("readOnlyRootFilesystem"),
        "ka.req.pod.run_as_user" => spec(&["securityContext", "runAsUser"]),
        // json_evt.cpp bug (0.18.0 → 0.36.0): the container run_as_user field reads runAsGroup.
        "ka.req.pod.containers.run_as_user" => sc("runAsGroup"),
        "ka.req.pod.containers.eff_run_as_user" => effective(e, "runAsUser"),
        "ka.req.pod.run_as_group" => spec(&["securityContext", "runAsGroup"]),
        "ka.req.pod.containers.run_as_group" => sc("runAsGroup"),
        "ka.req.pod.containers.eff_run_as_group" => effective(e, "runAsGroup"),
        "ka.req.pod.containers.proc_mount" => sc("procMount"),
        "ka.req.role.rules" => single(e, &["requestObject", "rules"]),
        "ka.req.role.rules.apiGroups" => {
            per_element(e, &["requestObject", "rules"], &["apiGroups"])
        }
        "ka.req.role.rules.nonResourceURLs" => {
            per_element(e, &["requestObject", "rules"], &["nonResourceURLs"])
        }
        "ka.req.role.rules.verbs" => per_element(e, &["requestObject", "rules"], &["verbs"]),
        "ka.req.role.rules.resources" => {
            per_element(e, &["requestObject", "rules"], &["resources"])
        }
        "ka.req.pod.fs_group" => spec(&["securityContext", "fsGroup"]),
        "ka.req.pod.supplemental_groups" => spec(&["securityContext", "supplementalGroups"]),
        "ka.req.pod.containers.add_capabilities" => sc_caps(e),
        "ka.req.service.type" => spec(&["type"]),
        "ka.req.service.ports" => spec(&["ports"]),
        "ka.req.pod.volumes.hostpath" => per_element(e, &VOLUMES, &["hostPath", "path"]),
        "ka.req.volume.hostpath" => {
            let paths = per_element(e, &VOLUMES, &["hostPath", "path"]);
            let prefix = arg.strip_suffix('*');
            let hit = paths
                .iter()
                .any(|p| p != NA && (prefix.is_some_and(|x| p.starts_with(x)) || p == arg));
            vec![hit.to_string()]
        }
        "ka.req.pod.volumes.flexvolume_driver" => {
            per_element(e, &VOLUMES, &["flexVolume", "driver"])
        }
        "ka.req.pod.volumes.volume_type" => {
            let Some(items) = e.path(&VOLUMES).and_then(Json::as_array) else {
                return vec![NA.into()];
            };
            let mut out = Vec::new();
            for v in items {
                if let Json::Obj(m) = v {
                    out.extend(
                        m.iter()
                            .filter(|(k, _)| k != "name")
                            .map(|(k, _)| k.clone()),
                    );
                }
            }
            out
        }
        "ka.resp.name" => single(e, &["responseObject", "metadata", "name"]),
        "ka.response.code" => single(e, &["responseStatus", "code"]),
        "ka.response.reason" => single(e, &["responseStatus", "reason"]),
        "ka.useragent" => single(e, &["userAgent"]),
        _ => vec![NA.into()],
    }
}

fn sc_caps(e: &Json) -> Values {
    per_element(e, &CONTAINERS, &["securityContext", "capabilities", "add"])
}

/// Container securityContext value, else the pod's, else 0 (`extract_effective_run_as`).
fn effective(e: &Json, key: &str) -> Values {
    let Some(items) = e.path(&CONTAINERS).and_then(Json::as_array) else {
        return vec![NA.into()];
    };
    let pod = e.path(&["requestObject", "spec", "securityContext", key]);
    items
        .iter()
        .map(|c| {
            c.path(&["securityContext", key])
                .or(pod)
                .map_or_else(|| "0".to_string(), Json::to_legacy_string)
        })
        .collect()
}

pub fn extractor(name: &str, arg: Option<String>, index: Option<usize>) -> Extractor {
    let arg = arg.unwrap_or_default();
    let base: Extractor = match name {
        "jevt.value" => Box::new(move |ev: &Event| {
            let mut out = Vec::new();
            match ev.json.pointer(&arg) {
                Some(v) => push_leaf(v, &mut out),
                None => out.push(NA.into()),
            }
            out
        }),
        "jevt.obj" => Box::new(|ev: &Event| vec![ev.json.to_compact(true)]),
        "jevt.rawtime" => Box::new(|ev: &Event| vec![ev.time_ns.to_string()]),
        "jevt.time" => Box::new(|ev: &Event| vec![crate::check::time::time_hms(ev.time_ns)]),
        "jevt.time.iso8601" => {
            Box::new(|ev: &Event| vec![crate::check::time::time_iso8601_z(ev.time_ns)])
        }
        _ => {
            let name = name.to_string();
            Box::new(move |ev: &Event| ka_values(&name, &ev.json, &arg))
        }
    };
    match index {
        // IDX_ALLOWED: `[k]` selects the k-th value.
        Some(k) => Box::new(move |ev: &Event| {
            let v = base(ev);
            vec![v.into_iter().nth(k).unwrap_or_else(|| NA.into())]
        }),
        None => base,
    }
}
