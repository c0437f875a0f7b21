//! Compiles expanded `k8s_audit` rules into an evaluation form: field references resolved to
//! shared extractor slots (each field is extracted at most once per event), operators into
//! predicates, outputs into token lists, and a cheap guard per rule (see `guard`).

use super::condition::{Expr, FieldRef, Op, Rhs, UnaryOp};
use super::fields::{self, Event, Extractor, Values};
use super::guard::{self, Guard};
use super::ops::{self, Pred};
use super::pointers::{PointerCache, PointerTree};
use super::rules::{Priority, Rule};
use crate::Target;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

/// The interning maps of compilation, keyed by expression trees and fields of the rules file
/// (not by event data): hashed with [`FxHasher`], as SipHash over the trees of 20 policies was
/// a tenth of `check`'s startup.
type InternMap<K, V> = HashMap<K, V, BuildHasherDefault<FxHasher>>;

/// rustc's Fx hash: a multiply and rotate per word.
#[derive(Default)]
struct FxHasher(u64);

impl FxHasher {
    fn add(&mut self, word: u64) {
        self.0 = (self.0.rotate_left(5) ^ word).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.add(u64::from_le_bytes(c.try_into().expect("8-byte chunk")));
        }
        for &b in chunks.remainder() {
            self.add(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }

    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

pub use ops::legacy_supports;

pub enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Index into `CompiledRules::checks`; identical comparisons share one entry, so each is
    /// evaluated at most once per event however many rules contain it.
    Check(usize),
    /// Index into `CompiledRules::memos`: an interned `and`/`or`/`not` sub-condition, evaluated
    /// at most once per event however many rules contain it.
    Memo(usize),
    /// Index into `CompiledRules::conjs`: a rule's top-level conjunction as a path in a
    /// prefix tree, so that rules sharing leading conjuncts (the expanded
    /// `<policy>_psp_ka_container` macro) evaluate them once per event.
    Conj(usize),
}

/// A node of the conjunct prefix tree: true when `parent` (if any) and `node` are.
pub struct Conj {
    pub parent: Option<usize>,
    pub node: Node,
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
    /// Modern `json.value[ptr]`: the pointer's node in `CompiledRules::pointers`, and whether
    /// only its presence matters; resolved through the tree instead of `extract`.
    pub pointer: Option<(usize, bool)>,
    pub list: bool,
    /// Legacy `[k]` narrowing (see `fields::legacy_index`).
    pub index: Option<usize>,
}

pub struct CompiledRules {
    pub target: Target,
    pub rules: Vec<CompiledRule>,
    pub slots: Vec<Slot>,
    slot_index: InternMap<FieldRef, usize>,
    pub checks: Vec<Check>,
    check_index: InternMap<Expr, usize>,
    /// `exists` checks on modern `json.value[ptr]` fields, which need no value rendering.
    presence_slot_index: InternMap<FieldRef, usize>,
    pub memos: Vec<Node>,
    memo_index: InternMap<Expr, usize>,
    pub pointers: PointerTree,
    /// Compiled regexes by pattern, shared by the checks that use one.
    regexes: HashMap<String, ops::FullMatch>,
    pub conjs: Vec<Conj>,
    conj_index: InternMap<(Option<usize>, NodeKey), usize>,
    pub guards: Vec<Guard>,
    guard_index: InternMap<Guard, usize>,
    /// Slots for the `evt.time.iso8601` prefix of JSON `output_fields`.
    pub time_slot: usize,
}

impl CompiledRules {
    pub fn new(target: Target) -> Self {
        let mut c = CompiledRules {
            target,
            rules: Vec::new(),
            slots: Vec::new(),
            slot_index: InternMap::default(),
            checks: Vec::new(),
            check_index: InternMap::default(),
            presence_slot_index: InternMap::default(),
            memos: Vec::new(),
            memo_index: InternMap::default(),
            regexes: HashMap::new(),
            pointers: PointerTree::default(),
            conjs: Vec::new(),
            conj_index: InternMap::default(),
            guards: Vec::new(),
            guard_index: InternMap::default(),
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
        let pointer = self
            .modern_pointer(f)
            .map(|p| (self.pointers.add(p), false));
        self.slots.push(Slot {
            extract,
            pointer,
            list,
            index,
        });
        self.slot_index.insert(f.clone(), self.slots.len() - 1);
        self.slots.len() - 1
    }

    /// A slot whose only use is `exists` on a modern `json.value[ptr]`: one (empty) value
    /// when the pointer resolves, as the real extractor gives one value exactly then, without
    /// marshaling the subtree it points at.
    fn presence_slot(&mut self, f: &FieldRef) -> Option<usize> {
        let ptr = self.modern_pointer(f)?;
        if let Some(i) = self.presence_slot_index.get(f) {
            return Some(*i);
        }
        let node = self.pointers.add(ptr);
        let ptr = super::json::Pointer::new(ptr);
        let extract: Extractor = Box::new(move |ev: &Event| match ev.json.walk_pointer(&ptr) {
            Some(_) => vec![String::new()],
            None => Vec::new(),
        });
        self.slots.push(Slot {
            extract,
            pointer: Some((node, true)),
            list: false,
            index: None,
        });
        self.presence_slot_index
            .insert(f.clone(), self.slots.len() - 1);
        Some(self.slots.len() - 1)
    }

    /// The pointer of a modern `json.value[ptr]` / `jevt.value[ptr]` with a non-empty `ptr`.
    fn modern_pointer<'f>(&self, f: &'f FieldRef) -> Option<&'f str> {
        let ptr = f.arg.as_deref().filter(|p| !p.is_empty())?;
        let named = matches!(f.name.as_str(), "json.value" | "jevt.value");
        (self.target.is_current() && named).then_some(ptr)
    }

