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

mod contained;
mod legacy;
mod path;

pub use legacy::{legacy, legacy_supports, LVal, LegacyOp};
pub use path::{glob_regex, PathPattern};

use super::condition::Op;
use super::fields::{first_view, Values};
pub use contained::FullMatch;
use legacy::legacy_eval;
use regex::Regex;
use std::collections::{HashMap, HashSet};

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
    Regex(FullMatch),
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
    modern_cached(op, list, values, &mut HashMap::new())
}

/// [`modern`], compiling each distinct regex once: generated rules repeat one pattern over
/// many per-index fields (a `Regex` clone shares the compiled program).
pub fn modern_cached(
    op: Op,
    list: bool,
    values: &[String],
    regexes: &mut HashMap<String, FullMatch>,
) -> Result<Pred, String> {
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
        Op::Regex => ModOp::Regex(match regexes.get(&one()) {
            Some(r) => r.clone(),
            None => {
                let pattern = path::re2_ascii_classes(&one());
                let anchored = Regex::new(&format!("^(?:{pattern})$"))
                    .map_err(|e| format!("invalid regex '{}': {e}", one()))?;
                let r = FullMatch::new(&pattern, anchored);
                regexes.insert(one(), r.clone());
                r
            }
        }),
    };
    Ok(Pred::Modern { list, op })
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
        ModOp::Glob(r) => r.is_match(v),
        ModOp::Regex(r) => r.is_match(v),
        ModOp::PMatch(ps) => ps.iter().any(|p| p.matches(v)),
        ModOp::Set { set, .. } => set.contains(v),
    }
}
