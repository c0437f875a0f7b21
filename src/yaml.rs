//! All YAML (and JSON) input goes through this module, so the parsing libraries can be swapped
//! in one place.
//!
//! (YAML *output* is written by `falco::emit`, which quotes scalars itself; see `quote_scalar`.)
//!
//! Documents are read twice in lockstep: once into a generic [`Value`] (to decide what a document
//! is), and once typed, straight from the parser, so that a typed error keeps its line and column.
//! JSON input is read with a JSON parser: YAML parsers refuse the tab indentation JSON allows.

use serde::Deserialize;

mod seek;
mod stream;
pub use seek::Seg;
pub use stream::{
    format_path, from_value, DocOutcome, Format, PathError, Select, Stream, TypedDoc,
};

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

    pub(crate) fn from_parse<E: ParseError>(err: &E) -> Self {
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
/// quoted scalars and comments, and counts a bracket only where a flow collection can start.
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
                    // A bracket opens a flow collection only where a token starts (or inside
                    // one); `a{{` or `x="{{"` in a plain or block scalar is text.
                    '[' | '{'
                        if depth > 0 || prev.is_whitespace() || matches!(prev, ':' | '-' | ',') =>
                    {
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
