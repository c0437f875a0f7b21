//! Building blocks shared by the ID, port and capability generators: numeric-set membership per
//! target, effective (container-else-pod) IDs, JSON-array scans, and the capability names and
//! syscall rule shared by `allowedCapabilities` and `requiredDropCapabilities`.

use super::context::{spec_field, Ctx, CONTAINER_KINDS};
use super::ranges::{self, NumRange};
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::render::MAX_VALUE_BYTES;
use crate::falco::rules::Item;
use crate::psp::validate::IdRange;

/// PSP ID ranges as numeric ranges.
pub fn id_ranges(ranges: &[IdRange]) -> Vec<NumRange> {
    ranges
        .iter()
        .map(|r| NumRange::new(r.min as u64, r.max as u64))
        .collect()
}

/// The field's (present) value is a number in `ranges`: regexes for current Falco (values are
/// strings there), range-aware `"min:max"` items for legacy Falco.
pub fn number_in(ctx: &Ctx, field: Field, ranges: &[NumRange]) -> Expr {
    if ctx.legacy() {
        Expr::list(
            field,
            Op::In,
            ranges::legacy_pairs(ranges)
                .into_iter()
                .map(Value::Str)
                .collect(),
        )
    } else {
        // Grouped, so that the alternation reads the same as a full match with or without
        // anchors.
        Expr::or(
            ranges::regexes(ranges, MAX_VALUE_BYTES - 2)
                .into_iter()
                .map(|r| Expr::cmp(field.clone(), Op::Regex, Value::Str(format!("({r})")))),
        )
    }
}

/// The field is set and its value is not in `ranges`.
pub fn set_and_outside(ctx: &Ctx, field: Field, ranges: &[NumRange]) -> Expr {
    Expr::and([
        Expr::exists(field.clone()),
        Expr::not(number_in(ctx, field, ranges)),
    ])
}

/// The field is unset or its value is not in `ranges`. Both targets make `not X in (...)` /
/// `not X regex ...` true for a missing X (legacy: `<NA>` is in no range; current: a missing
/// value makes every comparison false), so no `exists` is needed.
pub fn unset_or_outside(ctx: &Ctx, field: Field, ranges: &[NumRange]) -> Expr {
    Expr::not(number_in(ctx, field, ranges))
}

/// `securityContext.<key>` of a container slot.
fn own(c: &super::ContainerRef, key: &str) -> Field {
    c.field(&["securityContext", key])
}

/// `spec.securityContext.<key>`.
pub fn pod_security_field(key: &str) -> Field {
    spec_field(&["securityContext", key])
}

/// Some container (init, regular, ephemeral) leaves `securityContext.<key>` unset, so it takes
/// the pod's value.
pub fn some_container_inherits(ctx: &Ctx, key: &str) -> Expr {
    ctx.any_container(&CONTAINER_KINDS, |c| {
        Expr::and([c.present(), Expr::not(Expr::exists(own(c, key)))])
    })
}

/// A container's effective `runAsUser`/`runAsGroup` (its own, else the pod's) is set and outside
/// `ranges`; with `unset_violates`, also a container whose effective value is unset.
pub fn effective_id_violation(
    ctx: &Ctx,
    key: &str,
    ranges: &[NumRange],
    unset_violates: bool,
) -> Expr {
    let own_bad = ctx.any_container(&CONTAINER_KINDS, |c| {
        set_and_outside(ctx, own(c, key), ranges)
    });
    let pod = pod_security_field(key);
    let pod_bad = if unset_violates {
        unset_or_outside(ctx, pod, ranges)
    } else {
        set_and_outside(ctx, pod, ranges)
    };
    Expr::or([
        own_bad,
        Expr::and([pod_bad, some_container_inherits(ctx, key)]),
    ])
}

/// Current Falco only: the compact JSON in `field` (an array of numbers, or of port objects)
/// holds, right after `before` (a regex fragment such as `"hostPort":` or `[^0-9]`), a number
/// of at least `lo` that is not in `allowed`, or a negative number. The json plugin prints non-string values as
/// compact JSON (`[10,20]`, `[{"containerPort":80,"hostPort":8080}]`), and a `"` inside a string
/// is always escaped, so `"hostPort":` cannot be faked by a string's content. Classes avoid a
/// literal `[`, which some regex dialects read as a nested class.
pub fn json_has_number_outside(field: &Field, before: &str, allowed: &[NumRange], lo: u64) -> Expr {
    let bad = ranges::complement(allowed, lo, None);
    let mut alts: Vec<String> = ranges::merge(bad)
        .into_iter()
        .flat_map(ranges::alternatives)
        .collect();
    // Negative numbers are never allowed (the API refuses them anyway).
    alts.push("-[0-9]+".into());
    let wrap = |a: &str| format!(".*{before}({a})[^0-9].*");
    let budget = MAX_VALUE_BYTES - wrap("").len();
    Expr::or(
        ranges::chunk(&alts, budget)
            .into_iter()
            .map(|a| Expr::cmp(field.clone(), Op::Regex, Value::Str(wrap(&a)))),
    )
}

