//! Alert rendering as Falco prints it (falco `userspace/engine/formats.cpp`, libsinsp
//! `sinsp_filter_check::tostring`/`tojson`): text `<evt.time.iso8601>: <Priority> <output>`,
//! missing values `<NA>`, list fields `(a,b)` (cut at 1023 bytes, libsinsp's storage size);
//! JSON with nlohmann's sorted keys.

use super::compile::{Cache, CompiledRule, CompiledRules, OutTok};
use super::fields::{first_view, Event};
use super::time;
use crate::Target;
use serde_json::{Map, Value};

/// libsinsp `STRPROPERTY_STORAGE_SIZE` (1024, NUL included).
const LIST_STORAGE: usize = 1023;

fn render_values(vals: &[String], list: bool, target: Target) -> String {
    let mut s = String::new();
    push_values(&mut s, vals, list, target);
    s
}

/// Appends a field's rendering; list renderings are cut like libsinsp's fixed buffer.
fn push_values(s: &mut String, vals: &[String], list: bool, target: Target) {
    if vals.is_empty() {
        s.push_str("<NA>");
        return;
    }
    if (target == Target::Legacy && vals.len() == 1) || (!list && target.is_current()) {
        s.push_str(&vals[0]);
        return;
    }
    let start = s.len();
    s.push('(');
    for (i, v) in vals.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        s.push_str(v);
    }
    s.push(')');
    if s.len() - start > LIST_STORAGE {
        let mut cut = start + LIST_STORAGE;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
}

/// libsinsp `tojson`: null when missing, an array for list fields. The legacy formatter
/// (falco 0.31.1 `json_event_formatter::tojson`) put every value as its text form.
fn json_values(vals: &[String], list: bool, target: Target) -> Value {
    if target == Target::Legacy {
        return Value::String(render_values(vals, list, target));
    }
    if vals.is_empty() {
        return Value::Null;
    }
    if list && target.is_current() {
        return Value::Array(vals.iter().map(|v| Value::String(v.clone())).collect());
    }
    Value::String(render_values(vals, list, target))
}

/// Appends the rule's output with fields substituted.
pub fn push_message(
    s: &mut String,
    rule: &CompiledRule,
    rs: &CompiledRules,
    cache: &mut Cache,
    ev: &Event,
) {
    for t in &rule.output {
        match t {
            OutTok::Lit(l) => s.push_str(l),
            OutTok::Field { slot, .. } => {
                let (list, index) = (rs.slots[*slot].list, rs.slots[*slot].index);
                let vals = first_view(cache.get(rs, *slot, ev), index);
                push_values(s, vals, list, rs.target);
            }
        }
    }
}

/// The rule's output with fields substituted.
pub fn message(rule: &CompiledRule, rs: &CompiledRules, cache: &mut Cache, ev: &Event) -> String {
    let mut s = String::new();
    push_message(&mut s, rule, rs, cache, ev);
    s
}

/// The text alert line (without newline): `<time>: <Priority> <output>`.
pub fn text_alert(rule: &CompiledRule, msg: &str, ev: &Event) -> String {
    format!(
        "{}: {} {msg}",
        time::time_iso8601(ev.time_ns),
        rule.priority.as_str()
    )
}

/// Falco's JSON alert (`json_output: true`, default include flags).
pub fn json_alert(
    rule: &CompiledRule,
    rs: &CompiledRules,
    cache: &mut Cache,
    ev: &Event,
    msg: &str,
    hostname: &str,
) -> String {
    let mut fields = std::collections::BTreeMap::new();
    for t in &rule.output {
        if let OutTok::Field { slot, key } = t {
            let (list, index) = (rs.slots[*slot].list, rs.slots[*slot].index);
            let vals = first_view(cache.get(rs, *slot, ev), index);
            fields.insert(key.clone(), json_values(vals, list, rs.target));
        }
    }
    fields.insert(
        match rs.target {
            Target::Falco | Target::Plugin => "evt.time.iso8601",
            Target::Legacy => "jevt.time.iso8601",
        }
        .into(),
        Value::String(time::time_iso8601(ev.time_ns)),
    );
    let mut o = Map::new();
    o.insert("hostname".into(), Value::String(hostname.into()));
    o.insert("output".into(), Value::String(text_alert(rule, msg, ev)));
    o.insert(
        "output_fields".into(),
        Value::Object(fields.into_iter().collect::<Map<String, Value>>()),
    );
    o.insert(
        "priority".into(),
        Value::String(rule.priority.as_str().into()),
    );
    o.insert("rule".into(), Value::String(rule.name.clone()));
    o.insert("source".into(), Value::String("k8s_audit".into()));
    o.insert(
        "tags".into(),
        Value::Array(rule.tags.iter().map(|t| Value::String(t.clone())).collect()),
    );
    o.insert(
        "time".into(),
        Value::String(time::time_iso8601_z(ev.time_ns)),
    );
    Value::Object(o).to_string()
}

/// The machine's host name, as Falco puts it in JSON alerts.
pub fn hostname() -> String {
    ["/proc/sys/kernel/hostname", "/etc/hostname"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok())
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}
