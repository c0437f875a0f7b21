//! Who may `use` which PodSecurityPolicy, where: the RBAC objects resolved once (roles and
//! aggregation, bindings, subjects) into sets of users and groups per policy, cluster-wide or
//! per namespace, so that judging a pod is a few set lookups.
//!
//! Authorization as the PSP admission controller asked it: verb `use` on
//! `podsecuritypolicies/<name>` in API group `policy` (or `extensions`), in the namespace of the
//! request. A rule matches with API group `policy`/`extensions`/`*`, resource
//! `podsecuritypolicies`/`*`, verb `use`/`*`, and resourceNames empty (every policy) or naming
//! the policy. ClusterRoleBindings hold everywhere; RoleBindings in their own namespace, with a
//! ClusterRole or a Role of that namespace. Members of `system:masters` may do anything.

use std::collections::{BTreeMap, BTreeSet};

use super::aggregation::aggregated_cluster_roles;
use super::load::LoadedRbacObject;
use super::model::{PolicyRule, RbacObject};

/// The group whose members pass every authorization check.
pub const MASTERS_GROUP: &str = "system:masters";

/// Users (service accounts as `system:serviceaccount:<ns>:<name>`) and groups.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Subjects {
    pub users: BTreeSet<String>,
    pub groups: BTreeSet<String>,
}

impl Subjects {
    fn extend(&mut self, other: &Subjects) {
        self.users.extend(other.users.iter().cloned());
        self.groups.extend(other.groups.iter().cloned());
    }

    pub fn is_empty(&self) -> bool {
        self.users.is_empty() && self.groups.is_empty()
    }

    /// `user` or one of `groups` is among these subjects.
    pub fn admit(&self, user: &str, groups: &[String]) -> bool {
        self.users.contains(user) || groups.iter().any(|g| self.groups.contains(g))
    }
}

/// Who may use a policy: everywhere, and per namespace (RoleBindings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Grants {
    pub cluster: Subjects,
    pub namespaces: BTreeMap<String, Subjects>,
}

impl Grants {
    fn extend(&mut self, other: &Grants) {
        self.cluster.extend(&other.cluster);
        for (ns, s) in &other.namespaces {
            self.namespaces.entry(ns.clone()).or_default().extend(s);
        }
    }

    fn add(&mut self, namespace: Option<&str>, subjects: &Subjects) {
        match namespace {
            None => self.cluster.extend(subjects),
            Some(ns) => self
                .namespaces
                .entry(ns.to_string())
                .or_default()
                .extend(subjects),
        }
    }

    /// `user` (with `groups`) may use the policy for a pod in `namespace`.
    pub fn admit(&self, namespace: &str, user: &str, groups: &[String]) -> bool {
        self.cluster.admit(user, groups)
            || self
                .namespaces
                .get(namespace)
                .is_some_and(|s| s.admit(user, groups))
    }
}

/// Who asked for the pod, and the pod's own service account: the two identities PSP admission
/// authorizes (SPEC §9).
#[derive(Debug, Clone, Copy)]
pub struct PodRequest<'a> {
    pub namespace: &'a str,
    /// `user.username` of the audit event.
    pub user: &'a str,
    /// `user.groups` of the audit event.
    pub groups: &'a [String],
    /// `spec.serviceAccountName`; `None` or empty means `default`.
    pub service_account: Option<&'a str>,
}

/// The user name of a service account.
pub fn service_account_user(namespace: &str, name: &str) -> String {
    format!("system:serviceaccount:{namespace}:{name}")
}

/// The groups PSP admission gives a pod's service account: not `system:authenticated`.
pub fn service_account_groups(namespace: &str) -> Vec<String> {
    vec![
        "system:serviceaccounts".to_string(),
        format!("system:serviceaccounts:{namespace}"),
    ]
}

/// Who may use which policy, precomputed from a cluster's RBAC objects.
#[derive(Debug, Clone, Default)]
pub struct UsePermissions {
    /// Granted by rules without resourceNames: every policy.
    pub every_policy: Grants,
    /// Granted by rules naming the policy.
    pub named: BTreeMap<String, Grants>,
}

