//! # hostPID
//!
//! **Property.** `spec.hostPID` false or absent: pods may not use the host's PID namespace.
//!
//! **Violation, every mode.** The pod sets `spec.hostPID: true` (PSP never defaults it).
//!
//! **K8s audit rule.** `ka.req.pod.host_pid=true` (current Falco); `ka.req.pod.host_pid intersects
//! (true)` (legacy, as the seed's converter wrote it).
//!
//! **Syscall rule.** Current Falco: a container's first process starts with
//! `container.host_pid=true` (container plugin). Legacy Falco has no such field: no rule, a
//! comment in the output and a warning.

use super::context::Ctx;
use super::host_namespace::{generate as host_rules, HostNamespace};
use super::Generator;
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "hostPID",
    doc: include_str!("host_pid.rs"),
    generate,
};

const NS: HostNamespace = HostNamespace {
    namespace: "PID",
    property: "hostPID",
    audit_field: "ka.req.pod.host_pid",
    container_field: "container.host_pid",
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    host_rules(ctx, &NS, ctx.spec.host_pid)
}
