//! # hostPorts
//!
//! `spec.hostPorts`: a port of an init, regular or ephemeral container whose host port lies
//! outside every range; an empty list allows none. `hostPort` 0 or unset is no host port,
//! except under `hostNetwork: true`, where the API server made every `containerPort` a host
//! port. `admission`: an absent list allows no host port. `declared`: an absent list is not
//! checked.

use super::{Offenders, PropertyCheck, Question, Subject};
use crate::evaluate::ranges::{in_port_ranges, PortRanges};

pub const CHECK: PropertyCheck = PropertyCheck {
    property: "hostPorts",
    label: |_| "hostPorts",
    offenders,
};

fn offenders(s: &Subject, q: Question, out: &mut Offenders) {
    let Some(ranges) = q.stated(&s.spec.host_ports, &[]) else {
        return;
    };
    let host_network = s.pod.spec.host_network == Some(true);
    for c in &s.view.containers {
        for p in &c.container.ports {
            let (port, how) = match (p.host_port, p.container_port) {
                (Some(h), _) if h > 0 => (h, "host port"),
                (_, Some(cp)) if host_network => (cp, "containerPort (host network)"),
                _ => continue,
            };
            if !in_port_ranges(port, ranges) {
                out.add(format_args!(
                    "{c} uses {how} {port}, outside the allowed host ports ({})",
                    PortRanges(ranges)
                ));
            }
        }
    }
}
