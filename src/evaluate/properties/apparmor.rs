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

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::PodSecurityPolicy;

use crate::psp::annotations::{APPARMOR_ALLOWED, APPARMOR_DEFAULT};

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
                .get(APPARMOR_ALLOWED)
                .map(|raw| raw.split(',').map(str::to_owned).collect()),
            default: ann.get(APPARMOR_DEFAULT).filter(|d| !d.is_empty()).cloned(),
        }
    }
}

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let policy = &s.policy.apparmor;
    let Some(allowed) = &policy.allowed else {
        return;
    };
    let refused = |p: Option<&str>| p.is_none_or(|p| !allowed.iter().any(|a| a == p));
    for c in &s.view.containers {
        let own = c.apparmor;
        let admitted = own.or(policy.default.as_deref());
        let shown = if q.admission() && refused(admitted) {
            admitted
        } else if q.declared() && refused(own) {
            own
        } else {
            continue;
        };
        match (shown, own) {
            (None, _) => out.add(format_args!("{c} has no AppArmor profile")),
            (Some(p), None) => out.add(format_args!(
                "{c} would get default AppArmor profile {p:?}, which is not allowed"
            )),
            (Some(p), Some(_)) => {
                out.add(format_args!("{c} AppArmor profile {p:?} is not allowed"))
            }
        }
    }
}
