//! # seccomp
//!
//! The policy annotations `seccomp.security.alpha.kubernetes.io/allowedProfileNames`
//! (split on `,` without trimming; `*`: any; an empty item allows an unset profile;
//! `docker/default` and `runtime/default` allow each other) and `.../defaultProfileName`. The
//! pod's profile is its annotation, else its `seccompProfile` field; a container's is its own
//! field, else its annotation `container.seccomp.security.alpha.kubernetes.io/<name>` (which the
//! `falco` target cannot read), else the pod's.
//!
//! `declared` (only with `allowedProfileNames`): the pod's or a container's profile is not
//! allowed. `admission`: an unset pod profile first becomes `defaultProfileName` (PSP injected
//! it); without `allowedProfileNames` no profile may be set at all.

use super::{PropertyCheck, Question, Subject};
use crate::evaluate::effective::{container_seccomp, pod_seccomp};
use crate::psp::PodSecurityPolicy;

pub const ALLOWED_KEY: &str = "seccomp.security.alpha.kubernetes.io/allowedProfileNames";
pub const DEFAULT_KEY: &str = "seccomp.security.alpha.kubernetes.io/defaultProfileName";

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "seccomp",
    label: |_| "seccomp",
    offenders,
};

/// The policy's seccomp annotations, parsed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeccompAllowed {
    /// `None`: no `allowedProfileNames`; `Some(None)`: `*`; else the items.
    pub allowed: Option<Option<Vec<String>>>,
    /// A non-empty `defaultProfileName`.
    pub default: Option<String>,
}

impl SeccompAllowed {
    pub fn of(psp: &PodSecurityPolicy) -> Self {
        let ann = &psp.metadata.annotations;
        let allowed = ann.get(ALLOWED_KEY).map(|raw| {
            let items: Vec<String> = raw.split(',').map(str::to_owned).collect();
            (!items.iter().any(|i| i == "*")).then_some(items)
        });
        let default = ann.get(DEFAULT_KEY).filter(|d| !d.is_empty()).cloned();
        SeccompAllowed { allowed, default }
    }

    /// Whether `profile` (`None`: unset) is refused for question `q`.
    fn refuses(&self, q: Question, profile: Option<&str>) -> bool {
        match &self.allowed {
            Some(None) => false,
            None => q == Question::Admission && profile.is_some(),
            Some(Some(list)) => {
                let p = profile.unwrap_or("");
                !list
                    .iter()
                    .any(|a| a == p || (runtime_default(a) && runtime_default(p)))
            }
        }
    }
}

fn runtime_default(p: &str) -> bool {
    p == "runtime/default" || p == "docker/default"
}

fn offenders(s: &Subject, q: Question, out: &mut Vec<String>) {
    let policy = &s.policy.seccomp;
    if policy.allowed == Some(None) || (policy.allowed.is_none() && q == Question::Declared) {
        return;
    }
    let own = pod_seccomp(s.pod);
    let injected = q == Question::Admission && own.is_none() && policy.default.is_some();
    let pod_profile = match q {
        Question::Admission => own.or_else(|| policy.default.clone()),
        Question::Declared => own,
    };
    if policy.refuses(q, pod_profile.as_deref()) {
        out.push(describe("pod", pod_profile.as_deref(), injected));
    }
    for c in s.pod.all_containers() {
        let mine = container_seccomp(s.pod, c.container);
        let from_pod = mine.is_none();
        let profile = mine.or_else(|| pod_profile.clone());
        if policy.refuses(q, profile.as_deref()) {
            out.push(describe(
                &c.to_string(),
                profile.as_deref(),
                from_pod && injected,
            ));
        }
    }
}

fn describe(who: &str, profile: Option<&str>, injected: bool) -> String {
    match (profile, injected) {
        (None, _) => format!("{who} has no seccomp profile"),
        (Some(p), false) => format!("{who} seccomp profile {p:?} is not allowed"),
        (Some(p), true) => format!("{who} would get default seccomp profile {p:?}, not allowed"),
    }
}
