//! Reading PSPs from a YAML/JSON stream: several documents, `List`/`PodSecurityPolicyList`,
//! other kinds skipped with a note, positions and field paths on every error.

use super::model::PodSecurityPolicy;
use super::validate::spec_problems;
use crate::yaml::{self, Select, TypedDoc, Value};

/// Inputs larger than this are refused rather than read into memory.
pub const MAX_INPUT_BYTES: usize = 64 * 1024 * 1024;

const PSP_KIND: &str = "PodSecurityPolicy";
const PSP_API_VERSIONS: [&str; 2] = ["policy/v1beta1", "extensions/v1beta1"];

/// A bad input, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// Field path such as `spec.runAsUser.rule` (empty when the whole document is at fault).
    pub path: String,
    pub message: String,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.origin)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(col) = self.column {
                write!(f, ":{col}")?;
            }
        }
        if !self.path.is_empty() {
            write!(f, ": field `{}`", self.path)?;
        }
        write!(f, ": {}", self.message)
    }
}

/// One policy, with where it came from.
#[derive(Debug, Clone)]
pub struct LoadedPolicy {
    pub psp: PodSecurityPolicy,
    /// `origin` plus document (and list item) number, for messages.
    pub source: String,
    pub name: String,
}

/// Everything read from one input.
#[derive(Debug, Default)]
pub struct Loaded {
    pub policies: Vec<LoadedPolicy>,
    /// Notes and warnings for stderr (skipped documents, unknown fields).
    pub warnings: Vec<String>,
}

/// Reads every PSP of `text`. `origin` names the input in messages (`psp.yaml`, `<stdin>`).
pub fn load_policies(text: &str, origin: &str) -> Result<Loaded, LoadError> {
    let err = |line, column, path: &str, message: String| LoadError {
        origin: origin.to_string(),
        line,
        column,
        path: path.to_string(),
        message,
    };
    if text.len() > MAX_INPUT_BYTES {
        return Err(err(
            None,
            None,
            "",
            format!("input is larger than {MAX_INPUT_BYTES} bytes"),
        ));
    }
    let docs = yaml::typed_documents::<PodSecurityPolicy, _>(text, select)
        .map_err(|e| err(e.line, e.column, "", format!("invalid YAML: {}", e.message)))?;
    let mut loaded = Loaded::default();
    for doc in docs {
        let n = doc.index + 1;
        let where_ = format!("{origin}: document {n}");
        check_document_shape(&doc.value)
            .map_err(|(path, m)| err(None, None, &path, format!("document {n}: {m}")))?;
        for field in &doc.unknown_fields {
            loaded.warnings.push(format!(
                "warning: {where_}: unknown field `{field}` ignored"
            ));
        }
        let policies = match doc.result {
            None => {
                if let Some(kind) = kind_of(&doc.value) {
                    loaded
                        .warnings
                        .push(format!("note: {where_}: skipping kind {kind}"));
                }
                continue;
            }
            Some(Err(e)) => {
                return Err(err(e.error.line, e.error.column, &e.path, e.error.message));
            }
            Some(Ok(TypedDoc::One(psp))) => vec![(psp, where_.clone())],
            Some(Ok(TypedDoc::List(items))) => items
                .into_iter()
                .enumerate()
                .map(|(i, psp)| (psp, format!("{where_}, item {}", i + 1)))
                .collect(),
        };
        for (psp, source) in policies {
            loaded.policies.push(finish(psp, source, origin)?);
        }
    }
    if loaded.policies.is_empty() {
        return Err(err(
            None,
            None,
            "",
            "no PodSecurityPolicy found in the input".into(),
        ));
    }
    Ok(loaded)
}

fn kind_of(value: &Value) -> Option<&str> {
    value.get("kind").and_then(Value::as_str)
}

fn select(value: &Value) -> Select {
    match kind_of(value) {
        Some(PSP_KIND) => Select::Typed,
        Some("List" | "PodSecurityPolicyList") if list_is_all_psps(value) => Select::TypedList,
        _ => Select::Skip,
    }
}

fn list_is_all_psps(value: &Value) -> bool {
    match value.get("items").and_then(Value::as_sequence) {
        Some(items) => items.iter().all(|i| kind_of(i) == Some(PSP_KIND)),
        None => false,
    }
}

/// Rejects what is neither a mapping nor empty, and Lists that mix PSPs with other kinds are
/// accepted only through `select` (all-PSP lists); mixed lists are reported here.
fn check_document_shape(value: &Value) -> Result<(), (String, String)> {
    match value {
        Value::Null | Value::Mapping(_) => {}
        _ => {
            return Err((
                String::new(),
                "expected a Kubernetes object (a mapping)".into(),
            ))
        }
    }
    if let Some("List" | "PodSecurityPolicyList") = kind_of(value) {
        if !list_is_all_psps(value) {
            let items = value.get("items").and_then(Value::as_sequence);
            let has_psp = items.is_some_and(|i| i.iter().any(|x| kind_of(x) == Some(PSP_KIND)));
            if has_psp {
                return Err((
                    "items".into(),
                    "a List mixing PodSecurityPolicies with other kinds is not supported; split it"
                        .into(),
                ));
            }
        }
    }
    Ok(())
}

fn finish(psp: PodSecurityPolicy, source: String, origin: &str) -> Result<LoadedPolicy, LoadError> {
    let fail = |path: &str, message: String| LoadError {
        origin: origin.to_string(),
        line: None,
        column: None,
        path: path.to_string(),
        message: format!(
            "{}: {message}",
            source.trim_start_matches(&format!("{origin}: "))
        ),
    };
    match psp.api_version.as_deref() {
        Some(v) if PSP_API_VERSIONS.contains(&v) => {}
        Some(v) => {
            return Err(fail(
                "apiVersion",
                format!("unsupported apiVersion {v:?} for PodSecurityPolicy (expected policy/v1beta1 or extensions/v1beta1)"),
            ))
        }
        None => return Err(fail("apiVersion", "missing apiVersion".into())),
    }
    let name = match psp.metadata.name.as_deref() {
        Some(n) if !n.trim().is_empty() => n.to_string(),
        _ => {
            return Err(fail(
                "metadata.name",
                "a PodSecurityPolicy needs a name".into(),
            ))
        }
    };
    if let Some((path, message)) = spec_problems(&psp.spec).into_iter().next() {
        return Err(fail(&path, format!("policy {name:?}: {message}")));
    }
    Ok(LoadedPolicy { psp, source, name })
}
