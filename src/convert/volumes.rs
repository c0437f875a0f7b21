//! # volumes
//!
//! **Property.** `spec.volumes`: the volume types a pod may use (`*`: any). PSP's `cephFS` is
//! the pod key `cephfs`; every other name is the pod key itself.
//!
//! **Violation.** A pod volume of a type that is not listed; an empty list forbids every
//! volume. `admission`: an absent `volumes` allows no volume, as PSP made it. `declared`: an
//! absent `volumes` is not checked. `strict`: either, which is `admission`. A list holding `*`
//! gets no rule.
//!
//! **K8s audit rule.** `ka.req.pod.volumes.volume_type` lists every key other than `name` of
//! every volume, so "some volume has an unlisted type" is `not volume_type in (listed)`. Current
//! Falco: guarded by `volume_type exists`, since a pod without volumes has no value and `not ...
//! in` would be true. Legacy Falco: the seed's idiom with `"<NA>"` in the list (no volumes gives
//! `<NA>`). Neither needs an index bound; a volume with an unknown source key is reported, as PSP
//! rejected it.
//!
//! **Limits.** PSP (Kubernetes ≥ 1.20) let a `projected` volume holding only the service-account
//! token, `kube-root-ca.crt` and the namespace through when `secret` is allowed; the rule reports
//! it when `projected` is not listed. The ServiceAccount admission plugin injects that volume
//! after the audit log records the request, so it is rarely in `requestObject`.

use super::context::Ctx;
use super::names_and_paths::{set_and_not_in, strs};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;
use crate::psp::model::FsType;

pub const GENERATOR: Generator = Generator {
    property: "volumes",
    doc: include_str!("volumes.rs"),
    generate,
};

const TYPES: &str = "ka.req.pod.volumes.volume_type";

fn generate(ctx: &Ctx) -> Vec<Item> {
    let listed: Vec<FsType> = match (&ctx.spec.volumes, ctx.mode()) {
        (Some(v), _) => v.clone(),
        (None, Mode::Admission | Mode::Strict) => Vec::new(),
        (None, Mode::Declared) => return Vec::new(),
    };
    if listed.contains(&FsType::All) || !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let mut keys: Vec<String> = listed.iter().map(|t| t.pod_key().to_string()).collect();
    keys.dedup();
    let violation = if ctx.legacy() {
        let mut values = strs(&keys);
        values.push(Value::Str("<NA>".into()));
        Expr::not(Expr::list(Field::new(TYPES), Op::In, values))
    } else {
        set_and_not_in(Field::new(TYPES), &keys)
    };
    let what = if keys.is_empty() {
        "pod with a volume (no volume type allowed)".to_string()
    } else {
        format!("pod with a volume type outside [{}]", keys.join(", "))
    };
    vec![
        ctx.banner("volumes"),
        ctx.k8s_rule(
            "volumes",
            &what,
            violation,
            "volume_types=%ka.req.pod.volumes.volume_type",
        ),
    ]
}
