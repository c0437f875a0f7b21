//! # runtimeClass
//!
//! `spec.runtimeClass.allowedRuntimeClassNames`, in every mode: a pod `runtimeClassName` that
//! is set and not listed (`*`: any). An unset name is always allowed;
//! `defaultRuntimeClassName` never fires.

use super::{Offenders, PropertyCheck, Question, Subject};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "runtimeClass",
    label: |_| "runtimeClass",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    let (Some(rc), Some(name)) = (&s.spec.runtime_class, &s.pod.spec.runtime_class_name) else {
        return;
    };
    let allowed = &rc.allowed_runtime_class_names;
    if !allowed.iter().any(|a| a == "*" || a == name) {
        out.add(format_args!("pod runtimeClassName {name:?} is not allowed"));
    }
}
