//! # allowedCapabilities
//!
//! `spec.allowedCapabilities` and `spec.defaultAddCapabilities`: a container adding
//! (`capabilities.add`) a capability in neither list (exact, case-sensitive names); `*` in
//! `allowedCapabilities` disables every capability check. `admission`: an absent
//! `allowedCapabilities` allows only `defaultAddCapabilities`. `declared`: checked only when
//! `allowedCapabilities` is present.

use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedCapabilities",
    label: |_| "allowedCapabilities",
    offenders,
};

/// `*` in `allowedCapabilities`: PSP skipped every capability check.
pub fn wildcard(s: &Subject) -> bool {
    s.spec
        .allowed_capabilities
        .as_ref()
        .is_some_and(|a| a.iter().any(|c| c == "*"))
}

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(allowed) = q.stated(&s.spec.allowed_capabilities, &[]) else {
        return;
    };
    if wildcard(s) {
        return;
    }
    let default_add = s.spec.default_add_capabilities.as_deref().unwrap_or(&[]);
    for c in &s.view.containers {
        for cap in c.container.added_capabilities() {
            if !allowed.contains(cap) && !default_add.contains(cap) {
                out.add(format_args!("{c} adds capability {cap}"));
            }
        }
    }
}
