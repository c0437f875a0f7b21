//! Writes a [`RulesFile`] as readable, deterministic YAML. Scalars are quoted here, in one place.

use super::render::{render, UnsafeValue};
use super::rules::{EngineVersion, Item, RulesFile};
use crate::Target;
use std::fmt::Write as _;

/// Conditions longer than this are folded over several lines (`>-`) for readability.
const FOLD_WIDTH: usize = 100;

pub fn emit(file: &RulesFile, target: Target) -> Result<String, UnsafeValue> {
    let mut out = String::new();
    for line in &file.header {
        push_comment(&mut out, line);
    }
    if !file.header.is_empty() {
        out.push('\n');
    }
    for item in &file.items {
        match item {
            Item::Comment { lines, banner } => {
                if !out.is_empty() && !out.ends_with("\n\n") {
                    out.push('\n');
                }
                if *banner {
                    out.push_str("#########################################\n");
                }
                for l in lines {
                    push_comment(&mut out, l);
                }
                if *banner {
                    out.push_str("#########################################\n");
                }
            }
            Item::EngineVersion(v) => {
                let text = match v {
                    EngineVersion::Int(n) => n.to_string(),
                    EngineVersion::Semver(a, b, c) => format!("\"{a}.{b}.{c}\""),
                };
                let _ = write!(out, "- required_engine_version: {text}\n\n");
            }
            Item::PluginVersions(reqs) => {
                out.push_str("- required_plugin_versions:\n");
                for r in reqs {
                    out.push_str(&format!(
                        "    - name: {}\n      version: {}\n",
                        scalar(r.name),
                        scalar(r.version)
                    ));
                    if !r.alternatives.is_empty() {
                        out.push_str("      alternatives:\n");
                        for (n, v) in &r.alternatives {
                            out.push_str(&format!(
                                "        - name: {}\n          version: {}\n",
                                scalar(n),
                                scalar(v)
                            ));
                        }
                    }
                }
                out.push('\n');
            }
            Item::List { name, items } => {
                let rendered = items
                    .iter()
                    .map(|v| render_list_item(v, target))
                    .collect::<Result<Vec<_>, _>>()?;
                out.push_str("- list: ");
                push_scalar(&mut out, name);
                out.push_str("\n  items: ");
                push_flow_seq(&mut out, &rendered);
                out.push_str("\n\n");
            }
            Item::Macro { name, condition } => {
                let cond = render(condition, target)?;
                out.push_str("- macro: ");
                push_scalar(&mut out, name);
                out.push_str("\n  condition: ");
                push_block_or_scalar(&mut out, &cond);
                out.push_str("\n\n");
            }
            Item::Rule(r) => {
                let cond = render(&r.condition, target)?;
                out.push_str("- rule: ");
                push_scalar(&mut out, &r.name);
                out.push_str("\n  desc: ");
                push_block_or_scalar(&mut out, &r.desc);
                out.push_str("\n  condition: ");
                push_block_or_scalar(&mut out, &cond);
                out.push_str("\n  output: ");
                push_block_or_scalar(&mut out, &r.output);
                let _ = write!(
                    out,
                    "\n  priority: {}\n  source: {}\n",
                    r.priority,
                    r.source.name()
                );
                if r.skip_if_unknown_filter {
                    out.push_str("  skip-if-unknown-filter: true\n");
                }
                out.push_str("  tags: ");
                push_flow_seq(&mut out, &r.tags);
                out.push_str("\n\n");
            }
        }
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    Ok(out)
}

fn render_list_item(v: &super::expr::Value, target: Target) -> Result<String, UnsafeValue> {
    use super::expr::Value;
    match v {
        Value::Word(w) => Ok(w.to_string()),
        Value::SeedQuoted(s, q) => {
            let mut out = String::new();
            super::render::push_seed_quoted(&mut out, s, *q);
            Ok(out)
        }
        Value::Int(i) => Ok(i.to_string()),
        Value::ListRef(n) => Ok(n.clone()),
        Value::Str(s) => {
            let mut out = String::new();
            super::render::push_value(&mut out, s, target)?;
            Ok(out)
        }
        Value::FieldRef(_) => Err(UnsafeValue {
            value: "val(...)".into(),
            reason: "a field reference cannot be a list item",
        }),
    }
}

fn push_comment(out: &mut String, line: &str) {
    // A comment ends at the line break; input text never reaches here unescaped. YAML also
    // breaks lines at U+2028 and U+2029 (U+0085 is a control character).
    let clean: String = line
        .chars()
        .map(|c| if is_break_or_control(c) { ' ' } else { c })
        .collect();
    if clean.is_empty() {
        out.push_str("#\n");
    } else {
        out.push_str("# ");
        out.push_str(&clean);
        out.push('\n');
    }
}

fn push_flow_seq(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        // Plain when unambiguous inside a flow sequence, else double-quoted (libyaml refuses a
        // plain `:` followed by `?` or a flow indicator there).
        if is_plain_safe(s) && !s.contains([',', '[', ']', '{', '}']) && !s.contains(":?") {
            out.push_str(s);
        } else {
            push_double_quoted(out, s);
        }
    }
    out.push(']');
}

/// A YAML scalar in block context.
pub fn scalar(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    push_scalar(&mut out, s);
    out
}

