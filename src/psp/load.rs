//! Reading PSPs from a YAML/JSON stream: several documents, `List`/`PodSecurityPolicyList`,
//! other kinds skipped with a note, positions and field paths on every error.

// A load error is made once per run and carries what the user needs (position, path, the
// warnings before it); its size does not matter.
#![allow(clippy::result_large_err)]

use super::guarded_input::GuardedInput;
use super::model::PodSecurityPolicy;
use super::scope::check_annotations;
use super::validate::{spec_problems, unbuildable_strategies};
use crate::yaml::{DocOutcome, Seg, Select, Stream, TypedDoc, Value, YamlError};

/// Inputs larger than this are refused rather than read into memory. There is no limit on the
/// number of documents or policies: conversion streams its output, and what one policy costs
/// is bounded by the per-document limits.
pub const MAX_INPUT_BYTES: usize = 256 * 1024 * 1024;
/// One document (a `List` is one document) larger than this is refused before it is parsed:
/// the parsed tree of a document takes several times its text. A List of 20 000 varied
/// policies (the benchmark's) is about 16 MB.
pub const MAX_DOCUMENT_BYTES: usize = 32 * 1024 * 1024;
/// Notes about skipped documents printed one by one; the rest are counted.
const MAX_SKIP_NOTES: usize = 20;
/// Unknown fields reported one by one; the rest are counted.
const MAX_UNKNOWN_WARNINGS: usize = 100;
/// Warnings located by re-reading the input (each costs a pass over the stream).
const MAX_LOCATED: usize = 50;

const PSP_KIND: &str = "PodSecurityPolicy";
const PSP_API_VERSIONS: [&str; 2] = ["policy/v1beta1", "extensions/v1beta1"];

/// A bad input, located as precisely as the input allows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct LoadError {
    pub origin: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
    /// 1-based document number, shown when there is no line.
    pub document: Option<usize>,
    /// Field path such as `spec.runAsUser.rule` (empty when the whole document is at fault).
    pub path: String,
    pub message: String,
    /// Warnings and notes gathered before the error (an unknown field often explains it).
    pub warnings: Vec<String>,
}

impl std::fmt::Display for LoadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.origin)?;
        match (self.line, self.document) {
            (Some(line), _) => {
                write!(f, ":{line}")?;
                if let Some(col) = self.column {
                    write!(f, ":{col}")?;
                }
            }
            (None, Some(doc)) => write!(f, ": document {doc}")?,
            (None, None) => {}
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

/// Where in the input a policy sits: its document, and its index in a List's `items`.
#[derive(Clone, Copy)]
struct Place {
    doc: usize,
    item: Option<usize>,
}

impl Place {
    /// The path of `path` from the document root (`items[3].spec.x` inside a List).
    fn full_path(&self, path: &str) -> String {
        match (self.item, path.is_empty()) {
            (Some(i), true) => format!("items[{i}]"),
            (Some(i), false) => format!("items[{i}].{path}"),
            (None, _) => path.to_string(),
        }
    }
}

/// The loader's state while it walks the stream.
struct Loader<'a> {
    origin: &'a str,
    stream: &'a Stream<'a>,
    loaded: Loaded,
    skipped: usize,
    located: usize,
    unknown: usize,
    /// Policy-set mode: a policy whose strategies PSP could not build is skipped with a
    /// warning, as admission skipped it, instead of refused.
    skip_unbuildable: bool,
    /// Policies skipped that way.
    unbuildable: usize,
}

