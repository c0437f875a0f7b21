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

#[cfg(test)]
mod tests;
