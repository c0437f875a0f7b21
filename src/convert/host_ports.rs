//! # hostPorts
//!
//! **Property.** `spec.hostPorts`: the host ports containers may bind, as inclusive
//! `{min, max}` ranges.
//!
//! **Violation.** A port of an init, regular or ephemeral container whose host port is outside
//! every range. `hostPort: 0` or unset is not a host port, except that with `hostNetwork: true`
//! the API server sets `hostPort = containerPort` (and refuses any other host port), so there
//! every `containerPort` is a host port. An empty list allows no host port. `admission`: an
//! absent `hostPorts` allows no host port either. `declared`: an absent `hostPorts` is not
//! checked. `strict`: as `admission`.
//!
//! **K8s audit rule.** Current Falco: per container slot, a regex over the compact JSON of its
//! `ports` array (`json.value[/requestObject/spec/<kind>/<i>/ports]`, e.g.
//! `[{"containerPort":80,"hostPort":8080}]`) that finds a `"hostPort":` followed by a number
//! outside the allowed set (the complement of the ranges, written as a range regex: values
//! are strings there, so `<`/`>` would compare them as text), and under `hostNetwork: true` the
//! same for `"containerPort":`. The plugin's `ka.req.pod.containers.host_port` is not used: it
//! yields the containerPort for ports without hostPort even without `hostNetwork`. Legacy
//! Falco (no regex): per-index `jevt.value[.../ports/<j>/hostPort]` with range-aware
//! `in ("min:max", ...)` items, plus `containerPort` under `hostNetwork: true`.
//!
//! **Syscall rule.** None: PSP judged the ports a pod declares, and a process of a
//! `hostNetwork` pod can bind ports it never declared, which no admission check saw.
//!
//! **Limits.** Containers beyond the container bound (and, legacy only, ports beyond the
//! per-container bound) are reported by the "too large" rule instead. Ranges covering every
//! port (1-65535) leave nothing to check: a comment instead of a rule.

use super::context::{spec_field, Bounded, ContainerRef, Ctx, CONTAINER_KINDS};
use super::ids_and_capabilities::{json_has_number_outside, set_and_outside};
use super::ranges::NumRange;
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "hostPorts",
    doc: include_str!("host_ports.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let declared = ctx.spec.host_ports.as_ref();
    let ranges = match (ctx.mode(), declared) {
        (_, Some(r)) => r.clone(),
        (Mode::Declared, None) => return Vec::new(),
        (Mode::Admission | Mode::Strict, None) => Vec::new(),
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    // Port 0 means "no host port"; it is allowed whatever the ranges say.
    let mut allowed: Vec<NumRange> = ranges
        .iter()
        .map(|r| NumRange::new(r.min as u64, r.max as u64))
        .collect();
    allowed.push(NumRange::new(0, 0));
    let mut items = vec![ctx.banner("hostPorts")];
    let host_network = Expr::eq(spec_field(&["hostNetwork"]), Value::Word("true"));
    if super::ranges::complement(&allowed, 1, Some(65535)).is_empty() {
        items.push(Item::Comment {
            lines: vec!["hostPorts: every port 1-65535 is allowed, nothing to check".into()],
            banner: false,
        });
        return items;
    }
    let violation = if ctx.legacy() {
        legacy_violation(ctx, &allowed, host_network)
    } else {
        let ports = |c: &ContainerRef, key: &str| {
            json_has_number_outside(&c.field(&["ports"]), &format!("\"{key}\":"), &allowed, 1)
        };
        let slots = ctx.containers(&CONTAINER_KINDS);
        let host_ports = slots.iter().map(|c| ports(c, "hostPort"));
        let container_ports = slots.iter().map(|c| ports(c, "containerPort"));
        // One extraction first: a host port or `hostNetwork: true` is named in the spec's
        // compact JSON (see `Ctx::spec_mentions`) whenever a port can violate.
        Expr::and([
            Expr::cmp(
                spec_field(&[]),
                Op::Regex,
                Value::Str(".*\"(hostPort|hostNetwork\":true).*".into()),
            ),
            Expr::or([
                Expr::or(host_ports),
                Expr::and([host_network, Expr::or(container_ports)]),
            ]),
        ])
    };
    let what = if ranges.is_empty() {
        "pod with a host port (none allowed)"
    } else {
        "pod with a host port outside the allowed ranges"
    };
    items.push(ctx.k8s_rule(
        "hostPorts",
        what,
        violation,
        "host_ports=%ka.req.pod.containers.host_port",
    ));
    items
}

/// Per-index pointers: legacy `in ("min:max")` is range-aware, and legacy has no regex.
fn legacy_violation(ctx: &Ctx, allowed: &[NumRange], host_network: Expr) -> Expr {
    ctx.note_bounded(Bounded::PerContainer(vec!["ports"]));
    let per_port = |key: &'static str| {
        Expr::or(ctx.containers(&CONTAINER_KINDS).iter().flat_map(|c| {
            (0..ctx.opts.bounds.per_container).map(move |j| {
                let j = j.to_string();
                set_and_outside(ctx, c.field(&["ports", &j, key]), allowed)
            })
        }))
    };
    Expr::or([
        per_port("hostPort"),
        Expr::and([host_network, per_port("containerPort")]),
    ])
}
