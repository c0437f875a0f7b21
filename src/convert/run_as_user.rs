//! # runAsUser
//!
//! **Property.** `spec.runAsUser`: the user IDs containers run as. `RunAsAny` (or absent):
//! nothing is checked.
//!
//! **Violation, `MustRunAs`.** A container's effective `runAsUser` (its own, else the pod's
//! `spec.securityContext.runAsUser`) is set and outside every range. `declared` and `strict`:
//! also a container whose effective `runAsUser` is unset (PSP would have set `ranges[0].min`).
//!
//! **Violation, `MustRunAsNonRoot`.** A container's effective `runAsNonRoot` is `false`, or its
//! effective `runAsUser` is 0. `declared` and `strict`: also a container with neither an
//! effective `runAsUser` nor an effective `runAsNonRoot: true` (PSP would have set
//! `runAsNonRoot: true`).
//!
//! **K8s audit rule.** Per-index `json.value` pointers over init, regular and ephemeral
//! containers and the pod's security context, with the container-else-pod fallback written
//! out. Current Falco compares the IDs with a range regex (the plugin's values are strings, and
//! its `eff_run_as_user` is always `"0"`); legacy Falco with range-aware `in ("min:max")`
//! (`jevt.value` values are numbers there). Checks on 0 and `false` are plain `=`.
//!
//! **Syscall rule.** A process in a scoped container executes (`execve`, `execveat`) or changes
//! its user (`setuid`, `setresuid`; libsinsp updates `user.uid` on those) with an effective UID
//! outside the ranges (`MustRunAs`, numeric `>=`/`<=` on `user.uid`) or equal to 0
//! (`MustRunAsNonRoot`). PSP fixed the UID of the container's first process; a later UID
//! outside the policy means a setuid binary or an added `SETUID` capability got around it.
//! Legacy Falco: `execve`, `setuid` exit events (`evt.dir=<`), as the seed's converter. The
//! syscall rules are the same in every mode: a process's UID is what the policy, applied, fixed.
//!
//! **Limits.** The syscall rule sees host UIDs: pods in a user namespace (`hostUsers: false`)
//! are misjudged. Containers beyond the container bound are reported by the "too large" rule.

use super::context::{Ctx, CONTAINER_KINDS};
use super::ids_and_capabilities::{
    effective_id_violation, id_change_events, id_ranges, pod_security_field,
    some_container_inherits, syscall_in_ranges,
};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Value};
use crate::falco::rules::Item;
use crate::psp::model::RunAsUserRule;

pub const GENERATOR: Generator = Generator {
    property: "runAsUser",
    doc: include_str!("run_as_user.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(strategy) = &ctx.spec.run_as_user else {
        return Vec::new();
    };
    let ranges = id_ranges(&strategy.ranges);
    let (label, what, violation, syscall) = match strategy.rule {
        RunAsUserRule::RunAsAny => return Vec::new(),
        RunAsUserRule::MustRunAs => {
            let allowed = ctx.name("allowed_uids");
            (
                "runAsUser=MustRunAs",
                if ctx.mode() == Mode::Admission {
                    "container with a runAsUser outside the allowed ranges"
                } else {
                    "container without a runAsUser in the allowed ranges"
                },
                effective_id_violation(ctx, "runAsUser", &ranges, ctx.mode() != Mode::Admission),
                (
                    Some(Item::Macro {
                        name: allowed.clone(),
                        condition: Expr::group(syscall_in_ranges("user.uid", &ranges)),
                    }),
                    "process running as a user outside the allowed ranges",
                    Expr::not(Expr::macro_ref(allowed)),
                ),
            )
        }
        RunAsUserRule::MustRunAsNonRoot => (
            "runAsUser=MustRunAsNonRoot",
            if ctx.mode() == Mode::Admission {
                "container running as root or with runAsNonRoot=false"
            } else {
                "container not required to run as non-root"
            },
            non_root_violation(ctx),
            (
                None,
                "process running as root",
                Expr::eq(Field::new("user.uid"), Value::Int(0)),
            ),
        ),
    };
    let mut items = vec![ctx.banner(label)];
    if ctx.opts.sources.k8s_audit() {
        let fields = if ctx.legacy() {
            "eff_run_as_user=%ka.req.pod.containers.eff_run_as_user"
        } else {
            "pod_run_as_user=%ka.req.pod.run_as_user run_as_user=%ka.req.pod.containers.run_as_user"
        };
        items.push(ctx.k8s_rule(label, what, violation, fields));
    }
    if ctx.opts.sources.syscall() {
        let (mac, what, cond) = syscall;
        items.extend(mac);
        items.push(ctx.syscall_rule(
            label,
            what,
            id_change_events(ctx, &["setuid", "setresuid"]),
            cond,
        ));
    }
    items
}

fn non_root_violation(ctx: &Ctx) -> Expr {
    let own = |c: &super::ContainerRef, key: &str| c.field(&["securityContext", key]);
    let is_false = |f: Field| Expr::eq(f, Value::Word("false"));
    let is_root = |f: Field| Expr::eq(f, Value::Int(0));
    let pod_nr = pod_security_field("runAsNonRoot");
    let pod_uid = pod_security_field("runAsUser");
    // A container's own `runAsNonRoot: false` or `runAsUser: 0` is named in the spec's text.
    let own_root = ctx.spec_matches(
        ".*\"(runAsNonRoot\":false|runAsUser\":0[,}]).*",
        ctx.any_container(&CONTAINER_KINDS, |c| {
            Expr::or([
                is_false(own(c, "runAsNonRoot")),
                is_root(own(c, "runAsUser")),
            ])
        }),
    );
    let admission = Expr::or([
        own_root,
        Expr::and([
            is_false(pod_nr.clone()),
            some_container_inherits(ctx, "runAsNonRoot"),
        ]),
        Expr::and([
            is_root(pod_uid.clone()),
            some_container_inherits(ctx, "runAsUser"),
        ]),
    ]);
    // Neither an effective UID nor an effective runAsNonRoot: true. (An effective `false` is
    // already an admission violation, which declared mode includes.)
    let declared_only = Expr::and([
        Expr::not(Expr::exists(pod_uid)),
        Expr::not(Expr::eq(pod_nr, Value::Word("true"))),
        ctx.any_container(&CONTAINER_KINDS, |c| {
            Expr::and([
                c.present(),
                Expr::not(Expr::exists(own(c, "runAsUser"))),
                Expr::not(Expr::exists(own(c, "runAsNonRoot"))),
            ])
        }),
    ]);
    match ctx.mode() {
        Mode::Admission => admission,
        Mode::Declared | Mode::Strict => Expr::or([admission, declared_only]),
    }
}
