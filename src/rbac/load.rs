//! Reading RBAC objects as `kubectl get roles,clusterroles,rolebindings,clusterrolebindings -A
//! -o yaml` prints them: a `List`, several documents, YAML or JSON. Other kinds are skipped with
//! a note; bad input is a [`LoadError`] with file, line, column and field path.

// A load error is made once per run; its size does not matter.
#![allow(clippy::result_large_err)]

use super::model::RbacObject;
use crate::psp::guarded_input::GuardedInput;
use crate::psp::LoadError;
use crate::yaml::{DocOutcome, Seg, Select, TypedDoc, Value, YamlError};

/// The kinds read; everything else is skipped with a note.
pub const RBAC_KINDS: [&str; 4] = ["Role", "ClusterRole", "RoleBinding", "ClusterRoleBinding"];
/// Notes about skipped documents printed one by one; the rest are counted.
const MAX_SKIP_NOTES: usize = 20;
/// Unknown fields reported one by one.
const MAX_UNKNOWN_WARNINGS: usize = 50;

/// One RBAC object with where it came from (`rbac.yaml: document 1, item 3`), for messages.
#[derive(Debug, Clone)]
pub struct LoadedRbacObject {
    pub object: RbacObject,
    pub source: String,
}

/// Everything read from one RBAC input.
#[derive(Debug, Default)]
pub struct LoadedRbac {
    pub objects: Vec<LoadedRbacObject>,
    pub warnings: Vec<String>,
}

fn is_rbac_kind(value: &Value) -> bool {
    kind_of(value).is_some_and(|k| RBAC_KINDS.contains(&k))
}

fn kind_of(value: &Value) -> Option<&str> {
    value.get("kind").and_then(Value::as_str)
}

fn select(value: &Value) -> Select {
    if is_rbac_kind(value) {
        return Select::Typed;
    }
    let items = value.get("items").and_then(Value::as_sequence);
    match (kind_of(value), items) {
        // `RoleList` and friends: items may leave out their kind.
        (Some(k), Some(items)) if k.ends_with("List") => {
            let own = k.strip_suffix("List").filter(|k| RBAC_KINDS.contains(k));
            Select::TypedList(
                items
                    .iter()
                    .map(|i| is_rbac_kind(i) || (own.is_some() && kind_of(i).is_none()))
                    .collect(),
            )
        }
        _ => Select::Skip,
    }
}

/// Reads every RBAC object of `text`; `origin` names the input (`rbac.yaml`, `<stdin>`). An
/// input without any RBAC object is not an error (a cluster may have none): a warning says so.
pub fn load_rbac(text: &str, origin: &str) -> Result<LoadedRbac, LoadError> {
    let (input, stream) = GuardedInput::open(
        text,
        origin,
        "split it (one kind per `kubectl get`, or several documents)",
    )?;
    let mut loaded = LoadedRbac::default();
    let (mut skipped, mut unknown) = (0usize, 0usize);
    let walked =
        stream.for_each::<RbacObject, _, _, Stop>(select, |doc: DocOutcome<RbacObject>| {
            let at = |item: Option<usize>| match item {
                Some(i) => format!("{origin}: document {}, item {}", doc.index + 1, i + 1),
                None => format!("{origin}: document {}", doc.index + 1),
            };
            for field in &doc.unknown_fields {
                unknown += 1;
                if unknown <= MAX_UNKNOWN_WARNINGS {
                    let pos = stream
                        .locate(doc.index, &Seg::parse_path(field))
                        .map_or_else(|| at(None), |(l, c)| format!("{origin}:{l}:{c}"));
                    loaded
                        .warnings
                        .push(format!("warning: {pos}: unknown field `{field}` ignored"));
                }
            }
            let mut skip = |what: String, item: Option<usize>| {
                skipped += 1;
                if skipped <= MAX_SKIP_NOTES {
                    loaded
                        .warnings
                        .push(format!("note: {}: skipping {what}", at(item)));
                }
            };
            match doc.result {
                None => {
                    match kind_of(&doc.value) {
                        Some(kind) => skip(format!("kind {kind}"), None),
                        None if doc.value.is_mapping() => {
                            skip("a document without `kind`".into(), None)
                        }
                        None => {}
                    }
                    Ok(())
                }
                Some(Err(e)) => Err(Stop::Load(LoadError {
                    origin: origin.to_string(),
                    line: e.error.line,
                    column: e.error.column,
                    document: Some(doc.index + 1),
                    path: e.path,
                    message: e.error.message,
                    warnings: Vec::new(),
                })),
                Some(Ok(TypedDoc::One(object))) => {
                    loaded.objects.push(LoadedRbacObject {
                        object,
                        source: at(None),
                    });
                    Ok(())
                }
                Some(Ok(TypedDoc::List(items))) => {
                    let list_kind = kind_of(&doc.value).and_then(|k| k.strip_suffix("List"));
                    let all = doc.value.get("items").and_then(Value::as_sequence);
                    let kept: std::collections::HashSet<usize> =
                        items.iter().map(|(j, _)| *j).collect();
                    for (i, item) in all.into_iter().flatten().enumerate() {
                        if !kept.contains(&i) {
                            let what = kind_of(item)
                                .map_or("an item without `kind`".into(), |k| format!("kind {k}"));
                            skip(what, Some(i));
                        }
                    }
                    for (i, mut object) in items {
                        if object.kind.is_none() {
                            object.kind = list_kind.map(str::to_string);
                        }
                        loaded.objects.push(LoadedRbacObject {
                            object,
                            source: at(Some(i)),
                        });
                    }
                    Ok(())
                }
            }
        });
    match walked {
        Ok(()) => {}
        Err(Stop::Yaml(e)) => return Err(input.syntax(e)),
        Err(Stop::Load(mut e)) => {
            e.warnings = std::mem::take(&mut loaded.warnings);
            return Err(e);
        }
    }
    if skipped > MAX_SKIP_NOTES {
        loaded.warnings.push(format!(
            "note: {origin}: skipping {} more documents or items of other kinds",
            skipped - MAX_SKIP_NOTES
        ));
    }
    if unknown > MAX_UNKNOWN_WARNINGS {
        loaded.warnings.push(format!(
            "warning: {origin}: {} more unknown fields ignored",
            unknown - MAX_UNKNOWN_WARNINGS
        ));
    }
    if loaded.objects.is_empty() {
        loaded.warnings.push(format!(
            "warning: {origin}: no Role, ClusterRole, RoleBinding or ClusterRoleBinding found"
        ));
    }
    Ok(loaded)
}

enum Stop {
    Yaml(YamlError),
    Load(LoadError),
}

impl From<YamlError> for Stop {
    fn from(e: YamlError) -> Self {
        Stop::Yaml(e)
    }
}
