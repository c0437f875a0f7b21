//! All YAML (and JSON) input goes through this module, so the parsing libraries can be swapped
//! in one place.
//!
//! (YAML *output* is written by `falco::emit`, which quotes scalars itself; see `quote_scalar`.)
//!
//! Documents are read twice in lockstep: once into a generic [`Value`] (to decide what a document
//! is), and once typed, straight from the parser, so that a typed error keeps its line and column.
//! JSON input is read with a JSON parser: YAML parsers refuse the tab indentation JSON allows.

use std::marker::PhantomData;

use serde::de::{DeserializeOwned, DeserializeSeed};
use serde::Deserialize;

mod seek;
pub use seek::Seg;

pub use serde_yaml::{Mapping, Value};

/// A YAML syntax or structure error with its position (1-based line and column).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct YamlError {
    pub line: Option<usize>,
    pub column: Option<usize>,
    pub message: String,
}

/// What the parsers' errors have in common: a message and maybe a position.
pub trait ParseError: serde::de::Error {
    fn position(&self) -> (Option<usize>, Option<usize>);
}

impl ParseError for serde_yaml::Error {
    fn position(&self) -> (Option<usize>, Option<usize>) {
        let loc = self.location();
        (loc.as_ref().map(|l| l.line()), loc.map(|l| l.column()))
    }
}

impl ParseError for serde_json::Error {
    fn position(&self) -> (Option<usize>, Option<usize>) {
        match self.line() {
            0 => (None, None),
            l => (Some(l), Some(self.column().max(1))),
        }
    }
}

impl YamlError {
    pub(crate) fn from_serde(err: &serde_yaml::Error) -> Self {
        Self::from_parse(err)
    }

    fn from_parse<E: ParseError>(err: &E) -> Self {
        let (line, column) = err.position();
        YamlError {
            line,
            column,
            message: clean_message(&err.to_string()),
        }
    }
}

/// The parsers append " at line L column C" (and serde_yaml prefixes its own, coarser field
/// path): positions and paths are reported separately, so both are removed.
fn clean_message(msg: &str) -> String {
    if msg.contains("repetition limit exceeded") {
        return "too many alias expansions (an alias bomb?)".into();
    }
    if msg.contains("recursion limit exceeded") {
        return format!("collections nested more than {MAX_FLOW_DEPTH} levels deep");
    }
    let msg = match msg.find(" at line ") {
        Some(i) => &msg[..i],
        None => msg,
    };
    if let Some((head, rest)) = msg.split_once(": ") {
        let is_path = !head.is_empty()
            && head.chars().all(|c| {
                c.is_ascii_alphanumeric() || matches!(c, '.' | '[' | ']' | '_' | '-' | '/')
            });
        if is_path {
            return rest.to_string();
        }
    }
    msg.to_string()
}

/// Deepest flow nesting (`[[[...`) read; the YAML parser's own limit (128) comes later, after
/// a scan whose cost grows with the square of the depth.
pub const MAX_FLOW_DEPTH: usize = 128;

/// Refuses flow collections nested deeper than [`MAX_FLOW_DEPTH`] before the parser sees them:
/// libyaml checks every open level at every token, so 100 000 `[` take minutes. The scan skips
/// quoted scalars and comments; brackets inside plain scalars may count, which only matters
/// for more than a hundred unbalanced ones.
pub fn check_nesting(text: &str) -> Result<(), YamlError> {
    let (mut line, mut col) = (1, 0);
    let mut depth = 0usize;
    let mut prev = '\n';
    let mut quote: Option<char> = None;
    let mut comment = false;
    let mut escaped = false;
    for c in text.chars() {
        col += 1;
        if c == '\n' {
            (line, col) = (line + 1, 0);
            comment = false;
        }
        match quote {
            Some('"') if escaped => escaped = false,
            Some('"') if c == '\\' => escaped = true,
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if comment => {}
            None => {
                let token_start =
                    prev.is_whitespace() || matches!(prev, '[' | '{' | ',' | ':' | '-');
                match c {
                    '#' if prev.is_whitespace() => comment = true,
                    '"' | '\'' if token_start => quote = Some(c),
                    '[' | '{' => {
                        depth += 1;
                        if depth > MAX_FLOW_DEPTH {
                            return Err(YamlError {
                                line: Some(line),
                                column: Some(col),
                                message: format!(
                                    "collections nested more than {MAX_FLOW_DEPTH} levels deep"
                                ),
                            });
                        }
                    }
                    ']' | '}' => depth = depth.saturating_sub(1),
                    _ => {}
                }
            }
        }
        prev = c;
    }
    Ok(())
}

/// The block-style key path leading to `line` (1-based), found from indentation alone, for
/// syntax errors where the parser gives no path: `spec.fsGroup.rule`. Sequence items show as
/// the key that holds them. Empty when no key is found.
pub fn block_path_near(text: &str, line: usize) -> String {
    let lines: Vec<&str> = text.lines().take(line).collect();
    let mut keys: Vec<&str> = Vec::new();
    let mut limit = usize::MAX;
    for l in lines.iter().rev() {
        if l.starts_with("---") {
            break;
        }
        let body = l.trim_start_matches(' ');
        let mut indent = l.len() - body.len();
        let mut body = body;
        while let Some(rest) = body.strip_prefix("- ") {
            indent += 2 + rest.len() - rest.trim_start_matches(' ').len();
            body = rest.trim_start_matches(' ');
        }
        if body.is_empty() || body.starts_with('#') || indent >= limit {
            continue;
        }
        let Some((key, _)) = body.split_once(':') else {
            continue;
        };
        let plain = !key.is_empty()
            && key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/'));
        if plain {
            keys.push(key);
            limit = indent;
            if indent == 0 {
                break;
            }
        }
    }
    keys.reverse();
    if keys.len() > 8 {
        // Deep paths (the nesting limit) are shown by their first and last steps.
        return format!(
            "{}.(...).{}",
            keys[..3].join("."),
            keys[keys.len() - 3..].join(".")
        );
    }
    keys.join(".")
}

/// Parses every document of a YAML (or JSON) stream into generic values.
pub fn load_all(text: &str) -> Result<Vec<Value>, YamlError> {
    check_nesting(text)?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locate_finds_documents_and_fields() {
        let text = "---\nkind: A\n---\nkind: B\nspec:\n  x: [1, 2]\n";
        let s = Stream::new(text).unwrap();
        assert_eq!(s.locate(1, &[]), Some((4, 1)));
        assert_eq!(s.locate(1, &Seg::parse_path("spec.x[1]")), Some((6, 10)));
        assert_eq!(s.locate(1, &Seg::parse_path("spec.y")), Some((6, 3)));
    }

    #[test]
    fn block_paths_follow_indentation() {
        let text =
            "kind: A\nspec:\n  fsGroup:\n    ranges:\n    # c\n      - min: 1\n        max: `2\n";
        assert_eq!(block_path_near(text, 7), "spec.fsGroup.ranges.max");
        assert_eq!(block_path_near(text, 4), "spec.fsGroup.ranges");
        assert_eq!(block_path_near("[", 1), "");
    }
}
