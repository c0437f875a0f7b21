//! Field extraction: the library's field table declared to Falco, and the per-event cache. An
//! event is parsed and judged against every policy once, on its first extraction; every further
//! extraction on it is a lookup. Events that are not pod creations are decided by the
//! evaluator's guard before any full parse.

use std::ffi::{CStr, CString};

use falco_plugin::extract::{field, ExtractFieldInfo, ExtractPlugin, ExtractRequest};
use pspconv::evaluate::EventVerdict;
use pspconv::plugin_fields::{FieldKind, PluginField, PluginState, FIELDS};

use crate::event::AuditEvent;
use crate::{guarded, PspPlugin};

/// The verdict of the last event extracted from, keyed by Falco's event number.
#[derive(Debug, Default)]
pub struct EventCache {
    event: Option<u64>,
    verdict: Option<EventVerdict>,
}

impl EventCache {
    /// The verdict of the request's event: from the cache, or computed once. Events that do not
    /// parse as `k8s_audit` plugin events, and panics in the evaluator, give no verdict.
    fn verdict(
        &mut self,
        state: &PluginState,
        req: &ExtractRequest<PspPlugin>,
    ) -> Option<&EventVerdict> {
        let number = req.event.event_number() as u64;
        if self.event != Some(number) {
            let verdict = req.event.event().ok().and_then(|e| {
                guarded("evaluation", || state.evaluate_event(e.params.event_data.0))
                    .unwrap_or_else(|e| {
                        log::error!("{e:#}");
                        None
                    })
            });
            *self = EventCache {
                event: Some(number),
                verdict,
            };
        }
        self.verdict.as_ref()
    }
}

impl PspPlugin {
    /// The values of `field` for the request's event; empty means no value.
    fn values(
        &mut self,
        field: &PluginField,
        arg: Option<&CStr>,
        req: &ExtractRequest<Self>,
    ) -> anyhow::Result<Vec<String>> {
        let arg = arg.map(|a| a.to_string_lossy());
        let arg = arg.as_deref();
        let state = &self.state;
        // Fields that do not read the event, and per-policy fields naming a policy the plugin
        // does not have (no value), are answered without the event.
        let event_free = matches!(
            field.kind,
            FieldKind::Loaded | FieldKind::Mode | FieldKind::Policies
        );
        let unknown_policy = field.per_policy && arg.and_then(|a| state.policy(a)).is_none();
        let reads_event = !event_free && !unknown_policy;
        let verdict = if reads_event {
            self.cache.verdict(state, req)
        } else {
            None
        };
        guarded("extraction", || state.values(field, arg, verdict))
    }

    fn one(
        &mut self,
        i: usize,
        arg: Option<&CStr>,
        req: ExtractRequest<Self>,
    ) -> anyhow::Result<Option<CString>> {
        let values = self.values(&FIELDS[i], arg, &req)?;
        Ok(values.into_iter().next().and_then(|v| CString::new(v).ok()))
    }

    fn many(
        &mut self,
        i: usize,
        arg: Option<&CStr>,
        req: ExtractRequest<Self>,
    ) -> anyhow::Result<Vec<CString>> {
        let values = self.values(&FIELDS[i], arg, &req)?;
        Ok(values
            .into_iter()
            .filter_map(|v| CString::new(v).ok())
            .collect())
    }

    fn evaluated(&mut self, req: ExtractRequest<Self>) -> anyhow::Result<Option<CString>> {
        self.one(0, None, req)
    }
    fn violated(
        &mut self,
        req: ExtractRequest<Self>,
        policy: &CStr,
    ) -> anyhow::Result<Option<CString>> {
        self.one(1, Some(policy), req)
    }
    fn violations(
        &mut self,
        req: ExtractRequest<Self>,
        policy: &CStr,
    ) -> anyhow::Result<Vec<CString>> {
        self.many(2, Some(policy), req)
    }
    fn reason(
        &mut self,
        req: ExtractRequest<Self>,
        policy: &CStr,
    ) -> anyhow::Result<Option<CString>> {
        self.one(3, Some(policy), req)
    }
    fn loaded(
        &mut self,
        req: ExtractRequest<Self>,
        policy: &CStr,
    ) -> anyhow::Result<Option<CString>> {
        self.one(4, Some(policy), req)
    }
    fn policies(&mut self, req: ExtractRequest<Self>) -> anyhow::Result<Vec<CString>> {
        self.many(5, None, req)
    }
    fn mode(&mut self, req: ExtractRequest<Self>) -> anyhow::Result<Option<CString>> {
        self.one(6, None, req)
    }
}

impl ExtractPlugin for PspPlugin {
    type Event<'a> = AuditEvent<'a>;
    type ExtractContext = ();

    // In the order of the library's table (a test checks names, types and arguments).
    const EXTRACT_FIELDS: &'static [ExtractFieldInfo<Self>] = &[
        field(FIELDS[0].name, &Self::evaluated).with_description(FIELDS[0].description),
        field(FIELDS[1].name, &Self::violated).with_description(FIELDS[1].description),
        field(FIELDS[2].name, &Self::violations).with_description(FIELDS[2].description),
        field(FIELDS[3].name, &Self::reason).with_description(FIELDS[3].description),
        field(FIELDS[4].name, &Self::loaded).with_description(FIELDS[4].description),
        field(FIELDS[5].name, &Self::policies).with_description(FIELDS[5].description),
        field(FIELDS[6].name, &Self::mode).with_description(FIELDS[6].description),
    ];
}
