//! The events the plugin reads: plugin events of the `k8s_audit` source, whose payload is one
//! audit event's JSON (as the k8saudit plugin emits them, one event per audit entry).

use std::io::Write;

use falco_plugin::event::events::Event;
use falco_plugin::event::fields::{FromBytes, FromBytesError, ToBytes};
use falco_plugin::event::{EventSource, PluginEvent};

/// The source whose events the plugin extracts from.
pub const SOURCE: &str = "k8s_audit";

/// One audit event's JSON, borrowed from the event buffer.
#[derive(Debug, Clone, Copy)]
pub struct AuditEventJson<'a>(pub &'a [u8]);

/// A `k8s_audit` plugin event.
pub type AuditEvent<'a> = Event<PluginEvent<AuditEventJson<'a>>>;

impl EventSource for AuditEventJson<'_> {
    const SOURCE: Option<&'static str> = Some(SOURCE);
}

impl<'a> FromBytes<'a> for AuditEventJson<'a> {
    fn from_bytes(buf: &mut &'a [u8]) -> Result<Self, FromBytesError> {
        Ok(AuditEventJson(std::mem::take(buf)))
    }
}

impl ToBytes for AuditEventJson<'_> {
    fn binary_size(&self) -> usize {
        self.0.len()
    }

    fn write<W: Write>(&self, mut writer: W) -> std::io::Result<()> {
        writer.write_all(self.0)
    }

    fn default_repr() -> impl ToBytes {
        &[] as &[u8]
    }
}
