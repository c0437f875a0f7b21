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

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::PodSecurityPolicy;

use crate::psp::annotations::{SECCOMP_ALLOWED, SECCOMP_DEFAULT};

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
        let allowed = ann.get(SECCOMP_ALLOWED).map(|raw| {
            let items: Vec<String> = raw.split(',').map(str::to_owned).collect();
            (!items.iter().any(|i| i == "*")).then_some(items)
        });
        let default = ann.get(SECCOMP_DEFAULT).filter(|d| !d.is_empty()).cloned();
        SeccompAllowed { allowed, default }
    }

    /// Whether the admission reading refuses `profile` (`None`: unset, after defaulting):
    /// without a list no profile may be set at all.
    fn admission_refuses(&self, profile: Option<&str>) -> bool {
        match &self.allowed {
            Some(None) => false,
            None => profile.is_some(),
            Some(Some(list)) => !listed(list, profile),
        }
    }

    /// Whether the declared reading refuses `profile`: only a stated list is checked.
    fn declared_refuses(&self, profile: Option<&str>) -> bool {
        match &self.allowed {
            Some(Some(list)) => !listed(list, profile),
            _ => false,
        }
    }
}

/// An unset profile is listed as the empty item; `docker/default` and `runtime/default` list
/// each other.
fn listed(list: &[String], profile: Option<&str>) -> bool {
    let p = profile.unwrap_or("");
    list.iter()
        .any(|a| a == p || (runtime_default(a) && runtime_default(p)))
}

fn runtime_default(p: &str) -> bool {
    p == "runtime/default" || p == "docker/default"
}

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let policy = &s.policy.seccomp;
    if policy.allowed == Some(None) || (policy.allowed.is_none() && !q.admission()) {
        return;
    }
    let default = policy.default.as_deref();
    let pod = Profiles {
        own: s.view.seccomp.as_deref(),
        admitted: s.view.seccomp.as_deref().or(default),
    };
    pod.judge(policy, q, &"pod", out);
    for c in &s.view.containers {
        let mine = c.seccomp.as_deref();
        let profiles = Profiles {
            own: mine.or(pod.own),
            admitted: mine.or(pod.admitted),
        };
        profiles.judge(policy, q, c, out);
    }
}

/// The profile of the pod or of a container as submitted (`own`) and after PSP injected the
/// default into an unset pod profile (`admitted`).
struct Profiles<'a> {
    own: Option<&'a str>,
    admitted: Option<&'a str>,
}

impl Profiles<'_> {
    fn judge(
        &self,
        policy: &SeccompAllowed,
        q: Question,
        who: &dyn std::fmt::Display,
        out: &mut Offenders,
    ) {
        if q.admission() && policy.admission_refuses(self.admitted) {
            match (self.admitted, self.own) {
                (None, _) => out.add(format_args!("{who} has no seccomp profile")),
                (Some(p), None) => out.add(format_args!(
                    "{who} would get default seccomp profile {p:?}, which is not allowed"
                )),
                (Some(p), Some(_)) => {
                    out.add(format_args!("{who} seccomp profile {p:?} is not allowed"))
                }
            }
        } else if q.declared() && policy.declared_refuses(self.own) {
            match self.own {
                None => out.add(format_args!("{who} has no seccomp profile")),
                Some(p) => out.add(format_args!("{who} seccomp profile {p:?} is not allowed")),
            }
        }
    }
}