impl Loader<'_> {
    fn error(
        &self,
        place: Place,
        path: &str,
        message: String,
        segs: Option<Vec<Seg>>,
    ) -> LoadError {
        let full = place.full_path(path);
        let segs = segs.unwrap_or_else(|| Seg::parse_path(&full));
        let pos = self.stream.locate(place.doc, &segs);
        LoadError {
            origin: self.origin.to_string(),
            warnings: Vec::new(),
            line: pos.map(|p| p.0),
            column: pos.map(|p| p.1),
            document: Some(place.doc + 1),
            path: full,
            message,
        }
    }

    /// `origin:line:col` (or `origin: document N`) of a path, for warnings.
    fn at(&mut self, place: Place, path: &str) -> String {
        if self.located < MAX_LOCATED {
            self.located += 1;
            if let Some((l, c)) = self.stream.locate(place.doc, &Seg::parse_path(path)) {
                return format!("{}:{l}:{c}", self.origin);
            }
        }
        format!("{}: document {}", self.origin, place.doc + 1)
    }

    fn note_skip(&mut self, place: Place, what: String) {
        self.skipped += 1;
        if self.skipped <= MAX_SKIP_NOTES {
            let at = match place.item {
                Some(i) => format!("{}: document {}, items[{i}]", self.origin, place.doc + 1),
                None => format!("{}: document {}", self.origin, place.doc + 1),
            };
            self.loaded
                .warnings
                .push(format!("note: {at}: skipping {what}"));
        }
    }

    fn document(&mut self, doc: DocOutcome<PodSecurityPolicy>) -> Result<(), LoadError> {
        let place = Place {
            doc: doc.index,
            item: None,
        };
        if !matches!(doc.value, Value::Null | Value::Mapping(_)) {
            return Err(self.error(
                place,
                "",
                "expected a Kubernetes object (a mapping), or a List of them".into(),
                Some(vec![]),
            ));
        }
        for field in &doc.unknown_fields {
            self.unknown += 1;
            if self.unknown <= MAX_UNKNOWN_WARNINGS {
                let at = self.at(place, field);
                self.loaded
                    .warnings
                    .push(format!("warning: {at}: unknown field `{field}` ignored"));
            }
        }
        match doc.result {
            None => {
                match kind_of(&doc.value) {
                    Some(kind) => self.note_skip(place, format!("kind {kind}")),
                    None if doc.value.is_mapping() => {
                        self.note_skip(place, "a document without `kind`".into())
                    }
                    None => {}
                }
                Ok(())
            }
            Some(Err(e)) => Err(LoadError {
                origin: self.origin.to_string(),
                warnings: Vec::new(),
                line: e.error.line,
                column: e.error.column,
                document: Some(doc.index + 1),
                path: e.path,
                message: e.error.message,
            }),
            Some(Ok(TypedDoc::One(psp))) => self.finish(psp, place),
            Some(Ok(TypedDoc::List(items))) => {
                let list_api = doc.value.get("apiVersion").and_then(Value::as_str);
                let all = doc.value.get("items").and_then(Value::as_sequence);
                // Which items were read as policies, by index (a search per item would be
                // quadratic in the length of the List).
                let mut picked = vec![false; all.map_or(0, Vec::len)];
                for (j, _) in &items {
                    if let Some(p) = picked.get_mut(*j) {
                        *p = true;
                    }
                }
                for (i, item) in all.into_iter().flatten().enumerate() {
                    if !picked[i] {
                        let what = match kind_of(item) {
                            Some(k) => format!("kind {k}"),
                            None => "an item without `kind`".into(),
                        };
                        self.note_skip(
                            Place {
                                doc: doc.index,
                                item: Some(i),
                            },
                            what,
                        );
                    }
                }
                for (i, mut psp) in items {
                    // A PodSecurityPolicyList's items may leave out their own apiVersion.
                    if psp.api_version.is_none() {
                        psp.api_version = list_api.map(str::to_string);
                    }
                    self.finish(
                        psp,
                        Place {
                            doc: doc.index,
                            item: Some(i),
                        },
                    )?;
                }
                Ok(())
            }
        }
    }

    fn finish(&mut self, psp: PodSecurityPolicy, place: Place) -> Result<(), LoadError> {
        let source = match place.item {
            Some(i) => format!(
                "{}: document {}, item {}",
                self.origin,
                place.doc + 1,
                i + 1
            ),
            None => format!("{}: document {}", self.origin, place.doc + 1),
        };
        match psp.api_version.as_deref() {
            Some(v) if PSP_API_VERSIONS.contains(&v) => {}
            Some(v) => {
                return Err(self.error(
                    place,
                    "apiVersion",
                    format!("unsupported apiVersion {v:?} for a PodSecurityPolicy (expected policy/v1beta1 or extensions/v1beta1)"),
                    None,
                ))
            }
            None => {
                return Err(self.error(
                    place,
                    "apiVersion",
                    "missing apiVersion (expected policy/v1beta1 or extensions/v1beta1)".into(),
                    None,
                ))
            }
        }
        let name = match psp.metadata.name.as_deref() {
            Some(n) if !n.trim().is_empty() => n.to_string(),
            _ => {
                return Err(self.error(
                    place,
                    "metadata.name",
                    "a PodSecurityPolicy needs a name".into(),
                    None,
                ))
            }
        };
        if let Err(message) = check_name(&name) {
            return Err(self.error(place, "metadata.name", message, None));
        }
        if self.skip_unbuildable {
            if let Some((path, message)) = unbuildable_strategies(&psp.spec).into_iter().next() {
                let full = place.full_path(&path);
                let at = self.at(place, &full);
                self.loaded.warnings.push(format!(
                    "warning: {at}: policy {name:?} skipped: field `{full}`: {message}; PSP admission could not build this policy and ignored it"
                ));
                self.unbuildable += 1;
                return Ok(());
            }
        }
        if let Some((path, message)) = spec_problems(&psp.spec).into_iter().next() {
            return Err(self.error(place, &path, format!("policy {name:?}: {message}"), None));
        }
        if let Err((key, message)) = check_annotations(&psp) {
            let mut segs = Seg::parse_path(&place.full_path("metadata.annotations"));
            segs.push(Seg::Key(key.clone()));
            let path = format!("metadata.annotations.{key}");
            return Err(self.error(place, &path, message, Some(segs)));
        }
        self.loaded
            .policies
            .push(LoadedPolicy { psp, source, name });
        Ok(())
    }
}

