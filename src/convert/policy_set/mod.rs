//! `--policy-set` for the `falco` target (SPEC §9): the policies of the input form one set, and
//! a pod violates the set when no policy usable for it admits it.
//!
//! Per policy, the property rules the generators built become one macro,
//! `<prefix>_psp_ka_violation` (the policy's scope, then the OR of its per-property
//! conditions), and RBAC becomes `<prefix>_psp_ka_usable`: conditions on `ka.user.name`,
//! `ka.user.groups`, `ka.target.namespace` and the pod's service account
//! (`json.value[/requestObject/spec/serviceAccountName]`, absent or empty = `default`).
//!
//! Falco's outputs cannot compute which policies were usable, so for sets of up to
//! [`MAX_NAMED_SUBSETS`] policies there is one rule per combination of usable policies,
//! `PSP set Violation (usable: a, b) K8s Audit`; exactly one can match a pod, and its output
//! names the usable policies, all of which reject the pod. The empty combination is
//! `PSP set Violation (no usable policy) K8s Audit`. Larger sets get one rule naming the set.
//! Every rule starts with the pod-creation guard: Falco evaluates every rule on every audit
//! event, and the guard makes the others cost one extraction.
//!
//! Syscall rules are left out: a process cannot tell which policy admitted its pod.

mod usability;

use super::context::Ctx;
use super::preamble::pod_creation_guard;
use crate::falco::expr::Expr;
use crate::falco::rules::{Item, Rule, Source};
use crate::rbac::UsePermissions;

pub use usability::usable;

/// Up to this many policies, one rule per combination of usable policies (2^n rules).
pub const MAX_NAMED_SUBSETS: usize = 5;

/// The set-wide guard macro: a successful pod creation.
pub const GUARD_MACRO: &str = "psp_set_ka_pod_creation";

/// Turns one policy's section into its set form: the K8s audit rules become the
/// `<prefix>_psp_ka_violation` macro, and RBAC the `<prefix>_psp_ka_usable` macro. Returns the
/// names of the macros the set rules use (roots for pruning), and whether the policy can reject
/// a pod at all (in `declared` mode a policy allowing everything has no rule).
pub fn policy_section(
    ctx: &Ctx,
    items: Vec<Item>,
    rbac: Option<&UsePermissions>,
) -> (Vec<Item>, Vec<String>, bool) {
    let scope_macro = ctx.name("ka_container");
    let guard = pod_creation_guard();
    let mut scope: Vec<Expr> = Vec::new();
    let mut violations = Vec::new();
    let mut out = Vec::new();
    for item in items {
        match item {
            Item::Rule(r) if r.source == Source::K8sAudit => {
                violations.push(strip_macro(r.condition, &scope_macro));
            }
            Item::Rule(_) => {}
            Item::Macro { name, condition } if name == scope_macro => {
                // The policy's own scope (namespaces, images) without the guard, which the
                // set rules put first once.
                let parts = match condition {
                    Expr::And(parts) => parts,
                    other => vec![other],
                };
                scope = parts.into_iter().filter(|p| !guard.contains(p)).collect();
            }
            other => out.push(other),
        }
    }
    let rejects = !violations.is_empty();
    let mut roots = Vec::new();
    if rejects {
        roots.push(ctx.name("ka_violation"));
        out.push(Item::Macro {
            name: ctx.name("ka_violation"),
            condition: Expr::and(scope.into_iter().chain([Expr::or(violations)])),
        });
    }
    if let Some(rbac) = rbac {
        out.push(Item::Macro {
            name: ctx.name("ka_usable"),
            condition: usable(rbac, &ctx.policy.name),
        });
        roots.push(ctx.name("ka_usable"));
    }
    (out, roots, rejects)
}

/// `And([macro, rest...])` → `rest`.
fn strip_macro(condition: Expr, name: &str) -> Expr {
    match condition {
        Expr::And(parts) => Expr::and(
            parts
                .into_iter()
                .filter(|p| !matches!(p, Expr::Macro(m) if m == name)),
        ),
        other => other,
    }
}

/// The set-wide guard macro, written before the policies' sections (their usability macros
/// may use it, and Falco wants a macro defined before its use).
pub fn guard_items() -> Vec<Item> {
    vec![Item::Macro {
        name: GUARD_MACRO.into(),
        condition: Expr::and(pod_creation_guard()),
    }]
}

/// One policy of the set, as the set rules see it.
pub struct SetMember<'a> {
    pub name: &'a str,
    pub prefix: &'a str,
    /// False when the policy cannot reject any pod (it has no K8s audit rule in this mode).
    pub rejects: bool,
}

