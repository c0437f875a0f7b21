//! Renders conditions to Falco's condition language, per target. All quoting happens here.

use super::expr::{Expr, Field, FieldArg, Value};
use super::string_literal;
use crate::Target;
use std::fmt::Write as _;

/// A value that Falco's condition grammar cannot carry safely.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("value {value:?} cannot be written safely into a Falco condition: {reason}")]
pub struct UnsafeValue {
    pub value: String,
    pub reason: &'static str,
}

/// Words the condition grammar reserves; a value spelled like one is quoted.
const KEYWORDS: [&str; 24] = [
    "and",
    "or",
    "not",
    "in",
    "intersects",
    "exists",
    "contains",
    "icontains",
    "bcontains",
    "startswith",
    "bstartswith",
    "endswith",
    "glob",
    "iglob",
    "pmatch",
    "regex",
    "val",
    "tolower",
    "toupper",
    "b64",
    "basename",
    "len",
    "join",
    "concat",
];

/// Longest value Falco accepts in one comparison (SPEC §4: 256 bytes or more is refused).
pub const MAX_VALUE_BYTES: usize = 255;

pub fn render(expr: &Expr, target: Target) -> Result<String, UnsafeValue> {
    let mut out = String::new();
    write_expr(&mut out, expr, target)?;
    Ok(out)
}

fn write_expr(out: &mut String, expr: &Expr, target: Target) -> Result<(), UnsafeValue> {
    match expr {
        Expr::And(items) | Expr::Or(items) => {
            let (sep, nested_needs_parens): (&str, fn(&Expr) -> bool) = match expr {
                Expr::And(_) => (" and ", |e| matches!(e, Expr::Or(_))),
                _ => (" or ", |e| matches!(e, Expr::And(_))),
            };
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(sep);
                }
                if nested_needs_parens(item) {
                    out.push('(');
                    write_expr(out, item, target)?;
                    out.push(')');
                } else {
                    write_expr(out, item, target)?;
                }
            }
        }
        Expr::Not(inner) => {
            out.push_str("not ");
            if matches!(**inner, Expr::And(_) | Expr::Or(_) | Expr::Not(_)) {
                out.push('(');
                write_expr(out, inner, target)?;
                out.push(')');
            } else {
                write_expr(out, inner, target)?;
            }
        }
        Expr::Group(inner) => {
            out.push('(');
            write_expr(out, inner, target)?;
            out.push(')');
        }
        Expr::Cmp(field, op, value) => {
            write_field(out, field, target)?;
            // `=` and friends are written tight (`ka.verb=create`), word operators spaced.
            if op.symbol().chars().all(|c| c.is_ascii_alphabetic()) {
                out.push(' ');
                out.push_str(op.symbol());
                out.push(' ');
            } else {
                out.push_str(op.symbol());
            }
            write_value(out, value, target)?;
        }
        Expr::List(field, op, values) => {
            write_field(out, field, target)?;
            out.push(' ');
            out.push_str(op.symbol());
            out.push_str(" (");
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                if matches!(v, Value::FieldRef(_)) {
                    return Err(UnsafeValue {
                        value: "val(...)".into(),
                        reason: "Falco compares a field with another only as a single value, not in a list",
                    });
                }
                write_value(out, v, target)?;
            }
            out.push(')');
        }
        Expr::Exists(field) => {
            write_field(out, field, target)?;
            out.push_str(" exists");
        }
        Expr::Macro(name) => push_identifier(out, name)?,
    }
    Ok(())
}

/// The field's name for the target: generators write `json.*`, legacy Falco calls it `jevt.*`.
pub fn field_name(field: &Field, target: Target) -> &'static str {
    match (target, field.name) {
        (Target::Legacy, "json.value") => "jevt.value",
        (Target::Legacy, "json.rawtime") => "jevt.rawtime",
        (Target::Legacy, "json.obj") => "jevt.obj",
        (_, name) => name,
    }
}

