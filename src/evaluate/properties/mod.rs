//! One checker per PSP property (SPEC §5), one module each, mirroring `src/convert/`, and
//! registered in [`CHECKS`] in the order of the generator table.
//!
//! A checker answers SPEC §5's question for the mode ([`Question`]: `admission`, `declared`, or
//! both for `strict`, item by item, in one pass) by adding the pod's offenders: short phrases
//! naming the container (name, array and index), volume or sysctl and the offending value. A
//! property is violated when it has an offender.

mod allow_privilege_escalation;
mod allowed_capabilities;
mod allowed_csi_drivers;
mod allowed_flex_volumes;
mod allowed_host_paths;
mod allowed_proc_mount_types;
mod apparmor;
mod drivers;
mod fs_group;
mod group_ids;
mod host_ipc;
mod host_namespace;
mod host_network;
mod host_pid;
mod host_ports;
mod privileged;
mod read_only_root_filesystem;
mod required_drop_capabilities;
mod required_flag;
mod run_as_group;
mod run_as_user;
mod runtime_class;
mod se_linux;
mod seccomp;
mod supplemental_groups;
mod sysctls;
mod volumes;

pub use apparmor::AppArmorAllowed;
pub use seccomp::SeccompAllowed;

use super::pod::Pod;
use super::pod_view::PodView;
use super::scope::pod_in_scope;
use super::{CompiledPolicy, PolicyVerdict, Violation};
use crate::convert::Mode;
use crate::psp::PspSpec;

/// Which of SPEC §5's two questions a checker answers: `admission` (would PSP admission, its
/// defaults applied first, have rejected the pod?), `declared` (does the pod, as submitted,
/// comply with what the policy states?), or both at once for `strict`, where an item offends
/// when either reading says so.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Question {
    admission: bool,
    declared: bool,
}

impl Question {
    pub const ADMISSION: Question = Question {
        admission: true,
        declared: false,
    };
    pub const DECLARED: Question = Question {
        admission: false,
        declared: true,
    };
    pub const STRICT: Question = Question {
        admission: true,
        declared: true,
    };

    pub fn of(mode: Mode) -> Question {
        match mode {
            Mode::Admission => Question::ADMISSION,
            Mode::Declared => Question::DECLARED,
            Mode::Strict => Question::STRICT,
        }
    }

    /// Whether the admission reading is asked.
    pub fn admission(self) -> bool {
        self.admission
    }

    /// Whether the declared reading is asked.
    pub fn declared(self) -> bool {
        self.declared
    }

    /// The list a policy field means: as stated; an absent field means `absent` when the
    /// admission reading is asked (what PSP made of it, and in `strict` the wider of the two
    /// readings) and "not checked" (`None`) in `declared` alone.
    pub fn stated<'a, T>(self, field: &'a Option<Vec<T>>, absent: &'a [T]) -> Option<&'a [T]> {
        match field {
            Some(list) => Some(list),
            None if self.admission => Some(absent),
            None => None,
        }
    }
}

/// The offenders of one property: the first few phrased, the rest only counted, so that a
/// pod with many offenders costs no more text than one with a few.
#[derive(Debug, Default)]
pub struct Offenders {
    text: String,
    count: usize,
}

impl Offenders {
    /// One more offender; phrased only while fewer than [`NAMED_OFFENDERS`] are.
    pub fn add(&mut self, phrase: std::fmt::Arguments) {
        if self.count < NAMED_OFFENDERS {
            if self.count > 0 {
                self.text.push_str("; ");
            }
            // Writing to a String cannot fail.
            let _ = std::fmt::Write::write_fmt(&mut self.text, phrase);
        }
        self.count += 1;
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    fn clear(&mut self) {
        self.text.clear();
        self.count = 0;
    }

    /// The phrases joined with `; `, and how many more there are.
    fn reason(&self) -> String {
        let mut text = self.text.clone();
        if self.count > NAMED_OFFENDERS {
            text.push_str(&format!("; and {} more", self.count - NAMED_OFFENDERS));
        }
        text
    }
}

/// What a checker reads: one compiled policy and one pod.
pub struct Subject<'a> {
    pub policy: &'a CompiledPolicy,
    pub spec: &'a PspSpec,
    pub pod: &'a Pod,
    pub view: &'a PodView<'a>,
}

