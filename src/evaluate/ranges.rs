//! Inclusive ID and host-port ranges: membership, and their spelling in reasons.

use crate::psp::validate::{HostPortRange, IdRange};

pub fn in_id_ranges(v: i64, ranges: &[IdRange]) -> bool {
    ranges.iter().any(|r| r.min <= v && v <= r.max)
}

pub fn in_port_ranges(v: i64, ranges: &[HostPortRange]) -> bool {
    ranges.iter().any(|r| r.min <= v && v <= r.max)
}

/// `1000-1999, 3000` (`none` for an empty list).
pub fn spell(ranges: impl IntoIterator<Item = (i64, i64)>) -> String {
    let parts: Vec<String> = ranges
        .into_iter()
        .map(|(min, max)| {
            if min == max {
                min.to_string()
            } else {
                format!("{min}-{max}")
            }
        })
        .collect();
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

pub fn spell_ids(ranges: &[IdRange]) -> String {
    spell(ranges.iter().map(|r| (r.min, r.max)))
}

pub fn spell_ports(ranges: &[HostPortRange]) -> String {
    spell(ranges.iter().map(|r| (r.min, r.max)))
}
