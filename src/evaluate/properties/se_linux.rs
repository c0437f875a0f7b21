//! # seLinux
//!
//! `spec.seLinux` with rule `MustRunAs`. `admission`: the pod-level `seLinuxOptions` set and
//! different from the policy's, or a container's own options set and different (PSP filled an
//! unset pod level in, and containers inherit it). `declared`: also a container whose effective
//! options (its own, else the pod's) are unset. Options differ as `crate::psp::se_linux`
//! says. Without options the strategy could not be built (the loader refuses that policy).

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::evaluate::effective;
use crate::psp::se_linux::options_differ;
use crate::psp::{PspSpec, SeLinuxRule};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "seLinux",
    label,
    offenders,
};

fn label(_: &PspSpec) -> &'static str {
    "seLinux=MustRunAs"
}

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(strategy) = &s.spec.se_linux else {
        return;
    };
    let (SeLinuxRule::MustRunAs, Some(policy)) = (strategy.rule, &strategy.se_linux_options) else {
        return;
    };
    let pod = s.pod;
    if pod
        .security()
        .se_linux_options
        .as_ref()
        .is_some_and(|o| options_differ(policy, o))
    {
        out.add(format_args!("pod seLinuxOptions differ from the policy's"));
    }
    for c in &s.view.containers {
        let own = c.container.security().se_linux_options.as_ref();
        if own.is_some_and(|o| options_differ(policy, o)) {
            out.add(format_args!("{c} seLinuxOptions differ from the policy's"));
        } else if q.declared() && effective::se_linux_options(pod, c.container).is_none() {
            out.add(format_args!("{c} has no seLinuxOptions"));
        }
    }
}
