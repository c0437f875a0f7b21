//! The k8saudit plugin's JSON walking helpers (extract.go `getValuesRecursive`,
//! `arrayAsStrings*`, `readContainer*`), reproduced so per-element misses, index arguments and
//! error paths give exactly the plugin's values.

use super::Values;
use crate::check::json::Json;

/// `getValuesRecursive`: walks keys, fanning out over arrays (or selecting `index` in them);
/// a per-element miss becomes `None`, a miss before any array means "not available".
pub fn recursive<'a>(
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

pub fn skip_nil(vals: &[Option<&Json>]) -> Values {
    vals.iter().flatten().map(|v| v.to_value_string()).collect()
}

pub fn container_values<'a>(
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
pub fn all_strings(vals: Option<Vec<Option<&Json>>>) -> Option<Values> {
    vals?.iter().map(|v| v.map(Json::to_value_string)).collect()
}

/// The plugin's repository cut: first `:` then first `@` (wrong for registries with a port).
pub fn plugin_repository(image: &str) -> String {
    let a = image.split(':').next().unwrap_or("");
    a.split('@').next().unwrap_or("").to_string()
}

pub fn joined_arrays(vals: Option<Vec<Option<&Json>>>) -> Values {
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

pub fn container_field(e: &Json, list: &str, field: &str, index: Option<usize>) -> Values {
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

pub fn subject_names(e: &Json, kind: &str) -> Values {
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

pub fn rules_field(e: &Json, index: Option<usize>, key: &'static str) -> Values {
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

pub fn volumes<'a>(
    e: &'a Json,
    index: Option<usize>,
    sub: &[&str],
) -> Option<Vec<Option<&'a Json>>> {
    let mut keys = vec!["requestObject", "spec", "volumes"];
    keys.extend_from_slice(sub);
    recursive(e, index, &keys)
}