/// Current Falco only: the compact JSON array of strings in `field` holds one of `items` as a
/// whole element, in one `regex` comparison per chunk of names instead of four `contains` per
/// name or one comparison per array index. The full-match pattern `(.|.*,)"(A|B)"(,.*|.)`
/// needs no bracket or backslash (which Falco strings cannot carry): the element's opening
/// quote follows the array's first character `[` or a `,`, and its closing quote is followed
/// by `,` or the final `]`; a quote inside a string is escaped, so no content can fake a
/// boundary. Names with regex metacharacters use [`json_array_contains`] instead.
pub fn json_array_has_any(field: &Field, items: &[&str]) -> Expr {
    let wrap = |a: &str| format!("(.|.*,)\"({a})\"(,.*|.)");
    let budget = MAX_VALUE_BYTES - wrap("").len();
    let (plain, special): (Vec<&str>, Vec<&str>) = items.iter().partition(|i| {
        i.len() <= budget
            && i.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
    });
    let plain: Vec<String> = plain.into_iter().map(str::to_string).collect();
    Expr::or(
        ranges::chunk(&plain, budget)
            .into_iter()
            .map(|a| Expr::cmp(field.clone(), Op::Regex, Value::Str(wrap(&a))))
            .chain(special.into_iter().map(|i| json_array_contains(field, i))),
    )
}

/// The compact JSON array of strings in `field` contains exactly `item` (as a whole element).
/// `contains` works on single values in both targets; an element boundary is `[` or `,` before
/// and `,` or `]` after, which no string content can fake (its quotes are escaped).
pub fn json_array_contains(field: &Field, item: &str) -> Expr {
    Expr::or(
        [("[", "]"), ("[", ","), (",", ","), (",", "]")]
            .into_iter()
            .map(|(l, r)| {
                Expr::cmp(
                    field.clone(),
                    Op::Contains,
                    Value::Str(format!("{l}\"{item}\"{r}")),
                )
            }),
    )
}

/// `field` (a syscall number field such as `user.uid`) lies in one of `ranges`.
pub fn syscall_in_ranges(field: &'static str, ranges: &[NumRange]) -> Expr {
    Expr::or(ranges::merge(ranges.iter().copied()).into_iter().map(|r| {
        let f = Field::new(field);
        let hi = r.hi.expect("ID ranges are bounded");
        if r.lo == hi {
            Expr::eq(f, Value::Int(r.lo as i64))
        } else {
            Expr::and([
                Expr::cmp(f.clone(), Op::Ge, Value::Int(r.lo as i64)),
                Expr::cmp(f, Op::Le, Value::Int(hi as i64)),
            ])
        }
    }))
}

/// `evt.type in (...)` for the events at which a process's IDs are (re)set: current Falco
/// evaluates exit events only (no `evt.dir`, deprecated in 0.44); legacy Falco needs
/// `evt.dir=<` and knows no `execveat`, as the seed's converter wrote it.
pub fn id_change_events(ctx: &Ctx, set_calls: &[&'static str]) -> Expr {
    let mut names = vec!["execve"];
    if ctx.legacy() {
        names.push(set_calls[0]);
    } else {
        names.push("execveat");
        names.extend_from_slice(set_calls);
    }
    let list = Expr::list(
        Field::new("evt.type"),
        Op::In,
        names.into_iter().map(Value::Word).collect(),
    );
    if ctx.legacy() {
        Expr::and([list, Expr::eq(Field::new("evt.dir"), Value::Word("<"))])
    } else {
        list
    }
}

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

/// A syscall rule: a process starts in a scoped, non-privileged container holding one of
/// `caps` effectively. `None` when there is nothing to look for; a comment for legacy Falco.
pub fn held_capability_rule(ctx: &Ctx, label: &str, what: &str, caps: &[&str]) -> Option<Item> {
    if caps.is_empty() {
        return None;
    }
    if ctx.legacy() {
        return Some(ctx.no_syscall_rule(
            label,
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
