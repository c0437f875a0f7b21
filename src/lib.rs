//! pspconv: PodSecurityPolicy → Falco rules, and a local evaluator for them.
pub mod check;
pub mod cli;
pub mod falco;
pub mod psp;
pub mod target;
pub mod yaml;

pub use target::Target;
