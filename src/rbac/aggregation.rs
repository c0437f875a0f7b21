//! Aggregated ClusterRoles: a ClusterRole with an `aggregationRule` holds the rules of every
//! ClusterRole whose labels one of its selectors matches, as the aggregation controller fills
//! it in a cluster (an export may show it before the controller ran, with `rules: []`).

use std::collections::BTreeMap;

use super::load::LoadedRbacObject;
use super::model::{PolicyRule, RbacObject};

/// Every ClusterRole's rules, aggregated ones completed as the aggregation controller does:
/// the rules of every ClusterRole whose labels match one of the selectors, repeated until
/// nothing changes (aggregated roles may select aggregated roles).
pub fn aggregated_cluster_roles(objects: &[LoadedRbacObject]) -> BTreeMap<&str, Vec<PolicyRule>> {
    let cluster_roles: Vec<&RbacObject> = objects
        .iter()
        .map(|o| &o.object)
        .filter(|o| o.kind.as_deref() == Some("ClusterRole") && o.metadata.name.is_some())
        .collect();
    let mut rules: BTreeMap<&str, Vec<PolicyRule>> = cluster_roles
        .iter()
        .map(|o| (o.metadata.name.as_deref().unwrap_or(""), o.rules.clone()))
        .collect();
    // Each round adds at least one rule or stops; the number of distinct rules bounds it.
    for _ in 0..=cluster_roles.len() {
        let mut changed = false;
        for role in &cluster_roles {
            let Some(agg) = &role.aggregation_rule else {
                continue;
            };
            let name = role.metadata.name.as_deref().unwrap_or("");
            let mut gathered = Vec::new();
            for other in &cluster_roles {
                if agg
                    .cluster_role_selectors
                    .iter()
                    .any(|s| s.matches(&other.metadata.labels))
                {
                    let other_name = other.metadata.name.as_deref().unwrap_or("");
                    gathered.extend(rules[other_name].iter().cloned());
                }
            }
            let own = rules.get_mut(name).expect("every ClusterRole has an entry");
            for r in gathered {
                if !own.contains(&r) {
                    own.push(r);
                    changed = true;
                }
            }
        }
        if !changed {
            break;
        }
    }
    rules
}
