//! Loading what the pspconv Falco plugin is configured with: the policies of a file or of a
//! folder (every `.yaml`, `.yml` and `.json` file in it, in name order), in any form `convert`
//! reads, compiled for one mode. Every failure names the file and, from the loader, the line,
//! column and field, so that Falco refuses to start rather than run blind.

use std::path::{Path, PathBuf};

use crate::convert::Mode;
use crate::evaluate::{EvaluatorError, PolicyEvaluator};
use crate::plugin_fields::{AmbiguousPolicy, PluginState};
use crate::psp::{load_policies, LoadError, LoadedPolicy};

/// The plugin's settings, free of any configuration syntax.
#[derive(Debug, Clone, Default)]
pub struct PluginSettings {
    /// A PSP file, or a folder of them.
    pub policies: PathBuf,
    pub mode: Mode,
    /// Overrides every policy's images annotation, as `--images` does.
    pub images: Vec<String>,
    /// Overrides every policy's namespaces annotation, as `--namespaces` does.
    pub namespaces: Vec<String>,
}

/// Why the plugin's policies did not load.
#[derive(Debug, thiserror::Error)]
pub enum PluginConfigError {
    #[error("policies {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("policies {path}: the folder holds no .yaml, .yml or .json file")]
    EmptyFolder { path: String },
    #[error(transparent)]
    Load(Box<LoadError>),
    #[error(transparent)]
    Scope(Box<EvaluatorError>),
    #[error(transparent)]
    Ambiguous(#[from] AmbiguousPolicy),
}

/// The policies of `path` (a file or a folder) and the loader's warnings.
pub fn load_policy_path(
    path: &Path,
) -> Result<(Vec<LoadedPolicy>, Vec<String>), PluginConfigError> {
    let io = |source| PluginConfigError::Io {
        path: path.display().to_string(),
        source,
    };
    let files = if std::fs::metadata(path).map_err(io)?.is_dir() {
        let mut files: Vec<PathBuf> = std::fs::read_dir(path)
            .map_err(io)?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| is_policy_file(p))
            .collect();
        files.sort();
        if files.is_empty() {
            return Err(PluginConfigError::EmptyFolder {
                path: path.display().to_string(),
            });
        }
        files
    } else {
        vec![path.to_path_buf()]
    };
    let mut policies = Vec::new();
    let mut warnings = Vec::new();
    for file in files {
        let text = std::fs::read_to_string(&file).map_err(|source| PluginConfigError::Io {
            path: file.display().to_string(),
            source,
        })?;
        let loaded = load_policies(&text, &file.display().to_string())
            .map_err(|e| PluginConfigError::Load(Box::new(e)))?;
        policies.extend(loaded.policies);
        warnings.extend(loaded.warnings);
    }
    Ok((policies, warnings))
}

/// A policy file in a folder: YAML or JSON by extension; hidden entries (a mounted ConfigMap's
/// `..data` links) and sub-folders are skipped.
fn is_policy_file(p: &Path) -> bool {
    let hidden = p
        .file_name()
        .and_then(|n| n.to_str())
        .is_none_or(|n| n.starts_with('.'));
    let ext = p.extension().and_then(|e| e.to_str()).unwrap_or("");
    !hidden && p.is_file() && matches!(ext, "yaml" | "yml" | "json")
}

/// Loads and compiles the configured policies; also returns the loader's warnings.
pub fn load_plugin_state(
    settings: &PluginSettings,
) -> Result<(PluginState, Vec<String>), PluginConfigError> {
    let (policies, warnings) = load_policy_path(&settings.policies)?;
    let state = plugin_state(&policies, settings)?;
    Ok((state, warnings))
}

/// Compiles already loaded policies with the settings' mode and scope overrides.
pub fn plugin_state(
    policies: &[LoadedPolicy],
    settings: &PluginSettings,
) -> Result<PluginState, PluginConfigError> {
    let evaluator = PolicyEvaluator::new(
        policies,
        settings.mode,
        &settings.images,
        &settings.namespaces,
    )
    .map_err(|e| PluginConfigError::Scope(Box::new(e)))?;
    Ok(PluginState::new(evaluator)?)
}
