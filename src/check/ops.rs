//! Operator semantics, compiled once per comparison.
//!
//! Modern (libsinsp `sinsp_filtercheck.cpp` `compare_nocache`, `filter_compare.cpp`): no value
//! makes every comparison false, `exists` included; list fields support only `in` (all values
//! in the set), `intersects` (any) and `exists` (at least one). Plugin fields are strings, so
//! `<`/`>` compare bytes ("1000" < "999").
//!
//! Legacy (falco 0.31.1 `json_evt.cpp` `json_event_filter_check::compare`): values form a set;
//! `"a:b"` of integers is a range that an integer equals when inside it; `in` = every value in
//! the set (vacuously true), `intersects` = any, `=` = set equality, `exists` = exactly one
//! non-`<NA>` value, `pmatch` = all values are `<NA>` (its prefix table is never filled).

use super::condition::Op;
use super::fields::{first_view, Values};
use regex::Regex;
use std::collections::HashSet;

const NA: &str = "<NA>";

pub enum Pred {
    Exists { legacy: bool },
    Modern { list: bool, op: ModOp },
    Legacy(LegacyOp),
}

pub enum ModOp {
    Eq(String),
    Ne(String),
    Lt(String),
    Le(String),
    Gt(String),
    Ge(String),
    Contains(String),
    IContains(String),
    BContains(Vec<u8>),
    StartsWith(String),
    BStartsWith(Vec<u8>),
    EndsWith(String),
    Glob(Regex),
    PMatch(Vec<PathPattern>),
    /// `in` / `intersects`; on a single-valued field both mean membership.
    Set {
        set: HashSet<String>,
        any: bool,
    },
    Regex(Regex),
}

#[derive(Debug, Clone, PartialEq)]
pub enum LVal {
    Int(i64),
    Range(i64, i64),
    Str(String),
}

pub enum LegacyOp {
    Eq(LVal),
    Ne(LVal),
    In(Vec<LVal>),
    Intersects(Vec<LVal>),
    PMatch,
    Contains(String),
    StartsWith(String),
    Order(Op, LVal),
}

impl LVal {
    pub fn parse(s: &str) -> LVal {
        // `std::stoll` accepting the whole string: leading blanks and a sign are allowed.
        let int = |t: &str| -> Option<i64> {
            let t = t.trim_start_matches([' ', '\t', '\n', '\x0b', '\x0c', '\r']);
            let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
            if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            t.strip_prefix('+').unwrap_or(t).parse().ok()
        };
        // Pairs are tried first, as `json_event_value(const std::string&)` does.
        if let Some((a, b)) = s.split_once(':') {
            if let (Some(a), Some(b)) = (int(a), int(b)) {
                return LVal::Range(a, b);
            }
        }
        if let Some(i) = int(s) {
            return LVal::Int(i);
        }
        LVal::Str(s.to_string())
    }

    /// `json_event_value::operator==`, range-aware in both directions.
    fn equiv(&self, o: &LVal) -> bool {
        match (self, o) {
            (LVal::Int(x), LVal::Range(a, b)) | (LVal::Range(a, b), LVal::Int(x)) => {
                a <= x && x <= b
            }
            (a, b) => a == b,
        }
    }
}

/// A `pmatch` path (libsinsp `prefix_search.h` `path_prefix_map`): paths are compared by
/// non-empty components, so `/var/run` matches `/var/run/docker` but not `/var/runx` or `/var`,
/// `/` matches everything, and a component holding `?*[` is an fnmatch pattern.
pub struct PathPattern {
    comps: Vec<Comp>,
}

enum Comp {
    Exact(String),
    Glob(Regex),
}

fn components(p: &str) -> impl Iterator<Item = &str> {
    p.split('/').filter(|c| !c.is_empty())
}

impl PathPattern {
    pub fn new(p: &str) -> PathPattern {
        let comps = components(p)
            .map(
                |c| match c.contains(['*', '?', '[']).then(|| glob_regex(c, false)) {
                    Some(Ok(r)) => Comp::Glob(r),
                    _ => Comp::Exact(c.to_string()),
                },
            )
            .collect();
        PathPattern { comps }
    }

    fn matches(&self, v: &str) -> bool {
        let mut vc = components(v);
        self.comps.iter().all(|p| match (p, vc.next()) {
            (_, None) => false,
            (Comp::Exact(e), Some(c)) => e == c,
            (Comp::Glob(r), Some(c)) => r.is_match(c),
        })
    }
}

