//! The Falco condition language: a normalized AST, a parser that accepts what libsinsp's
//! `filter/parser.cpp` accepts, and a canonical renderer.
//!
//! The AST forgets what does not change meaning (parentheses, quoting, `=` vs `==`), so two
//! conditions that Falco reads the same way compare equal.

mod lexer;
mod parser;
mod render;

pub use parser::parse;
pub use render::{quote_value, render};

/// A whole quoted string token (delimiters included) as libsinsp's lexer reads it, or `None`
/// when the token does not end exactly at its last byte or holds an escape libsinsp refuses.
pub fn read_string_literal(token: &str) -> Option<Vec<u8>> {
    let bytes = token.as_bytes();
    (lexer::quoted(bytes)? == bytes.len())
        .then(|| lexer::unescape(bytes).ok())
        .flatten()
}

/// A parse failure: what went wrong and the byte offset in the condition where it did.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message} (at offset {offset})")]
pub struct ParseError {
    pub message: String,
    pub offset: usize,
}

/// A field reference such as `ka.verb`, `json.value[/a/b]` or `proc.aname[2]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct FieldRef {
    pub name: String,
    pub arg: Option<String>,
}

impl FieldRef {
    pub fn new(name: &str, arg: Option<&str>) -> Self {
        FieldRef {
            name: name.to_string(),
            arg: arg.map(str::to_string),
        }
    }
}

/// Binary comparison operators (libsinsp `s_binary_num_ops`, `s_binary_str_ops`, `s_binary_list_ops`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Contains,
    IContains,
    BContains,
    StartsWith,
    BStartsWith,
    EndsWith,
    Glob,
    IGlob,
    PMatch,
    In,
    Intersects,
    Regex,
}

impl Op {
    /// The operator as written in a condition (`==` is normalized to `=`).
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Contains => "contains",
            Op::IContains => "icontains",
            Op::BContains => "bcontains",
            Op::StartsWith => "startswith",
            Op::BStartsWith => "bstartswith",
            Op::EndsWith => "endswith",
            Op::Glob => "glob",
            Op::IGlob => "iglob",
            Op::PMatch => "pmatch",
            Op::In => "in",
            Op::Intersects => "intersects",
            Op::Regex => "regex",
        }
    }

    /// Operators whose right-hand side is a parenthesized list (or a list name).
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::PMatch)
    }

    /// Operators whose right-hand side must be a numeric literal in libsinsp's grammar.
    pub fn is_numeric(self) -> bool {
        matches!(self, Op::Lt | Op::Le | Op::Gt | Op::Ge)
    }
}

/// Unary operators; libsinsp has only `exists`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Exists,
}

/// The right-hand side of a comparison, values unquoted and unescaped.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Rhs {
    /// One value; after a list operator a bare identifier here names a list.
    Value(String),
    /// `(a, "b", c)`; bare items may name lists, expanded when the rule is compiled.
    List(Vec<String>),
    /// `val(field)`: the value of another field of the same event (libsinsp field-to-field
    /// comparison, Falco >= 0.38).
    Field(FieldRef),
}

/// A normalized condition tree.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// Two or more children, none of which is itself an `And`.
    And(Vec<Expr>),
    /// Two or more children, none of which is itself an `Or`.
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Cmp {
        field: FieldRef,
        op: Op,
        rhs: Rhs,
    },
    Unary {
        field: FieldRef,
        op: UnaryOp,
    },
    /// A bare identifier: a macro reference.
    Ident(String),
}

impl Expr {
    /// Builds a flattened conjunction (a single child is returned as is).
    pub fn and(children: Vec<Expr>) -> Expr {
        Self::flatten(children, true)
    }

    /// Builds a flattened disjunction (a single child is returned as is).
    pub fn or(children: Vec<Expr>) -> Expr {
        Self::flatten(children, false)
    }

    fn flatten(children: Vec<Expr>, is_and: bool) -> Expr {
        let mut out = Vec::with_capacity(children.len());
        for c in children {
            match c {
                Expr::And(v) if is_and => out.extend(v),
                Expr::Or(v) if !is_and => out.extend(v),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            return out.pop().expect("one child");
        }
        if is_and {
            Expr::And(out)
        } else {
            Expr::Or(out)
        }
    }

    /// Visits every node, depth first.
    pub fn walk<'a>(&'a self, f: &mut dyn FnMut(&'a Expr)) {
        f(self);
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|c| c.walk(f)),
            Expr::Not(c) => c.walk(f),
            _ => {}
        }
    }
}
