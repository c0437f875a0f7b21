//! Compiles expanded `k8s_audit` rules into an evaluation form: field references resolved to
//! shared extractor slots (each field is extracted at most once per event), operators into
//! predicates, outputs into token lists, and a cheap guard per rule (see `guard`).

use super::condition::{Expr, FieldRef, Op, Rhs, UnaryOp};
use super::fields::{self, Event, Extractor, Values};
use super::guard::{self, Guard};
use super::ops::{self, Pred};
use super::rules::{Priority, Rule};
use crate::Target;
use std::collections::HashMap;

pub use ops::legacy_supports;

pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Index into `CompiledRules::checks`; identical comparisons share one entry, so each is
    /// evaluated at most once per event however many rules contain it.
    Check(usize),
}

pub enum OutTok {
    Lit(String),
    Field { slot: usize, key: String },
}

pub struct CompiledRule {
    pub name: String,
    pub priority: Priority,
    pub tags: Vec<String>,
    pub enabled: bool,
    pub node: Node,
    pub output: Vec<OutTok>,
    /// Index into `CompiledRules::guards`.
    pub guard: usize,
}

pub struct Check {
    pub slot: usize,
    pub pred: Pred,
    /// `val(field)` on the right: the operator and the slot of that field. Its value is only
    /// known per event, so `pred` is then unused.
    pub field_rhs: Option<(Op, usize)>,
}

pub struct Slot {
    pub extract: Extractor,
    pub list: bool,
    /// Legacy `[k]` narrowing (see `fields::legacy_index`).
    pub index: Option<usize>,
}

pub struct CompiledRules {
    pub target: Target,
    pub rules: Vec<CompiledRule>,
    pub slots: Vec<Slot>,
    slot_index: HashMap<FieldRef, usize>,
    pub checks: Vec<Check>,
    check_index: HashMap<Expr, usize>,
    pub guards: Vec<Guard>,
    guard_index: HashMap<Guard, usize>,
    /// Slots for the `evt.time.iso8601` prefix of JSON `output_fields`.
    pub time_slot: usize,
}

impl CompiledRules {
    pub fn new(target: Target) -> Self {
        let mut c = CompiledRules {
            target,
            rules: Vec::new(),
            slots: Vec::new(),
            slot_index: HashMap::new(),
            checks: Vec::new(),
            check_index: HashMap::new(),
            guards: Vec::new(),
            guard_index: HashMap::new(),
            time_slot: 0,
        };
        c.time_slot = c.slot(&FieldRef::new("evt.time.iso8601", None));
        c
    }

    fn slot(&mut self, f: &FieldRef) -> usize {
        if let Some(i) = self.slot_index.get(f) {
            return *i;
        }
        let list = fields::lookup(self.target, "k8s_audit", &f.name).is_some_and(|i| i.list);
        let extract = fields::gen_event_extractor(&f.name)
            .unwrap_or_else(|| fields::extractor(self.target, f));
        let index = fields::legacy_index(self.target, f);
        self.slots.push(Slot {
            extract,
            list,
            index,
        });
        self.slot_index.insert(f.clone(), self.slots.len() - 1);
        self.slots.len() - 1
    }

    /// Adds a validated `k8s_audit` rule.
    pub fn add(&mut self, rule: &Rule) -> Result<(), String> {
        let node = self.node(&rule.condition)?;
        let output = output_fields_tokens(&rule.output)
            .into_iter()
            .map(|t| match t {
                RawTok::Lit(s) => OutTok::Lit(s),
                RawTok::Field(f) => {
                    let key = match &f.arg {
                        Some(a) => format!("{}[{a}]", f.name),
                        None => f.name.clone(),
                    };
                    OutTok::Field {
                        slot: self.slot(&f),
                        key,
                    }
                }
            })
            .collect();
        let g = guard::derive(&rule.condition, self.target);
        let gi = match self.guard_index.get(&g) {
            Some(i) => *i,
            None => {
                self.guards.push(g.clone());
                self.guard_index.insert(g, self.guards.len() - 1);
                self.guards.len() - 1
            }
        };
        let mut tags = rule.tags.clone();
        tags.sort();
        tags.dedup();
        self.rules.push(CompiledRule {
            name: rule.name.clone(),
            priority: rule.priority,
            tags,
            enabled: rule.enabled,
            node,
            output,
            guard: gi,
        });
        Ok(())
    }

    fn check(&mut self, e: &Expr) -> Result<Check, String> {
        Ok(match e {
            Expr::Unary {
                field,
                op: UnaryOp::Exists,
            } => Check {
                slot: self.slot(field),
                pred: Pred::Exists {
                    legacy: self.target == Target::Legacy,
                },
                field_rhs: None,
            },
            Expr::Cmp {
                field,
                op,
                rhs: Rhs::Field(other),
            } => {
                let slot = self.slot(field);
                let other_slot = self.slot(other);
                Check {
                    slot,
                    pred: Pred::Exists { legacy: false },
                    field_rhs: Some((*op, other_slot)),
                }
            }
            Expr::Cmp { field, op, rhs } => {
                let slot = self.slot(field);
                let values: Vec<String> = match rhs {
                    Rhs::Value(v) => vec![v.clone()],
                    Rhs::List(v) => v.clone(),
                    Rhs::Field(_) => unreachable!("handled above"),
                };
                let pred = match self.target {
                    Target::Falco => ops::modern(*op, self.slots[slot].list, &values)?,
                    Target::Legacy => ops::legacy(*op, &values),
                };
                Check {
                    slot,
                    pred,
                    field_rhs: None,
                }
            }
            _ => unreachable!("only comparisons are checks"),
        })
    }

