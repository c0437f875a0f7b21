//! RBAC as Falco conditions: who may use a policy, written over `ka.user.name`,
//! `ka.user.groups`, `ka.target.namespace` and the pod's service account
//! (`json.value[/requestObject/spec/serviceAccountName]`, absent or empty = `default`), from the
//! grants [`UsePermissions`] resolved. Values are expression values: the renderer quotes them.

use std::collections::BTreeMap;

use super::GUARD_MACRO;
use crate::falco::expr::{json_pointer, Expr, Field, Op, Value};
use crate::rbac::{Subjects, UsePermissions, MASTERS_GROUP};

fn field(name: &'static str) -> Field {
    Field::new(name)
}

fn namespace_is(ns: &str) -> Expr {
    Expr::eq(field("ka.target.namespace"), Value::Str(ns.to_string()))
}

fn service_account_field() -> Field {
    json_pointer(
        "json.value",
        &["requestObject", "spec", "serviceAccountName"],
        &[],
    )
}

/// The pod's service account is `name` (absent or empty is `default`).
fn service_account_is(name: &str) -> Expr {
    let sa = service_account_field();
    if name == "default" {
        Expr::or([
            Expr::not(Expr::exists(sa.clone())),
            Expr::list(
                sa,
                Op::In,
                vec![Value::Str(String::new()), Value::Str("default".into())],
            ),
        ])
    } else {
        Expr::eq(sa, Value::Str(name.to_string()))
    }
}

/// The requesting user is among `subjects`.
fn requester_among(subjects: &Subjects) -> Option<Expr> {
    let mut any = Vec::new();
    if !subjects.users.is_empty() {
        any.push(Expr::list(
            field("ka.user.name"),
            Op::In,
            subjects
                .users
                .iter()
                .map(|u| Value::Str(u.clone()))
                .collect(),
        ));
    }
    if !subjects.groups.is_empty() {
        any.push(Expr::list(
            field("ka.user.groups"),
            Op::Intersects,
            subjects
                .groups
                .iter()
                .map(|g| Value::Str(g.clone()))
                .collect(),
        ));
    }
    (!any.is_empty()).then(|| Expr::or(any))
}

/// Whether an identity is among some subjects.
enum Among {
    Never,
    /// For every pod creation (in the namespace at hand).
    Always,
    When(Expr),
}

/// The pod's service account is among `subjects`: cluster-wide (`only_ns: None`) or in one
/// namespace, whose condition the caller already holds. The service account's user is
/// `system:serviceaccount:<pod ns>:<name>`, its groups `system:serviceaccounts` and
/// `system:serviceaccounts:<pod ns>`.
fn service_account_among(subjects: &Subjects, only_ns: Option<&str>) -> Among {
    if subjects.groups.contains("system:serviceaccounts") {
        return Among::Always;
    }
    let whole_ns: Vec<&str> = subjects
        .groups
        .iter()
        .filter_map(|g| g.strip_prefix("system:serviceaccounts:"))
        .filter(|ns| only_ns.is_none_or(|o| o == *ns))
        .collect();
    if only_ns.is_some() && !whole_ns.is_empty() {
        return Among::Always;
    }
    let mut by_ns: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for u in &subjects.users {
        if let Some((ns, name)) = u
            .strip_prefix("system:serviceaccount:")
            .and_then(|r| r.split_once(':'))
        {
            if only_ns.is_none_or(|o| o == ns) && !whole_ns.contains(&ns) {
                by_ns.entry(ns).or_default().push(name);
            }
        }
    }
    let mut any: Vec<Expr> = Vec::new();
    if !whole_ns.is_empty() {
        any.push(Expr::list(
            field("ka.target.namespace"),
            Op::In,
            whole_ns.iter().map(|n| Value::Str(n.to_string())).collect(),
        ));
    }
    for (ns, names) in by_ns {
        let sa = Expr::or(names.into_iter().map(service_account_is));
        any.push(match only_ns {
            Some(_) => sa,
            None => Expr::and([namespace_is(ns), sa]),
        });
    }
    if any.is_empty() {
        Among::Never
    } else {
        Among::When(Expr::or(any))
    }
}

/// The requesting user or the pod's service account may use `policy` (SPEC §9). Members of
/// `system:masters` may use everything.
pub fn usable(rbac: &UsePermissions, policy: &str) -> Expr {
    let mut grants = rbac.grants_for(policy);
    grants.cluster.groups.insert(MASTERS_GROUP.into());
    let mut any: Vec<Expr> = requester_among(&grants.cluster).into_iter().collect();
    match service_account_among(&grants.cluster, None) {
        Among::Always => return Expr::macro_ref(GUARD_MACRO),
        Among::When(e) => any.push(e),
        Among::Never => {}
    }
    for (ns, subjects) in &grants.namespaces {
        let who = match service_account_among(subjects, Some(ns)) {
            Among::Always => None,
            Among::When(e) => Some(Expr::or(requester_among(subjects).into_iter().chain([e]))),
            Among::Never => requester_among(subjects),
        };
        match who {
            None => any.push(namespace_is(ns)),
            Some(who) => any.push(Expr::and([namespace_is(ns), who])),
        }
    }
    Expr::or(any)
}
