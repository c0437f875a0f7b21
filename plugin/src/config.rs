//! `init_config`: the plugin's configuration as Falco hands it over (JSON, from the YAML of
//! falco.yaml), its published JSON schema, and its loading into the evaluator. Issue 12 adds an
//! `rbac` key beside `policies`.

use falco_plugin::schemars::{self, JsonSchema};
use pspconv::convert::Mode;
use pspconv::plugin_config::{load_plugin_state, PluginSettings};
use pspconv::plugin_fields::PluginState;
use serde::Deserialize;

/// The plugin's `init_config`.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(crate = "falco_plugin::schemars")]
pub struct PluginConfig {
    /// A PodSecurityPolicy file, or a folder whose .yaml, .yml and .json files hold them
    /// (YAML or JSON, several documents, Lists, as `kubectl get psp -o yaml` prints).
    pub policies: String,
    /// strict (default): admission or declared; admission: what PSP admission rejected;
    /// declared: what the pod states.
    #[serde(default)]
    pub mode: ModeName,
    /// Image repositories every policy is limited to (overrides the images annotation).
    #[serde(default)]
    pub images: Vec<String>,
    /// Namespaces every policy is limited to (overrides the namespaces annotation).
    #[serde(default)]
    pub namespaces: Vec<String>,
}

/// The question the plugin answers (SPEC §5). Inlined in the schema: no `$ref` for Falco's
/// schema validator to resolve.
#[derive(Debug, Clone, Copy, Default, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
#[schemars(crate = "falco_plugin::schemars", inline)]
pub enum ModeName {
    #[default]
    Strict,
    Admission,
    Declared,
}

impl PluginConfig {
    pub fn settings(&self) -> PluginSettings {
        PluginSettings {
            policies: self.policies.clone().into(),
            mode: match self.mode {
                ModeName::Strict => Mode::Strict,
                ModeName::Admission => Mode::Admission,
                ModeName::Declared => Mode::Declared,
            },
            images: self.images.clone(),
            namespaces: self.namespaces.clone(),
        }
    }

    /// Loads the policies; the loader's warnings go to Falco's log.
    pub fn load(&self) -> anyhow::Result<PluginState> {
        let (state, warnings) = load_plugin_state(&self.settings())?;
        for w in warnings {
            log::warn!("{w}");
        }
        log::info!(
            "loaded {} policies from {} (mode {})",
            state.evaluator.policies.len(),
            self.policies,
            state.evaluator.mode.name()
        );
        Ok(state)
    }
}

/// The JSON schema Falco validates `init_config` against (also in `plugin/config.schema.json`).
pub fn schema_json() -> String {
    let schema = schemars::schema_for!(PluginConfig);
    serde_json::to_string_pretty(&schema).unwrap_or_default()
}
