//! A JSON tree that keeps object key order and number text, as the k8saudit and json plugins'
//! `fastjson` does: field values are compact re-marshalings of the event's own JSON, so key
//! order matters in alerts (`%jevt.value[/requestObject/spec]`).

use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use std::fmt;

#[derive(Debug, Clone, PartialEq)]
pub enum Json {
    Null,
    Bool(bool),
    Num(serde_json::Number),
    Str(String),
    Arr(Vec<Json>),
    /// Keys in document order; lookups return the first match, like fastjson.
    Obj(Vec<(String, Json)>),
}

impl Json {
    /// fastjson `Get(key)`: an object member, or an array element when the key is an index.
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            Json::Arr(a) => key.parse::<usize>().ok().and_then(|i| a.get(i)),
            _ => None,
        }
    }

    /// Follows object keys only (no array indexing).
    pub fn path(&self, keys: &[&str]) -> Option<&Json> {
        let mut v = self;
        for k in keys {
            v = match v {
                Json::Obj(_) => v.get(k)?,
                _ => return None,
            };
        }
        Some(v)
    }

    /// RFC 6901 pointer as the json plugin walks it (`~1` → `/`, `~0` → `~`, indexes allowed).
    pub fn pointer(&self, ptr: &str) -> Option<&Json> {
        self.walk(&pointer_parts(ptr))
    }

    /// Follows pre-split pointer tokens (see [`pointer_parts`]).
    pub fn walk(&self, parts: &[String]) -> Option<&Json> {
        parts.iter().try_fold(self, |v, k| v.get(k))
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_array(&self) -> Option<&[Json]> {
        match self {
            Json::Arr(a) => Some(a),
            _ => None,
        }
    }

    /// The string form plugins give a value: raw text for strings, compact JSON otherwise.
    pub fn to_value_string(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.to_compact(false),
        }
    }

    /// The legacy engine's string form: raw strings, nlohmann `dump()` (sorted keys) otherwise.
    pub fn to_legacy_string(&self) -> String {
        match self {
            Json::Str(s) => s.clone(),
            other => other.to_compact(true),
        }
    }

    /// Compact JSON; `sorted` orders object keys as nlohmann::json (the legacy engine) does.
    pub fn to_compact(&self, sorted: bool) -> String {
        let mut s = String::new();
        self.write(&mut s, sorted);
        s
    }

    fn write(&self, out: &mut String, sorted: bool) {
        match self {
            Json::Null => out.push_str("null"),
            Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Json::Num(n) => out.push_str(&n.to_string()),
            Json::Str(s) => write_str(s, out),
            Json::Arr(a) => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    v.write(out, sorted);
                }
                out.push(']');
            }
            Json::Obj(m) => {
                let mut refs: Vec<&(String, Json)> = m.iter().collect();
                if sorted {
                    refs.sort_by(|a, b| a.0.cmp(&b.0));
                }
                out.push('{');
                for (i, (k, v)) in refs.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    write_str(k, out);
                    out.push(':');
                    v.write(out, sorted);
                }
                out.push('}');
            }
        }
    }

    /// Indented JSON as Go's `json.Indent(.., "", "  ")` prints it (`json.obj`).
    pub fn to_pretty(&self) -> String {
        let mut s = String::new();
        self.write_pretty(&mut s, 0);
        s
    }

    fn write_pretty(&self, out: &mut String, depth: usize) {
        let pad = |out: &mut String, d: usize| {
            out.push('\n');
            out.push_str(&"  ".repeat(d));
        };
        match self {
            Json::Arr(a) if !a.is_empty() => {
                out.push('[');
                for (i, v) in a.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    v.write_pretty(out, depth + 1);
                }
                pad(out, depth);
                out.push(']');
            }
            Json::Obj(m) if !m.is_empty() => {
                out.push('{');
                for (i, (k, v)) in m.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    pad(out, depth + 1);
                    write_str(k, out);
                    out.push_str(": ");
                    v.write_pretty(out, depth + 1);
                }
                pad(out, depth);
                out.push('}');
            }
            other => other.write(out, false),
        }
    }

    /// Converts a YAML value (pod manifests) keeping key order.
    pub fn from_yaml(v: &crate::yaml::Value) -> Json {
        use crate::yaml::Value as Y;
        match v {
            Y::Null => Json::Null,
            Y::Bool(b) => Json::Bool(*b),
            Y::Number(n) => {
                if let Some(i) = n.as_i64() {
                    Json::Num(i.into())
                } else if let Some(u) = n.as_u64() {
                    Json::Num(u.into())
                } else {
                    n.as_f64()
                        .and_then(serde_json::Number::from_f64)
                        .map_or(Json::Null, Json::Num)
                }
            }
            Y::String(s) => Json::Str(s.clone()),
            Y::Sequence(a) => Json::Arr(a.iter().map(Json::from_yaml).collect()),
            Y::Mapping(m) => Json::Obj(
                m.iter()
                    .map(|(k, v)| {
                        let key = match k {
                            Y::String(s) => s.clone(),
                            other => Json::from_yaml(other).to_value_string(),
                        };
                        (key, Json::from_yaml(v))
                    })
                    .collect(),
            ),
            Y::Tagged(t) => Json::from_yaml(&t.value),
        }
    }
}

