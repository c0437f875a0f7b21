//! The PodSecurityPolicy side: typed model, loading from YAML/JSON streams, validation, scope.

pub mod annotations;
pub mod guarded_input;
pub mod host_paths;
pub mod load;
pub mod model;
pub mod scope;
pub mod se_linux;
pub mod sysctls;
pub mod validate;

pub use load::{load_policies, load_policy_set, LoadError, Loaded, LoadedPolicy};
pub use model::*;
