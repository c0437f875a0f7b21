//! Falco conditions as values: an expression tree that generators build and `render` prints.
//!
//! Nothing here formats text. Values from the input are held as [`Value::Str`] and quoted by
//! the renderer, in one place, so no input can change a condition's structure.

/// A field reference such as `ka.verb`, `ka.req.pod.containers.privileged[0]` or
/// `json.value[/requestObject/spec/containers/0/image]`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Field {
    pub name: &'static str,
    pub arg: Option<FieldArg>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FieldArg {
    Index(usize),
    /// A JSON pointer, one segment per element, unescaped (`~1`/`~0` are added when rendering).
    Pointer(Vec<String>),
    /// A plain key, e.g. `container.label[io.kubernetes.pod.namespace]`.
    Key(&'static str),
    /// A policy name as the pspconv plugin's fields take it (`psp.violated[no-privileged]`);
    /// the renderer refuses anything but a bare field argument.
    Policy(String),
}

impl Field {
    pub const fn new(name: &'static str) -> Self {
        Field { name, arg: None }
    }
}

/// Comparison operators pspconv emits.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    StartsWith,
    EndsWith,
    Contains,
    Regex,
    Pmatch,
    Glob,
    In,
    Intersects,
}

impl Op {
    pub fn symbol(self) -> &'static str {
        match self {
            Op::Eq => "=",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::StartsWith => "startswith",
            Op::EndsWith => "endswith",
            Op::Contains => "contains",
            Op::Regex => "regex",
            Op::Pmatch => "pmatch",
            Op::Glob => "glob",
            Op::In => "in",
            Op::Intersects => "intersects",
        }
    }

    /// Operators whose right-hand side is a parenthesized list.
    pub fn takes_list(self) -> bool {
        matches!(self, Op::In | Op::Intersects | Op::Pmatch)
    }
}

/// A right-hand-side value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value {
    /// A value written by pspconv itself (`true`, `create`, `0`): rendered bare.
    Word(&'static str),
    /// A number: rendered bare.
    Int(i64),
    /// Any string (possibly from the input): quoted by the renderer as Falco's grammar needs.
    Str(String),
    /// A constant of pspconv's written between the given quotes, as the seed writes it
    /// (`"ResponseComplete"`, `'f'`), so the legacy output matches the seed to the letter.
    /// Never input: the constant holds neither quote nor backslash.
    SeedQuoted(&'static str, char),
    /// A reference to a list by name (only inside a list).
    ListRef(String),
    /// Another field's value, `val(<field>)`: a field-to-field comparison (Falco ≥ 0.38,
    /// libs 0.17; not in legacy Falco). Only as the single right-hand side of a comparison.
    FieldRef(Field),
}

/// A condition.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    And(Vec<Expr>),
    Or(Vec<Expr>),
    Not(Box<Expr>),
    Cmp(Field, Op, Value),
    List(Field, Op, Vec<Value>),
    Exists(Field),
    Macro(String),
    /// Parentheses kept as written, so the legacy output can keep the seed's exact shape.
    Group(Box<Expr>),
}

impl Expr {
    pub fn and(items: impl IntoIterator<Item = Expr>) -> Expr {
        let mut out = Vec::new();
        for e in items {
            match e {
                Expr::And(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            out.pop().unwrap()
        } else {
            Expr::And(out)
        }
    }

    pub fn or(items: impl IntoIterator<Item = Expr>) -> Expr {
        let mut out = Vec::new();
        for e in items {
            match e {
                Expr::Or(inner) => out.extend(inner),
                other => out.push(other),
            }
        }
        if out.len() == 1 {
            out.pop().unwrap()
        } else {
            Expr::Or(out)
        }
    }

    #[allow(clippy::should_implement_trait)]
    pub fn not(e: Expr) -> Expr {
        Expr::Not(Box::new(e))
    }

    pub fn group(e: Expr) -> Expr {
        Expr::Group(Box::new(e))
    }

    pub fn cmp(field: Field, op: Op, value: Value) -> Expr {
        Expr::Cmp(field, op, value)
    }

    pub fn eq(field: Field, value: Value) -> Expr {
        Expr::Cmp(field, Op::Eq, value)
    }

    pub fn list(field: Field, op: Op, values: Vec<Value>) -> Expr {
        Expr::List(field, op, values)
    }

    pub fn exists(field: Field) -> Expr {
        Expr::Exists(field)
    }

    pub fn macro_ref(name: impl Into<String>) -> Expr {
        Expr::Macro(name.into())
    }

    /// Calls `f` on every node, depth first (used to find the constructs a file needs).
    pub fn walk(&self, f: &mut dyn FnMut(&Expr)) {
        f(self);
        match self {
            Expr::And(v) | Expr::Or(v) => v.iter().for_each(|e| e.walk(f)),
            Expr::Not(e) | Expr::Group(e) => e.walk(f),
            _ => {}
        }
    }
}

/// Builds `json.value[/requestObject/...]` (or `jevt.value[...]` for legacy) field references.
pub fn json_pointer(name: &'static str, segments: &[&str], rest: &[String]) -> Field {
    let mut segs: Vec<String> = segments.iter().map(|s| s.to_string()).collect();
    segs.extend(rest.iter().cloned());
    Field {
        name,
        arg: Some(FieldArg::Pointer(segs)),
    }
}