fn push_scalar(out: &mut String, s: &str) {
    if is_plain_safe(s) {
        out.push_str(s);
    } else {
        push_double_quoted(out, s);
    }
}

/// Long text as a folded block (`>-`), which reads like the hand-written Falco files; short or
/// unusual text as a scalar.
#[cfg(test)]
fn block_or_scalar(s: &str) -> String {
    let mut out = String::new();
    push_block_or_scalar(&mut out, s);
    out
}

fn push_block_or_scalar(out: &mut String, s: &str) {
    // One final newline, as the seed's `desc: >` blocks hold: a folded block that keeps it.
    if let Some(body) = s
        .strip_suffix('\n')
        .filter(|b| !b.is_empty() && foldable(b))
    {
        out.push('>');
        return push_folded_lines(out, body);
    }
    if s.len() <= FOLD_WIDTH || !foldable(s) {
        return push_scalar(out, s);
    }
    out.push_str(">-");
    push_folded_lines(out, s);
}

/// The lines of a folded block scalar (after its `>` or `>-` indicator), broken at single
/// spaces so that folding restores `s` exactly.
fn push_folded_lines(out: &mut String, s: &str) {
    out.reserve(s.len() + s.len() / FOLD_WIDTH * 6 + 8);
    let bytes = s.as_bytes();
    let mut line_start = 0; // start of the current output line in `s`
    let mut last_break: Option<usize> = None; // a foldable space on the current line
    for i in 0..bytes.len() {
        // Fold only at a single space between two non-spaces, so folding restores it exactly.
        let foldable_space = bytes[i] == b' '
            && i > 0
            && bytes[i - 1] != b' '
            && bytes.get(i + 1).is_some_and(|c| *c != b' ');
        if foldable_space {
            if i - line_start > FOLD_WIDTH {
                if let Some(brk) = last_break {
                    out.push_str("\n    ");
                    out.push_str(&s[line_start..brk]);
                    line_start = brk + 1;
                }
            }
            last_break = Some(i);
        }
    }
    if bytes.len() - line_start > FOLD_WIDTH {
        if let Some(brk) = last_break.filter(|b| *b > line_start) {
            out.push_str("\n    ");
            out.push_str(&s[line_start..brk]);
            line_start = brk + 1;
        }
    }
    out.push_str("\n    ");
    out.push_str(&s[line_start..]);
}

fn foldable(s: &str) -> bool {
    !s.starts_with(' ') && !s.ends_with(' ') && !s.chars().any(is_break_or_control)
}

/// Characters that end a line in YAML or that YAML text may not hold raw.
fn is_break_or_control(c: char) -> bool {
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}')
}

fn is_plain_safe(s: &str) -> bool {
    let Some(first) = s.chars().next() else {
        return false;
    };
    if "-?:,[]{}#&*!|>'\"%@`~ ".contains(first) || s.ends_with(' ') || s.ends_with(':') {
        return false;
    }
    if s.contains(": ") || s.contains(" #") || s.chars().any(|c| c.is_control() || c == '\u{feff}')
    {
        return false;
    }
    if !s.is_ascii() {
        return false;
    }
    // Words YAML would read as something other than a string. Only text starting with a
    // digit, sign, dot or an i/n (inf, nan) can parse as a float.
    let special = [
        "true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ".nan", ".inf", "-.inf",
    ];
    let numeric_start =
        first.is_ascii_digit() || matches!(first, '+' | '-' | '.' | 'i' | 'I' | 'n' | 'N');
    if special.iter().any(|w| w.eq_ignore_ascii_case(s))
        || (numeric_start && s.parse::<f64>().is_ok())
        || s.starts_with("0x")
        || s.starts_with("0o")
    {
        return false;
    }
    true
}

/// A YAML double-quoted scalar with every special character escaped.
fn push_double_quoted(out: &mut String, s: &str) {
    out.reserve(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control()
                || c == '\u{feff}'
                || c == '\u{2028}'
                || c == '\u{2029}'
                || c == '\u{85}' =>
            {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roundtrip(s: &str) -> String {
        let text = format!("k: {}\n", block_or_scalar(s));
        let docs = crate::yaml::load_all(&text).unwrap();
        docs[0]
            .get("k")
            .and_then(|v| v.as_str())
            .unwrap()
            .to_string()
    }

    #[test]
    fn scalars_round_trip_through_yaml() {
        for s in [
            "plain text",
            "a: b",
            "# not a comment",
            "x #y",
            "true",
            "123",
            "'quoted'",
            "\"dq\"",
            "line\nbreak",
            "tab\there",
            "ünïcödé",
            "%ka.user.name",
            "- dash",
            "trailing ",
            "line\u{2028}- rule: injected",
            "%ka.user.name \u{2029}x",
        ] {
            assert_eq!(roundtrip(s), s, "for {s:?}");
        }
        let long = "ka.verb=create and ".repeat(20) + "x  y  and \"a b\"";
        assert_eq!(roundtrip(&long), long);
        let long_ls = "word ".repeat(30) + "\u{2028}- rule: x";
        assert_eq!(roundtrip(&long_ls), long_ls);
        let mut out = String::new();
        push_comment(&mut out, "a\u{2028}- rule: injected");
        assert_eq!(
            crate::yaml::load_all(&out).unwrap(),
            vec![crate::yaml::Value::Null]
        );
    }
}
