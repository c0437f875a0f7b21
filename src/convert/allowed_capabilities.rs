//! # allowedCapabilities
//!
//! **Property.** `spec.allowedCapabilities` and `spec.defaultAddCapabilities`: the
//! capabilities containers may add (`securityContext.capabilities.add`) beyond the runtime's
//! defaults. `*` in `allowedCapabilities` allows any, and then nothing is checked.
//!
//! **Violation.** An init, regular or ephemeral container adds a capability that is in neither
//! list (exact, case-sensitive names, as PSP compared them: `net_admin` and `CAP_NET_ADMIN` are
//! not `NET_ADMIN`). `admission`: an absent `allowedCapabilities` allows only
//! `defaultAddCapabilities`. `declared`: checked only when `allowedCapabilities` is present (an
//! explicit `[]` allows only `defaultAddCapabilities`). `strict`: as `admission`.
//!
//! **K8s audit rule.** The k8saudit plugin's `ka.req.pod.containers.add_capabilities` yields one
//! JSON-array string per container, so `in (SYS_TIME)` never matches it. Current Falco: per
//! container, the compact JSON of `json.value[/requestObject/spec/<kind>/<i>/securityContext/
//! capabilities/add]` (e.g. `["NET_ADMIN","SYS_TIME"]`) must fully match a regex accepting only
//! arrays of allowed names, `.("(NET_ADMIN|SYS_TIME)",?)*.`. Legacy Falco (no regex), and
//! current Falco when that regex would be too long: per-index `.../add/<k>` pointers
//! (single-valued) with `exists` and `not ... in (<list>)`. When nothing may be added, index 0
//! existing is enough.
//!
//! **Syscall rule.** Current Falco: a process starting (`execve`, `execveat`) in a scoped,
//! non-privileged container holds an effective capability (`thread.cap_effective`, e.g.
//! `CAP_CHOWN CAP_NET_RAW`) that is neither allowed nor in the container runtimes' default set
//! (Docker and containerd: CHOWN, DAC_OVERRIDE, FSETID, FOWNER, MKNOD, NET_RAW, SETGID, SETUID,
//! SETFCAP, SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, KILL, AUDIT_WRITE; CRI-O grants fewer). A
//! process's capabilities never exceed the container's bounding set, which is that default set
//! plus `add` minus `drop`, so such a capability was added by the pod: the rule cannot fire on
//! a compliant pod. Allowed names are compared without `CAP_` and case, as runtimes read them.
//! Privileged containers hold every capability and are left to the `privileged` rules.
//! Legacy Falco: no rule, since `thread.cap_effective` arrived in Falco 0.32 (libs 0.7.0).
//!
//! **Limits.** The syscall rule misses an added capability that no process holds effectively
//! (a non-root process without file capabilities), and would misfire on a runtime configured
//! with extra default capabilities. Containers beyond the container bound, and (per-index form
//! only) capabilities beyond the per-container bound, are reported by the "too large" rule.

