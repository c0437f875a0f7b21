//! The native PSP evaluator: SPEC §5 for every property and mode, over a typed pod, with no
//! bounds on containers, volumes, ports or mounts. One implementation shared by the pspconv
//! Falco plugin (`plugin/`) and by `check --target plugin`, so that the dry run predicts the
//! plugin exactly.
//!
//! Flow: [`event`] decides cheaply whether an audit event is an evaluated pod creation and
//! parses it once into a [`pod::Pod`]; [`PolicyEvaluator`] holds the policies, each compiled
//! once, and judges a pod against each of them, property by property ([`properties`]), giving
//! the violated properties (named as in the `falco` target's rule names) and a human-readable
//! reason for each.

pub mod effective;
pub mod event;
pub mod pod;
pub mod pod_view;
pub mod properties;
pub mod ranges;
pub mod scope;

use crate::convert::Mode;
use crate::psp::scope::{scope_of, Scope};
use crate::psp::LoadedPolicy;

pub use event::{pod_creation, EventVerdict, PodCreation};
pub use pod::Pod;
pub use properties::{AppArmorAllowed, SeccompAllowed};

/// One violated property of one policy, for one pod.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// As in the `falco` target's rule names: `privileged`, `runAsUser=MustRunAs`, ...
    pub property: String,
    /// Human-readable: which container/volume and which value, e.g.
    /// `container "nginx" (containers[0]) is privileged`.
    pub reason: String,
}

/// What one policy says of one pod.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct PolicyVerdict {
    /// False when the policy's scope (images/namespaces) excludes the pod: then it has no
    /// violations.
    pub in_scope: bool,
    /// Violated properties, in the order of the generator table; empty when the pod complies.
    pub violations: Vec<Violation>,
}

impl PolicyVerdict {
    /// The policy admits the pod (in the evaluator's mode).
    pub fn admits(&self) -> bool {
        self.violations.is_empty()
    }
    /// The violated properties' names.
    pub fn properties(&self) -> impl Iterator<Item = &str> {
        self.violations.iter().map(|v| v.property.as_str())
    }
    /// Every violation as `<property>: <reason>`, joined with ` | ` (a reason separates its
    /// offenders with `; `), e.g. `privileged: container "a" (containers[0]) is privileged |
    /// volumes: volume "h" (volumes[0]) is of type hostPath`.
    pub fn reason(&self) -> String {
        self.violations
            .iter()
            .map(|v| format!("{}: {}", v.property, v.reason))
            .collect::<Vec<_>>()
            .join(" | ")
    }
}

/// A policy compiled for evaluation.
#[derive(Debug, Clone)]
pub struct CompiledPolicy {
    pub name: String,
    pub policy: LoadedPolicy,
    pub scope: Scope,
    /// The seccomp annotations, parsed once.
    pub seccomp: SeccompAllowed,
    /// The AppArmor annotations, parsed once.
    pub apparmor: AppArmorAllowed,
}

/// The policies of one configuration, ready to judge pods in one mode.
#[derive(Debug, Clone)]
pub struct PolicyEvaluator {
    pub mode: Mode,
    pub policies: Vec<CompiledPolicy>,
}

/// A policy whose scope annotation does not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_doc}: policy {name:?}: field `{path}`: {message}")]
pub struct EvaluatorError {
    pub source_doc: String,
    pub name: String,
    pub path: String,
    pub message: String,
}

impl PolicyEvaluator {
    /// Compiles `policies` for `mode`; `images`/`namespaces` override every policy's scope
    /// annotations as `--images`/`--namespaces` do for `convert`.
    pub fn new(
        policies: &[LoadedPolicy],
        mode: Mode,
        images: &[String],
        namespaces: &[String],
    ) -> Result<Self, EvaluatorError> {
        let mut compiled = Vec::with_capacity(policies.len());
        for p in policies {
            let scope =
                scope_of(&p.psp, images, namespaces).map_err(|(path, message)| EvaluatorError {
                    source_doc: p.source.clone(),
                    name: p.name.clone(),
                    path,
                    message,
                })?;
            compiled.push(CompiledPolicy {
                name: p.name.clone(),
                policy: p.clone(),
                scope,
                seccomp: SeccompAllowed::of(&p.psp),
                apparmor: AppArmorAllowed::of(&p.psp),
            });
        }
        Ok(PolicyEvaluator {
            mode,
            policies: compiled,
        })
    }

    /// The index of the policy named `name`.
    pub fn position(&self, name: &str) -> Option<usize> {
        self.policies.iter().position(|p| p.name == name)
    }

    /// Judges `pod` (created in `namespace`) against every policy, in policy order.
    pub fn evaluate(&self, pod: &Pod, namespace: &str) -> Vec<PolicyVerdict> {
        let view = pod_view::PodView::new(pod);
        self.policies
            .iter()
            .map(|p| properties::evaluate_view(p, self.mode, &view, namespace))
            .collect()
    }
}
