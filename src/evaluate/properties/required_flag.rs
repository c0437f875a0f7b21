//! `readOnlyRootFilesystem: true` and `allowPrivilegeEscalation: false` share one test: a
//! container setting the other value offends in every reading (PSP refused it); a container
//! leaving it unset offends in `declared` (PSP would have set it, Kubernetes' default is the
//! other value).

use super::{Offenders, Question, Subject};
use crate::evaluate::pod::SecurityContext;

/// Adds the containers whose `field` (read by `value`) is not `required`.
pub fn check(
    s: &Subject,
    q: Question,
    out: &mut Offenders,
    field: &str,
    required: bool,
    value: fn(&SecurityContext) -> Option<bool>,
) {
    for c in &s.view.containers {
        match value(c.container.security()) {
            Some(v) if v != required => out.add(format_args!("{c} sets {field}: {v}")),
            None if q.declared() => out.add(format_args!("{c} leaves {field} unset")),
            _ => {}
        }
    }
}
