//! # allowPrivilegeEscalation
//!
//! **Property.** `spec.allowPrivilegeEscalation: false`: no container may gain more privileges
//! than its parent process (`no_new_privs`). Absent, PSP defaulted it to `true`: no rule.
//! `defaultAllowPrivilegeEscalation` only fills in unset fields and never fires on its own.
//!
//! **Violation.** `admission`: a container sets `allowPrivilegeEscalation: true` explicitly (PSP
//! turns an unset field into `false`). `declared`: a container does not set it to `false` (unset
//! means `true` in Kubernetes). `strict`: either, which is `declared`.
//!
//! **K8s audit rule.** `admission`: `ka.req.pod.containers.allow_privilege_escalation intersects
//! (true)` for regular containers (correct for both targets), per-index pointers for init and
//! ephemeral containers. `declared`: current Falco checks every container index (`exists` and
//! `not ...=false`), since the list field drops unset values; legacy Falco uses `not
//! ka.req.pod.containers.allow_privilege_escalation in (false)` for regular containers (unset
//! is `<NA>` there) and per-index `jevt.value` pointers for init and ephemeral containers.
//!
//! **Limits.** None beyond the container bound.

use super::context::{intersects, Ctx, CONTAINER_KINDS};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "allowPrivilegeEscalation",
    doc: include_str!("allow_privilege_escalation.rs"),
    generate,
};

const LIST_FIELD: &str = "ka.req.pod.containers.allow_privilege_escalation";
const OTHER_KINDS: [&str; 2] = ["initContainers", "ephemeralContainers"];

fn generate(ctx: &Ctx) -> Vec<Item> {
    if ctx.spec.allow_privilege_escalation != Some(false) || !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let field = ["securityContext", "allowPrivilegeEscalation"];
    let explicit_true = || {
        Expr::or([
            intersects(Field::new(LIST_FIELD), vec![Value::Word("true")]),
            ctx.any_container(&OTHER_KINDS, |c| {
                Expr::eq(c.field(&field), Value::Word("true"))
            }),
        ])
    };
    let not_false = |c: &super::ContainerRef| {
        Expr::and([
            c.present(),
            Expr::not(Expr::eq(c.field(&field), Value::Word("false"))),
        ])
    };
    let without_false = || {
        if ctx.legacy() {
            Expr::or([
                Expr::not(Expr::list(
                    Field::new(LIST_FIELD),
                    Op::In,
                    vec![Value::Word("false")],
                )),
                ctx.any_container(&OTHER_KINDS, not_false),
            ])
        } else {
            ctx.any_container(&CONTAINER_KINDS, not_false)
        }
    };
    let (violation, what) = match ctx.mode() {
        Mode::Admission => (explicit_true(), "pod with allowPrivilegeEscalation=true"),
        // declared ⊇ admission, so strict is declared.
        Mode::Declared | Mode::Strict => (
            without_false(),
            "pod without allowPrivilegeEscalation=false",
        ),
    };
    vec![
        ctx.banner("allowPrivilegeEscalation"),
        ctx.k8s_rule(
            "allowPrivilegeEscalation",
            what,
            violation,
            "allow_privilege_escalation=%ka.req.pod.containers.allow_privilege_escalation",
        ),
    ]
}
