//! # allowedFlexVolumes
//!
//! **Property.** `spec.allowedFlexVolumes` (non-empty): the `flexVolume` drivers a pod may use.
//! An empty or absent list allows every driver (the `volumes` list must still allow
//! `flexVolume`).
//!
//! **Violation, every mode.** A `flexVolume` volume whose `driver` is not exactly one of the
//! listed drivers. PSP never defaults it, so `admission`, `declared` and `strict` agree.
//!
//! **K8s audit rule.** `ka.req.pod.volumes.flexvolume_driver` holds the driver of every flex
//! volume, so the rule is `not flexvolume_driver in (drivers)`: current Falco guards it with
//! `flexvolume_driver exists` (a pod without flex volumes has no value), legacy Falco uses the
//! seed's idiom with `"<NA>"` in the list (other volumes yield `<NA>`). No index bound.
//!
//! **Limits.** None known.

use super::context::Ctx;
use super::names_and_paths::{set_and_not_in, strs};
use super::Generator;
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "allowedFlexVolumes",
    doc: include_str!("allowed_flex_volumes.rs"),
    generate,
};

const DRIVERS: &str = "ka.req.pod.volumes.flexvolume_driver";

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(list) = ctx
        .spec
        .allowed_flex_volumes
        .as_ref()
        .filter(|l| !l.is_empty())
    else {
        return Vec::new();
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let drivers: Vec<String> = list.iter().map(|d| d.driver.clone()).collect();
    let violation = if ctx.legacy() {
        let mut values = strs(&drivers);
        values.push(Value::Str("<NA>".into()));
        Expr::not(Expr::list(Field::new(DRIVERS), Op::In, values))
    } else {
        set_and_not_in(Field::new(DRIVERS), &drivers)
    };
    vec![
        ctx.banner("allowedFlexVolumes"),
        ctx.k8s_rule(
            "allowedFlexVolumes",
            "pod with a flexVolume driver that is not allowed",
            violation,
            "drivers=%ka.req.pod.volumes.flexvolume_driver",
        ),
    ]
}
