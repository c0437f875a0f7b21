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
