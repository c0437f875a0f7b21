//! # allowedProcMountTypes
//!
//! **Property.** `spec.allowedProcMountTypes`: the `procMount` values containers may use
//! (`Default`, `Unmasked`). An empty list allows only `Default`.
//!
//! **Violation.** An init, regular or ephemeral container whose `securityContext.procMount`
//! (unset counts as `Default`) is not listed. `admission`: an absent list allows only
//! `Default`, as PSP made it. `declared`: an absent list is not checked. `strict`: either,
//! which is `admission`.
//!
//! **K8s audit rule.** When `Default` is allowed, only a set value can violate: for regular
//! containers `ka.req.pod.containers.proc_mount` (current Falco: `exists and not ... in
//! (listed)`; legacy Falco: the seed's `not ... in (listed, "<NA>")`). When it is not, an unset
//! value violates too, which the list field cannot show in current Falco (it drops unset
//! values), so every container index is checked with `json.value` pointers (`jevt.value` in
//! legacy Falco, where the list field's `<NA>` also works for regular containers). Init and
//! ephemeral containers are always checked per index.
//!
//! **Limits.** None beyond the container bound.

use super::context::{ContainerRef, Ctx};
use super::names_and_paths::{set_and_not_in, strs};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;
use crate::psp::model::ProcMountType;

pub const GENERATOR: Generator = Generator {
    property: "allowedProcMountTypes",
    doc: include_str!("allowed_proc_mount_types.rs"),
    generate,
};

const LIST_FIELD: &str = "ka.req.pod.containers.proc_mount";

fn generate(ctx: &Ctx) -> Vec<Item> {
    let mut listed: Vec<ProcMountType> = match (&ctx.spec.allowed_proc_mount_types, ctx.mode()) {
        (Some(l), _) => l.clone(),
        (None, Mode::Admission | Mode::Strict) => Vec::new(),
        (None, Mode::Declared) => return Vec::new(),
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    if listed.is_empty() {
        listed.push(ProcMountType::Default);
    }
    listed.sort();
    listed.dedup();
    let names: Vec<String> = listed.iter().map(|t| t.as_str().to_string()).collect();
    let default_ok = listed.contains(&ProcMountType::Default);
    let per_index = |c: &ContainerRef| {
        let field = c.field(&["securityContext", "procMount"]);
        if default_ok {
            set_and_not_in(field, &names)
        } else {
            Expr::and([
                c.present(),
                Expr::not(Expr::list(field, Op::In, strs(&names))),
            ])
        }
    };
    let regular = match (default_ok, ctx.legacy()) {
        (true, true) => {
            let mut values = strs(&names);
            values.push(Value::Str("<NA>".into()));
            Expr::not(Expr::list(Field::new(LIST_FIELD), Op::In, values))
        }
        (true, false) => set_and_not_in(Field::new(LIST_FIELD), &names),
        // Legacy Falco gives `<NA>` for an unset value, which is then outside the list.
        (false, true) => Expr::not(Expr::list(Field::new(LIST_FIELD), Op::In, strs(&names))),
        (false, false) => ctx.any_container(&["containers"], per_index),
    };
    let violation = Expr::or([
        regular,
        ctx.any_container(&["initContainers", "ephemeralContainers"], per_index),
    ]);
    // With Default allowed, only a set procMount can violate: the spec then names it.
    let violation = if default_ok {
        ctx.spec_mentions("\"procMount\":", violation)
    } else {
        violation
    };
    vec![
        ctx.banner("allowedProcMountTypes"),
        ctx.k8s_rule(
            "allowedProcMountTypes",
            &format!("pod with a procMount outside [{}]", names.join(", ")),
            violation,
            "proc_mount=%ka.req.pod.containers.proc_mount",
        ),
    ]
}
