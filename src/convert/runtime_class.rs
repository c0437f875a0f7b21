//! # runtimeClass
//!
//! **Property.** `spec.runtimeClass.allowedRuntimeClassNames`: the RuntimeClasses a pod may name
//! (`*`: any). `runtimeClass.defaultRuntimeClassName` only fills in an unset name and never
//! fires on its own.
//!
//! **Violation, every mode.** The pod sets `spec.runtimeClassName` to a name that is not listed;
//! an empty list forbids every name. An unset name is always allowed (PSP: "an unset
//! RuntimeClassName is always allowed"), so `admission`, `declared` and `strict` agree. A list
//! holding `*` gets no rule.
//!
//! **K8s audit rule.** `json.value[/requestObject/spec/runtimeClassName] exists and not ... in
//! (names)`, for both targets (`jevt.value` in legacy Falco).
//!
//! **Limits.** None known.

use super::context::{spec_field, Ctx};
use super::names_and_paths::{out_field, set_and_not_in};
use super::Generator;
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "runtimeClass",
    doc: include_str!("runtime_class.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(rc) = &ctx.spec.runtime_class else {
        return Vec::new();
    };
    let names = &rc.allowed_runtime_class_names;
    if names.iter().any(|n| n == "*") || !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    vec![
        ctx.banner("runtimeClass"),
        ctx.k8s_rule(
            "runtimeClass",
            "pod with a runtimeClassName that is not allowed",
            set_and_not_in(spec_field(&["runtimeClassName"]), names),
            &out_field(ctx, "runtime_class", "/requestObject/spec/runtimeClassName"),
        ),
    ]
}
