//! The RBAC objects that decide who may `use` a PodSecurityPolicy, typed as in Kubernetes'
//! `rbac.authorization.k8s.io/v1`: only the fields authorization reads, plus the standard
//! metadata `kubectl get -o yaml` prints (accepted and ignored).

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::psp::ObjectMeta;

/// One Role, ClusterRole, RoleBinding or ClusterRoleBinding; `kind` says which, and the fields
/// of the other kinds stay absent.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct RbacObject {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    /// Roles and ClusterRoles. `null` (an aggregated ClusterRole before the controller filled
    /// it) reads as empty.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub rules: Vec<PolicyRule>,
    /// ClusterRoles only.
    pub aggregation_rule: Option<AggregationRule>,
    /// Bindings only.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub subjects: Vec<Subject>,
    /// Bindings only.
    pub role_ref: Option<RoleRef>,
}

#[derive(Debug, Clone, Deserialize, Default, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct PolicyRule {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub verbs: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub api_groups: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub resources: Vec<String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub resource_names: Vec<String>,
    #[serde(
        default,
        rename = "nonResourceURLs",
        deserialize_with = "null_as_empty"
    )]
    pub non_resource_urls: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct AggregationRule {
    #[serde(default, deserialize_with = "null_as_empty")]
    pub cluster_role_selectors: Vec<LabelSelector>,
}

/// `metav1.LabelSelector`: every `matchLabels` pair and every expression must hold.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelector {
    #[serde(default)]
    pub match_labels: BTreeMap<String, String>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub match_expressions: Vec<LabelSelectorRequirement>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LabelSelectorRequirement {
    pub key: String,
    pub operator: SelectorOperator,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq)]
pub enum SelectorOperator {
    In,
    NotIn,
    Exists,
    DoesNotExist,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subject {
    /// `User`, `Group` or `ServiceAccount`; anything else is warned about and ignored.
    pub kind: String,
    pub name: String,
    /// ServiceAccount only; a RoleBinding's own namespace when absent.
    pub namespace: Option<String>,
    pub api_group: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RoleRef {
    /// `Role` or `ClusterRole`.
    pub kind: String,
    pub name: String,
    pub api_group: Option<String>,
}

impl LabelSelector {
    /// Whether `labels` satisfy the selector. An empty selector matches everything, as in
    /// Kubernetes (the aggregation controller then takes every ClusterRole).
    pub fn matches(&self, labels: &BTreeMap<String, String>) -> bool {
        self.match_labels
            .iter()
            .all(|(k, v)| labels.get(k) == Some(v))
            && self.match_expressions.iter().all(|e| {
                let value = labels.get(&e.key);
                match e.operator {
                    SelectorOperator::In => value.is_some_and(|v| e.values.contains(v)),
                    SelectorOperator::NotIn => !value.is_some_and(|v| e.values.contains(v)),
                    SelectorOperator::Exists => value.is_some(),
                    SelectorOperator::DoesNotExist => value.is_none(),
                }
            })
    }
}

fn null_as_empty<'de, D, T>(de: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Deserialize<'de>,
{
    Ok(Option::<Vec<T>>::deserialize(de)?.unwrap_or_default())
}