    fn node(&mut self, e: &Expr) -> Result<Node, String> {
        Ok(match e {
            Expr::And(v) => Node::And(v.iter().map(|c| self.node(c)).collect::<Result<_, _>>()?),
            Expr::Or(v) => Node::Or(v.iter().map(|c| self.node(c)).collect::<Result<_, _>>()?),
            Expr::Not(c) => Node::Not(Box::new(self.node(c)?)),
            Expr::Unary { .. } | Expr::Cmp { .. } => {
                if let Some(i) = self.check_index.get(e) {
                    return Ok(Node::Check(*i));
                }
                let check = self.check(e)?;
                self.checks.push(check);
                self.check_index.insert(e.clone(), self.checks.len() - 1);
                Node::Check(self.checks.len() - 1)
            }
            Expr::Ident(id) => return Err(format!("Undefined macro '{id}' used in filter.")),
        })
    }
}

/// Per-event extraction cache, reused across events (generation-stamped, never cleared).
pub struct Cache {
    gen: u64,
    entries: Vec<(u64, Values)>,
    /// Per check: generation when computed, and the result.
    results: Vec<(u64, bool)>,
}

impl Cache {
    pub fn new(slots: usize, checks: usize) -> Self {
        Cache {
            gen: 1,
            entries: (0..slots).map(|_| (0, Vec::new())).collect(),
            results: vec![(0, false); checks],
        }
    }

    pub fn next_event(&mut self) {
        self.gen += 1;
    }

    pub fn get<'a>(&'a mut self, slots: &[Slot], slot: usize, ev: &Event) -> &'a Values {
        let e = &mut self.entries[slot];
        if e.0 != self.gen {
            e.1 = (slots[slot].extract)(ev);
            e.0 = self.gen;
        }
        &e.1
    }
}

pub fn eval(n: &Node, rs: &CompiledRules, cache: &mut Cache, ev: &Event) -> bool {
    match n {
        Node::And(v) => v.iter().all(|c| eval(c, rs, cache, ev)),
        Node::Or(v) => v.iter().any(|c| eval(c, rs, cache, ev)),
        Node::Not(c) => !eval(c, rs, cache, ev),
        Node::Check(i) => {
            let (gen, r) = cache.results[*i];
            if gen == cache.gen {
                return r;
            }
            let c = &rs.checks[*i];
            let index = rs.slots[c.slot].index;
            let r = match c.field_rhs {
                // A missing value on either side makes the comparison false, as for any field.
                Some((op, other)) => match cache.get(&rs.slots, other, ev).first().cloned() {
                    None => false,
                    Some(v) => ops::modern(op, false, &[v])
                        .map(|p| p.eval(cache.get(&rs.slots, c.slot, ev), index))
                        .unwrap_or(false),
                },
                None => c.pred.eval(cache.get(&rs.slots, c.slot, ev), index),
            };
            cache.results[*i] = (cache.gen, r);
            r
        }
    }
}

enum RawTok {
    Lit(String),
    Field(FieldRef),
}

/// The field references of an output format.
pub fn output_fields(output: &str) -> Vec<FieldRef> {
    output_fields_tokens(output)
        .into_iter()
        .filter_map(|t| match t {
            RawTok::Field(f) => Some(f),
            RawTok::Lit(_) => None,
        })
        .collect()
}

/// Tokenizes `%field` / `%field[arg]` references (a leading `*` only marks "allow missing").
fn output_fields_tokens(output: &str) -> Vec<RawTok> {
    let s = output.strip_prefix('*').unwrap_or(output);
    let b = s.as_bytes();
    let mut toks = Vec::new();
    let mut lit = String::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let start = i + 1;
            let mut j = start;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_' || b[j] == b'.') {
                j += 1;
            }
            while j > start && b[j - 1] == b'.' {
                j -= 1;
            }
            if j > start && s[start..j].contains('.') {
                let name = s[start..j].to_string();
                let mut arg = None;
                if b.get(j) == Some(&b'[') {
                    if let Some(end) = s[j + 1..].find(']') {
                        arg = Some(s[j + 1..j + 1 + end].to_string());
                        j = j + 2 + end;
                    }
                }
                if !lit.is_empty() {
                    toks.push(RawTok::Lit(std::mem::take(&mut lit)));
                }
                toks.push(RawTok::Field(FieldRef { name, arg }));
                i = j;
                continue;
            }
        }
        let ch = s[i..].chars().next().unwrap_or('\u{fffd}');
        lit.push(ch);
        i += ch.len_utf8().max(1);
    }
    if !lit.is_empty() {
        toks.push(RawTok::Lit(lit));
    }
    toks
}
