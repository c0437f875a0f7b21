//! The evaluation loop and its summary.

use super::compile::{eval, Cache, CompiledRules};
use super::cost::{CostModel, CostSummary};
use super::events::{read_events, Item};
use super::fields::{Event, PluginView};
use super::guard::Head;
use super::json::Json;
use super::rules::RuleSet;
use super::{output, time};
use crate::Target;
use std::io::{self, BufRead, Write};

/// Falco's `rule_matching`: `first` (Falco's default) reports one rule per event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RuleMatching {
    First,
    #[default]
    All,
}

#[derive(Debug, Clone, Default)]
pub struct CheckOptions {
    pub target: Target,
    /// Print Falco's JSON alert format instead of text.
    pub json: bool,
    pub rule_matching: RuleMatching,
}

#[derive(Debug, thiserror::Error)]
pub enum CheckError {
    #[error("rules were loaded for target '{rules}' but the check runs for target '{options}'; load them with the same target")]
    TargetMismatch {
        rules: &'static str,
        options: &'static str,
    },
    #[error(transparent)]
    Io(#[from] io::Error),
}

/// Counts of one run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// Valid events seen.
    pub events: u64,
    /// Lines or items that were not valid audit events (reported on `diag`, skipped).
    pub invalid_events: u64,
    /// Manifest documents of other kinds, ignored.
    pub skipped_documents: u64,
    /// Alerts printed.
    pub alerts: u64,
    /// `(rule name, alerts)` for every enabled `k8s_audit` rule, in file order.
    pub per_rule: Vec<(String, u64)>,
    /// Field extractions Falco would make, when asked for (`run_with_stats`).
    pub cost: Option<CostSummary>,
}

impl Summary {
    /// True when anything fired (the CLI then exits 1).
    pub fn fired(&self) -> bool {
        self.alerts > 0
    }

    /// Writes a per-rule summary, like Falco's end-of-run statistics.
    pub fn print(&self, diag: &mut dyn Write) -> io::Result<()> {
        writeln!(diag, "Events processed: {}", self.events)?;
        if self.invalid_events > 0 {
            writeln!(diag, "Invalid events skipped: {}", self.invalid_events)?;
        }
        if self.skipped_documents > 0 {
            writeln!(
                diag,
                "Non-pod documents skipped: {}",
                self.skipped_documents
            )?;
        }
        writeln!(diag, "Events detected: {}", self.alerts)?;
        writeln!(diag, "Triggered rules by rule name:")?;
        for (name, n) in &self.per_rule {
            writeln!(diag, "   {name}: {n}")?;
        }
        if let Some(cost) = &self.cost {
            cost.print(diag)?;
        }
        Ok(())
    }
}

/// Bytes of text alerts gathered before one write (above a `BufWriter`'s 64 KiB buffer).
const ALERT_BATCH: usize = 1 << 17;

/// The k8saudit plugin's default `maxEventSize`.
const MAX_EVENT_SIZE: usize = 262_144;

struct Engine<'a> {
    rs: &'a CompiledRules,
    opts: &'a CheckOptions,
    cache: Cache,
    guard_pass: Vec<bool>,
    /// Whether some enabled rule uses each guard.
    enabled_guards: Vec<bool>,
    any_enabled: bool,
    summary: Summary,
    cost: Option<CostModel>,
    hostname: String,
    /// Text alerts not yet written to `out`, written in batches of [`ALERT_BATCH`] bytes:
    /// a write that large bypasses the caller's `BufWriter` instead of being copied into it.
    buf: String,
    /// The pspconv plugin's policies, for `psp.*` fields (`plugin` target).
    plugin: Option<std::sync::Arc<crate::plugin_fields::PluginState>>,
}

/// Evaluates every enabled `k8s_audit` rule of `rules` on every event of `events`, writing
/// alerts to `out` and notes about invalid input to `diag`.
pub fn run(
    rules: &RuleSet,
    events: impl BufRead,
    opts: &CheckOptions,
    out: &mut dyn Write,
    diag: &mut dyn Write,
) -> Result<Summary, CheckError> {
    run_inner(rules, events, opts, false, out, diag)
}

/// [`run`], also counting the field extractions Falco would make on each event
/// ([`Summary::cost`], see `cost`). Every event is then parsed fully, so this is slower.
pub fn run_with_stats(
    rules: &RuleSet,
    events: impl BufRead,
    opts: &CheckOptions,
    out: &mut dyn Write,
    diag: &mut dyn Write,
) -> Result<Summary, CheckError> {
    run_inner(rules, events, opts, true, out, diag)
}