/// fnmatch-style glob (no FNM_PATHNAME: `*` also matches `/`) as an anchored regex.
pub fn glob_regex(p: &str, icase: bool) -> Result<Regex, String> {
    let mut r = String::from(if icase { "(?is)^" } else { "(?s)^" });
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => r.push_str(".*"),
            '?' => r.push('.'),
            '[' => {
                let mut class = String::new();
                let mut closed = false;
                if chars.peek() == Some(&'!') || chars.peek() == Some(&'^') {
                    chars.next();
                    class.push('^');
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    class.push_str("\\]");
                }
                for d in chars.by_ref() {
                    if d == ']' {
                        closed = true;
                        break;
                    }
                    if d == '\\' || d == '[' {
                        class.push('\\');
                    }
                    class.push(d);
                }
                if closed {
                    r.push('[');
                    r.push_str(&class);
                    r.push(']');
                } else {
                    r.push_str(&regex::escape("["));
                    r.push_str(&regex::escape(&class));
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    r.push_str(&regex::escape(&n.to_string()));
                }
            }
            c => r.push_str(&regex::escape(&c.to_string())),
        }
    }
    r.push('$');
    Regex::new(&r).map_err(|e| format!("invalid glob '{p}': {e}"))
}

fn hex_bytes(s: &str) -> Result<Vec<u8>, String> {
    let t: String = s.chars().filter(|c| !c.is_whitespace()).collect();
    if t.len() % 2 != 0 {
        return Err(format!("invalid hex string '{s}'"));
    }
    (0..t.len())
        .step_by(2)
        .map(|i| {
            u8::from_str_radix(&t[i..i + 2], 16).map_err(|_| format!("invalid hex string '{s}'"))
        })
        .collect()
}

/// Builds a modern predicate; list-field operator restrictions were checked at load.
pub fn modern(op: Op, list: bool, values: &[String]) -> Result<Pred, String> {
    let one = || values.first().cloned().unwrap_or_default();
    let op = match op {
        Op::Eq => ModOp::Eq(one()),
        Op::Ne => ModOp::Ne(one()),
        Op::Lt => ModOp::Lt(one()),
        Op::Le => ModOp::Le(one()),
        Op::Gt => ModOp::Gt(one()),
        Op::Ge => ModOp::Ge(one()),
        Op::Contains => ModOp::Contains(one()),
        Op::IContains => ModOp::IContains(one().to_ascii_lowercase()),
        Op::BContains => ModOp::BContains(hex_bytes(&one())?),
        Op::StartsWith => ModOp::StartsWith(one()),
        Op::BStartsWith => ModOp::BStartsWith(hex_bytes(&one())?),
        Op::EndsWith => ModOp::EndsWith(one()),
        Op::Glob => ModOp::Glob(glob_regex(&one(), false)?),
        Op::IGlob => ModOp::Glob(glob_regex(&one(), true)?),
        Op::PMatch => ModOp::PMatch(values.iter().map(|p| PathPattern::new(p)).collect()),
        Op::In | Op::Intersects => ModOp::Set {
            set: values.iter().cloned().collect(),
            any: op == Op::Intersects,
        },
        // RE2 FullMatch: anchor both ends.
        Op::Regex => ModOp::Regex(
            Regex::new(&format!("^(?:{})$", one()))
                .map_err(|e| format!("invalid regex '{}': {e}", one()))?,
        ),
    };
    Ok(Pred::Modern { list, op })
}

pub fn legacy_supports(op: Op) -> bool {
    !matches!(
        op,
        Op::Regex
            | Op::BContains
            | Op::BStartsWith
            | Op::IGlob
            | Op::IContains
            | Op::EndsWith
            | Op::Glob
    )
}

pub fn legacy(op: Op, values: &[String]) -> Pred {
    let one = || LVal::parse(values.first().map_or("", |s| s.as_str()));
    let all = || values.iter().map(|v| LVal::parse(v)).collect();
    let raw = || values.first().cloned().unwrap_or_default();
    Pred::Legacy(match op {
        Op::Eq => LegacyOp::Eq(one()),
        Op::Ne => LegacyOp::Ne(one()),
        Op::In => LegacyOp::In(all()),
        Op::Intersects => LegacyOp::Intersects(all()),
        Op::PMatch => LegacyOp::PMatch,
        Op::Contains => LegacyOp::Contains(raw()),
        Op::StartsWith => LegacyOp::StartsWith(raw()),
        other => LegacyOp::Order(other, one()),
    })
}

