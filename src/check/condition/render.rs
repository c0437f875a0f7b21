//! Canonical rendering: minimal parentheses, values bare when libsinsp would read them back
//! unchanged, otherwise double-quoted with escapes `unescape_str` understands.

use super::lexer;
use super::{Expr, FieldRef, Op, Rhs, UnaryOp};

/// Renders an expression so that `parse(render(e)) == e`.
pub fn render(expr: &Expr) -> String {
    let mut out = String::new();
    write_expr(expr, &mut out);
    out
}

fn write_expr(e: &Expr, out: &mut String) {
    match e {
        Expr::And(v) => join(v, " and ", |c| matches!(c, Expr::Or(_) | Expr::And(_)), out),
        Expr::Or(v) => join(v, " or ", |c| matches!(c, Expr::Or(_)), out),
        Expr::Not(c) => {
            out.push_str("not ");
            // `not not x` would parse as `x`, so a nested Not keeps its parentheses.
            write_maybe_paren(
                c,
                matches!(**c, Expr::And(_) | Expr::Or(_) | Expr::Not(_)),
                out,
            );
        }
        Expr::Cmp { field, op, rhs } => {
            write_field(field, out);
            out.push(' ');
            out.push_str(op.as_str());
            out.push(' ');
            write_rhs(*op, rhs, out);
        }
        Expr::Unary {
            field,
            op: UnaryOp::Exists,
        } => {
            write_field(field, out);
            out.push_str(" exists");
        }
        Expr::Ident(id) => out.push_str(id),
    }
}

fn join(v: &[Expr], sep: &str, needs_paren: fn(&Expr) -> bool, out: &mut String) {
    for (i, c) in v.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        write_maybe_paren(c, needs_paren(c), out);
    }
}

fn write_maybe_paren(e: &Expr, paren: bool, out: &mut String) {
    if paren {
        out.push('(');
        write_expr(e, out);
        out.push(')');
    } else {
        write_expr(e, out);
    }
}

fn write_field(f: &FieldRef, out: &mut String) {
    out.push_str(&f.name);
    if let Some(arg) = &f.arg {
        out.push('[');
        if lexer::field_arg_bare(arg.as_bytes()) == Some(arg.len()) {
            out.push_str(arg);
        } else {
            out.push_str(&quote(arg));
        }
        out.push(']');
    }
}

fn write_rhs(op: Op, rhs: &Rhs, out: &mut String) {
    match rhs {
        Rhs::Field(f) => {
            out.push_str("val(");
            write_field(f, out);
            out.push(')');
        }
        Rhs::Value(v) if op.takes_list() => {
            if lexer::identifier(v.as_bytes()) == Some(v.len()) {
                out.push_str(v);
            } else {
                out.push('(');
                out.push_str(&quote_value(v));
                out.push(')');
            }
        }
        Rhs::Value(v) if op.is_numeric() => {
            let numeric = lexer::hex_num(v.as_bytes()) == Some(v.len())
                || lexer::number(v.as_bytes()) == Some(v.len());
            if numeric {
                out.push_str(v);
            } else {
                out.push_str(&quote(v));
            }
        }
        Rhs::Value(v) => out.push_str(&quote_value(v)),
        Rhs::List(items) => {
            out.push('(');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(&quote_value(v));
            }
            out.push(')');
        }
    }
}

/// A value as it must appear in a condition: bare if it lexes back as itself, else quoted.
pub fn quote_value(v: &str) -> String {
    if lexer::bare_str(v.as_bytes()) == Some(v.len()) && !v.bytes().any(|b| b < 0x20 || b == 0x7f) {
        v.to_string()
    } else {
        quote(v)
    }
}

/// Double-quotes a string the way pspconv writes every Falco string
/// ([`crate::falco::string_literal`]). A NUL byte, which no Falco string can hold (the parser
/// never yields one), is shown as `\0` for display.
fn quote(v: &str) -> String {
    crate::falco::string_literal::quote_for_libsinsp(v)
        .unwrap_or_else(|| quote(&v.replace('\0', "\\0")))
}
