//! Pod manifests (YAML or JSON, several documents, `List`s): each pod becomes the audit event
//! of its successful creation, so `check` can dry-run policies on manifests before applying.

use super::{kind_of, Item, Sink};
use crate::check::json::Json;
use std::io;

/// YAML or JSON documents: each Pod (also inside a `List`) becomes a create event.
pub fn read_manifests(text: &str, first_line: usize, f: &mut Sink) -> io::Result<()> {
    let docs = match crate::yaml::load_all(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.line.map_or(first_line, |l| l + first_line - 1);
            return f(Item::Invalid {
                line,
                message: format!("invalid YAML: {}", e.message),
            });
        }
    };
    let starts = doc_lines(text, first_line);
    let mut n = 0;
    for (i, d) in docs.iter().enumerate() {
        let line = starts.get(i).copied().unwrap_or(first_line);
        emit_manifest(&Json::from_yaml(d), line, &mut n, f)?;
    }
    Ok(())
}

fn doc_lines(text: &str, first: usize) -> Vec<usize> {
    let mut v = vec![first];
    for (i, l) in text.lines().enumerate() {
        if l.starts_with("---") && i > 0 {
            v.push(first + i + 1);
        }
    }
    if text.lines().next().is_some_and(|l| l.starts_with("---")) {
        v.remove(0);
        v.insert(0, first + 1);
    }
    v
}

pub fn emit_manifest(doc: &Json, line: usize, n: &mut usize, f: &mut Sink) -> io::Result<()> {
    match kind_of(doc) {
        Some("Pod") => {
            *n += 1;
            f(Item::Parsed {
                line,
                json: wrap_pod(doc, *n),
                in_list: false,
            })
        }
        Some("List" | "PodList") => {
            for it in doc
                .get("items")
                .and_then(Json::as_array)
                .unwrap_or_default()
            {
                emit_manifest(it, line, n, f)?;
            }
            Ok(())
        }
        None if matches!(doc, Json::Null) => Ok(()),
        other => f(Item::Skipped {
            line,
            message: format!(
                "skipped document of kind '{}' (not a Pod)",
                other.unwrap_or("?")
            ),
        }),
    }
}

/// Wraps a pod as the audit event of its successful creation.
pub fn wrap_pod(pod: &Json, n: usize) -> Json {
    let meta = |k: &str| {
        pod.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let ns = meta("namespace").unwrap_or_else(|| "default".into());
    let ts = meta("creationTimestamp").unwrap_or_else(|| "1970-01-01T00:00:00.000000Z".into());
    let s = |v: &str| Json::Str(v.to_string());
    let mut object_ref = vec![("resource".into(), s("pods")), ("namespace".into(), s(&ns))];
    if let Some(name) = meta("name") {
        object_ref.push(("name".into(), s(&name)));
    }
    object_ref.push(("apiVersion".into(), s("v1")));
    Json::Obj(vec![
        ("kind".into(), s("Event")),
        ("apiVersion".into(), s("audit.k8s.io/v1")),
        ("level".into(), s("RequestResponse")),
        ("auditID".into(), s(&format!("pspconv-manifest-{n}"))),
        ("stage".into(), s("ResponseComplete")),
        (
            "requestURI".into(),
            s(&format!("/api/v1/namespaces/{ns}/pods")),
        ),
        ("verb".into(), s("create")),
        (
            "user".into(),
            Json::Obj(vec![("username".into(), s("pspconv"))]),
        ),
        ("objectRef".into(), Json::Obj(object_ref)),
        (
            "responseStatus".into(),
            Json::Obj(vec![
                ("metadata".into(), Json::Obj(vec![])),
                ("code".into(), Json::Num(201.into())),
            ]),
        ),
        ("requestObject".into(), pod.clone()),
        ("responseObject".into(), pod.clone()),
        ("requestReceivedTimestamp".into(), s(&ts)),
        ("stageTimestamp".into(), s(&ts)),
    ])
}
