//! # readOnlyRootFilesystem
//!
//! `spec.readOnlyRootFilesystem: true`. `admission`: a container setting
//! `readOnlyRootFilesystem: false` (PSP turned unset into `true`). `declared`: a container not
//! setting it to `true`.

use super::{required_flag, Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "readOnlyRootFilesystem",
    label: |_| "readOnlyRootFilesystem",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    if s.spec.read_only_root_filesystem == Some(true) {
        required_flag::check(s, q, out, "readOnlyRootFilesystem", true, |sc| {
            sc.read_only_root_filesystem
        });
    }
}
