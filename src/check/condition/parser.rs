//! Recursive-descent parser with libsinsp's structure (`parse_or` → `parse_and` → `parse_not`
//! → `parse_check` → `parse_condition`), so it accepts and rejects the same inputs.

use super::lexer;
use super::{Expr, FieldRef, Op, ParseError, Rhs, UnaryOp};

/// libsinsp's default is 100 nested grammar calls; Falco's loader raises it. This bound only
/// protects our stack.
const MAX_DEPTH: usize = 1000;

const NUM_OPS: [(&str, Op); 4] = [("<=", Op::Le), ("<", Op::Lt), (">=", Op::Ge), (">", Op::Gt)];
const SYMBOL_STR_OPS: [(&str, Op); 3] = [("==", Op::Eq), ("=", Op::Eq), ("!=", Op::Ne)];
/// Word operators need a blank after them (`s_binary_str_ops` entries end with a space).
const WORD_STR_OPS: [(&str, Op); 9] = [
    ("glob", Op::Glob),
    ("iglob", Op::IGlob),
    ("contains", Op::Contains),
    ("icontains", Op::IContains),
    ("bcontains", Op::BContains),
    ("startswith", Op::StartsWith),
    ("bstartswith", Op::BStartsWith),
    ("endswith", Op::EndsWith),
    ("regex", Op::Regex),
];
const LIST_OPS: [(&str, Op); 3] = [
    ("intersects", Op::Intersects),
    ("in", Op::In),
    ("pmatch", Op::PMatch),
];
const TRANSFORMERS: [&str; 9] = [
    "val(",
    "tolower(",
    "toupper(",
    "b64(",
    "basename(",
    "len(",
    "join(",
    "concat(",
    "getopt(",
];

/// Parses a condition. Never panics; malformed input yields the offending byte offset.
pub fn parse(src: &str) -> Result<Expr, ParseError> {
    let mut p = Parser {
        s: src.as_bytes(),
        pos: 0,
        depth: 0,
    };
    if src.is_empty() {
        return Err(p.err("filter input string is empty"));
    }
    let e = p.parse_or()?;
    if p.pos != p.s.len() {
        return Err(p.err("unexpected token, expecting 'or', 'and'"));
    }
    Ok(e)
}

struct Parser<'a> {
    s: &'a [u8],
    pos: usize,
    depth: usize,
}

type PResult<T> = Result<T, ParseError>;

impl<'a> Parser<'a> {
    fn err(&self, msg: &str) -> ParseError {
        ParseError {
            message: msg.to_string(),
            offset: self.pos,
        }
    }

