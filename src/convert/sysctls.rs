//! # sysctls
//!
//! **Property.** `spec.forbiddenSysctls` and `spec.allowedUnsafeSysctls`, checked together as PSP
//! did, on the pod's `spec.securityContext.sysctls[*].name`. A pattern is an exact name, a
//! prefix ending in `*` (`kernel.shm*` matches `kernel.shmmax`; `net.*` does not match `net`),
//! or `*` alone for every name. The safe sysctls are `kernel.shm_rmid_forced`,
//! `net.ipv4.ip_local_port_range`, `net.ipv4.tcp_syncookies`, `net.ipv4.ping_group_range` and
//! `net.ipv4.ip_unprivileged_port_start`. One rule, labelled `sysctls`, since PSP decides each
//! sysctl from both lists at once (a forbidden pattern wins over an allowed one).
//!
//! **Violation.** `admission`: a sysctl that matches `forbiddenSysctls`, or that is neither safe
//! nor matched by `allowedUnsafeSysctls`; with neither field every unsafe sysctl is a
//! violation, as PSP made it. `declared`: only what the policy states: a forbidden sysctl when
//! `forbiddenSysctls` is set, an unsafe sysctl not allowed when `allowedUnsafeSysctls` is set.
//! `strict`: either, which is `admission`.
//!
//! **K8s audit rule.** Per index of the pod's sysctl list,
//! `json.value[/requestObject/spec/securityContext/sysctls/<j>/name]` compared with `=`, `in`
//! and `startswith`, for both targets (`jevt.value` in legacy Falco). Sysctls past the bound
//! are reported by the "too large" rule.
//!
//! **Limits.** None beyond the list bound.

use super::context::{spec_field, Bounded, Ctx};
use super::names_and_paths::{out_field, strs, sysctl_pattern};
use super::Generator;
use crate::falco::expr::{Expr, Field, Op};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "sysctls",
    doc: include_str!("sysctls.rs"),
    generate,
};

pub use crate::psp::sysctls::SAFE_SYSCTLS;

/// `name` matches one of `patterns`; `None` when nothing can match, `Some(None)` when `*` does.
fn matches_any(name: &Field, patterns: &[String]) -> Option<Option<Expr>> {
    if patterns.is_empty() {
        return None;
    }
    let mut alts = Vec::new();
    for p in patterns {
        match sysctl_pattern(name.clone(), p) {
            None => return Some(None),
            Some(e) => alts.push(e),
        }
    }
    Some(Some(Expr::or(alts)))
}

/// Violation of sysctl `name`: forbidden, or (when `unsafe_check`) neither safe nor allowed.
fn violation(
    name: Field,
    forbidden: &[String],
    allowed: &[String],
    unsafe_check: bool,
) -> Option<Expr> {
    let mut alts = Vec::new();
    match matches_any(&name, forbidden) {
        Some(None) => return Some(Expr::exists(name)),
        Some(Some(e)) => alts.push(e),
        None => {}
    }
    if unsafe_check {
        let safe: Vec<String> = SAFE_SYSCTLS.iter().map(|s| s.to_string()).collect();
        let not_safe = Expr::not(Expr::list(name.clone(), Op::In, strs(&safe)));
        match matches_any(&name, allowed) {
            Some(None) => {}
            Some(Some(e)) => alts.push(Expr::and([not_safe, Expr::not(e)])),
            None => alts.push(not_safe),
        }
    }
    if alts.is_empty() {
        return None;
    }
    Some(Expr::and([Expr::exists(name), Expr::or(alts)]))
}

fn generate(ctx: &Ctx) -> Vec<Item> {
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let forbidden = ctx.spec.forbidden_sysctls.clone().unwrap_or_default();
    let allowed = ctx.spec.allowed_unsafe_sysctls.clone().unwrap_or_default();
    // declared checks only what the policy states; admission (and so strict) also needs every
    // unsafe sysctl allowed, with or without the fields.
    let (forbidden, unsafe_check): (&[String], bool) = match ctx.mode() {
        super::Mode::Admission | super::Mode::Strict => (&forbidden, true),
        super::Mode::Declared => (
            if ctx.spec.forbidden_sysctls.is_some() {
                &forbidden
            } else {
                &[]
            },
            ctx.spec.allowed_unsafe_sysctls.is_some(),
        ),
    };
    let alts: Vec<Expr> = (0..ctx.opts.bounds.per_container)
        .filter_map(|j| {
            let idx = j.to_string();
            let name = spec_field(&["securityContext", "sysctls", &idx, "name"]);
            violation(name, forbidden, &allowed, unsafe_check)
        })
        .collect();
    let violation = if alts.is_empty() {
        None
    } else {
        ctx.note_bounded(Bounded::PodList(vec!["securityContext", "sysctls"]));
        Some(Expr::or(alts))
    };
    let Some(violation) = violation else {
        return Vec::new();
    };
    vec![
        ctx.banner("sysctls"),
        ctx.k8s_rule(
            "sysctls",
            "pod with a forbidden or unsafe sysctl that is not allowed",
            violation,
            &out_field(
                ctx,
                "sysctls",
                "/requestObject/spec/securityContext/sysctls",
            ),
        ),
    ]
}
