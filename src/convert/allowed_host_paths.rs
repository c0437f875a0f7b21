//! # allowedHostPaths
//!
//! **Property.** `spec.allowedHostPaths` (non-empty): the host paths a `hostPath` volume may
//! use, each `{pathPrefix, readOnly}`. An empty or absent list allows every path.
//!
//! **Violation, every mode.** A `hostPath` volume whose `path` matches no prefix. Matching is
//! PSP's `hasPathPrefix`: one trailing `/` trimmed from both, then a prefix ending at a path
//! segment boundary (`/foo` matches `/foo`, `/foo/`, `/foo/bar`, not `/food`; `/` matches every
//! absolute path). And, when every prefix the path matches is `readOnly: true`, a
//! `volumeMount` of that volume (by name, in any container) without `readOnly: true`. PSP never
//! defaults these fields, so `admission`, `declared` and `strict` agree.
//!
//! **K8s audit rule.** Per volume index, `json.value[/requestObject/spec/volumes/<i>/hostPath/path]`
//! compared with `=` and `startswith` (`path = P or path startswith "P/"`), which is the
//! segment match exactly; `pmatch` is not used (it never matches in legacy Falco). The read-only
//! part matches mounts to volumes by name with a field-to-field comparison,
//! `json.value[.../volumeMounts/<k>/name] = val(json.value[/requestObject/spec/volumes/<i>/name])`,
//! which needs Falco ≥ 0.38 (engine 0.40.0). Every volume/mount pair is one comparison, so it
//! looks at a window: the first 8 volumes and the first 8 mounts of the first 2 init and 2
//! regular containers (less when the bounds are lower); a macro per volume index
//! (`<name>_psp_ro_host_path_<i>`) says whether its path is under read-only prefixes only. A pod with a read-only host path whose volumes or mounts reach past
//! that window gets the rule `PSP <name> Pod Too Large To Check (allowedHostPaths) K8s Audit`
//! (priority NOTICE) instead of a silent pass. Ephemeral containers are left out of this part:
//! the API server refuses a pod create that carries them.
//!
//! **Limits.** Legacy Falco (0.18–0.31) has no field-to-field comparison, so the legacy target
//! checks the prefixes only; when a read-only prefix exists it says so in a comment and a
//! warning.

use super::context::{Bounded, ContainerRef, Ctx};
use super::names_and_paths::{has_path_prefix, path_has_prefix, volume_field, volume_slots};
use super::Generator;
use crate::falco::expr::{Expr, Value};
use crate::falco::rules::{Item, Rule, Source};
use crate::psp::model::AllowedHostPath;

pub const GENERATOR: Generator = Generator {
    property: "allowedHostPaths",
    doc: include_str!("allowed_host_paths.rs"),
    generate,
};

