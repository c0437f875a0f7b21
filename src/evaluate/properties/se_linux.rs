//! # seLinux
//!
//! `spec.seLinux` with rule `MustRunAs`. `admission`: the pod-level `seLinuxOptions` set and
//! different from the policy's, or a container's own options set and different (PSP filled an
//! unset pod level in, and containers inherit it). `declared`: also a container whose effective
//! options (its own, else the pod's) are unset. Options differ as `crate::psp::se_linux`
//! says. Without options the strategy could not be built (the loader refuses that policy).

use super::{PropertyCheck, Question, Subject};
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

fn offenders(s: &Subject, q: Question, out: &mut Vec<String>) {
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
        out.push("pod seLinuxOptions differ from the policy's".into());
    }
    for c in pod.all_containers() {
        let own = c.container.security().se_linux_options.as_ref();
        if own.is_some_and(|o| options_differ(policy, o)) {
            out.push(format!("{c} seLinuxOptions differ from the policy's"));
        } else if q == Question::Declared && effective::se_linux_options(pod, c.container).is_none()
        {
            out.push(format!("{c} has no seLinuxOptions"));
        }
    }
}
