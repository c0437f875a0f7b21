//! # runAsGroup
//!
//! **Property.** `spec.runAsGroup`: the primary group IDs containers run as. `RunAsAny` (or
//! absent): nothing is checked.
//!
//! **Violation.** `MustRunAs` and `MayRunAs`: a container's effective `runAsGroup` (its own,
//! else the pod's `spec.securityContext.runAsGroup`) is set and outside every range.
//! `MustRunAs` in `declared` and `strict`: also a container whose effective `runAsGroup` is
//! unset (PSP would have set `ranges[0].min`). `MayRunAs` leaves an unset group alone.
//!
//! **K8s audit rule.** Per-index `json.value` pointers over init, regular and ephemeral
//! containers and the pod's security context, with the container-else-pod fallback written
//! out: a range regex for current Falco (its `eff_run_as_group` is always `"0"`), range-aware
//! `in ("min:max")` for legacy Falco.
//!
//! **Syscall rule (`MustRunAs` only).** A process in a scoped container executes (`execve`,
//! `execveat`) or changes its group (`setgid`, `setresgid`) with a `group.gid` outside the
//! ranges (numeric `>=`/`<=`). Legacy Falco: `execve`, `setgid` exit events (`evt.dir=<`).
//! `MayRunAs` gets none: a container that leaves the group unset runs with its image's group,
//! often 0, which the policy allows.
//!
//! **Limits.** The syscall rule sees host GIDs: pods in a user namespace are misjudged.
//! Containers beyond the container bound are reported by the "too large" rule.

use super::context::Ctx;
use super::ids_and_capabilities::{
    effective_id_violation, id_change_events, id_ranges, syscall_in_ranges,
};
use super::{Generator, Mode};
use crate::falco::expr::Expr;
use crate::falco::rules::Item;
use crate::psp::model::GroupRule;

pub const GENERATOR: Generator = Generator {
    property: "runAsGroup",
    doc: include_str!("run_as_group.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(strategy) = &ctx.spec.run_as_group else {
        return Vec::new();
    };
    let ranges = id_ranges(&strategy.ranges);
    let rule = strategy.rule();
    let (label, unset_violates) = match rule {
        GroupRule::RunAsAny => return Vec::new(),
        GroupRule::MustRunAs => ("runAsGroup=MustRunAs", ctx.mode() != Mode::Admission),
        GroupRule::MayRunAs => ("runAsGroup=MayRunAs", false),
    };
    let mut items = vec![ctx.banner(label)];
    if ctx.opts.sources.k8s_audit() {
        let fields = if ctx.legacy() {
            "eff_run_as_group=%ka.req.pod.containers.eff_run_as_group"
        } else {
            "pod_run_as_group=%ka.req.pod.run_as_group run_as_group=%ka.req.pod.containers.run_as_group"
        };
        items.push(ctx.k8s_rule(
            label,
            if unset_violates {
                "container without a runAsGroup in the allowed ranges"
            } else {
                "container with a runAsGroup outside the allowed ranges"
            },
            effective_id_violation(ctx, "runAsGroup", &ranges, unset_violates),
            fields,
        ));
    }
    if ctx.opts.sources.syscall() && rule == GroupRule::MustRunAs {
        let allowed = ctx.name("allowed_gids");
        items.push(Item::Macro {
            name: allowed.clone(),
            condition: Expr::group(syscall_in_ranges("group.gid", &ranges)),
        });
        items.push(ctx.syscall_rule(
            label,
            "process running with a group outside the allowed ranges",
            id_change_events(ctx, &["setgid", "setresgid"]),
            Expr::not(Expr::macro_ref(allowed)),
        ));
    }
    items
}
