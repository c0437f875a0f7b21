//! `check --stats`: how many plugin field extractions Falco's evaluator makes per event
//! (SPEC §10), so that the cost of a rules file on a real Falco can be read off a local run.
//!
//! The model is Falco's, not check's: check shares comparisons between rules and skips events
//! no rule can match (`compile`, `guard`), Falco does neither. Here every enabled `k8s_audit`
//! rule is evaluated on every event, in file order, from its expanded condition (macros
//! inlined, lists substituted), `and`/`or` short-circuiting left to right and `not` costing
//! nothing. Each evaluated comparison of a plugin field (`ka.*`, `json.*`, `jevt.*`) counts one
//! extraction, and a `val(<field>)` right-hand side one more: libsinsp builds one filter check
//! per comparison and each extracts its field, so a field compared twice, in one rule or in two,
//! costs twice (SPEC §10: no sign of sharing was seen on Falco 0.44.1). Fields Falco computes
//! itself (`evt.*`) cost nothing. With `--rule-matching first` the evaluation stops at the
//! first rule that fires, as Falco's does.
//!
//! The truth value of each comparison comes from check's own compiled checks, so the count
//! follows exactly the branches that Falco takes on the event.

use super::compile::{eval, Cache, CompiledRules, Node};
use super::condition::{Expr, FieldRef, Rhs};
use super::fields::Event;
use super::json::Json;
use std::io::{self, Write};