    fn rest(&self) -> &'a [u8] {
        &self.s[self.pos..]
    }

    fn enter(&mut self) -> PResult<()> {
        self.depth += 1;
        if self.depth >= MAX_DEPTH {
            return Err(self.err(&format!("exceeded max depth limit of {MAX_DEPTH}")));
        }
        Ok(())
    }

    fn blank(&mut self) -> bool {
        let n = self
            .rest()
            .iter()
            .take_while(|b| lexer::is_blank(**b))
            .count();
        self.pos += n;
        n > 0
    }

    fn lit(&mut self, t: &str) -> bool {
        if self.rest().starts_with(t.as_bytes()) {
            self.pos += t.len();
            true
        } else {
            false
        }
    }

    fn take(&mut self, len: Option<usize>) -> Option<String> {
        let n = len?;
        let t = String::from_utf8_lossy(&self.s[self.pos..self.pos + n]).into_owned();
        self.pos += n;
        Some(t)
    }

    /// Lexes a quoted string and unescapes it; `Ok(None)` if none starts here.
    fn quoted(&mut self) -> PResult<Option<String>> {
        let Some(n) = lexer::quoted(self.rest()) else {
            return Ok(None);
        };
        let raw = &self.s[self.pos..self.pos + n];
        let v = lexer::unescape(raw).map_err(|m| self.err(&m))?;
        self.pos += n;
        Ok(Some(String::from_utf8_lossy(&v).into_owned()))
    }

    fn parse_or(&mut self) -> PResult<Expr> {
        self.enter()?;
        self.blank();
        let mut children = vec![self.parse_and()?];
        self.blank();
        while self.lit("or") {
            children.push(self.after_keyword("or", Self::parse_and)?);
            self.blank();
        }
        self.depth -= 1;
        Ok(Expr::or(children))
    }

    fn parse_and(&mut self) -> PResult<Expr> {
        self.enter()?;
        self.blank();
        let mut children = vec![self.parse_not()?];
        self.blank();
        while self.lit("and") {
            children.push(self.after_keyword("and", Self::parse_not)?);
            self.blank();
        }
        self.depth -= 1;
        Ok(Expr::and(children))
    }

    /// After `and`/`or`: a blank then the next operand, or directly a `(`.
    fn after_keyword(&mut self, kw: &str, next: fn(&mut Self) -> PResult<Expr>) -> PResult<Expr> {
        if self.blank() {
            next(self)
        } else if self.lit("(") {
            self.parse_embedded_remainder()
        } else {
            Err(self.err(&format!("expected blank or '(' after '{kw}'")))
        }
    }

    fn not_blank(&mut self) -> bool {
        let r = self.rest();
        if r.starts_with(b"not") && r.get(3).is_some_and(|b| lexer::is_space(*b)) {
            let n = r[3..].iter().take_while(|b| lexer::is_space(**b)).count();
            self.pos += 3 + n;
            true
        } else {
            false
        }
    }

    fn parse_not(&mut self) -> PResult<Expr> {
        self.enter()?;
        self.blank();
        let mut is_not = false;
        while self.not_blank() {
            is_not = !is_not;
        }
        let child = if self.lit("not(") {
            is_not = !is_not;
            self.parse_embedded_remainder()?
        } else {
            self.parse_check()?
        };
        self.depth -= 1;
        Ok(if is_not {
            Expr::Not(Box::new(child))
        } else {
            child
        })
    }

    fn parse_embedded_remainder(&mut self) -> PResult<Expr> {
        self.enter()?;
        self.blank();
        let child = self.parse_or()?;
        self.blank();
        if !self.lit(")") {
            return Err(self.err("expected a ')' token"));
        }
        self.depth -= 1;
        Ok(child)
    }

    fn transformer_ahead(&self) -> bool {
        TRANSFORMERS
            .iter()
            .any(|t| self.rest().starts_with(t.as_bytes()))
    }

    fn parse_check(&mut self) -> PResult<Expr> {
        self.enter()?;
        self.blank();
        let e = if self.lit("(") {
            self.parse_embedded_remainder()?
        } else if let Some(name) = self.take(lexer::field_name(self.rest())) {
            let field = self.parse_field_remainder(name)?;
            self.parse_condition(field)?
        } else if self.transformer_ahead() {
            return Err(self.err("field transformers are not supported by pspconv check"));
        } else if let Some(id) = self.take(lexer::identifier(self.rest())) {
            Expr::Ident(id)
        } else {
            return Err(self.err("expected a '(' token, a field check, or an identifier"));
        };
        self.depth -= 1;
        Ok(e)
    }

    fn parse_field_remainder(&mut self, name: String) -> PResult<FieldRef> {
        let mut arg = None;
        if self.lit("[") {
            arg = match self.quoted()? {
                Some(q) => Some(q),
                None => self.take(lexer::field_arg_bare(self.rest())),
            };
            if arg.is_none() {
                return Err(
                    self.err("expected a valid field argument: a quoted string or a bare string")
                );
            }
            if !self.lit("]") {
                return Err(self.err("expected a ']' token"));
            }
        }
        Ok(FieldRef { name, arg })
    }

    fn word_op(&mut self) -> Option<Op> {
        for (w, op) in WORD_STR_OPS {
            let r = self.rest();
            if r.starts_with(w.as_bytes()) && r.get(w.len()).is_some_and(|b| lexer::is_blank(*b)) {
                self.pos += w.len();
                self.blank();
                return Some(op);
            }
        }
        None
    }

    fn parse_condition(&mut self, field: FieldRef) -> PResult<Expr> {
        self.blank();
        if self.lit("exists") {
            return Ok(Expr::Unary {
                field,
                op: UnaryOp::Exists,
            });
        }
        if let Some(&(t, op)) = NUM_OPS
            .iter()
            .find(|(t, _)| self.rest().starts_with(t.as_bytes()))
        {
            self.pos += t.len();
            self.blank();
            if let Some(rhs) = self.val_rhs()? {
                return Ok(Expr::Cmp { field, op, rhs });
            }
            self.reject_transformer()?;
            let v = self
                .take(lexer::hex_num(self.rest()))
                .or_else(|| self.take(lexer::number(self.rest())))
                .ok_or_else(|| self.err("expected a number value"))?;
            return Ok(Expr::Cmp {
                field,
                op,
                rhs: Rhs::Value(v),
            });
        }
        let str_op = match SYMBOL_STR_OPS
            .iter()
            .find(|(t, _)| self.rest().starts_with(t.as_bytes()))
        {
            Some(&(t, op)) => {
                self.pos += t.len();
                Some(op)
            }
            None => self.word_op(),
        };
        if let Some(op) = str_op {
            self.blank();
            if let Some(rhs) = self.val_rhs()? {
                return Ok(Expr::Cmp { field, op, rhs });
            }
            self.reject_transformer()?;
            let v = self
                .str_value()?
                .ok_or_else(|| self.err("expected a string value"))?;
            return Ok(Expr::Cmp {
                field,
                op,
                rhs: Rhs::Value(v),
            });
        }
        if let Some(&(t, op)) = LIST_OPS
            .iter()
            .find(|(t, _)| self.rest().starts_with(t.as_bytes()))
        {
            self.pos += t.len();
            let rhs = self.parse_list_value()?;
            return Ok(Expr::Cmp { field, op, rhs });
        }
        Err(self.err(
            "expected a valid check operator: one of 'exists', '<=', '<', '>=', '>', '==', '=', '!=', \
             'glob', 'iglob', 'contains', 'icontains', 'bcontains', 'startswith', 'bstartswith', \
             'endswith', 'regex', 'intersects', 'in', 'pmatch'",
        ))
    }

    /// `val(<field>)` as a right-hand side, the only transformer check evaluates.
    fn val_rhs(&mut self) -> PResult<Option<Rhs>> {
        if !self.lit("val(") {
            return Ok(None);
        }
        self.blank();
        let Some(name) = self.take(lexer::field_name(self.rest())) else {
            return Err(self.err("expected a field inside val()"));
        };
        let field = self.parse_field_remainder(name)?;
        self.blank();
        if !self.lit(")") {
            return Err(self.err("expected a ')' token"));
        }
        Ok(Some(Rhs::Field(field)))
    }

    fn reject_transformer(&self) -> PResult<()> {
        if self.transformer_ahead() {
            return Err(self.err("field transformers are not supported by pspconv check"));
        }
        Ok(())
    }

    fn str_value(&mut self) -> PResult<Option<String>> {
        self.blank();
        if let Some(q) = self.quoted()? {
            return Ok(Some(q));
        }
        Ok(self.take(lexer::bare_str(self.rest())))
    }

    fn parse_list_value(&mut self) -> PResult<Rhs> {
        self.blank();
        if self.lit("(") {
            let mut values = Vec::new();
            self.blank();
            if let Some(v) = self.str_value()? {
                values.push(v);
                self.blank();
                while self.lit(",") {
                    let v = self
                        .str_value()?
                        .ok_or_else(|| self.err("expected a string value"))?;
                    values.push(v);
                    self.blank();
                }
            }
            if !self.lit(")") {
                return Err(self.err("expected a ')' token"));
            }
            return Ok(Rhs::List(values));
        }
        self.reject_transformer()?;
        match self.take(lexer::identifier(self.rest())) {
            Some(id) => Ok(Rhs::Value(id)),
            None => {
                Err(self.err("expected a list, an identifier, or a field with a valid transformer"))
            }
        }
    }
}