fn run_inner(
    rules: &RuleSet,
    events: impl BufRead,
    opts: &CheckOptions,
    stats: bool,
    out: &mut dyn Write,
    diag: &mut dyn Write,
) -> Result<Summary, CheckError> {
    if rules.target != opts.target {
        return Err(CheckError::TargetMismatch {
            rules: rules.target.name(),
            options: opts.target.name(),
        });
    }
    let rs = &rules.compiled;
    let mut e = Engine {
        rs,
        opts,
        cache: Cache::for_rules(rs),
        guard_pass: vec![false; rs.guards.len()],
        enabled_guards: (0..rs.guards.len())
            .map(|g| rs.rules.iter().any(|r| r.enabled && r.guard == g))
            .collect(),
        any_enabled: rs.rules.iter().any(|r| r.enabled),
        summary: Summary {
            per_rule: rs
                .rules
                .iter()
                .filter(|r| r.enabled)
                .map(|r| (r.name.clone(), 0))
                .collect(),
            ..Summary::default()
        },
        cost: stats.then(|| {
            CostModel::new(
                rules
                    .rules
                    .iter()
                    .filter(|r| r.enabled && r.source == "k8s_audit")
                    .map(|r| (r.name.clone(), r.condition.clone()))
                    .collect(),
            )
        }),
        buf: String::new(),
        plugin: rules.plugin.clone(),
        hostname: if opts.json {
            output::hostname()
        } else {
            String::new()
        },
    };
    let read = read_events(events, &mut |item| e.item(item, out, diag));
    // Alerts still pending are printed even when reading stopped on an error.
    out.write_all(e.buf.as_bytes())?;
    read?;
    let mut summary = e.summary;
    summary.cost = e.cost.map(|c| c.summary);
    Ok(summary)
}

