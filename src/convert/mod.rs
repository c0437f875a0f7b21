//! PSP → Falco rules. One generator module per PSP property, registered in [`GENERATORS`].
//!
//! Each generator states, in its doc comment, what violates its property in each mode and the
//! rules it emits per target; `pspconv explain <property>` prints that comment.

mod allow_privilege_escalation;
mod allowed_csi_drivers;
mod allowed_flex_volumes;
mod allowed_host_paths;
mod allowed_proc_mount_types;
mod apparmor;
mod context;
mod host_ipc;
mod host_namespace;
mod host_network;
mod host_pid;
mod names_and_paths;
mod naming;
mod overflow;
mod plugin_rules;
mod preamble;
mod privileged;
mod read_only_root_filesystem;
mod runtime_class;
mod se_linux;
mod seccomp;
mod sysctls;
mod volumes;
mod writer;

mod allowed_capabilities;
mod fs_group;
mod host_ports;
mod ids_and_capabilities;
pub mod ranges;
mod required_drop_capabilities;
mod run_as_group;
mod run_as_user;
mod supplemental_groups;

pub use context::{Bounds, ContainerRef, Ctx, CONTAINER_KINDS};
pub use naming::safe_name;

use crate::falco::emit::emit;
use crate::falco::rules::{Item, RulesFile};
use crate::psp::LoadedPolicy;
use crate::Target;
use writer::{checked_scope, RulesWriter};

/// Which question the rules answer (SPEC §5).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Mode {
    /// Would the PSP admission controller have rejected the pod?
    Admission,
    /// Does the pod, as submitted, comply with what the policy states?
    Declared,
    /// Either.
    #[default]
    Strict,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Admission => "admission",
            Mode::Declared => "declared",
            Mode::Strict => "strict",
        }
    }
}

/// Which rules to emit (`--source`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sources {
    #[default]
    All,
    K8sAudit,
    Syscall,
}

impl Sources {
    pub fn k8s_audit(self) -> bool {
        matches!(self, Sources::All | Sources::K8sAudit)
    }
    pub fn syscall(self) -> bool {
        matches!(self, Sources::All | Sources::Syscall)
    }
}

/// How many audit rules the `plugin` target writes per policy (`--rule-per`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RulePer {
    /// One rule per policy, listing every violated property: the cheapest in Falco.
    #[default]
    Policy,
    /// One rule per policy and property, named as in the `falco` target.
    Property,
}

/// Everything that shapes a conversion.
#[derive(Debug, Clone, Default)]
pub struct Options {
    pub target: Target,
    pub mode: Mode,
    pub sources: Sources,
    /// `--images`: overrides the images annotation of every policy.
    pub images: Vec<String>,
    /// `--namespaces`: overrides the namespaces annotation of every policy.
    pub namespaces: Vec<String>,
    pub bounds: Bounds,
    /// `plugin` target: one audit rule per policy or per property.
    pub rule_per: RulePer,
}

/// A converted rules file and what the user should hear about it.
#[derive(Debug, Clone)]
pub struct Conversion {
    pub text: String,
    pub warnings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConvertError {
    #[error("{source_doc}: policy {name:?}: field `{path}`: {message}")]
    InvalidValue {
        source_doc: String,
        name: String,
        path: String,
        message: String,
    },
    #[error("{source_doc}: policy {name:?}: {message}")]
    Unsafe {
        source_doc: String,
        name: String,
        message: String,
    },
    #[error("policies {first:?} ({first_doc}) and {second:?} ({second_doc}) both become rule prefix {prefix:?}; rename one")]
    NameCollision {
        first: String,
        first_doc: String,
        second: String,
        second_doc: String,
        prefix: String,
    },
}

/// A generator: the PSP property it covers, its documentation, and the function emitting rules.
pub struct Generator {
    pub property: &'static str,
    pub doc: &'static str,
    pub generate: fn(&Ctx) -> Vec<Item>,
}

/// Every generator, in output order. Listing, `explain` and the tests walk this table.
pub const GENERATORS: &[Generator] = &[
    privileged::GENERATOR,
    host_pid::GENERATOR,
    host_ipc::GENERATOR,
    host_network::GENERATOR,
    read_only_root_filesystem::GENERATOR,
    volumes::GENERATOR,
    allowed_host_paths::GENERATOR,
    allowed_flex_volumes::GENERATOR,
    allowed_csi_drivers::GENERATOR,
    sysctls::GENERATOR,
    allowed_proc_mount_types::GENERATOR,
    runtime_class::GENERATOR,
    allow_privilege_escalation::GENERATOR,
    se_linux::GENERATOR,
    seccomp::GENERATOR,
    apparmor::GENERATOR,
    host_ports::GENERATOR,
    allowed_capabilities::GENERATOR,
    required_drop_capabilities::GENERATOR,
    run_as_user::GENERATOR,
    run_as_group::GENERATOR,
    supplemental_groups::GENERATOR,
    fs_group::GENERATOR,
];

/// Converts every policy into one rules file.
pub fn convert(policies: &[LoadedPolicy], opts: &Options) -> Result<Conversion, ConvertError> {
    if opts.target == Target::Plugin {
        return plugin_rules::convert(policies, opts);
    }
    let prefixes = naming::unique_prefixes(policies)?;
    let mut writer = RulesWriter::default();
    for (policy, prefix) in policies.iter().zip(prefixes) {
        let scope = checked_scope(policy, opts)?;
        let ctx = Ctx::new(policy, prefix, scope, opts);
        // The preamble first: its image scope notes the container bounds the overflow rule needs.
        let mut section = preamble::policy_items(&ctx);
        for g in GENERATORS {
            section.extend((g.generate)(&ctx));
        }
        section.extend(overflow::rule(&ctx));
        writer.warn(ctx.take_warnings());
        writer.section(policy, section, opts)?;
    }
    writer.finish(policies, opts, Vec::new())
}

/// Renders a rules file whose structure is already built (used by tests).
pub fn emit_file(
    file: &RulesFile,
    target: Target,
) -> Result<String, crate::falco::render::UnsafeValue> {
    emit(file, target)
}
