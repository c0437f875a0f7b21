//! # readOnlyRootFilesystem
//!
//! `spec.readOnlyRootFilesystem: true`. `admission`: a container setting
//! `readOnlyRootFilesystem: false` (PSP turned unset into `true`). `declared`: a container not
//! setting it to `true`.

use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "readOnlyRootFilesystem",
    label: |_| "readOnlyRootFilesystem",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    if s.spec.read_only_root_filesystem != Some(true) {
        return;
    }
    for c in &s.view.containers {
        match (c.container.security().read_only_root_filesystem, q) {
            (Some(false), _) => out.add(format_args!("{c} sets readOnlyRootFilesystem: false")),
            (None, _) if q.declared() => {
                out.add(format_args!("{c} leaves readOnlyRootFilesystem unset"))
            }
            _ => {}
        }
    }
}