use super::context::{Bounded, Ctx, CONTAINER_KINDS};
use super::ids_and_capabilities::{
    held_capability_rule, runtime_name, ALL_CAPS, RUNTIME_DEFAULT_CAPS,
};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "allowedCapabilities",
    doc: include_str!("allowed_capabilities.rs"),
    generate,
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    let listed = ctx.spec.allowed_capabilities.as_ref();
    if listed.is_some_and(|l| l.iter().any(|c| c == "*")) {
        return Vec::new();
    }
    if ctx.mode() == Mode::Declared && listed.is_none() {
        // A policy that only adds capabilities states no limit on the pod's own adds.
        return match &ctx.spec.default_add_capabilities {
            Some(_) => vec![
                ctx.banner("allowedCapabilities"),
                Item::Comment {
                    lines: vec![
                        "allowedCapabilities is absent: declared mode does not check added capabilities".into(),
                        "(defaultAddCapabilities only adds; admission and strict mode allow no others)".into(),
                    ],
                    banner: false,
                },
            ],
            None => Vec::new(),
        };
    }
    let mut allowed: Vec<String> = listed.cloned().unwrap_or_default();
    allowed.extend(ctx.spec.default_add_capabilities.iter().flatten().cloned());
    allowed.sort();
    allowed.dedup();
    let mut items = vec![ctx.banner("allowedCapabilities")];
    if ctx.opts.sources.k8s_audit() {
        let list = ctx.name("allowed_capabilities");
        let whole_list = (!ctx.legacy())
            .then(|| all_allowed_regex(&allowed))
            .flatten();
        let violation = if allowed.is_empty() {
            ctx.any_container(&CONTAINER_KINDS, |c| {
                Expr::exists(c.field(&["securityContext", "capabilities", "add", "0"]))
            })
        } else if let Some(re) = whole_list {
            ctx.any_container(&CONTAINER_KINDS, |c| {
                let add = c.field(&["securityContext", "capabilities", "add"]);
                Expr::and([
                    Expr::exists(add.clone()),
                    Expr::not(Expr::cmp(add, Op::Regex, Value::Str(re.clone()))),
                ])
            })
        } else {
            items.push(Item::List {
                name: list.clone(),
                items: allowed.iter().map(|c| Value::Str(c.clone())).collect(),
            });
            ctx.note_bounded(Bounded::PerContainer(vec![
                "securityContext",
                "capabilities",
                "add",
            ]));
            let per_item = ctx.opts.bounds.per_container;
            Expr::or(ctx.containers(&CONTAINER_KINDS).iter().flat_map(|c| {
                let list = list.clone();
                (0..per_item).map(move |k| {
                    let k = k.to_string();
                    let add = c.field(&["securityContext", "capabilities", "add", &k]);
                    Expr::and([
                        Expr::exists(add.clone()),
                        Expr::not(Expr::list(add, Op::In, vec![Value::ListRef(list.clone())])),
                    ])
                })
            }))
        };
        let what = if allowed.is_empty() {
            "pod adding a capability (none allowed)"
        } else {
            "pod adding a capability that is not allowed"
        };
        // Only a container with an `add` list can add a capability.
        let violation = ctx.spec_mentions("\"add\":[", violation);
        items.push(ctx.k8s_rule(
            "allowedCapabilities",
            what,
            violation,
            "add_capabilities=%ka.req.pod.containers.add_capabilities",
        ));
    }
    if ctx.opts.sources.syscall() {
        let mut held_ok: Vec<String> = allowed.iter().map(|c| runtime_name(c)).collect();
        held_ok.extend(RUNTIME_DEFAULT_CAPS.iter().map(|c| c.to_string()));
        let forbidden: Vec<&str> = ALL_CAPS
            .iter()
            .copied()
            .filter(|c| !held_ok.iter().any(|h| h == c))
            .collect();
        if let Some(rule) = held_capability_rule(
            ctx,
            "allowedCapabilities",
            "process holding a capability the pod may not add",
            &forbidden,
        ) {
            items.push(rule);
        }
    }
    items
}

/// Current Falco: a regex that fully matches the compact JSON of an `add` array (e.g.
/// `["NET_ADMIN","SYS_TIME"]`) exactly when every element is allowed, so one check per container
/// covers any number of capabilities. The first and last `.` are the brackets (a literal `[`
/// would need a backslash); each element must be a whole `"NAME"`, and a quote inside a JSON
/// string is always escaped, so no element can pose as another. `None` when a name needs
/// escaping or the regex would pass Falco's 255-byte limit (per-index checks then).
fn all_allowed_regex(allowed: &[String]) -> Option<String> {
    let plain = |c: &String| {
        !c.is_empty()
            && c.chars()
                .all(|ch| ch.is_ascii_alphanumeric() || ch == '_' || ch == '-')
    };
    if !allowed.iter().all(plain) {
        return None;
    }
    let re = format!(".(\"({})\",?)*.", allowed.join("|"));
    (re.len() <= crate::falco::render::MAX_VALUE_BYTES).then_some(re)
}