pub fn write_field(out: &mut String, field: &Field, target: Target) -> Result<(), UnsafeValue> {
    out.push_str(field_name(field, target));
    match &field.arg {
        None => {}
        Some(FieldArg::Index(i)) => {
            let _ = write!(out, "[{i}]");
        }
        Some(FieldArg::Key(k)) => {
            out.push('[');
            out.push_str(k);
            out.push(']');
        }
        Some(FieldArg::Policy(name)) => {
            out.push('[');
            out.push_str(&policy_arg(name)?);
            out.push(']');
        }
        Some(FieldArg::Pointer(segs)) => {
            out.push('[');
            for seg in segs {
                out.push('/');
                push_pointer_segment(out, seg)?;
            }
            out.push(']');
        }
    }
    Ok(())
}

/// A policy name as a bracket argument of the pspconv plugin's fields, in conditions and in
/// outputs alike: letters, digits, `-`, `.` and `_` only (every Kubernetes name), so that it
/// needs no quoting anywhere.
pub fn policy_arg(name: &str) -> Result<String, UnsafeValue> {
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'));
    if ok {
        Ok(name.to_string())
    } else {
        Err(UnsafeValue {
            value: name.to_string(),
            reason: "a policy name in a field argument may contain only letters, digits, '-', '.' and '_'",
        })
    }
}

/// Escapes one JSON-pointer segment (RFC 6901: `~` → `~0`, `/` → `~1`). Characters that would
/// end or confuse a field argument (`]`, `[`, quotes, spaces, control characters) are refused.
pub fn pointer_segment(seg: &str) -> Result<String, UnsafeValue> {
    let mut out = String::with_capacity(seg.len());
    push_pointer_segment(&mut out, seg)?;
    Ok(out)
}

fn push_pointer_segment(out: &mut String, seg: &str) -> Result<(), UnsafeValue> {
    let bad = seg.chars().any(|c| {
        c.is_whitespace()
            || c.is_control()
            || matches!(c, '[' | ']' | '"' | '\'' | '\\' | '(' | ')' | ',')
    });
    if bad {
        return Err(UnsafeValue {
            value: seg.to_string(),
            reason: "a JSON-pointer segment may not contain brackets, quotes, parentheses, commas, backslashes or whitespace",
        });
    }
    if !seg.contains(['~', '/']) {
        out.push_str(seg);
        return Ok(());
    }
    for c in seg.chars() {
        match c {
            '~' => out.push_str("~0"),
            '/' => out.push_str("~1"),
            c => out.push(c),
        }
    }
    Ok(())
}

fn push_identifier(out: &mut String, name: &str) -> Result<(), UnsafeValue> {
    let mut chars = name.chars();
    let ok = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        out.push_str(name);
        Ok(())
    } else {
        Err(UnsafeValue {
            value: name.to_string(),
            reason: "not a valid macro or list name",
        })
    }
}

/// A pspconv constant between the seed's quotes: no escape needed, none possible.
pub fn push_seed_quoted(out: &mut String, s: &str, q: char) {
    debug_assert!(matches!(q, '"' | '\'') && !s.contains(['"', '\'', '\\']));
    out.push(q);
    out.push_str(s);
    out.push(q);
}

fn write_value(out: &mut String, value: &Value, target: Target) -> Result<(), UnsafeValue> {
    match value {
        Value::FieldRef(field) => {
            out.push_str("val(");
            write_field(out, field, target)?;
            out.push(')');
        }
        Value::Word(w) => out.push_str(w),
        Value::SeedQuoted(s, q) => push_seed_quoted(out, s, *q),
        Value::Int(i) => {
            let _ = write!(out, "{i}");
        }
        Value::ListRef(name) => push_identifier(out, name)?,
        Value::Str(s) => push_value(out, s, target)?,
    }
    Ok(())
}

/// A string value for the target. For current Falco every string is quoted: Falco substitutes
/// list names into condition text wherever a bare run of characters spells one, including lists
/// of other rules files loaded beside ours (`nginx` would become the items of a user's list
/// `nginx`); a quoted value is one run with its quotes and never matches. Legacy output keeps
/// the seed's bare words.
pub fn push_value(out: &mut String, s: &str, target: Target) -> Result<(), UnsafeValue> {
    push_quoted_as(out, s, target, target.is_current())
}

