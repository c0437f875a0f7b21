//! Reads what `--events` holds, detecting the kind: JSON lines (streamed line by line, memory
//! flat), a JSON array (streamed element by element), an `EventList`, or pod manifests
//! (YAML/JSON documents, each `kind: Pod` wrapped as a successful create audit event).

mod array;
mod manifest;
mod object;

use super::json::Json;
use array::read_array;
pub use manifest::wrap_pod;
use manifest::{emit_manifest, read_manifests};
use std::io::{self, BufRead, Read};

/// What the input turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputKind {
    Empty,
    JsonLines,
    JsonArray,
    EventList,
    Manifests,
}

/// One item handed to the consumer.
pub enum Item<'a> {
    /// Unparsed event text (JSON lines, array elements): parsed lazily by the engine.
    /// `in_list`: an `EventList` item, which Falco accepts without `kind: Event`.
    Raw {
        line: usize,
        text: &'a str,
        in_list: bool,
    },
    /// Already parsed (EventList items, wrapped pods).
    Parsed {
        line: usize,
        json: Json,
        in_list: bool,
    },
    /// Not an event; reported and counted.
    Invalid { line: usize, message: String },
    /// A document deliberately ignored (a manifest of another kind).
    Skipped { line: usize, message: String },
}

pub(crate) type Sink<'s> = dyn FnMut(Item) -> io::Result<()> + 's;

/// Feeds every event of `input` to `f`, in order.
pub fn read_events(mut input: impl BufRead, f: &mut Sink) -> io::Result<InputKind> {
    let mut line_no = 1;
    let Some(first) = skip_ws(&mut input, &mut line_no)? else {
        return Ok(InputKind::Empty);
    };
    match first {
        b'[' => {
            input.consume(1);
            read_array(&mut input, &mut line_no, false, f)?;
            Ok(InputKind::JsonArray)
        }
        b'{' => read_object_start(input, line_no, f),
        _ => {
            let mut text = String::new();
            input.read_to_string(&mut text)?;
            read_manifests(&text, line_no, f)?;
            Ok(InputKind::Manifests)
        }
    }
}

fn skip_ws(input: &mut impl BufRead, line: &mut usize) -> io::Result<Option<u8>> {
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            return Ok(None);
        }
        // The UTF-8 BOM bytes are skipped along with whitespace.
        let skip = |b: &u8| matches!(b, b' ' | b'\t' | b'\r' | b'\n' | 0xEF | 0xBB | 0xBF);
        let n = buf.iter().take_while(|b| skip(b)).count();
        *line += buf[..n].iter().filter(|b| **b == b'\n').count();
        let first = buf.get(n).copied();
        input.consume(n);
        if first.is_some() {
            return Ok(first);
        }
    }
}

pub(crate) fn kind_of(j: &Json) -> Option<&str> {
    j.get("kind").and_then(Json::as_str)
}

