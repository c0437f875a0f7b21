//! RBAC for policy sets (SPEC §9): which PodSecurityPolicies the requesting user or the pod's
//! service account may `use`. [`load`] reads Roles, ClusterRoles, RoleBindings and
//! ClusterRoleBindings as `kubectl get ... -o yaml` prints them; [`grants`] resolves them once
//! into per-policy sets of users and groups, cluster-wide or per namespace.

mod aggregation;
pub mod grants;
pub mod load;
pub mod model;

pub use grants::{
    service_account_groups, service_account_user, Grants, PodRequest, Subjects, UsePermissions,
    MASTERS_GROUP,
};
pub use load::{load_rbac, LoadedRbac, LoadedRbacObject};

/// Reads and resolves several RBAC inputs (`(text, origin)` pairs, e.g. one per `--rbac` file
/// or per file of the plugin's `rbac` setting): who may use which policy, and every note and
/// warning (skipped kinds, bindings to missing roles...).
// A load error is made once per run; its size does not matter.
#[allow(clippy::result_large_err)]
pub fn resolve_inputs<'a>(
    inputs: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(UsePermissions, Vec<String>), crate::psp::LoadError> {
    let mut objects = Vec::new();
    let mut warnings = Vec::new();
    for (text, origin) in inputs {
        let loaded = load_rbac(text, origin)?;
        warnings.extend(loaded.warnings);
        objects.extend(loaded.objects);
    }
    let (perms, more) = UsePermissions::resolve(&objects);
    warnings.extend(more);
    Ok((perms, warnings))
}

#[cfg(test)]
mod tests;
