//! # privileged
//!
//! **Property.** `spec.privileged` false or absent: no container may run privileged.
//!
//! **Violation, every mode.** An init, regular or ephemeral container sets
//! `securityContext.privileged: true`. PSP never defaults this field, so `admission`,
//! `declared` and `strict` agree.
//!
//! **K8s audit rule.** `ka.req.pod.containers.privileged intersects (true)` for regular
//! containers (correct under both targets: a missing value is `<NA>` in legacy Falco and is
//! dropped by the k8saudit plugin). Current Falco also checks init and ephemeral containers by
//! per-index `json.value` pointers, within the container bound.
//!
//! **Syscall rule.** Current Falco: the first process of a container (`proc.vpid=1`, spawned by
//! `execve`/`execveat`) in a privileged container (`container.privileged=true`, container
//! plugin). Legacy Falco: the seed's `evt.type=container` rule.
//!
//! **Limits.** The legacy target checks regular containers only, as the seed did.

use super::context::{intersects, is_true, Ctx};
use super::Generator;
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "privileged",
    doc: include_str!("privileged.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    if ctx.spec.privileged == Some(true) {
        return Vec::new();
    }
    let mut items = vec![ctx.banner("privileged")];
    let listed = intersects(
        Field::new("ka.req.pod.containers.privileged"),
        vec![Value::Word("true")],
    );
    if ctx.opts.sources.k8s_audit() {
        let violation = if ctx.legacy() {
            listed
        } else {
            Expr::or([
                listed,
                ctx.any_container(&["initContainers", "ephemeralContainers"], |c| {
                    is_true(c.field(&["securityContext", "privileged"]))
                }),
            ])
        };
        let violation = ctx.spec_mentions("\"privileged\":true", violation);
        items.push(ctx.k8s_rule("privileged", "pod with privileged=true", violation, ""));
    }
    if ctx.opts.sources.syscall() {
        items.push(if ctx.legacy() {
            ctx.syscall_rule(
                "privileged",
                "container with privileged=true created",
                Expr::eq(Field::new("evt.type"), Value::Word("container")),
                intersects(
                    Field::new("container.privileged"),
                    vec![Value::Word("true")],
                ),
            )
        } else {
            ctx.syscall_rule(
                "privileged",
                "privileged container started",
                container_start(),
                is_true(Field::new("container.privileged")),
            )
        });
    }
    items
}

/// A container's first process starting: how current Falco sees a container start, since the
/// container plugin's `container` event comes before any process (falcosecurity/rules #295).
pub fn container_start() -> Expr {
    Expr::and([
        Expr::list(
            Field::new("evt.type"),
            Op::In,
            vec![Value::Word("execve"), Value::Word("execveat")],
        ),
        Expr::eq(Field::new("proc.vpid"), Value::Int(1)),
    ])
}
