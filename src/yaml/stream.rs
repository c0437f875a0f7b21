//! Reading a stream of documents generically and typed in lockstep, JSON or YAML, and finding
//! the position of a field path afterwards.

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde::Deserialize;

use super::seek::{self, Seg};
use super::{check_nesting, load_all, ParseError, Value, YamlError};

/// What the caller wants done with one document of a stream, decided from its generic value.
pub enum Select {
    /// Deserialize the document as the typed `T`.
    Typed,
    /// Deserialize the document as a `List`: the items whose flag is true as `T`, the others
    /// kept generic (they are skipped).
    TypedList(Vec<bool>),
    /// Skip the document.
    Skip,
}

/// One document read as `T`, or the picked items of a list (with their index in `items`).
pub enum TypedDoc<T> {
    One(T),
    List(Vec<(usize, T)>),
}

/// One document of a stream: its generic value and, when selected, the typed reading.
pub struct DocOutcome<T> {
    pub index: usize,
    pub value: Value,
    pub result: Option<Result<TypedDoc<T>, PathError>>,
    /// Paths (`spec.volumtes`, `items[2].spec.x`) of fields `T` does not know.
    pub unknown_fields: Vec<String>,
}

/// A deserialization error with the field path where it happened.
#[derive(Debug, Clone)]
pub struct PathError {
    pub path: String,
    pub error: YamlError,
}

/// The input format, decided by the first character: JSON objects and arrays start with `{`/`[`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Yaml,
    Json,
}

/// A whole input, kept so that positions can be looked up after reading.
pub struct Stream<'a> {
    text: &'a str,
    format: Format,
    /// JSON only: the byte range of each top-level value.
    json_docs: Vec<(usize, usize)>,
}

impl<'a> Stream<'a> {
    /// Detects the format; JSON that a JSON parser refuses is read as YAML after all (flow-style
    /// YAML also starts with `{`), and if both fail, the error that got further is reported.
    pub fn new(text: &'a str) -> Result<Self, YamlError> {
        let body = text.trim_start_matches('\u{feff}').trim_start();
        check_nesting(text)?;
        if !(body.starts_with('{') || body.starts_with('[')) {
            return Ok(Stream {
                text,
                format: Format::Yaml,
                json_docs: Vec::new(),
            });
        }
        match json_documents(text) {
            Ok(json_docs) => Ok(Stream {
                text,
                format: Format::Json,
                json_docs,
            }),
            Err(json_err) => match load_all(text) {
                Ok(_) => Ok(Stream {
                    text,
                    format: Format::Yaml,
                    json_docs: Vec::new(),
                }),
                Err(yaml_err) => {
                    let pos = |e: &YamlError| (e.line.unwrap_or(0), e.column.unwrap_or(0));
                    Err(if pos(&json_err) >= pos(&yaml_err) {
                        json_err
                    } else {
                        yaml_err
                    })
                }
            },
        }
    }

    pub fn format(&self) -> Format {
        self.format
    }

    /// The byte range of each document: JSON top-level values, or YAML text between document
    /// markers (`---`, `...` at the start of a line; YAML allows them nowhere else unindented).
    /// Measured before parsing, so that one oversized document is refused before it is read.
    pub fn document_spans(&self) -> Vec<(usize, usize)> {
        if self.format == Format::Json {
            return self.json_docs.clone();
        }
        let mut spans = Vec::new();
        let mut start = 0;
        let mut at = 0;
        for line in self.text.split_inclusive('\n') {
            let marker = ["---", "..."].iter().any(|m| {
                line.strip_prefix(m).is_some_and(|rest| {
                    rest.is_empty() || rest.starts_with([' ', '\t', '\r', '\n'])
                })
            });
            if marker && at > start {
                spans.push((start, at));
                start = at;
            }
            at += line.len();
        }
        spans.push((start, self.text.len()));
        spans
    }

    /// Reads each document generically, asks `select` what it is, reads the selected ones typed,
    /// and hands every outcome to `each` (which may stop the walk with an error).
    pub fn for_each<T, S, F, E>(&self, mut select: S, mut each: F) -> Result<(), E>
    where
        T: DeserializeOwned,
        S: FnMut(&Value) -> Select,
        F: FnMut(DocOutcome<T>) -> Result<(), E>,
        E: From<YamlError>,
    {
        match self.format {
            Format::Yaml => {
                let generic = serde_yaml::Deserializer::from_str(self.text);
                let mut typed = serde_yaml::Deserializer::from_str(self.text);
                for (index, doc) in generic.enumerate() {
                    let value = Value::deserialize(doc).map_err(|e| YamlError::from_serde(&e))?;
                    let Some(typed_doc) = typed.next() else { break };
                    let selected = select(&value);
                    let mut unknown = Vec::new();
                    let result = read_typed::<T, _>(typed_doc, &selected, &mut unknown);
                    each(DocOutcome {
                        index,
                        value,
                        result,
                        unknown_fields: unknown,
                    })?;
                }
            }
            Format::Json => {
                for (index, &(start, end)) in self.json_docs.iter().enumerate() {
                    let part = &self.text[start..end];
                    let value: Value = serde_json::from_str(part)
                        .map_err(|e| self.shift(start, YamlError::from_parse(&e)))?;
                    let selected = select(&value);
                    let mut unknown = Vec::new();
                    let mut de = serde_json::Deserializer::from_str(part);
                    let result = read_typed::<T, _>(&mut de, &selected, &mut unknown).map(|r| {
                        r.map_err(|mut e| {
                            e.error = self.shift(start, e.error);
                            e
                        })
                    });
                    each(DocOutcome {
                        index,
                        value,
                        result,
                        unknown_fields: unknown,
                    })?;
                }
            }
        }
        Ok(())
    }