/// A property's checker.
pub struct PropertyCheck {
    /// The property as SPEC §5 and the generator table name it (`runAsUser`).
    pub property: &'static str,
    /// The name the `falco` target's rule carries (`runAsUser=MustRunAs` for strategies).
    pub label: fn(&PspSpec) -> &'static str,
    /// Pushes the pod's offenders for one question.
    pub offenders: fn(&Subject, Question, &mut Offenders),
}

/// Every property, in the order of `convert::GENERATORS`.
pub const CHECKS: &[PropertyCheck] = &[
    privileged::CHECK,
    host_pid::CHECK,
    host_ipc::CHECK,
    host_network::CHECK,
    read_only_root_filesystem::CHECK,
    volumes::CHECK,
    allowed_host_paths::CHECK,
    allowed_flex_volumes::CHECK,
    allowed_csi_drivers::CHECK,
    sysctls::CHECK,
    allowed_proc_mount_types::CHECK,
    runtime_class::CHECK,
    allow_privilege_escalation::CHECK,
    se_linux::CHECK,
    seccomp::CHECK,
    apparmor::CHECK,
    host_ports::CHECK,
    allowed_capabilities::CHECK,
    required_drop_capabilities::CHECK,
    run_as_user::CHECK,
    run_as_group::CHECK,
    supplemental_groups::CHECK,
    fs_group::CHECK,
];

/// Offenders named one by one in a reason; the rest are counted.
const NAMED_OFFENDERS: usize = 3;

/// Judges `pod` in `namespace` against one policy in `mode`.
pub fn evaluate_policy(
    policy: &CompiledPolicy,
    mode: Mode,
    pod: &Pod,
    namespace: &str,
) -> PolicyVerdict {
    evaluate_view(policy, mode, &PodView::new(pod), namespace)
}

/// As [`evaluate_policy`], on a pod view shared by every policy.
pub fn evaluate_view(
    policy: &CompiledPolicy,
    mode: Mode,
    view: &PodView,
    namespace: &str,
) -> PolicyVerdict {
    let pod = view.pod;
    if !pod_in_scope(&policy.scope, pod, namespace) {
        return PolicyVerdict {
            in_scope: false,
            violations: Vec::new(),
        };
    }
    let subject = Subject {
        policy,
        spec: &policy.policy.psp.spec,
        pod,
        view,
    };
    let question = Question::of(mode);
    let mut violations = Vec::new();
    let mut offenders = Offenders::default();
    for check in CHECKS {
        offenders.clear();
        (check.offenders)(&subject, question, &mut offenders);
        if !offenders.is_empty() {
            violations.push(Violation {
                property: (check.label)(subject.spec).to_string(),
                reason: offenders.reason(),
            });
        }
    }
    PolicyVerdict {
        in_scope: true,
        violations,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_name_three_offenders_and_count_the_rest() {
        let mut o = Offenders::default();
        for i in 0..5 {
            o.add(format_args!("volume {i}"));
        }
        assert_eq!(o.reason(), "volume 0; volume 1; volume 2; and 2 more");
        o.clear();
        assert!(o.is_empty());
        o.add(format_args!("only"));
        assert_eq!(o.reason(), "only");
    }

    #[test]
    fn an_absent_list_is_what_admission_made_of_it_and_unchecked_when_only_declared() {
        let absent: Option<Vec<u8>> = None;
        let empty: &[u8] = &[];
        assert_eq!(Question::ADMISSION.stated(&absent, empty), Some(empty));
        assert_eq!(Question::STRICT.stated(&absent, empty), Some(empty));
        assert_eq!(Question::DECLARED.stated(&absent, empty), None);
        let stated = Some(vec![1u8]);
        assert_eq!(Question::DECLARED.stated(&stated, empty), Some(&[1u8][..]));
    }

    #[test]
    fn checks_follow_the_generator_table() {
        let generators: Vec<&str> = crate::convert::GENERATORS
            .iter()
            .map(|g| g.property)
            .collect();
        let checks: Vec<&str> = CHECKS.iter().map(|c| c.property).collect();
        assert_eq!(checks, generators);
    }
}
