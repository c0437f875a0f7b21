//! The pspconv plugin's `psp.*` fields for `check --target plugin`: the same table and the same
//! values as the plugin itself ([`crate::plugin_fields`]), backed by the native evaluator. The
//! event is judged once, on its first `psp.*` extraction, from its compact JSON (what the
//! k8saudit plugin hands each extractor); every further extraction is a lookup.

use std::cell::OnceCell;
use std::sync::Arc;

use super::{ArgKind, Event, Extractor, FieldInfo};
use crate::evaluate::EventVerdict;
use crate::plugin_fields::{self, PluginState};

/// What `psp.*` extractors read on one event: the plugin's policies and the event's verdict.
#[derive(Debug)]
pub struct PluginView {
    state: Arc<PluginState>,
    verdict: OnceCell<Option<EventVerdict>>,
}

impl PluginView {
    pub fn new(state: Arc<PluginState>) -> Self {
        PluginView {
            state,
            verdict: OnceCell::new(),
        }
    }
}

pub fn info(name: &str) -> Option<FieldInfo> {
    plugin_fields::field(name).map(|f| FieldInfo {
        list: f.list,
        arg: if f.per_policy {
            ArgKind::Key
        } else {
            ArgKind::None
        },
    })
}

/// The extractor of a `psp.*` field; `None` for any other field. Without a plugin view (no
/// policies given) every `psp.*` field has no value.
pub fn extractor(name: &str, arg: Option<String>) -> Option<Extractor> {
    let field = plugin_fields::field(name)?;
    Some(Box::new(move |e: &Event| {
        let Some(view) = &e.plugin else {
            return Vec::new();
        };
        let verdict = view.verdict.get_or_init(|| {
            view.state
                .evaluate_event(e.json.to_compact(false).as_bytes())
        });
        view.state.values(field, arg.as_deref(), verdict.as_ref())
    }))
}
