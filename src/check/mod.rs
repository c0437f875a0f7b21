//! `check`: evaluate Falco rules on K8s audit events locally, predicting what Falco would
//! report (SPEC §6), with the semantics of the chosen target.
//!
//! Flow: [`load`] reads a rules file as Falco's rule loader does (lists substituted into
//! condition text, macros inlined, exceptions appended, fields checked per source), then
//! compiles every `k8s_audit` rule once; [`run`] streams events ([`events`]), pre-filters each
//! on a borrowed view of a few members ([`guard`]), parses fully only events some rule could
//! match, evaluates enabled `k8s_audit` rules in file order and prints alerts like Falco
//! ([`output`]). Syscall rules are validated, never evaluated.
//!
//! ```no_run
//! use pspconv::check::{self, CheckOptions};
//! # fn main() -> anyhow::Result<()> {
//! let text = std::fs::read_to_string("rules.yaml")?;
//! let rules = check::load(&text, "rules.yaml", pspconv::Target::Falco)?;
//! for w in &rules.warnings {
//!     eprintln!("warning: {w}");
//! }
//! let events = std::io::BufReader::new(std::fs::File::open("audit.log")?);
//! let opts = CheckOptions::default();
//! let summary = check::run(&rules, events, &opts, &mut std::io::stdout(), &mut std::io::stderr())?;
//! summary.print(&mut std::io::stderr())?;
//! std::process::exit(i32::from(summary.fired()));
//! # }
//! ```
//!
//! Semantics sources: research `falco-fields-and-targets.md` §3, §5, §7; falco 0.31.1
//! `json_evt.cpp` (legacy engine); k8saudit/json plugins (plugins 0b3cbd8d); libsinsp parser,
//! `filter_compare.cpp`, `prefix_search.h` (libs 48dfd53c); falco `rule_loader_*.cpp`
//! (falco 13074749).

pub mod compile;
pub mod condition;
pub mod cost;
pub mod events;
pub mod fields;
pub mod guard;
pub mod json;
pub mod ops;
pub mod output;
pub mod pointers;
pub mod rules;
pub mod time;

mod engine;

pub use cost::CostSummary;
pub use engine::{run, run_with_stats, CheckError, CheckOptions, RuleMatching, Summary};
pub use rules::{
    detect_target, load, DetectedTarget, LoadError, LoadWarning, Priority, Rule, RuleSet,
};
