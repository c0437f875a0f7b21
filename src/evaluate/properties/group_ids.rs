//! The group strategies (`runAsGroup`, `supplementalGroups`, `fsGroup`) share their test of
//! one ID: `MustRunAs` and `MayRunAs` refuse a set ID outside the ranges; `MustRunAs` in
//! `declared` also an unset one (PSP would have set `ranges[0].min`); `RunAsAny` (or no rule)
//! nothing.

use super::Question;
use crate::evaluate::ranges::{in_id_ranges, IdRanges};
use crate::psp::validate::IdRange;
use crate::psp::{GroupRule, GroupStrategy};

/// What is wrong with one ID.
pub enum IdProblem<'a> {
    Outside(i64, &'a [IdRange]),
    Unset,
}

impl std::fmt::Display for IdProblem<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            IdProblem::Outside(id, ranges) => {
                write!(f, "{id}, outside the allowed ranges ({})", IdRanges(ranges))
            }
            IdProblem::Unset => f.write_str("unset"),
        }
    }
}

/// What is wrong with `id` (`None`: unset) under `strategy`, if anything.
pub fn id_problem(q: Question, strategy: &GroupStrategy, id: Option<i64>) -> Option<IdProblem<'_>> {
    match (strategy.rule(), id) {
        (GroupRule::RunAsAny, _) => None,
        (_, Some(id)) if !in_id_ranges(id, &strategy.ranges) => {
            Some(IdProblem::Outside(id, &strategy.ranges))
        }
        (GroupRule::MustRunAs, None) if q.declared() => Some(IdProblem::Unset),
        _ => None,
    }
}

/// The label of a group strategy's rule: `<field>=MustRunAs` or `<field>=MayRunAs`.
pub fn label(
    strategy: Option<&GroupStrategy>,
    must: &'static str,
    may: &'static str,
    any: &'static str,
) -> &'static str {
    match strategy.map(GroupStrategy::rule) {
        Some(GroupRule::MustRunAs) => must,
        Some(GroupRule::MayRunAs) => may,
        _ => any,
    }
}