/// The policy name as it may appear in rule names and outputs: Kubernetes names are DNS
/// subdomains; spaces are allowed because Falco's own tests use them. Anything else (quotes,
/// `%`, which starts a field in Falco outputs, non-ASCII...) is refused.
pub fn check_name(name: &str) -> Result<(), String> {
    let ok = name.len() <= 253
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_' | ' '));
    if ok {
        Ok(())
    } else {
        Err(format!(
            "name {name:?} may contain only letters, digits, '-', '.', '_' and spaces (at most 253 characters)"
        ))
    }
}

/// Why the walk over the stream stopped.
enum Stop {
    Yaml(YamlError),
    Load(LoadError),
}

impl From<YamlError> for Stop {
    fn from(e: YamlError) -> Self {
        Stop::Yaml(e)
    }
}

/// Reads every PSP of `text`. `origin` names the input in messages (`psp.yaml`, `<stdin>`).
pub fn load_policies(text: &str, origin: &str) -> Result<Loaded, LoadError> {
    load(text, origin, false)
}

/// Reads the PSPs of a policy set (SPEC §9): like [`load_policies`], except that a policy whose
/// strategies PSP could not build (`MustRunAs` without ranges, SELinux `MustRunAs` without
/// options) is skipped with a warning, as the admission controller skipped it.
pub fn load_policy_set(text: &str, origin: &str) -> Result<Loaded, LoadError> {
    load(text, origin, true)
}

fn load(text: &str, origin: &str, skip_unbuildable: bool) -> Result<Loaded, LoadError> {
    let (input, stream) =
        GuardedInput::open(text, origin, "split it into several documents (`---`)")?;
    let mut loader = Loader {
        origin,
        stream: &stream,
        loaded: Loaded::default(),
        skipped: 0,
        located: 0,
        unknown: 0,
        skip_unbuildable,
        unbuildable: 0,
    };
    let walked = stream.for_each::<PodSecurityPolicy, _, _, Stop>(select, |doc| {
        loader.document(doc).map_err(Stop::Load)
    });
    match walked {
        Ok(()) => {}
        Err(Stop::Yaml(e)) => return Err(input.syntax(e)),
        Err(Stop::Load(mut e)) => {
            e.warnings = loader.loaded.warnings;
            return Err(e);
        }
    }
    let mut loaded = loader.loaded;
    if loader.unknown > MAX_UNKNOWN_WARNINGS {
        loaded.warnings.push(format!(
            "warning: {origin}: {} more unknown fields ignored",
            loader.unknown - MAX_UNKNOWN_WARNINGS
        ));
    }
    if loader.skipped > MAX_SKIP_NOTES {
        loaded.warnings.push(format!(
            "note: {origin}: skipping {} more documents or items of other kinds",
            loader.skipped - MAX_SKIP_NOTES
        ));
    }
    if loaded.policies.is_empty() {
        let message = match loader.unbuildable {
            0 => "no PodSecurityPolicy found in the input".to_string(),
            n => format!("no PodSecurityPolicy left in the input: all {n} skipped as unbuildable"),
        };
        return Err(LoadError {
            origin: origin.to_string(),
            // The skip warnings say which policies went and why.
            warnings: if loader.unbuildable > 0 {
                loaded.warnings
            } else {
                Vec::new()
            },
            line: None,
            column: None,
            document: None,
            path: String::new(),
            message,
        });
    }
    Ok(loaded)
}

fn kind_of(value: &Value) -> Option<&str> {
    value.get("kind").and_then(Value::as_str)
}

fn select(value: &Value) -> Select {
    let items = || value.get("items").and_then(Value::as_sequence);
    match kind_of(value) {
        Some(PSP_KIND) => Select::Typed,
        // Items of a PodSecurityPolicyList are PSPs even without their own `kind`.
        Some("PodSecurityPolicyList") if items().is_some() => Select::TypedList(
            items()
                .into_iter()
                .flatten()
                .map(|i| matches!(kind_of(i), None | Some(PSP_KIND)))
                .collect(),
        ),
        Some("List") => match items() {
            Some(items) if items.iter().any(|i| kind_of(i) == Some(PSP_KIND)) => {
                Select::TypedList(items.iter().map(|i| kind_of(i) == Some(PSP_KIND)).collect())
            }
            _ => Select::Skip,
        },
        _ => Select::Skip,
    }
}