/// A pointer split and parsed once, at rule load: each token with its array index, if it
/// reads as one, so a walk does no parsing per event.
#[derive(Debug, Clone)]
pub struct Pointer {
    parts: Vec<(String, Option<usize>)>,
}

impl Pointer {
    pub fn new(ptr: &str) -> Pointer {
        let parts = pointer_parts(ptr)
            .into_iter()
            .map(|p| {
                let i = p.parse::<usize>().ok();
                (p, i)
            })
            .collect();
        Pointer { parts }
    }
}

impl Json {
    /// [`Json::walk`] over a pre-parsed [`Pointer`]: the same lookups as `get` per token.
    pub fn walk_pointer(&self, p: &Pointer) -> Option<&Json> {
        let mut v = self;
        for (key, index) in &p.parts {
            v = match v {
                Json::Obj(m) => m.iter().find(|(k, _)| k == key).map(|(_, x)| x)?,
                Json::Arr(a) => a.get((*index)?)?,
                _ => return None,
            };
        }
        Some(v)
    }
}

/// Splits a pointer once, at rule load, into unescaped tokens (one optional leading `/`).
pub fn pointer_parts(ptr: &str) -> Vec<String> {
    let p = ptr.strip_prefix('/').unwrap_or(ptr);
    p.split('/')
        .map(|raw| raw.replace("~1", "/").replace("~0", "~"))
        .collect()
}

/// Quotes a string exactly as `serde_json::to_string` does (`\"`, `\\`, `\b\f\n\r\t`,
/// other control characters as `\u00xx`), appending in place.
fn write_str(s: &str, out: &mut String) {
    out.push('"');
    let mut plain = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0..=0x1f => "",
            _ => continue,
        };
        out.push_str(&s[plain..i]);
        plain = i + 1;
        if esc.is_empty() {
            const HEX: &[u8; 16] = b"0123456789abcdef";
            out.push_str("\\u00");
            out.push(HEX[usize::from(b >> 4)] as char);
            out.push(HEX[usize::from(b & 0xf)] as char);
        } else {
            out.push_str(esc);
        }
    }
    out.push_str(&s[plain..]);
    out.push('"');
}

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(JsonVisitor)
    }
}

struct JsonVisitor;

impl<'de> Visitor<'de> for JsonVisitor {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Num(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Num(v.into()))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Json::Null, Json::Num))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some(x) = seq.next_element()? {
            v.push(x);
        }
        Ok(Json::Arr(v))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut v = Vec::new();
        while let Some((k, x)) = map.next_entry::<String, Json>()? {
            v.push((k, x));
        }
        Ok(Json::Obj(v))
    }
}

#[cfg(test)]
mod tests {
    use super::write_str;

    #[test]
    fn write_str_quotes_like_serde_json() {
        let mut all: String = (0u8..0x80).map(char::from).collect();
        all.push_str("é\u{2028}\u{fffd}😀 \"q\" \\ end");
        for s in [all.as_str(), "", "plain", "\u{7f}\u{1}x\u{1f}"] {
            let mut out = String::new();
            write_str(s, &mut out);
            assert_eq!(out, serde_json::to_string(s).unwrap());
        }
    }
}