/// Writes a string so current Falco reads back exactly `s`: bare when it is a plain token,
/// otherwise quoted (escaped where needed). Values that nothing makes safe are refused.
pub fn quote_value(s: &str) -> Result<String, UnsafeValue> {
    quote_value_for(s, Target::Falco)
}

/// [`quote_value`] in the string syntax of `target`'s condition parser.
pub fn quote_value_for(s: &str, target: Target) -> Result<String, UnsafeValue> {
    let mut out = String::with_capacity(s.len() + 2);
    push_quoted_as(&mut out, s, target, false)?;
    Ok(out)
}

fn push_quoted_as(
    out: &mut String,
    s: &str,
    target: Target,
    always: bool,
) -> Result<(), UnsafeValue> {
    let err = |reason| UnsafeValue {
        value: s.to_string(),
        reason,
    };
    if s.len() > MAX_VALUE_BYTES {
        return Err(err(
            "longer than 255 bytes, which Falco refuses (filter parameter too long)",
        ));
    }
    if s.contains('\0') {
        return Err(err("a NUL byte cannot be written in a Falco string"));
    }
    if names_a_pspconv_list(s) {
        return Err(err(
            "Falco replaces list names even inside quoted strings, and this value holds one",
        ));
    }
    if !always && is_bare_token(s) {
        out.push_str(s);
        return Ok(());
    }
    // Plain quoting where it suffices (one kind of quote, nothing to escape), as Falco's own
    // rules are written; escapes only for the rest.
    let needs_escape = s.contains('\\')
        || s.chars().any(char::is_control)
        || (s.contains('"') && s.contains('\''));
    if !needs_escape {
        let q = if s.contains('"') { '\'' } else { '"' };
        out.push(q);
        out.push_str(s);
        out.push(q);
        return Ok(());
    }
    let quoted = match target {
        Target::Legacy => string_literal::quote_for_lua(s).map_err(err)?,
        _ => string_literal::quote_for_libsinsp(s)
            .ok_or_else(|| err("a NUL byte cannot be written in a Falco string"))?,
    };
    out.push_str(&quoted);
    Ok(())
}