/// Extraction counts of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CostSummary {
    /// Events evaluated (every valid audit event).
    pub events: u64,
    /// Events that create a pod (`create` of `pods` without a subresource).
    pub pod_creations: u64,
    /// Extractions over all events.
    pub total: u64,
    /// Extractions over the pod creations.
    pub pod_creation_total: u64,
    /// The costliest event: extractions, its line in the input and its `auditID`.
    pub worst: Option<WorstEvent>,
    /// Per enabled `k8s_audit` rule, in file order: name, total extractions, most in one event.
    pub per_rule: Vec<RuleCost>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorstEvent {
    pub extractions: u64,
    pub line: usize,
    pub audit_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleCost {
    pub name: String,
    pub total: u64,
    pub max: u64,
}

impl CostSummary {
    fn average(total: u64, n: u64) -> f64 {
        if n == 0 {
            0.0
        } else {
            total as f64 / n as f64
        }
    }

    /// Average extractions per event.
    pub fn per_event(&self) -> f64 {
        Self::average(self.total, self.events)
    }

    /// Average extractions per pod creation.
    pub fn per_pod_creation(&self) -> f64 {
        Self::average(self.pod_creation_total, self.pod_creations)
    }

    /// The report printed after the run summary.
    pub fn print(&self, diag: &mut dyn Write) -> io::Result<()> {
        writeln!(
            diag,
            "Field extractions (Falco's evaluation: every k8s_audit rule on every event, and/or left to right):"
        )?;
        writeln!(
            diag,
            "   total: {} over {} events; average per event: {:.1}; per pod creation ({} events): {:.1}",
            self.total,
            self.events,
            self.per_event(),
            self.pod_creations,
            self.per_pod_creation()
        )?;
        if let Some(w) = &self.worst {
            let id = w
                .audit_id
                .as_deref()
                .map(|id| format!(" (auditID {id})"))
                .unwrap_or_default();
            writeln!(
                diag,
                "   worst event: line {}{id}: {} extractions",
                w.line, w.extractions
            )?;
        }
        writeln!(diag, "   per rule (average per event, most in one event):")?;
        for r in &self.per_rule {
            writeln!(
                diag,
                "      {}: {:.1}, {}",
                r.name,
                Self::average(r.total, self.events),
                r.max
            )?;
        }
        Ok(())
    }
}

/// The cost model of a loaded rules file: each enabled `k8s_audit` rule's expanded condition.
pub struct CostModel {
    /// Per enabled rule, in the order of `CompiledRules::rules`.
    conditions: Vec<Expr>,
    pub summary: CostSummary,
}

impl CostModel {
    /// `conditions` are the expanded conditions of the enabled `k8s_audit` rules, in file
    /// order, with their names.
    pub fn new(rules: Vec<(String, Expr)>) -> Self {
        let per_rule = rules
            .iter()
            .map(|(name, _)| RuleCost {
                name: name.clone(),
                total: 0,
                max: 0,
            })
            .collect();
        CostModel {
            conditions: rules.into_iter().map(|(_, c)| c).collect(),
            summary: CostSummary {
                per_rule,
                ..CostSummary::default()
            },
        }
    }

    /// Counts the extractions Falco makes on `ev` (input line `line`). `first`: stop after the
    /// first rule that fires (`rule_matching: first`).
    pub fn count(
        &mut self,
        ev: &Event,
        line: usize,
        first: bool,
        rs: &CompiledRules,
        cache: &mut Cache,
    ) {
        let mut event_total = 0;
        for (i, cond) in self.conditions.iter().enumerate() {
            let mut n = 0;
            let fired = eval_counting(cond, rs, cache, ev, &mut n);
            let r = &mut self.summary.per_rule[i];
            r.total += n;
            r.max = r.max.max(n);
            event_total += n;
            if fired && first {
                break;
            }
        }
        let s = &mut self.summary;
        s.events += 1;
        s.total += event_total;
        if is_pod_creation(&ev.json) {
            s.pod_creations += 1;
            s.pod_creation_total += event_total;
        }
        if s.worst.as_ref().is_none_or(|w| event_total > w.extractions) {
            s.worst = Some(WorstEvent {
                extractions: event_total,
                line,
                audit_id: ev
                    .json
                    .get("auditID")
                    .and_then(Json::as_str)
                    .map(str::to_string),
            });
        }
    }
}

/// `create` of `pods` with no subresource: what the benchmark and SPEC §10 call a pod creation.
fn is_pod_creation(j: &Json) -> bool {
    let object_ref = |k: &str| j.path(&["objectRef", k]).and_then(Json::as_str);
    j.get("verb").and_then(Json::as_str) == Some("create")
        && object_ref("resource") == Some("pods")
        && object_ref("subresource").is_none()
}

/// True for fields that a plugin extracts (the `k8saudit` and `json` plugins, pspconv's own
/// `psp.*`, or the legacy engine's JSON filter checks); `evt.*` fields come from Falco itself.
fn is_plugin_field(f: &FieldRef) -> bool {
    ["ka.", "json.", "jevt.", "psp."]
        .iter()
        .any(|p| f.name.starts_with(p))
}

/// Evaluates `e` as Falco does, adding the extractions made to `n`.
fn eval_counting(e: &Expr, rs: &CompiledRules, cache: &mut Cache, ev: &Event, n: &mut u64) -> bool {
    match e {
        Expr::And(v) => v.iter().all(|c| eval_counting(c, rs, cache, ev, n)),
        Expr::Or(v) => v.iter().any(|c| eval_counting(c, rs, cache, ev, n)),
        Expr::Not(c) => !eval_counting(c, rs, cache, ev, n),
        Expr::Cmp { field, rhs, .. } => {
            *n += u64::from(is_plugin_field(field));
            if let Rhs::Field(other) = rhs {
                *n += u64::from(is_plugin_field(other));
            }
            leaf(e, rs, cache, ev)
        }
        Expr::Unary { field, .. } => {
            *n += u64::from(is_plugin_field(field));
            leaf(e, rs, cache, ev)
        }
        // Loading fails on an undefined macro, so an expanded condition has none.
        Expr::Ident(_) => false,
    }
}

/// The truth value of one comparison, from the compiled check that evaluates it.
fn leaf(e: &Expr, rs: &CompiledRules, cache: &mut Cache, ev: &Event) -> bool {
    match rs.check_of(e) {
        Some(i) => eval(&Node::Check(i), rs, cache, ev),
        None => false,
    }
}
