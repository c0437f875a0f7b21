//! # allowedCSIDrivers
//!
//! **Property.** `spec.allowedCSIDrivers` (non-empty): the CSI drivers an inline `csi` volume
//! may use. An empty or absent list allows every driver. Volumes backed by a persistent volume
//! claim are not inline and not restricted.
//!
//! **Violation, every mode.** An inline `csi` volume whose `driver` is not exactly one of the
//! listed names. PSP never defaults it, so `admission`, `declared` and `strict` agree.
//!
//! **K8s audit rule.** No `ka.*` field holds CSI drivers, so each volume index is checked:
//! `json.value[/requestObject/spec/volumes/<i>/csi/driver] exists and not ... in (names)`, for
//! both targets (`jevt.value` in legacy Falco). Volumes past the bound are reported by the
//! "too large" rule.
//!
//! **Limits.** None beyond the volume bound.

use super::context::Ctx;
use super::names_and_paths::{set_and_not_in, volume_field, volume_slots};
use super::Generator;
use crate::falco::expr::Expr;
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "allowedCSIDrivers",
    doc: include_str!("allowed_csi_drivers.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(list) = ctx
        .spec
        .allowed_csi_drivers
        .as_ref()
        .filter(|l| !l.is_empty())
    else {
        return Vec::new();
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let names: Vec<String> = list.iter().map(|d| d.name.clone()).collect();
    let violation = Expr::or(
        volume_slots(ctx).map(|i| set_and_not_in(volume_field(i, &["csi", "driver"]), &names)),
    );
    vec![
        ctx.banner("allowedCSIDrivers"),
        ctx.k8s_rule(
            "allowedCSIDrivers",
            "pod with an inline CSI volume whose driver is not allowed",
            violation,
            "",
        ),
    ]
}
