//! The verdict of a whole policy set (SPEC §9): admission accepted a pod when any policy usable
//! for it admitted it, so the set is violated when no usable policy admits the pod, in the
//! evaluator's mode (`strict`: a policy admits when its strict verdict has no violations, i.e.
//! it admits in both readings). No usable policy at all is a violation of its own kind.
//!
//! Usability comes from RBAC ([`UsePermissions`]); without RBAC every policy is usable and the
//! caller says once that RBAC is not considered.

use super::{EventVerdict, PodCreation, PolicyEvaluator, PolicyVerdict};
use crate::rbac::{PodRequest, UsePermissions};

/// The policies of an evaluator judged as one set, with the RBAC that makes them usable
/// (`None`: every policy is usable).
#[derive(Debug, Clone)]
pub struct PolicySet {
    /// Policy names, in the evaluator's order.
    pub names: Vec<String>,
    pub rbac: Option<UsePermissions>,
}

impl PolicySet {
    pub fn new(evaluator: &PolicyEvaluator, rbac: Option<UsePermissions>) -> Self {
        PolicySet {
            names: evaluator.policies.iter().map(|p| p.name.clone()).collect(),
            rbac,
        }
    }

    fn name_refs(&self) -> Vec<&str> {
        self.names.iter().map(String::as_str).collect()
    }

    /// The set's verdict on an evaluated pod creation.
    pub fn judge(&self, verdict: &EventVerdict) -> SetVerdict {
        SetVerdict::judge(
            &self.name_refs(),
            &verdict.per_policy,
            &verdict.creation.request(),
            self.rbac.as_ref(),
        )
    }

    /// The alert text for `set` (see [`SetVerdict::reason`]).
    pub fn reason(&self, set: &SetVerdict, verdict: &EventVerdict) -> String {
        set.reason(
            &self.name_refs(),
            &verdict.per_policy,
            &verdict.creation.request(),
        )
    }

    /// The names of the policies at `indexes`.
    pub fn names_of<'a>(&'a self, indexes: &'a [usize]) -> impl Iterator<Item = &'a str> + 'a {
        indexes.iter().map(|&i| self.names[i].as_str())
    }
}

impl PodCreation {
    /// Who asked for this pod and its service account, as PSP admission authorized them.
    pub fn request(&self) -> PodRequest<'_> {
        PodRequest {
            namespace: &self.namespace,
            user: &self.user,
            groups: &self.groups,
            service_account: Some(self.service_account()),
        }
    }
}

/// Why a pod violates the set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetViolation {
    /// Neither the requesting user nor the pod's service account may use any policy.
    NoUsablePolicy,
    /// Every usable policy rejects the pod.
    EveryUsablePolicyRejects,
}

impl SetViolation {
    /// A short name for fields and rule names.
    pub fn name(self) -> &'static str {
        match self {
            SetViolation::NoUsablePolicy => "no usable policy",
            SetViolation::EveryUsablePolicyRejects => "every usable policy rejects",
        }
    }
}

/// What the set says of one pod; policies are named by their index in the evaluator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SetVerdict {
    /// Policies the requester or the pod's service account may use, in policy order.
    pub usable: Vec<usize>,
    /// Usable policies that admit the pod.
    pub admitting: Vec<usize>,
}

impl SetVerdict {
    /// Judges a pod from its per-policy verdicts (in policy order) and who asked for it;
    /// `rbac: None` makes every policy usable.
    pub fn judge(
        names: &[&str],
        per_policy: &[PolicyVerdict],
        request: &PodRequest,
        rbac: Option<&UsePermissions>,
    ) -> SetVerdict {
        let usable: Vec<usize> = (0..per_policy.len())
            .filter(|&i| rbac.is_none_or(|r| r.usable(names[i], request)))
            .collect();
        let admitting = usable
            .iter()
            .copied()
            .filter(|&i| per_policy[i].admits())
            .collect();
        SetVerdict { usable, admitting }
    }

    /// `None` when some usable policy admits the pod.
    pub fn violation(&self) -> Option<SetViolation> {
        if self.usable.is_empty() {
            Some(SetViolation::NoUsablePolicy)
        } else if self.admitting.is_empty() {
            Some(SetViolation::EveryUsablePolicyRejects)
        } else {
            None
        }
    }

    pub fn violated(&self) -> bool {
        self.violation().is_some()
    }

    /// Human-readable: for every usable policy (`[name]`), which properties reject the pod and
    /// why (`<property>: <reason> | ...`); or
    /// who had no usable policy. Empty when the set admits the pod.
    pub fn reason(
        &self,
        names: &[&str],
        per_policy: &[PolicyVerdict],
        request: &PodRequest,
    ) -> String {
        match self.violation() {
            None => String::new(),
            Some(SetViolation::NoUsablePolicy) => {
                let sa = request
                    .service_account
                    .filter(|s| !s.is_empty())
                    .unwrap_or("default");
                format!(
                    "no PodSecurityPolicy is usable by user {:?} (groups {:?}) or by service account {:?} in namespace {:?}",
                    request.user, request.groups, sa, request.namespace
                )
            }
            Some(SetViolation::EveryUsablePolicyRejects) => {
                let each: Vec<String> = self
                    .usable
                    .iter()
                    .map(|&i| format!("[{}] {}", names[i], per_policy[i].reason()))
                    .collect();
                format!("no usable policy admits the pod: {}", each.join(" "))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evaluate::Violation;

    fn verdict(props: &[&str]) -> PolicyVerdict {
        PolicyVerdict {
            in_scope: true,
            violations: props
                .iter()
                .map(|p| Violation {
                    property: p.to_string(),
                    reason: format!("{p} is wrong"),
                })
                .collect(),
        }
    }

    const REQUEST: PodRequest = PodRequest {
        namespace: "default",
        user: "alice",
        groups: &[],
        service_account: None,
    };

    #[test]
    fn without_rbac_one_admitting_policy_is_enough() {
        let names = ["a", "b"];
        let per = [verdict(&["privileged"]), verdict(&[])];
        let v = SetVerdict::judge(&names, &per, &REQUEST, None);
        assert_eq!(v.usable, vec![0, 1]);
        assert_eq!(v.admitting, vec![1]);
        assert_eq!(v.violation(), None);
        assert_eq!(v.reason(&names, &per, &REQUEST), "");
    }

    #[test]
    fn every_usable_policy_rejecting_names_each_and_its_properties() {
        let names = ["a", "b"];
        let per = [verdict(&["privileged"]), verdict(&["hostPID", "volumes"])];
        let v = SetVerdict::judge(&names, &per, &REQUEST, None);
        assert_eq!(v.violation(), Some(SetViolation::EveryUsablePolicyRejects));
        assert_eq!(
            v.reason(&names, &per, &REQUEST),
            "no usable policy admits the pod: [a] privileged: privileged is wrong [b] hostPID: hostPID is wrong | volumes: volumes is wrong"
        );
    }

    #[test]
    fn rbac_limits_usable_policies_and_none_usable_is_its_own_violation() {
        let rbac = UsePermissions::default();
        let names = ["a"];
        let per = [verdict(&[])];
        let v = SetVerdict::judge(&names, &per, &REQUEST, Some(&rbac));
        assert_eq!(v.violation(), Some(SetViolation::NoUsablePolicy));
        assert!(v.reason(&names, &per, &REQUEST).contains("\"default\""));
        let masters = ["system:masters".to_string()];
        let admin = PodRequest {
            groups: &masters,
            ..REQUEST
        };
        assert_eq!(
            SetVerdict::judge(&names, &per, &admin, Some(&rbac)).violation(),
            None
        );
    }
}