impl UsePermissions {
    /// Resolves `objects`; the warnings name each object that grants nothing because of a
    /// mistake (a binding to a missing role, an unknown subject kind...).
    pub fn resolve(objects: &[LoadedRbacObject]) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let mut warn = |o: &LoadedRbacObject, message: String| {
            warnings.push(format!(
                "warning: {}: {} {:?}: {message}",
                o.source,
                o.object.kind.as_deref().unwrap_or("object"),
                o.object.metadata.name.as_deref().unwrap_or("")
            ))
        };
        let cluster_roles = aggregated_cluster_roles(objects);
        let roles: BTreeMap<(&str, &str), &[PolicyRule]> = objects
            .iter()
            .filter(|o| o.object.kind.as_deref() == Some("Role"))
            .filter_map(|o| {
                let m = &o.object.metadata;
                Some((
                    (namespace_of(&o.object), m.name.as_deref()?),
                    o.object.rules.as_slice(),
                ))
            })
            .collect();
        let mut perms = UsePermissions::default();
        for o in objects {
            let kind = o.object.kind.as_deref().unwrap_or("");
            let binding_ns = match kind {
                "RoleBinding" => {
                    if o.object
                        .metadata
                        .namespace
                        .as_deref()
                        .is_none_or(str::is_empty)
                    {
                        warn(o, "no metadata.namespace; taken as \"default\"".into());
                    }
                    Some(namespace_of(&o.object))
                }
                "ClusterRoleBinding" => None,
                _ => continue,
            };
            let Some(role_ref) = &o.object.role_ref else {
                warn(o, "no roleRef; it grants nothing".into());
                continue;
            };
            let rules: Vec<PolicyRule> = match (role_ref.kind.as_str(), binding_ns) {
                ("ClusterRole", _) => match cluster_roles.get(role_ref.name.as_str()) {
                    Some(r) => r.clone(),
                    None => {
                        warn(
                            o,
                            format!(
                                "binds ClusterRole {:?}, which does not exist",
                                role_ref.name
                            ),
                        );
                        continue;
                    }
                },
                ("Role", Some(ns)) => match roles.get(&(ns, role_ref.name.as_str())) {
                    Some(r) => r.to_vec(),
                    None => {
                        warn(
                            o,
                            format!(
                                "binds Role {:?}, which does not exist in namespace {ns:?}",
                                role_ref.name
                            ),
                        );
                        continue;
                    }
                },
                ("Role", None) => {
                    warn(
                        o,
                        "a ClusterRoleBinding cannot bind a Role; it grants nothing".into(),
                    );
                    continue;
                }
                (other, _) => {
                    warn(
                        o,
                        format!("roleRef kind {other:?} is neither Role nor ClusterRole"),
                    );
                    continue;
                }
            };
            let mut subjects = Subjects::default();
            for s in &o.object.subjects {
                if s.name.chars().any(char::is_control) {
                    // No authenticator issues such a name, and no Falco condition can hold it.
                    warn(
                        o,
                        format!(
                            "subject name {:?} contains control characters; ignored",
                            s.name
                        ),
                    );
                    continue;
                }
                match s.kind.as_str() {
                    "User" => {
                        subjects.users.insert(s.name.clone());
                    }
                    "Group" => {
                        subjects.groups.insert(s.name.clone());
                    }
                    "ServiceAccount" => match s.namespace.as_deref().or(binding_ns) {
                        Some(ns) if !ns.is_empty() => {
                            subjects.users.insert(service_account_user(ns, &s.name));
                        }
                        _ => warn(
                            o,
                            format!(
                                "ServiceAccount subject {:?} has no namespace; ignored",
                                s.name
                            ),
                        ),
                    },
                    other => warn(
                        o,
                        format!("unknown subject kind {other:?} ({:?}); ignored", s.name),
                    ),
                }
            }
            if subjects.is_empty() {
                continue;
            }
            for rule in rules.iter().filter(|r| grants_use(r)) {
                if rule.resource_names.is_empty() {
                    perms.every_policy.add(binding_ns, &subjects);
                } else {
                    for name in &rule.resource_names {
                        perms
                            .named
                            .entry(name.clone())
                            .or_default()
                            .add(binding_ns, &subjects);
                    }
                }
            }
        }
        (perms, warnings)
    }

    /// Who may use `policy`: the grants naming it and those for every policy.
    pub fn grants_for(&self, policy: &str) -> Grants {
        let mut g = self.every_policy.clone();
        if let Some(named) = self.named.get(policy) {
            g.extend(named);
        }
        g
    }

    /// `user` (with `groups`) may use `policy` for a pod in `namespace`.
    pub fn may_use(&self, policy: &str, namespace: &str, user: &str, groups: &[String]) -> bool {
        groups.iter().any(|g| g == MASTERS_GROUP)
            || self.every_policy.admit(namespace, user, groups)
            || self
                .named
                .get(policy)
                .is_some_and(|g| g.admit(namespace, user, groups))
    }

    /// The requesting user or the pod's service account may use `policy` (SPEC §9).
    pub fn usable(&self, policy: &str, request: &PodRequest) -> bool {
        if self.may_use(policy, request.namespace, request.user, request.groups) {
            return true;
        }
        let sa = request
            .service_account
            .filter(|s| !s.is_empty())
            .unwrap_or("default");
        let ns = request.namespace;
        self.may_use(
            policy,
            ns,
            &service_account_user(ns, sa),
            &service_account_groups(ns),
        )
    }
}

/// A rule granting `use` on PodSecurityPolicies (some or all of them).
pub fn grants_use(rule: &PolicyRule) -> bool {
    let has = |list: &[String], wanted: &[&str]| list.iter().any(|x| wanted.contains(&x.as_str()));
    has(&rule.verbs, &["use", "*"])
        && has(&rule.api_groups, &["policy", "extensions", "*"])
        && has(&rule.resources, &["podsecuritypolicies", "*"])
}

/// The namespace of a namespaced object; `default` when left out, as `kubectl apply` does.
fn namespace_of(o: &RbacObject) -> &str {
    o.metadata
        .namespace
        .as_deref()
        .filter(|n| !n.is_empty())
        .unwrap_or("default")
}