fn read_object_start(
    mut input: impl BufRead,
    mut line_no: usize,
    f: &mut Sink,
) -> io::Result<InputKind> {
    let mut line = String::new();
    input.read_line(&mut line)?;
    if let Ok(j) = serde_json::from_str::<Json>(&line) {
        return match kind_of(&j) {
            Some("EventList") => {
                emit_list(j, line_no, f)?;
                json_lines(input, line_no + 1, f)?;
                Ok(InputKind::EventList)
            }
            Some("Pod" | "List" | "PodList") => {
                let mut rest = String::new();
                input.read_to_string(&mut rest)?;
                read_manifests(&(line + &rest), line_no, f)?;
                Ok(InputKind::Manifests)
            }
            _ => {
                f(Item::Raw {
                    line: line_no,
                    text: line.trim_end(),
                    in_list: false,
                })?;
                json_lines(input, line_no + 1, f)?;
                Ok(InputKind::JsonLines)
            }
        };
    }
    // A multi-line (pretty-printed) JSON document: stream it member by member.
    let after_brace = line.trim_start().trim_start_matches('{').trim_start();
    if after_brace.is_empty() || after_brace.starts_with('"') {
        let chained = io::Cursor::new(line.into_bytes()).chain(input);
        return object::read_values(chained, line_no, f);
    }
    let mut rest = String::new();
    input.read_to_string(&mut rest)?;
    let text = line + &rest;
    let mut stream = serde_json::Deserializer::from_str(&text).into_iter::<Json>();
    let mut values = Vec::new();
    let mut offset = 0;
    while let Some(v) = stream.next() {
        match v {
            Ok(v) => {
                values.push((line_no + text[..offset].matches('\n').count(), v));
                offset = stream.byte_offset();
            }
            Err(_) => {
                // Not JSON: maybe YAML manifests starting with a flow map, else line by line.
                if crate::yaml::load_all(&text).is_ok() {
                    read_manifests(&text, line_no, f)?;
                    return Ok(InputKind::Manifests);
                }
                for (i, l) in text.lines().enumerate() {
                    if !l.trim().is_empty() {
                        f(Item::Raw {
                            line: line_no + i,
                            text: l,
                            in_list: false,
                        })?;
                    }
                }
                return Ok(InputKind::JsonLines);
            }
        }
    }
    let mut kind = InputKind::JsonLines;
    for (line, v) in values {
        match kind_of(&v) {
            Some("EventList") => {
                kind = InputKind::EventList;
                emit_list(v, line, f)?;
            }
            Some("Pod" | "List" | "PodList") => {
                kind = InputKind::Manifests;
                emit_manifest(&v, line, &mut 0, f)?;
            }
            _ => f(Item::Parsed {
                line,
                json: v,
                in_list: false,
            })?,
        }
        line_no = line;
    }
    let _ = line_no;
    Ok(kind)
}

fn emit_list(j: Json, line: usize, f: &mut Sink) -> io::Result<()> {
    let Json::Obj(members) = j else { return Ok(()) };
    match members
        .into_iter()
        .find(|(k, _)| k == "items")
        .map(|(_, v)| v)
    {
        Some(Json::Arr(items)) => {
            for it in items {
                f(Item::Parsed {
                    line,
                    json: it,
                    in_list: true,
                })?;
            }
            Ok(())
        }
        _ => f(Item::Invalid {
            line,
            message: "EventList without an items array".into(),
        }),
    }
}

/// Streams JSON lines from a buffer of its own, handing each line out in place (no copy
/// per line; a line longer than the buffer grows it, so memory follows the longest line).
fn json_lines(mut input: impl BufRead, mut line_no: usize, f: &mut Sink) -> io::Result<()> {
    let mut buf = vec![0u8; LINE_BUFFER];
    let (mut start, mut end) = (0, 0);
    loop {
        while let Some(i) = memchr::memchr(b'\n', &buf[start..end]) {
            json_line(&buf[start..start + i], line_no, f)?;
            line_no += 1;
            start += i + 1;
        }
        buf.copy_within(start..end, 0);
        end -= start;
        start = 0;
        if end == buf.len() {
            buf.resize(buf.len() * 2, 0);
        }
        let n = match input.read(&mut buf[end..]) {
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        if n == 0 {
            return if end > 0 {
                json_line(&buf[..end], line_no, f)
            } else {
                Ok(())
            };
        }
        end += n;
    }
}

const LINE_BUFFER: usize = 256 * 1024;

fn json_line(bytes: &[u8], line_no: usize, f: &mut Sink) -> io::Result<()> {
    match std::str::from_utf8(bytes) {
        Ok(s) => {
            let t = s.trim();
            if t.is_empty() {
                return Ok(());
            }
            f(Item::Raw {
                line: line_no,
                text: t,
                in_list: false,
            })
        }
        Err(_) => f(Item::Invalid {
            line: line_no,
            message: "line is not valid UTF-8".into(),
        }),
    }
}
