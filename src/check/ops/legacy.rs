//! Legacy operators (falco 0.31.1 `json_evt.cpp` `json_event_value`,
//! `json_event_filter_check::compare`): values are parsed as ranges (`"a:b"`), integers
//! (`std::stoll`) or strings; set comparisons (`=`, `!=`, `in`, `intersects`, `pmatch`) use
//! the deduplicated set of values, the others need exactly one value in the list.

use super::super::condition::Op;
use super::super::fields::Values;
use super::Pred;

const NA: &str = "<NA>";

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

pub(super) fn legacy_eval(op: &LegacyOp, vals: &Values, first: &[String]) -> bool {
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
