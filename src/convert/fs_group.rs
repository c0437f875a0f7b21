//! # fsGroup
//!
//! **Property.** `spec.fsGroup`: the group that owns the pod's volumes
//! (`spec.securityContext.fsGroup`). `RunAsAny` (or absent): nothing is checked.
//!
//! **Violation.** `MustRunAs` and `MayRunAs`: the pod's `fsGroup` is set and outside every
//! range. `MustRunAs` in `declared` and `strict`: also a pod without `fsGroup` (PSP would have
//! set `ranges[0].min`).
//!
//! **K8s audit rule.** `json.value[/requestObject/spec/securityContext/fsGroup]` with `exists`
//! and a range regex (current Falco: values are strings, `"2000" < "30"`), or range-aware
//! `in ("min:max")` (legacy Falco).
//!
//! **Syscall rule.** None: a volume's group ownership is not a Falco field.
//!
//! **Limits.** None known: the field is one pod-level number, read by a single pointer.

use super::context::Ctx;
use super::ids_and_capabilities::{
    id_ranges, pod_security_field, set_and_outside, unset_or_outside,
};
use super::{Generator, Mode};
use crate::falco::rules::Item;
use crate::psp::model::GroupRule;

pub const GENERATOR: Generator = Generator {
    property: "fsGroup",
    doc: include_str!("fs_group.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(strategy) = &ctx.spec.fs_group else {
        return Vec::new();
    };
    let ranges = id_ranges(&strategy.ranges);
    let rule = strategy.rule();
    let label = match rule {
        GroupRule::RunAsAny => return Vec::new(),
        GroupRule::MustRunAs => "fsGroup=MustRunAs",
        GroupRule::MayRunAs => "fsGroup=MayRunAs",
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let field = pod_security_field("fsGroup");
    let unset_violates = rule == GroupRule::MustRunAs && ctx.mode() != Mode::Admission;
    let (what, violation) = if unset_violates {
        (
            "pod without an fsGroup in the allowed ranges",
            unset_or_outside(ctx, field, &ranges),
        )
    } else {
        (
            "pod with an fsGroup outside the allowed ranges",
            set_and_outside(ctx, field, &ranges),
        )
    };
    vec![
        ctx.banner(label),
        ctx.k8s_rule(label, what, violation, "fs_group=%ka.req.pod.fs_group"),
    ]
}
