//! `check`: evaluate Falco rules on K8s audit events locally, predicting what Falco would
//! report (SPEC §6), with the semantics of the chosen target.
//!
//! Flow: [`rules::load`] parses, expands, validates and compiles a rules file once;
//! [`run`] streams events ([`events`]), pre-filters each on a borrowed view of a few members
//! ([`guard`]), parses fully only events some rule could match, evaluates the enabled
//! `k8s_audit` rules in file order and prints alerts like Falco ([`output`]).

pub mod compile;
pub mod condition;
pub mod events;
pub mod fields;
pub mod guard;
pub mod json;
pub mod ops;
pub mod output;
pub mod rules;
pub mod time;

mod engine;

pub use engine::{run, CheckError, CheckOptions, RuleMatching, Summary};
pub use rules::{load, LoadError, LoadWarning, Priority, Rule, RuleSet};
