//! # apparmor
//!
//! The policy annotations `apparmor.security.beta.kubernetes.io/allowedProfileNames`
//! (comma-separated, no wildcard) and `.../defaultProfileName`. A container's profile is the
//! pod annotation `container.apparmor.security.beta.kubernetes.io/<container name>` (empty
//! counts as unset), which the `falco` target can only partly read. Without
//! `allowedProfileNames` nothing is checked.
//!
//! Every mode: a container whose profile is set and not listed. `declared`: also a container
//! whose profile is unset. `admission`: an unset profile first becomes `defaultProfileName`
//! (PSP injected it), then is checked the same way; with no default, unset is refused.

use super::{PropertyCheck, Question, Subject};
use crate::evaluate::effective::container_apparmor;
use crate::psp::PodSecurityPolicy;

pub const ALLOWED_KEY: &str = "apparmor.security.beta.kubernetes.io/allowedProfileNames";
pub const DEFAULT_KEY: &str = "apparmor.security.beta.kubernetes.io/defaultProfileName";

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "apparmor",
    label: |_| "apparmor",
    offenders,
};

/// The policy's AppArmor annotations, parsed once.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AppArmorAllowed {
    /// `None`: no `allowedProfileNames` (no restriction).
    pub allowed: Option<Vec<String>>,
    /// A non-empty `defaultProfileName`.
    pub default: Option<String>,
}

impl AppArmorAllowed {
    pub fn of(psp: &PodSecurityPolicy) -> Self {
        let ann = &psp.metadata.annotations;
        AppArmorAllowed {
            allowed: ann
                .get(ALLOWED_KEY)
                .map(|raw| raw.split(',').map(str::to_owned).collect()),
            default: ann.get(DEFAULT_KEY).filter(|d| !d.is_empty()).cloned(),
        }
    }
}

fn offenders(s: &Subject, q: Question, out: &mut Vec<String>) {
    let policy = &s.policy.apparmor;
    let Some(allowed) = &policy.allowed else {
        return;
    };
    for c in s.pod.all_containers() {
        let own = container_apparmor(s.pod, c.container);
        let profile = match q {
            Question::Admission => own.or(policy.default.as_deref()),
            Question::Declared => own,
        };
        match profile {
            None => out.push(format!("{c} has no AppArmor profile")),
            Some(p) if !allowed.iter().any(|a| a == p) => {
                if own.is_some() {
                    out.push(format!("{c} AppArmor profile {p:?} is not allowed"));
                } else {
                    out.push(format!(
                        "{c} would get default AppArmor profile {p:?}, not allowed"
                    ));
                }
            }
            Some(_) => {}
        }
    }
}