/// The set's rules, after every policy's section.
pub fn set_items(
    ctx_mode: &str,
    members: &[SetMember],
    rbac: Option<&UsePermissions>,
) -> Vec<Item> {
    let policies: Vec<(&str, &str)> = members.iter().map(|m| (m.name, m.prefix)).collect();
    let rejects = |prefix: &str| members.iter().any(|m| m.prefix == prefix && m.rejects);
    let mut items = vec![Item::Comment {
        lines: vec![format!(
            "Policy set {} ({} mode): a pod violates the set when no usable policy admits it",
            policies.iter().map(|p| p.0).collect::<Vec<_>>().join(", "),
            ctx_mode
        )],
        banner: true,
    }];
    let guard = Expr::macro_ref(GUARD_MACRO);
    let violation = |prefix: &str| Expr::macro_ref(format!("{prefix}_psp_ka_violation"));
    let usable = |prefix: &str| Expr::macro_ref(format!("{prefix}_psp_ka_usable"));
    let Some(_) = rbac else {
        // Every policy is usable: one rule, every policy rejects.
        if !members.iter().all(|m| m.rejects) {
            items.push(never_violated_comment(members));
            return items;
        }
        let names: Vec<&str> = policies.iter().map(|p| p.0).collect();
        let cond = Expr::and(std::iter::once(guard).chain(policies.iter().map(|p| violation(p.1))));
        items.push(set_rule(
            "(usable: all, RBAC not considered)",
            &names,
            cond,
            ctx_mode,
        ));
        return items;
    };
    let none_usable = Expr::and(
        std::iter::once(guard.clone()).chain(policies.iter().map(|p| Expr::not(usable(p.1)))),
    );
    items.push(set_rule("(no usable policy)", &[], none_usable, ctx_mode));
    if policies.len() > MAX_NAMED_SUBSETS {
        // Too many combinations: one rule; a policy admits when usable and not violated.
        let names: Vec<&str> = policies.iter().map(|p| p.0).collect();
        let some_usable = Expr::or(policies.iter().map(|p| usable(p.1)));
        let cond = Expr::and(
            [guard, some_usable]
                .into_iter()
                .chain(policies.iter().map(|p| {
                    if rejects(p.1) {
                        Expr::or([Expr::not(usable(p.1)), violation(p.1)])
                    } else {
                        Expr::not(usable(p.1))
                    }
                })),
        );
        items.push(set_rule("", &names, cond, ctx_mode));
        return items;
    }
    for mask in 1u32..(1 << policies.len()) {
        let chosen: Vec<&(&str, &str)> = policies
            .iter()
            .enumerate()
            .filter(|(i, _)| mask & (1 << i) != 0)
            .map(|(_, p)| p)
            .collect();
        if !chosen.iter().all(|p| rejects(p.1)) {
            // A usable policy that rejects nothing admits every pod: no rule can fire.
            continue;
        }
        // Usability first (cheap: user, groups, namespace), then the chosen policies'
        // violations (many json.value pointers), only for the one combination that matches.
        let mut cond = vec![guard.clone()];
        for (i, p) in policies.iter().enumerate() {
            cond.push(if mask & (1 << i) != 0 {
                usable(p.1)
            } else {
                Expr::not(usable(p.1))
            });
        }
        cond.extend(chosen.iter().map(|p| violation(p.1)));
        let names: Vec<&str> = chosen.iter().map(|p| p.0).collect();
        let label = format!("(usable: {})", names.join(", "));
        items.push(set_rule(&label, &names, Expr::and(cond), ctx_mode));
    }
    items
}

fn never_violated_comment(members: &[SetMember]) -> Item {
    let admitting: Vec<&str> = members
        .iter()
        .filter(|m| !m.rejects)
        .map(|m| m.name)
        .collect();
    Item::Comment {
        lines: vec![format!(
            "No set rule: {} rejects no pod in this mode, and every policy is usable",
            admitting.join(", ")
        )],
        banner: false,
    }
}

fn set_rule(label: &str, usable: &[&str], condition: Expr, mode: &str) -> Item {
    let what = match (usable.is_empty(), label.is_empty()) {
        (true, _) => {
            "no PodSecurityPolicy is usable by the requesting user or the pod's service account"
                .to_string()
        }
        (false, true) => format!(
            "no usable policy admits the pod (policies of the set: {}; usable ones depend on RBAC)",
            usable.join(", ")
        ),
        (false, false) => format!(
            "no usable policy admits the pod; usable policies, all rejecting it: {}",
            usable.join(", ")
        ),
    };
    let name = if label.is_empty() {
        "PSP set Violation K8s Audit".to_string()
    } else {
        format!("PSP set Violation {label} K8s Audit")
    };
    Item::Rule(Rule {
        name,
        desc: format!("Detect a pod that no usable PodSecurityPolicy of the set admits ({mode} mode)"),
        condition,
        output: format!(
            "Pod Security Policy set violation--{what} (user=%ka.user.name groups=%ka.user.groups serviceaccount=%json.value[/requestObject/spec/serviceAccountName] pod=%ka.resp.name ns=%ka.target.namespace images=%ka.req.pod.containers.image spec=%json.value[/requestObject/spec])"
        ),
        priority: "WARNING",
        source: Source::K8sAudit,
        tags: vec!["k8s-psp".into(), "k8s-psp-set".into()],
        skip_if_unknown_filter: false,
    })
}
