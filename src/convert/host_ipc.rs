//! # hostIPC
//!
//! **Property.** `spec.hostIPC` false or absent: pods may not use the host's IPC namespace.
//!
//! **Violation, every mode.** The pod sets `spec.hostIPC: true` (PSP never defaults it).
//!
//! **K8s audit rule.** `ka.req.pod.host_ipc=true` (current Falco); `ka.req.pod.host_ipc intersects
//! (true)` (legacy, as the seed's converter wrote it).
//!
//! **Syscall rule.** Current Falco: a container's first process starts with
//! `container.host_ipc=true` (container plugin). Legacy Falco has no such field: no rule, a
//! comment in the output and a warning.

use super::context::Ctx;
use super::host_namespace::{generate as host_rules, HostNamespace};
use super::Generator;
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "hostIPC",
    doc: include_str!("host_ipc.rs"),
    generate,
};

const NS: HostNamespace = HostNamespace {
    namespace: "IPC",
    property: "hostIPC",
    audit_field: "ka.req.pod.host_ipc",
    container_field: "container.host_ipc",
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    host_rules(ctx, &NS, ctx.spec.host_ipc)
}
