//! # readOnlyRootFilesystem
//!
//! `spec.readOnlyRootFilesystem: true`. `admission`: a container setting
//! `readOnlyRootFilesystem: false` (PSP turned unset into `true`). `declared`: a container not
//! setting it to `true`.

use super::{PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "readOnlyRootFilesystem",
    label: |_| "readOnlyRootFilesystem",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Vec<String>) {
    if s.spec.read_only_root_filesystem != Some(true) {
        return;
    }
    for c in s.pod.all_containers() {
        match (c.container.security().read_only_root_filesystem, q) {
            (Some(false), _) => out.push(format!("{c} sets readOnlyRootFilesystem: false")),
            (None, Question::Declared) => {
                out.push(format!("{c} leaves readOnlyRootFilesystem unset"))
            }
            _ => {}
        }
    }
}
