//! # requiredDropCapabilities
//!
//! `spec.requiredDropCapabilities`. `admission`: a container adding one of them (PSP appended
//! the missing drops itself). `declared`: also a container whose `capabilities.drop` lists
//! neither the capability nor `ALL`. Exact names; `*` in `allowedCapabilities` disables the
//! check.

use super::allowed_capabilities::wildcard;
use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "requiredDropCapabilities",
    label: |_| "requiredDropCapabilities",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let required = s.spec.required_drop_capabilities.as_deref().unwrap_or(&[]);
    if required.is_empty() || wildcard(s) {
        return;
    }
    for c in &s.view.containers {
        for cap in c.container.added_capabilities() {
            if required.contains(cap) {
                out.add(format_args!("{c} adds required-drop capability {cap}"));
            }
        }
        if q.declared() {
            let drop = c.container.dropped_capabilities();
            if drop.iter().any(|d| d == "ALL") {
                continue;
            }
            for r in required.iter().filter(|r| !drop.contains(r)) {
                out.add(format_args!("{c} does not drop {r}"));
            }
        }
    }
}