impl Pred {
    /// `index`: legacy `[k]` narrowing of the value list (set comparisons ignore it).
    pub fn eval(&self, vals: &Values, index: Option<usize>) -> bool {
        match self {
            Pred::Exists { legacy: false } => !vals.is_empty(),
            Pred::Exists { legacy: true } => {
                let first = first_view(vals, index);
                first.len() == 1 && first[0] != NA
            }
            Pred::Modern { list, op } => !vals.is_empty() && modern_eval(*list, op, vals),
            Pred::Legacy(op) => legacy_eval(op, vals, first_view(vals, index)),
        }
    }
}

fn modern_eval(list: bool, op: &ModOp, vals: &Values) -> bool {
    if list {
        return match op {
            ModOp::Set { set, any: true } => vals.iter().any(|v| set.contains(v)),
            ModOp::Set { set, any: false } => vals.iter().all(|v| set.contains(v)),
            _ => false,
        };
    }
    let v = vals[0].as_str();
    match op {
        ModOp::Eq(s) => v == s,
        ModOp::Ne(s) => v != s,
        ModOp::Lt(s) => v < s.as_str(),
        ModOp::Le(s) => v <= s.as_str(),
        ModOp::Gt(s) => v > s.as_str(),
        ModOp::Ge(s) => v >= s.as_str(),
        ModOp::Contains(s) => v.contains(s.as_str()),
        ModOp::IContains(s) => v.to_ascii_lowercase().contains(s.as_str()),
        ModOp::BContains(b) => {
            b.is_empty() || v.as_bytes().windows(b.len()).any(|w| w == b.as_slice())
        }
        ModOp::StartsWith(s) => v.starts_with(s.as_str()),
        ModOp::BStartsWith(b) => v.as_bytes().starts_with(b),
        ModOp::EndsWith(s) => v.ends_with(s.as_str()),
        ModOp::Glob(r) | ModOp::Regex(r) => r.is_match(v),
        ModOp::PMatch(ps) => ps.iter().any(|p| p.matches(v)),
        ModOp::Set { set, .. } => set.contains(v),
    }
}

fn dedup(vals: &Values) -> Vec<LVal> {
    let mut out: Vec<LVal> = Vec::new();
    for v in vals {
        let l = LVal::parse(v);
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

fn legacy_eval(op: &LegacyOp, vals: &Values, first: &[String]) -> bool {
    let single = || (first.len() == 1).then(|| first[0].as_str());
    match op {
        LegacyOp::Eq(r) => {
            let d = dedup(vals);
            d.len() == 1 && d[0].equiv(r)
        }
        LegacyOp::Ne(r) => {
            let d = dedup(vals);
            !(d.len() == 1 && d[0].equiv(r))
        }
        LegacyOp::In(set) => vals.iter().all(|v| {
            let l = LVal::parse(v);
            set.iter().any(|s| l.equiv(s))
        }),
        LegacyOp::Intersects(set) => vals.iter().any(|v| {
            let l = LVal::parse(v);
            set.iter().any(|s| l.equiv(s))
        }),
        LegacyOp::PMatch => vals.iter().all(|v| v == NA),
        LegacyOp::Contains(s) => single().is_some_and(|v| v.contains(s.as_str())),
        LegacyOp::StartsWith(s) => single().is_some_and(|v| v.starts_with(s.as_str())),
        LegacyOp::Order(op, r) => {
            let Some(v) = single() else { return false };
            let ord = match (LVal::parse(v), r) {
                (LVal::Int(a), LVal::Int(b)) => a.cmp(b),
                (LVal::Range(a1, b1), LVal::Range(a2, b2)) => (a1, b1).cmp(&(*a2, *b2)),
                (LVal::Str(a), LVal::Str(b)) => a.as_str().cmp(b.as_str()),
                _ => return false,
            };
            match op {
                Op::Lt => ord.is_lt(),
                Op::Le => ord.is_le(),
                Op::Gt => ord.is_gt(),
                Op::Ge => ord.is_ge(),
                _ => false,
            }
        }
    }
}