    /// The compiled check of a comparison of an added rule's condition (`cost` evaluates
    /// conditions leaf by leaf through it).
    pub fn check_of(&self, e: &Expr) -> Option<usize> {
        self.check_index.get(e).copied()
    }

    /// Adds a validated `k8s_audit` rule.
    pub fn add(&mut self, rule: &Rule) -> Result<(), String> {
        let conjuncts: &[Expr] = match &rule.condition {
            Expr::And(v) => v,
            other => std::slice::from_ref(other),
        };
        let mut parent = None;
        for c in conjuncts {
            let node = self.node(c)?;
            let key = (parent, NodeKey::of(&node));
            let i = match self.conj_index.get(&key) {
                Some(i) => *i,
                None => {
                    self.conjs.push(Conj { parent, node });
                    self.conj_index.insert(key, self.conjs.len() - 1);
                    self.conjs.len() - 1
                }
            };
            parent = Some(i);
        }
        let node = match parent {
            Some(i) => Node::Conj(i),
            None => Node::And(Vec::new()),
        };
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
                slot: match self.presence_slot(field) {
                    Some(s) => s,
                    None => self.slot(field),
                },
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
                    Target::Falco | Target::Plugin => {
                        ops::modern_cached(*op, self.slots[slot].list, &values, &mut self.regexes)?
                    }
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

    /// Compiles a condition into a `Check` or an interned `Memo`.
    fn node(&mut self, e: &Expr) -> Result<Node, String> {
        Ok(match e {
            Expr::And(_) | Expr::Or(_) | Expr::Not(_) => {
                if let Some(i) = self.memo_index.get(e) {
                    return Ok(Node::Memo(*i));
                }
                let n = match e {
                    Expr::And(v) => {
                        Node::And(v.iter().map(|c| self.node(c)).collect::<Result<_, _>>()?)
                    }
                    Expr::Or(v) => {
                        Node::Or(v.iter().map(|c| self.node(c)).collect::<Result<_, _>>()?)
                    }
                    Expr::Not(c) => Node::Not(Box::new(self.node(c)?)),
                    _ => unreachable!(),
                };
                self.memos.push(n);
                self.memo_index.insert(e.clone(), self.memos.len() - 1);
                Node::Memo(self.memos.len() - 1)
            }
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

/// What a conjunct compiles to, as a prefix-tree key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum NodeKey {
    Check(usize),
    Memo(usize),
}

impl NodeKey {
    fn of(n: &Node) -> NodeKey {
        match n {
            Node::Check(i) => NodeKey::Check(*i),
            Node::Memo(i) => NodeKey::Memo(*i),
            _ => unreachable!("conjuncts compile to checks or memos"),
        }
    }
}

/// Per-event extraction cache, reused across events (generation-stamped, never cleared).
pub struct Cache {
    gen: u64,
    entries: Vec<(u64, Values)>,
    /// Per check, memo and conjunct-tree node: generation when computed, and the result.
    results: Vec<(u64, bool)>,
    memo_results: Vec<(u64, bool)>,
    conj_results: Vec<(u64, bool)>,
    /// Scratch path for `eval_conj`.
    path: Vec<usize>,
    pointers: PointerCache,
}

impl Cache {
    pub fn new(slots: usize, checks: usize) -> Self {
        Cache {
            gen: 1,
            entries: (0..slots).map(|_| (0, Vec::new())).collect(),
            results: vec![(0, false); checks],
            memo_results: Vec::new(),
            conj_results: Vec::new(),
            path: Vec::new(),
            pointers: PointerCache::default(),
        }
    }

    /// A cache sized for every slot, check, memo and conjunct of `rs`.
    pub fn for_rules(rs: &CompiledRules) -> Self {
        let mut c = Cache::new(rs.slots.len(), rs.checks.len());
        c.memo_results = vec![(0, false); rs.memos.len()];
        c.conj_results = vec![(0, false); rs.conjs.len()];
        c.pointers = PointerCache::new(&rs.pointers);
        c
    }

    pub fn next_event(&mut self) {
        self.gen += 1;
    }

    pub fn get<'a>(&'a mut self, rs: &CompiledRules, slot: usize, ev: &Event) -> &'a Values {
        let e = &mut self.entries[slot];
        if e.0 != self.gen {
            let s = &rs.slots[slot];
            e.1 = match s.pointer {
                Some((node, presence)) => {
                    match self
                        .pointers
                        .resolve(&rs.pointers, node, &ev.json, self.gen)
                    {
                        None => Vec::new(),
                        Some(_) if presence => vec![String::new()],
                        Some(v) => vec![v.to_value_string()],
                    }
                }
                None => (s.extract)(ev),
            };
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
                Some((op, other)) => match cache.get(rs, other, ev).first().cloned() {
                    None => false,
                    Some(v) => ops::modern(op, false, &[v])
                        .map(|p| p.eval(cache.get(rs, c.slot, ev), index))
                        .unwrap_or(false),
                },
                None => c.pred.eval(cache.get(rs, c.slot, ev), index),
            };
            cache.results[*i] = (cache.gen, r);
            r
        }
        Node::Memo(i) => {
            let (gen, r) = cache.memo_results[*i];
            if gen == cache.gen {
                return r;
            }
            let r = eval(&rs.memos[*i], rs, cache, ev);
            cache.memo_results[*i] = (cache.gen, r);
            r
        }
        Node::Conj(i) => eval_conj(*i, rs, cache, ev),
    }
}

/// Evaluates a conjunct-tree node: climbs to the nearest ancestor already decided for this
/// event (or the root), then decides the path downwards in conjunct order, stopping the
/// evaluation at the first false conjunct like `and` does.
fn eval_conj(i: usize, rs: &CompiledRules, cache: &mut Cache, ev: &Event) -> bool {
    let mut path = std::mem::take(&mut cache.path);
    path.clear();
    let mut acc = true;
    let mut cur = Some(i);
    while let Some(c) = cur {
        let (gen, r) = cache.conj_results[c];
        if gen == cache.gen {
            acc = r;
            break;
        }
        path.push(c);
        cur = rs.conjs[c].parent;
    }
    for &c in path.iter().rev() {
        acc = acc && eval(&rs.conjs[c].node, rs, cache, ev);
        cache.conj_results[c] = (cache.gen, acc);
    }
    cache.path = path;
    acc
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
