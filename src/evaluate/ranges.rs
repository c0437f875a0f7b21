//! Inclusive ID and host-port ranges: membership, and their spelling in reasons (written only
//! when a reason is, never built ahead).

use crate::psp::validate::{HostPortRange, IdRange};
use std::fmt;

pub fn in_id_ranges(v: i64, ranges: &[IdRange]) -> bool {
    ranges.iter().any(|r| r.min <= v && v <= r.max)
}

pub fn in_port_ranges(v: i64, ranges: &[HostPortRange]) -> bool {
    ranges.iter().any(|r| r.min <= v && v <= r.max)
}

/// `1000-1999, 3000` (`none` for no range).
fn spell(f: &mut fmt::Formatter<'_>, ranges: impl Iterator<Item = (i64, i64)>) -> fmt::Result {
    let mut any = false;
    for (i, (min, max)) in ranges.enumerate() {
        any = true;
        if i > 0 {
            f.write_str(", ")?;
        }
        if min == max {
            write!(f, "{min}")?;
        } else {
            write!(f, "{min}-{max}")?;
        }
    }
    if !any {
        f.write_str("none")?;
    }
    Ok(())
}

/// ID ranges as reasons spell them.
pub struct IdRanges<'a>(pub &'a [IdRange]);

impl fmt::Display for IdRanges<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        spell(f, self.0.iter().map(|r| (r.min, r.max)))
    }
}

/// Host-port ranges as reasons spell them.
pub struct PortRanges<'a>(pub &'a [HostPortRange]);

impl fmt::Display for PortRanges<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        spell(f, self.0.iter().map(|r| (r.min, r.max)))
    }
}
