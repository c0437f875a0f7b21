//! # apparmor
//!
//! **Property.** The policy annotations `apparmor.security.beta.kubernetes.io/allowedProfileNames`
//! (comma-separated; no wildcard) and `.../defaultProfileName`. A container's profile is the pod
//! annotation `container.apparmor.security.beta.kubernetes.io/<container name>`; there is no
//! pod-level profile. Without `allowedProfileNames` there is no restriction and no rule.
//!
//! **Violation.** An init, regular or ephemeral container whose profile is unset (or empty), or
//! set to a name not listed. `admission`: an unset profile becomes `defaultProfileName` when
//! there is one (PSP injects it), which is then checked the same way. `declared`: unset is a
//! violation. `strict`: either.
//!
//! **K8s audit rule.** The profile annotation is keyed by the container's name, and a Falco
//! condition cannot build a lookup key from a field value, so only what follows soundly from
//! the whole annotation map (`json.value[/requestObject/metadata/annotations]`, compact JSON) is
//! checked: the pod has no `container.apparmor.security.beta.kubernetes.io/` key at all, or
//! (current Falco, `val()`, Falco ≥ 0.38) a container's name does not occur anywhere in the
//! annotations — either way that container has no profile. The key test looks for
//! `{"container.apparmor...` or `,"container.apparmor...`, which only a key can produce (a `"`
//! inside a JSON string value is escaped).
//!
//! **Limits.** A profile that is set but not listed is not reported. An unset profile is
//! missed when the container's name happens to occur elsewhere in the annotations while another
//! container has an AppArmor annotation (legacy Falco: whenever any container has one), and an
//! annotation present with an empty value (which PSP treats as unset) is not reported. The
//! output says so in a comment and a warning. (Falco 0.44's `concat()` transformer could build
//! the annotation text to look for; pspconv does not use it yet.)

use super::context::{Ctx, CONTAINER_KINDS};
use super::names_and_paths::{out_field, pod_annotations};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "apparmor",
    doc: include_str!("apparmor.rs"),
    generate,
};

pub use crate::psp::annotations::{
    APPARMOR_ALLOWED as ALLOWED_KEY, APPARMOR_CONTAINER_PREFIX as CONTAINER_PREFIX,
    APPARMOR_DEFAULT as DEFAULT_KEY,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let ann = &ctx.policy.psp.metadata.annotations;
    let Some(raw) = ann.get(ALLOWED_KEY) else {
        return Vec::new();
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let allowed: Vec<&str> = raw.split(',').collect();
    let default = ann.get(DEFAULT_KEY).map(String::as_str).unwrap_or("");
    // A non-empty default is injected into unset profiles and then checked like a set one.
    let unset_ok_admission = !default.is_empty() && allowed.contains(&default);
    let unset_checked = match ctx.mode() {
        Mode::Admission => !unset_ok_admission,
        Mode::Declared | Mode::Strict => true,
    };
    let mut items = vec![
        ctx.banner("apparmor"),
        ctx.cannot_express(
            "apparmor (profile values)",
            "container profiles are annotations keyed by container name, which a Falco condition cannot build from the name field; a set profile outside the list is not reported, and an unset one only when the pod has no AppArmor annotation at all or the container's name occurs nowhere in its annotations",
        ),
    ];
    if !unset_checked {
        return items;
    }
    let map = pod_annotations();
    let key_start = Value::Str(format!("{{\"{CONTAINER_PREFIX}"));
    let key_inside = Value::Str(format!(",\"{CONTAINER_PREFIX}"));
    let no_key = Expr::not(Expr::or([
        Expr::cmp(map.clone(), Op::StartsWith, key_start),
        Expr::cmp(map.clone(), Op::Contains, key_inside),
    ]));
    let violation = if ctx.legacy() {
        no_key
    } else {
        Expr::or([
            no_key,
            ctx.any_container(&CONTAINER_KINDS, |c| {
                Expr::and([
                    c.present(),
                    Expr::not(Expr::cmp(
                        map.clone(),
                        Op::Contains,
                        Value::FieldRef(c.field(&["name"])),
                    )),
                ])
            }),
        ])
    };
    items.push(ctx.k8s_rule(
        "apparmor",
        "pod with a container without an AppArmor profile",
        violation,
        &out_field(ctx, "annotations", "/requestObject/metadata/annotations"),
    ));
    items
}
