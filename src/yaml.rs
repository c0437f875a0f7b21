//! All YAML input goes through this module, so the YAML library can be swapped in one place.
//!
//! (YAML *output* is written by `falco::emit`, which quotes scalars itself; see `quote_scalar`.)

pub use serde_yaml::{Mapping, Value};

/// A YAML syntax or structure error with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

impl YamlError {
    pub(crate) fn from_serde(err: &serde_yaml::Error) -> Self {
        let loc = err.location();
        YamlError {
            line: loc.as_ref().map(|l| l.line()),
            column: loc.as_ref().map(|l| l.column()),
            message: strip_position(&err.to_string()),
        }
    }
}

/// serde_yaml appends " at line L column C" to messages; positions are reported separately.
fn strip_position(msg: &str) -> String {
    match msg.find(" at line ") {
        Some(i) => msg[..i].to_string(),
        None => msg.to_string(),
    }
}

/// Parses every document of a YAML (or JSON) stream into generic values.
pub fn load_all(text: &str) -> Result<Vec<Value>, YamlError> {
    use serde::Deserialize;
    let mut docs = Vec::new();
    for doc in serde_yaml::Deserializer::from_str(text) {
        let value = Value::deserialize(doc).map_err(|e| YamlError::from_serde(&e))?;
        docs.push(value);
    }
    Ok(docs)
}

/// What the caller wants done with one document of a stream, decided from its generic value.
pub enum Select {
    /// Deserialize the document as the typed `T`.
    Typed,
    /// Deserialize the document as `{items: [T]}`.
    TypedList,
    /// Skip the document.
    Skip,
}

/// One document read as `T` (or a list of `T`), with the paths of fields `T` does not know.
pub enum TypedDoc<T> {
    One(T),
    List(Vec<T>),
}

/// A typed document, or the error that stopped it: the error keeps position and field path.
pub struct DocOutcome<T> {
    pub index: usize,
    pub value: Value,
    pub result: Option<Result<TypedDoc<T>, PathError>>,
    pub unknown_fields: Vec<String>,
}

/// A deserialization error with the field path where it happened.
#[derive(Debug, Clone)]
pub struct PathError {
    pub path: String,
    pub error: YamlError,
}

/// `{apiVersion, kind, metadata, items: [T]}` as `kubectl get -o yaml` prints it.
#[derive(serde::Deserialize)]
#[allow(dead_code)]
#[serde(rename_all = "camelCase")]
struct ListOf<T> {
    api_version: Option<Value>,
    kind: Option<Value>,
    metadata: Option<Value>,
    items: Vec<T>,
}

/// Reads a multi-document stream twice in lockstep: once generically (handed to `select`), and
/// once typed for the documents `select` picks, so typed errors keep their line and column.
pub fn typed_documents<T, F>(text: &str, mut select: F) -> Result<Vec<DocOutcome<T>>, YamlError>
where
    T: serde::de::DeserializeOwned,
    F: FnMut(&Value) -> Select,
{
    use serde::Deserialize;
    let mut generic = serde_yaml::Deserializer::from_str(text);
    let mut typed = serde_yaml::Deserializer::from_str(text);
    let mut out = Vec::new();
    for index in 0.. {
        let Some(doc) = generic.next() else { break };
        let value = Value::deserialize(doc).map_err(|e| YamlError::from_serde(&e))?;
        let Some(typed_doc) = typed.next() else { break };
        let mut unknown = Vec::new();
        let result = match select(&value) {
            Select::Skip => {
                let _ = serde::de::IgnoredAny::deserialize(typed_doc);
                None
            }
            Select::Typed => {
                Some(deserialize_tracked::<T, _>(typed_doc, &mut unknown).map(TypedDoc::One))
            }
            Select::TypedList => Some(
                deserialize_tracked::<ListOf<T>, _>(typed_doc, &mut unknown)
                    .map(|l| TypedDoc::List(l.items)),
            ),
        };
        out.push(DocOutcome {
            index,
            value,
            result,
            unknown_fields: unknown,
        });
    }
    Ok(out)
}

/// Deserializes a typed value out of an already-parsed generic value (no positions available).
pub fn from_value<T: serde::de::DeserializeOwned>(
    value: Value,
    unknown: &mut Vec<String>,
) -> Result<T, PathError> {
    deserialize_tracked(value, unknown)
}

fn deserialize_tracked<'de, T, D>(de: D, unknown: &mut Vec<String>) -> Result<T, PathError>
where
    T: serde::de::DeserializeOwned,
    D: serde::Deserializer<'de, Error = serde_yaml::Error>,
{
    let mut track = serde_path_to_error::Track::new();
    let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(path.to_string());
    let ignored = serde_ignored::Deserializer::new(de, &mut on_unknown);
    let de = serde_path_to_error::Deserializer::new(ignored, &mut track);
    T::deserialize(de).map_err(|e| PathError {
        path: track.path().to_string(),
        error: YamlError::from_serde(&e),
    })
}
