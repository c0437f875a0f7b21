//! # supplementalGroups
//!
//! **Property.** `spec.supplementalGroups`: the pod's supplementary group IDs
//! (`spec.securityContext.supplementalGroups`). `RunAsAny` (or absent): nothing is checked.
//!
//! **Violation.** `MustRunAs` and `MayRunAs`: a listed GID is outside every range.
//! `MustRunAs` in `declared` and `strict`: also a pod whose list is absent or empty (PSP would
//! have set `[ranges[0].min]`).
//!
//! **K8s audit rule.** Current Falco: a regex over the list's compact JSON
//! (`json.value[/requestObject/spec/securityContext/supplementalGroups]`, e.g. `[10,20]`) that
//! finds an element outside the ranges (the complement of the ranges as a range regex, between
//! non-digits), so any length of list is checked. Legacy Falco: the seed's list field
//! `ka.req.pod.supplemental_groups`, one value per GID, with range-aware
//! `not ... in ("min:max")`, guarded by the list's first element existing. Absent or empty:
//! `json.value[.../supplementalGroups/0]` does not exist.
//!
//! **Syscall rule.** None: a process's supplementary groups are not a Falco field.
//!
//! **Limits.** The regex reads the list's compact JSON as the json plugin prints it; any list
//! length is checked, with no bound.

use super::context::Ctx;
use super::ids_and_capabilities::{id_ranges, json_has_number_outside, pod_security_field};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;
use crate::psp::model::GroupRule;

pub const GENERATOR: Generator = Generator {
    property: "supplementalGroups",
    doc: include_str!("supplemental_groups.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(strategy) = &ctx.spec.supplemental_groups else {
        return Vec::new();
    };
    let ranges = id_ranges(&strategy.ranges);
    let rule = strategy.rule();
    let label = match rule {
        GroupRule::RunAsAny => return Vec::new(),
        GroupRule::MustRunAs => "supplementalGroups=MustRunAs",
        GroupRule::MayRunAs => "supplementalGroups=MayRunAs",
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let first = super::context::spec_field(&["securityContext", "supplementalGroups", "0"]);
    let outside = if ctx.legacy() {
        Expr::and([
            Expr::exists(first.clone()),
            Expr::not(Expr::list(
                Field::new("ka.req.pod.supplemental_groups"),
                Op::In,
                super::ranges::legacy_pairs(&ranges)
                    .into_iter()
                    .map(Value::Str)
                    .collect(),
            )),
        ])
    } else {
        json_has_number_outside(
            &pod_security_field("supplementalGroups"),
            "[^0-9]",
            &ranges,
            0,
        )
    };
    let unset_violates = rule == GroupRule::MustRunAs && ctx.mode() != Mode::Admission;
    let (what, violation) = if unset_violates {
        (
            "pod without supplementalGroups in the allowed ranges",
            Expr::or([Expr::not(Expr::exists(first)), outside]),
        )
    } else {
        (
            "pod with supplementalGroups outside the allowed ranges",
            outside,
        )
    };
    vec![
        ctx.banner(label),
        ctx.k8s_rule(
            label,
            what,
            violation,
            "supplemental_groups=%ka.req.pod.supplemental_groups",
        ),
    ]
}