/// The read-only window: volumes, containers per kind, mounts per container.
const RO_VOLUMES: usize = 8;
const RO_CONTAINERS: usize = 2;
const RO_MOUNTS: usize = 8;
const MOUNT_KINDS: [&str; 2] = ["initContainers", "containers"];

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(entries) = ctx
        .spec
        .allowed_host_paths
        .as_ref()
        .filter(|e| !e.is_empty())
    else {
        return Vec::new();
    };
    if !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let (ro, rw): (Vec<&AllowedHostPath>, Vec<&AllowedHostPath>) =
        entries.iter().partition(|e| e.read_only);
    // A read-only prefix matters only for paths no read-write prefix also matches.
    let ro: Vec<&AllowedHostPath> = ro
        .into_iter()
        .filter(|r| {
            !rw.iter()
                .any(|w| has_path_prefix(&r.path_prefix, &w.path_prefix))
        })
        .collect();
    let matches = |i: usize, list: &[&AllowedHostPath]| {
        let path = volume_field(i, &["hostPath", "path"]);
        Expr::or(
            list.iter()
                .map(|e| path_has_prefix(path.clone(), &e.path_prefix)),
        )
    };
    let all: Vec<&AllowedHostPath> = entries.iter().collect();
    let mut items = vec![ctx.banner("allowedHostPaths")];
    let unlisted = Expr::or(volume_slots(ctx).map(|i| {
        Expr::and([
            Expr::exists(volume_field(i, &["hostPath", "path"])),
            Expr::not(matches(i, &all)),
        ])
    }));
    // The volume's path matches a read-only prefix and no read-write one.
    let read_only_only = |i: usize| {
        if rw.is_empty() {
            matches(i, &ro)
        } else {
            Expr::and([matches(i, &ro), Expr::not(matches(i, &rw))])
        }
    };
    let mut too_large = None;
    let violation = if ro.is_empty() {
        unlisted
    } else if ctx.legacy() {
        items.push(ctx.cannot_express(
            "allowedHostPaths (readOnly)",
            "matching a volumeMount to its volume needs a field-to-field comparison (val()), which Falco 0.18-0.31 lacks; only the path prefixes are checked",
        ));
        unlisted
    } else {
        let b = ctx.opts.bounds;
        let (nv, nc, nm) = (
            RO_VOLUMES.min(b.volumes),
            RO_CONTAINERS.min(b.containers),
            RO_MOUNTS.min(b.per_container),
        );
        // One macro per volume index: its path matches a read-only prefix and no other.
        let ro_macro = |i: usize| ctx.name(&format!("ro_host_path_{i}"));
        for i in volume_slots(ctx) {
            items.push(Item::Macro {
                name: ro_macro(i),
                condition: read_only_only(i),
            });
        }
        let mounts: Vec<ContainerRef> = MOUNT_KINDS
            .iter()
            .flat_map(|kind| (0..nc).map(move |index| ContainerRef { kind, index }))
            .collect();
        let writable = Expr::or(mounts.iter().flat_map(|c| {
            (0..nm).map(move |k| {
                let idx = k.to_string();
                let name = c.field(&["volumeMounts", &idx, "name"]);
                let refers = Expr::or((0..nv).map(|i| {
                    Expr::and([
                        Expr::eq(name.clone(), Value::FieldRef(volume_field(i, &["name"]))),
                        Expr::macro_ref(ro_macro(i)),
                    ])
                }));
                Expr::and([
                    Expr::not(Expr::eq(
                        c.field(&["volumeMounts", &idx, "readOnly"]),
                        Value::Word("true"),
                    )),
                    refers,
                ])
            })
        }));
        // Past the window: a read-only volume beyond it, or one inside it with more containers
        // or mounts than the window holds. Containers past the whole bound are the general
        // "too large" rule's; mounts are reported here, only for pods this check concerns.
        let mut more = Vec::new();
        for kind in MOUNT_KINDS {
            if nc < b.containers {
                more.push(ContainerRef { kind, index: nc }.present());
            } else {
                ctx.note_bounded(Bounded::Containers(kind));
            }
            for index in 0..nc {
                let idx = nm.to_string();
                more.push(Expr::exists(
                    ContainerRef { kind, index }.field(&["volumeMounts", &idx]),
                ));
            }
        }
        let beyond = Expr::or(
            (nv..b.volumes)
                .map(|i| Expr::macro_ref(ro_macro(i)))
                .chain([Expr::and([
                    Expr::or((0..nv).map(|i| Expr::macro_ref(ro_macro(i)))),
                    Expr::or(more),
                ])]),
        );
        too_large = Some(too_large_rule(ctx, beyond, (nv, nc, nm)));
        // Outside every prefix: neither under read-only prefixes only (the macro) nor under a
        // read-write one; written with the macros, which already hold the read-only prefixes.
        let unlisted = Expr::or(volume_slots(ctx).map(|i| {
            let mut parts = vec![
                Expr::exists(volume_field(i, &["hostPath", "path"])),
                Expr::not(Expr::macro_ref(ro_macro(i))),
            ];
            if !rw.is_empty() {
                parts.push(Expr::not(matches(i, &rw)));
            }
            Expr::and(parts)
        }));
        Expr::or([unlisted, writable])
    };
    let what = if too_large.is_none() {
        "pod with a hostPath volume outside the allowed path prefixes"
    } else {
        "pod with a hostPath volume outside the allowed path prefixes or mounted writable under a read-only prefix"
    };
    items.push(ctx.k8s_rule(
        "allowedHostPaths",
        what,
        violation,
        "host_paths=%ka.req.pod.volumes.hostpath",
    ));
    items.extend(too_large);
    items
}

fn too_large_rule(ctx: &Ctx, condition: Expr, (nv, nc, nm): (usize, usize, usize)) -> Item {
    Item::Rule(Rule {
        name: format!(
            "PSP {} Pod Too Large To Check (allowedHostPaths) K8s Audit",
            ctx.prefix
        ),
        desc: format!(
            "A pod has a hostPath volume under a read-only prefix and more volumes (>{nv}), init or regular containers (>{nc} of a kind) or volume mounts (>{nm} in a container) than the read-only check compares pairwise"
        ),
        condition: ctx.k8s_condition(condition),
        output: format!(
            "Pod Security Policy {} could not be fully checked--read-only host path mounts beyond the checked window (user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace spec=%json.value[/requestObject/spec])",
            ctx.policy.name
        ),
        priority: "NOTICE",
        source: Source::K8sAudit,
        tags: vec!["k8s-psp".into()],
        skip_if_unknown_filter: false,
    })
}
