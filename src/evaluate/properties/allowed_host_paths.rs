//! # allowedHostPaths
//!
//! `spec.allowedHostPaths` (non-empty), in every mode: a `hostPath` volume whose path matches
//! no prefix (PSP's `hasPathPrefix`, shared with the rule generator); and, when every prefix
//! the path matches is `readOnly: true`, a `volumeMount` of that volume (by name, in any init,
//! regular or ephemeral container) without `readOnly: true`.

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::psp::host_paths::has_path_prefix;

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "allowedHostPaths",
    label: |_| "allowedHostPaths",
    offenders,
};

fn offenders(s: &Subject, _: Question, out: &mut Offenders) {
    let Some(entries) = s.spec.allowed_host_paths.as_deref() else {
        return;
    };
    if entries.is_empty() {
        return;
    }
    for (i, v) in s.pod.spec.volumes.iter().enumerate() {
        let Some(path) = &v.host_path else {
            continue;
        };
        let mut matching = entries
            .iter()
            .filter(|e| has_path_prefix(path, &e.path_prefix))
            .peekable();
        if matching.peek().is_none() {
            out.add(format_args!(
                "volume {:?} (volumes[{i}]) has hostPath {path:?} outside the allowed prefixes",
                v.name
            ));
            continue;
        }
        if !matching.all(|e| e.read_only) {
            continue;
        }
        for c in &s.view.containers {
            let writable = c
                .container
                .volume_mounts
                .iter()
                .any(|m| m.name == v.name && m.read_only != Some(true));
            if writable {
                out.add(format_args!(
                    "{c} mounts read-only hostPath {path:?} (volume {:?}) without readOnly: true",
                    v.name
                ));
            }
        }
    }
}
