//! Shared by `hostPID`, `hostIPC` and `hostNetwork`: one pod-level boolean, one container field.

use super::context::{intersects, is_true, Ctx};
use crate::falco::expr::{Field, Value};
use crate::falco::rules::Item;

pub struct HostNamespace {
    /// PSP and pod field name (`hostPID`).
    pub property: &'static str,
    /// The namespace as people name it (`PID`, `IPC`, `network`).
    pub namespace: &'static str,
    /// k8saudit field (`ka.req.pod.host_pid`).
    pub audit_field: &'static str,
    /// container plugin field (`container.host_pid`).
    pub container_field: &'static str,
}

pub fn generate(ctx: &Ctx, ns: &HostNamespace, allowed: Option<bool>) -> Vec<Item> {
    if allowed == Some(true) {
        return Vec::new();
    }
    let p = ns.property;
    let mut items = vec![ctx.banner(p)];
    if ctx.opts.sources.k8s_audit() {
        let violation = if ctx.legacy() {
            intersects(Field::new(ns.audit_field), vec![Value::Word("true")])
        } else {
            is_true(Field::new(ns.audit_field))
        };
        items.push(ctx.k8s_rule(p, &format!("pod with {p}=true"), violation, ""));
    }
    if ctx.opts.sources.syscall() {
        items.push(if ctx.legacy() {
            ctx.no_syscall_rule(
                p,
                &format!(
                    "Falco 0.18-0.31 has no {} field (added to libsinsp in 2024)",
                    ns.container_field
                ),
            )
        } else {
            ctx.syscall_rule(
                p,
                &format!("container started in the host's {} namespace", ns.namespace),
                super::privileged::container_start(),
                is_true(Field::new(ns.container_field)),
            )
        });
    }
    items
}
