//! Streams pretty-printed (multi-line) JSON documents: a sequence of top-level values, where an
//! `EventList` whose `kind` precedes its `items` (as Kubernetes writes it) has its items handed
//! out one by one, so even a large list never sits whole in memory. Other objects are
//! collected whole and dispatched like single-line ones.

use super::array::read_array;
use super::manifest::emit_manifest;
use super::{kind_of, InputKind, Item, Sink};
use crate::check::json::Json;
use std::io::{self, BufRead};

struct Bytes<R> {
    r: R,
    line: usize,
}

impl<R: BufRead> Bytes<R> {
    fn peek(&mut self) -> io::Result<Option<u8>> {
        Ok(self.r.fill_buf()?.first().copied())
    }

    fn bump(&mut self) -> io::Result<Option<u8>> {
        let b = self.peek()?;
        if let Some(c) = b {
            self.r.consume(1);
            if c == b'\n' {
                self.line += 1;
            }
        }
        Ok(b)
    }

    fn skip_ws(&mut self) -> io::Result<Option<u8>> {
        while let Some(b) = self.peek()? {
            if !b.is_ascii_whitespace() {
                return Ok(Some(b));
            }
            self.bump()?;
        }
        Ok(None)
    }

    /// Captures one JSON value's raw bytes (not validated beyond nesting and strings).
    fn capture(&mut self, out: &mut Vec<u8>) -> io::Result<bool> {
        let (mut depth, mut in_str, mut esc) = (0usize, false, false);
        while let Some(b) = self.peek()? {
            if in_str {
                out.push(b);
                self.bump()?;
                match (esc, b) {
                    (true, _) => esc = false,
                    (false, b'\\') => esc = true,
                    (false, b'"') => {
                        in_str = false;
                        if depth == 0 {
                            return Ok(true);
                        }
                    }
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth == 0 => return Ok(!out.is_empty()),
                b'}' | b']' => depth -= 1,
                b',' if depth == 0 => return Ok(!out.is_empty()),
                c if c.is_ascii_whitespace() && depth == 0 => return Ok(!out.is_empty()),
                _ => {}
            }
            out.push(b);
            self.bump()?;
            if depth == 0 && (b == b'}' || b == b']') {
                return Ok(true);
            }
        }
        Ok(!out.is_empty() && depth == 0 && !in_str)
    }
}

/// Reads every top-level value of the stream.
pub fn read_values(r: impl BufRead, first_line: usize, f: &mut Sink) -> io::Result<InputKind> {
    let mut b = Bytes {
        r,
        line: first_line,
    };
    let mut kind = InputKind::JsonLines;
    while let Some(c) = b.skip_ws()? {
        let line = b.line;
        match c {
            b'{' => {
                b.bump()?;
                match object(&mut b, line, f)? {
                    Some(k) => kind = k,
                    None => return Ok(kind),
                }
            }
            b'[' => {
                b.bump()?;
                read_array(&mut b.r, &mut b.line, false, f)?;
                kind = InputKind::JsonArray;
            }
            _ => {
                return f(Item::Invalid {
                    line,
                    message: "not valid JSON".into(),
                })
                .map(|_| kind)
            }
        }
    }
    Ok(kind)
}

fn invalid(f: &mut Sink, line: usize, what: &str) -> io::Result<Option<InputKind>> {
    f(Item::Invalid {
        line,
        message: format!("not valid JSON: {what}"),
    })?;
    Ok(None)
}

/// One top-level object (its `{` consumed); `None` after a syntax error (reading stops).
fn object<R: BufRead>(
    b: &mut Bytes<R>,
    line: usize,
    f: &mut Sink,
) -> io::Result<Option<InputKind>> {
    let mut kind: Option<String> = None;
    let mut members: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
    let mut streamed = false;
    loop {
        match b.skip_ws()? {
            Some(b'}') => {
                b.bump()?;
                break;
            }
            Some(b',') => {
                b.bump()?;
                continue;
            }
            Some(b'"') => {}
            _ => return invalid(f, b.line, "expected a member name"),
        }
        let mut key_raw = Vec::new();
        b.capture(&mut key_raw)?;
        let Ok(key) = serde_json::from_slice::<String>(&key_raw) else {
            return invalid(f, b.line, "bad member name");
        };
        if b.skip_ws()? != Some(b':') {
            return invalid(f, b.line, "expected ':'");
        }
        b.bump()?;
        let next = b.skip_ws()?;
        if key == "items" && kind.as_deref() == Some("EventList") && next == Some(b'[') {
            b.bump()?;
            read_array(&mut b.r, &mut b.line, true, f)?;
            streamed = true;
            continue;
        }
        let mut raw = Vec::new();
        if !b.capture(&mut raw)? {
            return invalid(f, b.line, "expected a value");
        }
        if key == "kind" {
            kind = serde_json::from_slice::<String>(&raw).ok();
        }
        members.push((key_raw, raw));
    }
    if streamed {
        return Ok(Some(InputKind::EventList));
    }
    let mut text = vec![b'{'];
    for (i, (k, v)) in members.iter().enumerate() {
        if i > 0 {
            text.push(b',');
        }
        text.extend_from_slice(k);
        text.push(b':');
        text.extend_from_slice(v);
    }
    text.push(b'}');
    let json = match serde_json::from_slice::<Json>(&text) {
        Ok(j) => j,
        Err(e) => return invalid(f, line, &e.to_string()),
    };
    Ok(Some(match kind_of(&json) {
        Some("EventList") => {
            super::emit_list(json, line, f)?;
            InputKind::EventList
        }
        Some("Pod" | "List" | "PodList") => {
            emit_manifest(&json, line, &mut 0, f)?;
            InputKind::Manifests
        }
        _ => {
            f(Item::Parsed {
                line,
                json,
                in_list: false,
            })?;
            InputKind::JsonLines
        }
    }))
}
