//! # hostNetwork
//!
//! **Property.** `spec.hostNetwork` false or absent: pods may not use the host's network namespace.
//!
//! **Violation, every mode.** The pod sets `spec.hostNetwork: true` (PSP never defaults it).
//!
//! **K8s audit rule.** `ka.req.pod.host_network=true` (current Falco); `ka.req.pod.host_network intersects
//! (true)` (legacy, as the seed's converter wrote it).
//!
//! **Syscall rule.** Current Falco: a container's first process starts with
//! `container.host_network=true` (container plugin). Legacy Falco has no such field: no rule, a
//! comment in the output and a warning.

use super::context::Ctx;
use super::host_namespace::{generate as host_rules, HostNamespace};
use super::Generator;
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "hostNetwork",
    doc: include_str!("host_network.rs"),
    generate,
};

const NS: HostNamespace = HostNamespace {
    namespace: "network",
    property: "hostNetwork",
    audit_field: "ka.req.pod.host_network",
    container_field: "container.host_network",
};

fn generate(ctx: &Ctx) -> Vec<Item> {
    host_rules(ctx, &NS, ctx.spec.host_network)
}