impl Engine<'_> {
    fn item(&mut self, item: Item, out: &mut dyn Write, diag: &mut dyn Write) -> io::Result<()> {
        match item {
            Item::Raw {
                line,
                text,
                in_list,
            } => self.raw(line, text, in_list, out, diag),
            Item::Parsed {
                line,
                json,
                in_list,
            } => self.parsed(line, json, in_list, out, diag),
            Item::Invalid { line, message } => self.invalid(line, &message, diag),
            Item::Skipped { line, message } => {
                self.summary.skipped_documents += 1;
                writeln!(diag, "line {line}: {message}")
            }
        }
    }

    fn invalid(&mut self, line: usize, message: &str, diag: &mut dyn Write) -> io::Result<()> {
        self.summary.invalid_events += 1;
        writeln!(diag, "line {line}: invalid event: {message}")
    }

    /// Checks what makes Falco drop an event before any rule sees it and returns its time.
    /// Both engines want `kind: Event` (except for `EventList` items) and a parseable
    /// `stageTimestamp` (k8saudit `parseSingleAuditEventJSON`; falco 0.31.1
    /// `parse_k8s_audit_json`).
    fn admit(
        &self,
        kind: Option<&str>,
        stage_ts: Option<&str>,
        in_list: bool,
    ) -> Result<u64, String> {
        if !in_list && kind != Some("Event") {
            return Err("data not recognized as a k8s audit event (kind is not 'Event')".into());
        }
        let ts = stage_ts.ok_or("can't read stageTimestamp")?;
        time::parse_rfc3339(ts).ok_or_else(|| format!("invalid stageTimestamp '{ts}'"))
    }

    /// Computes guard results; false when no enabled rule can match.
    fn guards(&mut self, head: &Head) -> bool {
        let mut any = false;
        for (i, g) in self.rs.guards.iter().enumerate() {
            let pass = g.pass(head, self.opts.target);
            self.guard_pass[i] = pass;
            any |= pass && self.enabled_guards[i];
        }
        any
    }

    fn raw(
        &mut self,
        line: usize,
        text: &str,
        in_list: bool,
        out: &mut dyn Write,
        diag: &mut dyn Write,
    ) -> io::Result<()> {
        if in_list && self.opts.target == Target::Legacy {
            // The legacy engine rewrites `kind` on EventList items; see `parsed`.
            return self.full(line, text, in_list, out, diag);
        }
        if let Ok(head) = serde_json::from_str::<Head>(text) {
            if head.kind.as_deref() == Some("EventList") {
                return self.full(line, text, in_list, out, diag);
            }
            let time_ns = match self.admit(
                head.kind.as_deref(),
                head.stage_timestamp.as_deref(),
                in_list,
            ) {
                Ok(t) => t,
                Err(m) => return self.invalid(line, &m, diag),
            };
            let any = self.any_enabled && self.guards(&head);
            if !any && self.cost.is_none() {
                self.summary.events += 1;
                return Ok(());
            }
            if self.opts.target.is_current() && text.len() > MAX_EVENT_SIZE {
                return self.full(line, text, in_list, out, diag);
            }
            let json = match serde_json::from_str::<Json>(text) {
                Ok(j) => j,
                Err(e) => return self.invalid(line, &e.to_string(), diag),
            };
            return self.evaluate(self.event(json, time_ns), line, out);
        }
        self.full(line, text, in_list, out, diag)
    }

    fn full(
        &mut self,
        line: usize,
        text: &str,
        in_list: bool,
        out: &mut dyn Write,
        diag: &mut dyn Write,
    ) -> io::Result<()> {
        match serde_json::from_str::<Json>(text) {
            Ok(j) => self.parsed(line, j, in_list, out, diag),
            Err(e) => self.invalid(line, &format!("not valid JSON: {e}"), diag),
        }
    }

    fn parsed(
        &mut self,
        line: usize,
        json: Json,
        in_list: bool,
        out: &mut dyn Write,
        diag: &mut dyn Write,
    ) -> io::Result<()> {
        match &json {
            Json::Obj(_) => {}
            Json::Arr(_) => {
                let Json::Arr(items) = json else {
                    unreachable!()
                };
                for it in items {
                    self.parsed(line, it, false, out, diag)?;
                }
                return Ok(());
            }
            _ => return self.invalid(line, "not a JSON object", diag),
        }
        if json.get("kind").and_then(Json::as_str) == Some("EventList") {
            let Json::Obj(members) = json else {
                unreachable!()
            };
            let items = members
                .into_iter()
                .find(|(k, _)| k == "items")
                .map(|(_, v)| v);
            let Some(Json::Arr(items)) = items else {
                return self.invalid(line, "EventList without an items array", diag);
            };
            for it in items {
                self.parsed(line, it, true, out, diag)?;
            }
            return Ok(());
        }
        let mut json = json;
        if in_list && self.opts.target == Target::Legacy {
            // falco 0.31.1 sets `kind: Event` on each EventList item.
            if let Json::Obj(m) = &mut json {
                match m.iter_mut().find(|(k, _)| k == "kind") {
                    Some((_, v)) => *v = Json::Str("Event".into()),
                    None => m.push(("kind".into(), Json::Str("Event".into()))),
                }
            }
        }
        if self.opts.target.is_current() && json.to_compact(false).len() > MAX_EVENT_SIZE {
            return self.invalid(line, "event larger than maxEventSize (262144 bytes)", diag);
        }
        let s = |k: &str| json.get(k).and_then(Json::as_str);
        let admitted = self.admit(s("kind"), s("stageTimestamp"), in_list);
        let head = Head::from_json(&json);
        let time_ns = match admitted {
            Ok(t) => t,
            Err(m) => return self.invalid(line, &m, diag),
        };
        match &head {
            Some(h) => {
                let any = self.any_enabled && self.guards(h);
                if !any && self.cost.is_none() {
                    self.summary.events += 1;
                    return Ok(());
                }
            }
            None => self.guard_pass.iter_mut().for_each(|g| *g = true),
        }
        self.evaluate(self.event(json, time_ns), line, out)
    }

    fn event(&self, json: Json, time_ns: u64) -> Event {
        Event {
            json,
            time_ns,
            plugin: self.plugin.clone().map(PluginView::new),
        }
    }

    fn evaluate(&mut self, ev: Event, line: usize, out: &mut dyn Write) -> io::Result<()> {
        self.summary.events += 1;
        self.cache.next_event();
        let rs = self.rs;
        if let Some(cost) = &mut self.cost {
            let first = self.opts.rule_matching == RuleMatching::First;
            cost.count(&ev, line, first, rs, &mut self.cache);
        }
        let mut enabled_idx = 0;
        let mut time_str = String::new();
        for r in &rs.rules {
            if !r.enabled {
                continue;
            }
            let idx = enabled_idx;
            enabled_idx += 1;
            if !self.guard_pass[r.guard] || !eval(&r.node, rs, &mut self.cache, &ev) {
                continue;
            }
            if self.opts.json {
                let msg = output::message(r, rs, &mut self.cache, &ev);
                let line = output::json_alert(r, rs, &mut self.cache, &ev, &msg, &self.hostname);
                writeln!(out, "{line}")?;
            } else {
                let buf = &mut self.buf;
                if time_str.is_empty() {
                    time_str = time::time_iso8601(ev.time_ns);
                }
                buf.push_str(&time_str);
                buf.push_str(": ");
                buf.push_str(r.priority.as_str());
                buf.push(' ');
                output::push_message(buf, r, rs, &mut self.cache, &ev);
                buf.push('\n');
                if buf.len() >= ALERT_BATCH {
                    out.write_all(buf.as_bytes())?;
                    buf.clear();
                }
            }
            self.summary.alerts += 1;
            self.summary.per_rule[idx].1 += 1;
            if self.opts.rule_matching == RuleMatching::First {
                break;
            }
        }
        Ok(())
    }
}
