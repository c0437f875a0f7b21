//! The pspconv Falco plugin: PodSecurityPolicies evaluated natively inside Falco (SPEC §8).
//!
//! A thin crate over the `pspconv` library: the FFI ([`PspPlugin`], registered with the
//! `falco_plugin` macros), the configuration ([`config`]), the field table (the library's
//! [`pspconv::plugin_fields::FIELDS`], declared in [`extract`]) and the per-event cache. Field
//! extraction only, on `k8s_audit` events (the k8saudit plugin's, whose payload is one audit
//! event's JSON).
//!
//! No panic crosses the FFI boundary: the SDK's entry points do not catch unwinding, so
//! [`PspPlugin::new`] and every extractor run their work under `catch_unwind` ([`guarded`]).

pub mod config;
pub mod event;
pub mod extract;

use std::ffi::CStr;
use std::panic::{catch_unwind, AssertUnwindSafe};

use falco_plugin::base::{Json, Plugin};
use falco_plugin::tables::TablesInput;
use falco_plugin::{extract_plugin, plugin};
use pspconv::plugin_fields::PluginState;

use config::PluginConfig;
use extract::EventCache;

/// The plugin: the loaded policies and the verdict of the last event seen.
pub struct PspPlugin {
    state: PluginState,
    cache: EventCache,
}

impl PspPlugin {
    /// The loaded policies (for tests and benchmarks).
    pub fn state(&self) -> &PluginState {
        &self.state
    }
}

/// Runs `work`, turning a panic into an error instead of unwinding into Falco.
pub(crate) fn guarded<T>(what: &str, work: impl FnOnce() -> T) -> anyhow::Result<T> {
    catch_unwind(AssertUnwindSafe(work)).map_err(|panic| {
        let message = panic
            .downcast_ref::<&str>()
            .map(|s| s.to_string())
            .or_else(|| panic.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "unknown panic".into());
        anyhow::anyhow!("pspconv plugin: internal error in {what}: {message}")
    })
}

impl Plugin for PspPlugin {
    const NAME: &'static CStr = c"pspconv";
    const PLUGIN_VERSION: &'static CStr = {
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("version"),
        }
    };
    const DESCRIPTION: &'static CStr =
        c"Evaluates Kubernetes PodSecurityPolicies on k8s_audit pod creations (pspconv)";
    const CONTACT: &'static CStr = c"https://github.com/pspconv/pspconv";
    type ConfigType = Json<PluginConfig>;

    fn new(_input: Option<&TablesInput>, Json(config): Self::ConfigType) -> anyhow::Result<Self> {
        let state = guarded("init", || config.load())??;
        Ok(PspPlugin {
            state,
            cache: EventCache::default(),
        })
    }

    fn set_config(&mut self, Json(config): Self::ConfigType) -> anyhow::Result<()> {
        self.state = guarded("set_config", || config.load())??;
        self.cache = EventCache::default();
        Ok(())
    }
}

plugin!(PspPlugin);
extract_plugin!(PspPlugin);

/// The plugin's API table, as Falco sees it through the exported symbols, for in-process
/// runners (`falco_plugin_runner` in tests and benchmarks).
pub static PLUGIN_API: falco_plugin::api::plugin_api = __plugin_base_api();

#[cfg(test)]
mod tests {
    use super::guarded;

    #[test]
    fn a_panic_becomes_an_error() {
        let err = guarded("extraction", || -> u32 { panic!("boom") }).unwrap_err();
        assert!(err
            .to_string()
            .contains("internal error in extraction: boom"));
        assert_eq!(guarded("extraction", || 7).unwrap(), 7);
    }
}
