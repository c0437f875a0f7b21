//! `check`: evaluate Falco rules on K8s audit events, as Falco would.
pub mod condition;
