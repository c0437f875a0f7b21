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
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "allowedCapabilities",
    doc: include_str!("allowed_capabilities.rs"),
    generate,
};

/// Capabilities Docker and containerd grant every container (CRI-O grants a subset).
pub const RUNTIME_DEFAULT_CAPS: [&str; 14] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "FSETID",
    "FOWNER",
    "MKNOD",
    "NET_RAW",
    "SETGID",
    "SETUID",
    "SETFCAP",
    "SETPCAP",
    "NET_BIND_SERVICE",
    "SYS_CHROOT",
    "KILL",
    "AUDIT_WRITE",
];

/// Every capability name libsinsp prints in `thread.cap_effective`, in bit order.
pub const ALL_CAPS: [&str; 41] = [
    "CHOWN",
    "DAC_OVERRIDE",
    "DAC_READ_SEARCH",
    "FOWNER",
    "FSETID",
    "KILL",
    "SETGID",
    "SETUID",
    "SETPCAP",
    "LINUX_IMMUTABLE",
    "NET_BIND_SERVICE",
    "NET_BROADCAST",
    "NET_ADMIN",
    "NET_RAW",
    "IPC_LOCK",
    "IPC_OWNER",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_CHROOT",
    "SYS_PTRACE",
    "SYS_PACCT",
    "SYS_ADMIN",
    "SYS_BOOT",
    "SYS_NICE",
    "SYS_RESOURCE",
    "SYS_TIME",
    "SYS_TTY_CONFIG",
    "MKNOD",
    "LEASE",
    "AUDIT_WRITE",
    "AUDIT_CONTROL",
    "SETFCAP",
    "MAC_OVERRIDE",
    "MAC_ADMIN",
    "SYSLOG",
    "WAKE_ALARM",
    "BLOCK_SUSPEND",
    "AUDIT_READ",
    "PERFMON",
    "BPF",
    "CHECKPOINT_RESTORE",
];

/// A capability as container runtimes read it: upper case, without `CAP_`.
pub fn runtime_name(cap: &str) -> String {
    let up = cap.to_ascii_uppercase();
    up.strip_prefix("CAP_").map(str::to_string).unwrap_or(up)
}

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

/// A syscall rule: a process starts in a scoped, non-privileged container holding one of
/// `caps` effectively. `None` when there is nothing to look for; a comment for legacy Falco.
pub fn held_capability_rule(ctx: &Ctx, label: &str, what: &str, caps: &[&str]) -> Option<Item> {
    if caps.is_empty() {
        return None;
    }
    if ctx.legacy() {
        return Some(ctx.cannot_express(
            &format!("{label} (syscall)"),
            "thread.cap_effective does not exist before Falco 0.32 (libs 0.7.0)",
        ));
    }
    let f = Field::new;
    let held = if caps.len() == ALL_CAPS.len() {
        // Every name starts with CAP_: any effective capability at all.
        Expr::cmp(
            f("thread.cap_effective"),
            Op::Contains,
            Value::Str("CAP_".into()),
        )
    } else {
        Expr::or(caps.iter().map(|c| {
            Expr::cmp(
                f("thread.cap_effective"),
                Op::Contains,
                Value::Str(format!("CAP_{c}")),
            )
        }))
    };
    let rule = ctx.syscall_rule(
        label,
        what,
        Expr::list(
            f("evt.type"),
            Op::In,
            vec![Value::Word("execve"), Value::Word("execveat")],
        ),
        Expr::and([
            Expr::not(Expr::eq(f("container.privileged"), Value::Word("true"))),
            held,
        ]),
    );
    // Name the capabilities the process holds.
    Some(match rule {
        Item::Rule(mut r) => {
            r.output = r
                .output
                .replacen(" (user=", " caps=%thread.cap_effective (user=", 1);
            Item::Rule(r)
        }
        other => other,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_capability_name_contains_another() {
        for a in ALL_CAPS {
            for b in ALL_CAPS {
                if a != b {
                    assert!(!format!("CAP_{a}").contains(&format!("CAP_{b}")), "{a} {b}");
                }
            }
        }
        for d in RUNTIME_DEFAULT_CAPS {
            assert!(ALL_CAPS.contains(&d));
        }
    }
}
