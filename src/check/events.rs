//! Reads what `--events` holds, detecting the kind: JSON lines (streamed line by line, memory
//! flat), a JSON array (streamed element by element), an `EventList`, or pod manifests
//! (YAML/JSON documents, each `kind: Pod` wrapped as a successful create audit event).

use super::json::Json;
use std::io::{self, BufRead};

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

type Sink<'s> = dyn FnMut(Item) -> io::Result<()> + 's;

/// Feeds every event of `input` to `f`, in order.
pub fn read_events(mut input: impl BufRead, f: &mut Sink) -> io::Result<InputKind> {
    let mut line_no = 1;
    let Some(first) = skip_ws(&mut input, &mut line_no)? else {
        return Ok(InputKind::Empty);
    };
    match first {
        b'[' => {
            input.consume(1);
            read_array(&mut input, &mut line_no, f)?;
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

fn kind_of(j: &Json) -> Option<&str> {
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
    // A multi-line (pretty-printed) document: read it whole.
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

fn json_lines(mut input: impl BufRead, mut line_no: usize, f: &mut Sink) -> io::Result<()> {
    let mut buf = String::new();
    loop {
        buf.clear();
        match input.read_line(&mut buf) {
            Ok(0) => return Ok(()),
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::InvalidData => {
                f(Item::Invalid {
                    line: line_no,
                    message: "line is not valid UTF-8".into(),
                })?;
                // read_line consumed up to the newline already; keep going.
                line_no += 1;
                continue;
            }
            Err(e) => return Err(e),
        }
        let t = buf.trim();
        if !t.is_empty() {
            f(Item::Raw {
                line: line_no,
                text: t,
                in_list: false,
            })?;
        }
        line_no += 1;
    }
}

/// Streams the elements of a top-level JSON array (the `[` already consumed).
fn read_array(input: &mut impl BufRead, line: &mut usize, f: &mut Sink) -> io::Result<()> {
    let mut elem: Vec<u8> = Vec::new();
    let (mut depth, mut in_str, mut esc) = (0usize, false, false);
    let mut start_line = *line;
    loop {
        let buf = input.fill_buf()?;
        if buf.is_empty() {
            if !elem.iter().all(u8::is_ascii_whitespace) {
                f(Item::Invalid {
                    line: start_line,
                    message: "unterminated JSON array".into(),
                })?;
            }
            return Ok(());
        }
        let mut consumed = 0;
        let mut done = false;
        for &b in buf {
            consumed += 1;
            if b == b'\n' {
                *line += 1;
            }
            if in_str {
                elem.push(b);
                match (esc, b) {
                    (true, _) => esc = false,
                    (false, b'\\') => esc = true,
                    (false, b'"') => in_str = false,
                    _ => {}
                }
                continue;
            }
            match b {
                b'"' => in_str = true,
                b'{' | b'[' => depth += 1,
                b'}' | b']' if depth > 0 => depth -= 1,
                _ => {}
            }
            if depth == 0 && (b == b',' || b == b']') {
                let text = String::from_utf8_lossy(&elem).into_owned();
                let t = text.trim();
                if !t.is_empty() {
                    f(Item::Raw {
                        line: start_line,
                        text: t,
                        in_list: true,
                    })?;
                }
                elem.clear();
                start_line = *line;
                if b == b']' {
                    done = true;
                    break;
                }
                continue;
            }
            if elem.iter().all(u8::is_ascii_whitespace) && !b.is_ascii_whitespace() {
                start_line = *line;
            }
            elem.push(b);
        }
        input.consume(consumed);
        if done {
            return Ok(());
        }
    }
}

/// YAML or JSON documents: each Pod (also inside a `List`) becomes a create event.
fn read_manifests(text: &str, first_line: usize, f: &mut Sink) -> io::Result<()> {
    let docs = match crate::yaml::load_all(text) {
        Ok(d) => d,
        Err(e) => {
            let line = e.line.map_or(first_line, |l| l + first_line - 1);
            return f(Item::Invalid {
                line,
                message: format!("invalid YAML: {}", e.message),
            });
        }
    };
    let starts = doc_lines(text, first_line);
    let mut n = 0;
    for (i, d) in docs.iter().enumerate() {
        let line = starts.get(i).copied().unwrap_or(first_line);
        emit_manifest(&Json::from_yaml(d), line, &mut n, f)?;
    }
    Ok(())
}

fn doc_lines(text: &str, first: usize) -> Vec<usize> {
    let mut v = vec![first];
    for (i, l) in text.lines().enumerate() {
        if l.starts_with("---") && i > 0 {
            v.push(first + i + 1);
        }
    }
    if text.lines().next().is_some_and(|l| l.starts_with("---")) {
        v.remove(0);
        v.insert(0, first + 1);
    }
    v
}

fn emit_manifest(doc: &Json, line: usize, n: &mut usize, f: &mut Sink) -> io::Result<()> {
    match kind_of(doc) {
        Some("Pod") => {
            *n += 1;
            f(Item::Parsed {
                line,
                json: wrap_pod(doc, *n),
                in_list: false,
            })
        }
        Some("List" | "PodList") => {
            for it in doc
                .get("items")
                .and_then(Json::as_array)
                .unwrap_or_default()
            {
                emit_manifest(it, line, n, f)?;
            }
            Ok(())
        }
        None if matches!(doc, Json::Null) => Ok(()),
        other => f(Item::Skipped {
            line,
            message: format!(
                "skipped document of kind '{}' (not a Pod)",
                other.unwrap_or("?")
            ),
        }),
    }
}

/// Wraps a pod as the audit event of its successful creation.
pub fn wrap_pod(pod: &Json, n: usize) -> Json {
    let meta = |k: &str| {
        pod.get("metadata")
            .and_then(|m| m.get(k))
            .and_then(Json::as_str)
            .map(str::to_string)
    };
    let ns = meta("namespace").unwrap_or_else(|| "default".into());
    let ts = meta("creationTimestamp").unwrap_or_else(|| "1970-01-01T00:00:00.000000Z".into());
    let s = |v: &str| Json::Str(v.to_string());
    let mut object_ref = vec![("resource".into(), s("pods")), ("namespace".into(), s(&ns))];
    if let Some(name) = meta("name") {
        object_ref.push(("name".into(), s(&name)));
    }
    object_ref.push(("apiVersion".into(), s("v1")));
    Json::Obj(vec![
        ("kind".into(), s("Event")),
        ("apiVersion".into(), s("audit.k8s.io/v1")),
        ("level".into(), s("RequestResponse")),
        ("auditID".into(), s(&format!("pspconv-manifest-{n}"))),
        ("stage".into(), s("ResponseComplete")),
        (
            "requestURI".into(),
            s(&format!("/api/v1/namespaces/{ns}/pods")),
        ),
        ("verb".into(), s("create")),
        (
            "user".into(),
            Json::Obj(vec![("username".into(), s("pspconv"))]),
        ),
        ("objectRef".into(), Json::Obj(object_ref)),
        (
            "responseStatus".into(),
            Json::Obj(vec![
                ("metadata".into(), Json::Obj(vec![])),
                ("code".into(), Json::Num(201.into())),
            ]),
        ),
        ("requestObject".into(), pod.clone()),
        ("responseObject".into(), pod.clone()),
        ("requestReceivedTimestamp".into(), s(&ts)),
        ("stageTimestamp".into(), s(&ts)),
    ])
}