    /// The line and column of the value at `path` in document `doc`, or of its deepest existing
    /// ancestor (a missing field is reported where its parent is).
    pub fn locate(&self, doc: usize, path: &[Seg]) -> Option<(usize, usize)> {
        (0..=path.len())
            .rev()
            .find_map(|n| self.locate_exact(doc, &path[..n]))
    }

    fn locate_exact(&self, doc: usize, path: &[Seg]) -> Option<(usize, usize)> {
        let err = match self.format {
            Format::Yaml => {
                let de = serde_yaml::Deserializer::from_str(self.text).nth(doc)?;
                YamlError::from_parse(&seek::Seek::new(path).deserialize(de).err()?)
            }
            Format::Json => {
                let &(start, end) = self.json_docs.get(doc)?;
                let mut de = serde_json::Deserializer::from_str(&self.text[start..end]);
                let e = seek::Seek::new(path).deserialize(&mut de).err()?;
                self.shift(start, YamlError::from_parse(&e))
            }
        };
        if !err.message.ends_with(seek::FOUND) {
            return None;
        }
        Some((err.line?, err.column?))
    }

    /// Moves a position inside the JSON document starting at byte `start` to the whole text.
    fn shift(&self, start: usize, mut e: YamlError) -> YamlError {
        let before = &self.text[..start];
        let lines = before.matches('\n').count();
        if let Some(line) = e.line.as_mut() {
            if *line == 1 {
                let line_start = before.rfind('\n').map_or(0, |i| i + 1);
                if let Some(c) = e.column.as_mut() {
                    *c += before[line_start..].chars().count();
                }
            }
            *line += lines;
        }
        e
    }
}

/// The byte ranges of the top-level values of a JSON text (one or several, concatenated).
fn json_documents(text: &str) -> Result<Vec<(usize, usize)>, YamlError> {
    let offset = text.len() - text.trim_start_matches('\u{feff}').len();
    let body = &text[offset..];
    let mut stream = serde_json::Deserializer::from_str(body).into_iter::<serde::de::IgnoredAny>();
    let mut docs = Vec::new();
    let mut start = 0;
    while let Some(item) = stream.next() {
        item.map_err(|e| YamlError::from_parse(&e))?;
        let end = stream.byte_offset();
        docs.push((offset + start, offset + end));
        start = end;
    }
    Ok(docs)
}

fn read_typed<'de, T, D>(
    de: D,
    selected: &Select,
    unknown: &mut Vec<String>,
) -> Option<Result<TypedDoc<T>, PathError>>
where
    T: DeserializeOwned,
    D: serde::Deserializer<'de>,
    D::Error: ParseError,
{
    match selected {
        Select::Skip => {
            let _ = serde::de::IgnoredAny::deserialize(de);
            None
        }
        Select::Typed => Some(tracked(de, unknown, PhantomData::<T>).map(TypedDoc::One)),
        Select::TypedList(picks) => {
            Some(tracked(de, unknown, seek::ListSeed::<T>::new(picks)).map(TypedDoc::List))
        }
    }
}

/// Deserializes a typed value out of an already-parsed generic value (no positions available).
pub fn from_value<T: DeserializeOwned>(
    value: Value,
    unknown: &mut Vec<String>,
) -> Result<T, PathError> {
    tracked(value, unknown, PhantomData::<T>)
}

/// Runs `seed` over `de` wrapped so that unknown fields are collected and errors carry the path.
fn tracked<'de, S, D>(de: D, unknown: &mut Vec<String>, seed: S) -> Result<S::Value, PathError>
where
    S: DeserializeSeed<'de>,
    D: serde::Deserializer<'de>,
    D::Error: ParseError,
{
    let mut track = serde_path_to_error::Track::new();
    let mut on_unknown = |path: serde_ignored::Path<'_>| unknown.push(format_path(&path));
    let ignored = serde_ignored::Deserializer::new(de, &mut on_unknown);
    let de = serde_path_to_error::Deserializer::new(ignored, &mut track);
    seed.deserialize(de).map_err(|e| PathError {
        path: track.path().to_string(),
        error: YamlError::from_parse(&e),
    })
}

/// `spec.volumtes`, `items[2].spec.x`: the same notation as error paths.
pub fn format_path(path: &serde_ignored::Path<'_>) -> String {
    use serde_ignored::Path;
    match path {
        Path::Root => String::new(),
        Path::Seq { parent, index } => format!("{}[{index}]", format_path(parent)),
        Path::Map { parent, key } => {
            let p = format_path(parent);
            if p.is_empty() {
                key.clone()
            } else {
                format!("{p}.{key}")
            }
        }
        Path::Some { parent }
        | Path::NewtypeStruct { parent }
        | Path::NewtypeVariant { parent } => format_path(parent),
    }
}
