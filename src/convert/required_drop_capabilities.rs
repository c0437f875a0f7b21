//! # requiredDropCapabilities
//!
//! **Property.** `spec.requiredDropCapabilities`: capabilities every container must drop.
//!
//! **Violation.** `admission`: an init, regular or ephemeral container adds one of them
//! (`securityContext.capabilities.add`); PSP appended the missing drops itself, so a container
//! that merely does not drop them was admitted. `declared`: also a container whose
//! `capabilities.drop` lists neither the capability nor `ALL`. `strict`: as `declared`. Names
//! are compared exactly, as PSP did. A `*` in `allowedCapabilities` disables every capability
//! check (PSP refuses that combination anyway).
//!
//! **K8s audit rule.** Adds: per-index `json.value[.../securityContext/capabilities/add/<k>] in
//! (<list>)`. Drops: the compact JSON array `json.value[.../securityContext/capabilities/drop]`
//! (e.g. `["ALL"]`) `contains` the quoted name between element boundaries (`["X"]`, `["X",`,
//! `,"X",`, `,"X"]`); a quote inside a string is escaped, so no element can fake another. Both
//! forms work in both targets.
//!
//! **Syscall rule.** Current Falco: a process starting in a scoped, non-privileged container
//! holds one of the capabilities effectively (`thread.cap_effective`). A dropped capability
//! leaves the container's bounding set, so no process can hold it: the container did not drop
//! it (`ALL` listed: any capability). Runtimes apply `add` after `drop` (`drop: [ALL]`,
//! `add: [NET_BIND_SERVICE]` keeps NET_BIND_SERVICE), so capabilities in `allowedCapabilities`
//! or `defaultAddCapabilities` are not looked for. Like every syscall rule, it is the same in
//! all modes: it reports a runtime state the policy, once applied, would not have allowed.
//! Legacy Falco: no rule (no `thread.cap_effective` before Falco 0.32).
//!
//! **Limits.** A name containing a quote, backslash, space or non-ASCII character cannot be matched in the drop array's
//! JSON text: the drop check is left out for it, with a warning. Containers and added
//! capabilities beyond the bounds are reported by the "too large" rule.

use super::context::{Bounded, Ctx, CONTAINER_KINDS};
use super::ids_and_capabilities::{
    held_capability_rule, json_array_contains, json_array_has_any, runtime_name, ALL_CAPS,
};
use super::Generator;
use crate::falco::expr::{Expr, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "requiredDropCapabilities",
    doc: include_str!("required_drop_capabilities.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let required: Vec<String> = ctx
        .spec
        .required_drop_capabilities
        .iter()
        .flatten()
        .cloned()
        .collect();
    let wildcard = ctx
        .spec
        .allowed_capabilities
        .iter()
        .flatten()
        .any(|c| c == "*");
    if required.is_empty() || wildcard {
        return Vec::new();
    }
    let mut items = vec![ctx.banner("requiredDropCapabilities")];
    if ctx.opts.sources.k8s_audit() {
        let list = ctx.name("required_drop_capabilities");
        items.push(Item::List {
            name: list.clone(),
            items: required.iter().map(|c| Value::Str(c.clone())).collect(),
        });
        let required_names: Vec<&str> = required.iter().map(String::as_str).collect();
        let per_item = ctx.opts.bounds.per_container;
        let adds_by_index = || {
            ctx.note_bounded(Bounded::PerContainer(vec![
                "securityContext",
                "capabilities",
                "add",
            ]));
            Expr::or(ctx.containers(&CONTAINER_KINDS).iter().flat_map(|c| {
                let list = list.clone();
                (0..per_item).map(move |k| {
                    let k = k.to_string();
                    Expr::list(
                        c.field(&["securityContext", "capabilities", "add", &k]),
                        Op::In,
                        vec![Value::ListRef(list.clone())],
                    )
                })
            }))
        };
        // Current Falco: one comparison per container on the whole `add` array (see
        // `json_array_has_any`), instead of one per bounded index.
        let adds = if ctx.legacy() {
            adds_by_index()
        } else {
            ctx.any_container(&CONTAINER_KINDS, |c| {
                let add = c.field(&["securityContext", "capabilities", "add"]);
                json_array_has_any(&add, &required_names)
            })
        };
        let matchable: Vec<&String> = required
            .iter()
            .filter(|c| {
                c.chars()
                    .all(|ch| ch.is_ascii_graphic() && !"\"'\\".contains(ch))
            })
            .collect();
        for c in required.iter().filter(|c| !matchable.contains(c)) {
            items.push(ctx.cannot_express(
                "requiredDropCapabilities (drop)",
                &format!("capability {c:?} contains a quote, backslash, space or non-ASCII character, which cannot be matched in the drop list's JSON"),
            ));
        }
        let not_dropped = ctx.any_container(&CONTAINER_KINDS, |c| {
            let drop = c.field(&["securityContext", "capabilities", "drop"]);
            let dropped = |cap: &str| {
                if ctx.legacy() {
                    Expr::or([
                        json_array_contains(&drop, "ALL"),
                        json_array_contains(&drop, cap),
                    ])
                } else {
                    let names: &[&str] = if cap == "ALL" {
                        &["ALL"]
                    } else {
                        &["ALL", cap]
                    };
                    json_array_has_any(&drop, names)
                }
            };
            Expr::and([
                c.present(),
                Expr::or(matchable.iter().map(|cap| Expr::not(dropped(cap)))),
            ])
        });
        // Declared mode checks what admission checks, plus the missing drops.
        let violation = match ctx.mode() {
            super::Mode::Admission => adds,
            _ if matchable.is_empty() => adds,
            super::Mode::Declared | super::Mode::Strict => Expr::or([adds, not_dropped]),
        };
        items.push(ctx.k8s_rule(
            "requiredDropCapabilities",
            if ctx.mode() == super::Mode::Admission {
                "pod adding a capability that must be dropped"
            } else {
                "pod not dropping a capability that must be dropped"
            },
            violation,
            "add_capabilities=%ka.req.pod.containers.add_capabilities",
        ));
    }
    if ctx.opts.sources.syscall() {
        let names: Vec<String> = required.iter().map(|c| runtime_name(c)).collect();
        // Runtimes apply `add` after `drop` (`drop: [ALL]` plus `add: [X]` leaves X), so a
        // capability the pod may add is not evidence of a missing drop.
        let addable: Vec<String> = ctx
            .spec
            .allowed_capabilities
            .iter()
            .chain(ctx.spec.default_add_capabilities.iter())
            .flatten()
            .map(|c| runtime_name(c))
            .collect();
        let all = names.iter().any(|n| n == "ALL");
        let caps: Vec<&str> = ALL_CAPS
            .iter()
            .copied()
            .filter(|c| (all || names.iter().any(|n| n == c)) && !addable.iter().any(|a| a == c))
            .collect();
        if let Some(rule) = held_capability_rule(
            ctx,
            "requiredDropCapabilities",
            "process holding a capability that must be dropped",
            &caps,
        ) {
            items.push(rule);
        }
    }
    items
}
