//! pspconv: PodSecurityPolicy → Falco rules, and a local evaluator for them.
pub mod app;
pub mod check;
pub mod cli;
pub mod convert;
pub mod dry_run;
pub mod evaluate;
pub mod falco;
pub mod output;
pub mod plugin_config;
pub mod plugin_fields;
pub mod psp;
pub mod target;
pub mod yaml;

pub use target::Target;
