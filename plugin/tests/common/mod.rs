//! A test-only source plugin emitting audit events as `k8s_audit` plugin events (as the
//! k8saudit plugin does: one audit event's JSON per event, plugin ID 1), and a harness running
//! it with the pspconv plugin in `falco_plugin_runner`, the pure-Rust plugin runner.
#![allow(dead_code)]

use std::ffi::{CStr, CString};
use std::path::PathBuf;

use falco_plugin::anyhow::{self, Error};
use falco_plugin::base::Plugin;
use falco_plugin::event::events::Event;
use falco_plugin::source::{
    EventBatch, EventInput, PluginEvent, SourcePlugin, SourcePluginInstance,
};
use falco_plugin::tables::TablesInput;
use falco_plugin::{static_plugin, FailureReason};
use falco_plugin_runner::{CapturingPluginRunner, ExtractedField, PluginRunner};

/// Emits each line of its configuration (JSON lines) as one `k8s_audit` event.
pub struct AuditSource {
    events: Vec<Vec<u8>>,
}

impl Plugin for AuditSource {
    const NAME: &'static CStr = c"test-audit-source";
    const PLUGIN_VERSION: &'static CStr = c"0.0.1";
    const DESCRIPTION: &'static CStr = c"emits k8s_audit events for tests";
    const CONTACT: &'static CStr = c"tests";
    type ConfigType = String;

    fn new(_input: Option<&TablesInput>, config: String) -> Result<Self, Error> {
        Ok(AuditSource {
            events: config.lines().map(|l| l.as_bytes().to_vec()).collect(),
        })
    }
}

pub struct AuditSourceInstance {
    next: usize,
}

impl SourcePluginInstance for AuditSourceInstance {
    type Plugin = AuditSource;

    fn next_batch(
        &mut self,
        plugin: &mut AuditSource,
        batch: &mut EventBatch,
    ) -> Result<(), Error> {
        let Some(event) = plugin.events.get(self.next) else {
            return Err(anyhow::anyhow!("no more events").context(FailureReason::Eof));
        };
        self.next += 1;
        batch.add(Self::plugin_event(event))?;
        Ok(())
    }
}

impl SourcePlugin for AuditSource {
    type Instance = AuditSourceInstance;
    const EVENT_SOURCE: &'static CStr = c"k8s_audit";
    const PLUGIN_ID: u32 = 1;
    type Event<'a> = Event<PluginEvent<&'a [u8]>>;

    fn open(&mut self, _params: Option<&str>) -> Result<Self::Instance, Error> {
        Ok(AuditSourceInstance { next: 0 })
    }

    fn event_to_string(&mut self, event: &EventInput<Self::Event<'_>>) -> Result<CString, Error> {
        Ok(CString::new(event.event()?.params.event_data)?)
    }
}

static_plugin!(AUDIT_SOURCE_API = AuditSource);

/// The repository's test data.
pub fn data(path: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/data")
        .join(path)
}

/// One line of JSON from a trace file of Falco's PSP suite.
pub fn trace(name: &str) -> String {
    let text = std::fs::read_to_string(data("falco-psp-tests/trace_files").join(name)).unwrap();
    let json: serde_json::Value = serde_json::from_str(&text).unwrap();
    serde_json::to_string(&json).unwrap()
}

/// The pspconv plugin's `init_config` for `policies` in `mode`.
pub fn config(policies: &std::path::Path, mode: &str) -> CString {
    let json = serde_json::json!({ "policies": policies, "mode": mode });
    CString::new(json.to_string()).unwrap()
}

/// A runner with the test source emitting `events` and the pspconv plugin configured with
/// `config`, capturing.
pub fn start(config: &CStr, events: &[String]) -> anyhow::Result<CapturingPluginRunner> {
    let mut runner = PluginRunner::new();
    let source_config = CString::new(events.join("\n")).unwrap();
    runner.register_plugin(&AUDIT_SOURCE_API, &source_config)?;
    runner.register_plugin(&pspconv_falco_plugin::PLUGIN_API, config)?;
    runner.start_capture()
}

/// A field's value as the runner shows it: `None` for no value; a list of several items
/// joined with `,` in `(...)`, of one item as that item.
pub fn value(
    runner: &mut CapturingPluginRunner,
    event: &falco_plugin_runner::Event,
    field: &str,
) -> Option<String> {
    match runner.extract_field(event, field) {
        None => panic!("no plugin declares {field}"),
        Some(Err(rc)) => panic!("extraction of {field} failed: rc {rc}"),
        Some(Ok(ExtractedField::None)) => None,
        Some(Ok(ExtractedField::Vec(v))) if v.is_empty() => None,
        Some(Ok(v)) => Some(v.to_string()),
    }
}