/// Falco expands lists by text substitution over the whole condition, quotes included: any
/// run of identifier characters between its delimiters (blanks, `(`, `)`, `,`, `=`) that names
/// a list is replaced. pspconv's list names all contain `_psp_`, so such a run is refused.
fn names_a_pspconv_list(s: &str) -> bool {
    s.split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | '='))
        .any(|run| {
            run.contains("_psp_") && run.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
}

/// A value Falco reads as one bare word: safe characters only, and not a keyword or something a
/// list item could mistake for a list name (identifiers are quoted only when they are keywords;
/// list names pspconv defines all contain `_psp_`, which no bare value may contain).
pub fn is_bare_token(s: &str) -> bool {
    !s.is_empty()
        && s.chars().all(|c| {
            c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '/' | ':' | '-' | '@' | '+')
        })
        && !KEYWORDS.iter().any(|k| k.eq_ignore_ascii_case(s))
        && !s.contains("_psp_")
        && !s.starts_with('-')
        // Falco 0.18-0.29 reads a leading number as a number token, so `30:40` or `1.2.3` bare
        // would not parse: a value starting with a digit stays bare only if it is all digits.
        && (!s.starts_with(|c: char| c.is_ascii_digit()) || s.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::falco::expr::Op;

    #[test]
    fn values_are_bare_only_when_plain() {
        assert_eq!(quote_value("nginx").unwrap(), "nginx");
        assert_eq!(
            quote_value("registry:5000/team/app").unwrap(),
            "registry:5000/team/app"
        );
        assert_eq!(quote_value("a b").unwrap(), "\"a b\"");
        assert_eq!(quote_value("and").unwrap(), "\"and\"");
        assert_eq!(quote_value("x) or (y").unwrap(), "\"x) or (y\"");
        assert_eq!(quote_value("say \"hi\"").unwrap(), "'say \"hi\"'");
        assert_eq!(quote_value("both ' and \"").unwrap(), r#""both ' and \"""#);
        assert_eq!(quote_value("new\nline").unwrap(), r#""new\nline""#);
        assert_eq!(quote_value("back\\slash").unwrap(), r#""back\\slash""#);
        assert_eq!(quote_value("C:\\").unwrap(), r#""C:\ ""#);
        assert!(quote_value("nul\0").is_err());
        assert_eq!(
            quote_value_for("C:\\dir", Target::Legacy).unwrap(),
            r#""C:\\dir""#
        );
        assert!(quote_value_for("C:\\new", Target::Legacy).is_err());
        assert!(quote_value(&"x".repeat(256)).is_err());
        assert_eq!(quote_value("").unwrap(), "\"\"");
        assert!(quote_value("x (a_psp_images) y").is_err());
        assert_eq!(
            quote_value("/var/my_psp_data").unwrap(),
            "\"/var/my_psp_data\""
        );
        assert_eq!(quote_value("30:40").unwrap(), "\"30:40\"");
        assert_eq!(quote_value("1000").unwrap(), "1000");
    }

    #[test]
    fn current_falco_quotes_every_string_legacy_keeps_bare_words() {
        // A bare `nginx` would be replaced by the items of any list named `nginx` in another
        // rules file loaded beside ours; quoted, it is one run with its quotes and is not.
        let e = Expr::list(
            Field::new("ka.req.pod.containers.image"),
            Op::In,
            vec![
                Value::Str("nginx".into()),
                Value::Int(1),
                Value::Word("true"),
            ],
        );
        assert_eq!(
            render(&e, Target::Falco).unwrap(),
            "ka.req.pod.containers.image in (\"nginx\", 1, true)"
        );
        assert_eq!(
            render(&e, Target::Legacy).unwrap(),
            "ka.req.pod.containers.image in (nginx, 1, true)"
        );
    }

    #[test]
    fn pointers_escape_slash_and_tilde() {
        let f = crate::falco::expr::json_pointer(
            "json.value",
            &["requestObject", "metadata", "annotations"],
            &["seccomp.security.alpha.kubernetes.io/pod".to_string()],
        );
        let e = Expr::eq(f, Value::Str("runtime/default".into()));
        assert_eq!(
            render(&e, Target::Falco).unwrap(),
            "json.value[/requestObject/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod]=\"runtime/default\""
        );
        assert!(render(&e, Target::Legacy)
            .unwrap()
            .starts_with("jevt.value["));
    }

    #[test]
    fn policy_arguments_are_bare_or_refused() {
        let f = |name: &str| Field {
            name: "psp.violated",
            arg: Some(FieldArg::Policy(name.into())),
        };
        let e = Expr::eq(f("psp.flannel-x_1"), Value::Word("true"));
        assert_eq!(
            render(&e, Target::Plugin).unwrap(),
            "psp.violated[psp.flannel-x_1]=true"
        );
        for bad in ["a]", "a b", "x\"y", "", "a[b"] {
            assert!(render(&Expr::eq(f(bad), Value::Word("true")), Target::Plugin).is_err());
        }
    }

    #[test]
    fn field_refs_render_as_val() {
        let f = |p: &str| {
            crate::falco::expr::json_pointer("json.value", &["requestObject", "spec"], &[p.into()])
        };
        let e = Expr::eq(f("a"), Value::FieldRef(f("b")));
        assert_eq!(
            render(&e, Target::Falco).unwrap(),
            "json.value[/requestObject/spec/a]=val(json.value[/requestObject/spec/b])"
        );
    }

    #[test]
    fn nesting_is_parenthesized() {
        let a = Expr::Macro("a".into());
        let b = Expr::Macro("b".into());
        let c = Expr::list(Field::new("ka.verb"), Op::In, vec![Value::Word("create")]);
        let e = Expr::and([
            a.clone(),
            Expr::or([b.clone(), c]),
            Expr::not(Expr::and([a, b])),
        ]);
        assert_eq!(
            render(&e, Target::Falco).unwrap(),
            "a and (b or ka.verb in (create)) and not (a and b)"
        );
    }
}
