//! Expands and validates collected items (falco `rule_loader_compiler.cpp`): macros inlined
//! (undefined or cyclic ones refused), lists expanded, exceptions appended as `and not (...)`,
//! fields checked against the rule's source, then `k8s_audit` rules compiled.

use super::collect::{line_of, Collected, CollectedRule, Named};
use super::reader::Exception;
use super::{LoadError, LoadWarning, Rule};
use crate::check::compile::{self, CompiledRules};
use crate::check::condition::{parse, Expr, FieldRef, Op, Rhs};
use crate::check::fields;
use crate::yaml::Value;
use crate::Target;
use std::collections::{HashMap, HashSet};

/// libsinsp refuses comparison values of 256 bytes or more (research §7).
const MAX_PARAM: usize = 256;

struct Env<'a> {
    lists: HashMap<&'a str, &'a [String]>,
    macros: HashMap<&'a str, Expr>,
    used_lists: HashSet<String>,
    used_macros: HashSet<String>,
}

type Fail = (String, String); // (item, message)

pub fn finish(
    c: Collected,
    text: &str,
    origin: &str,
    target: Target,
    warnings: &mut Vec<LoadWarning>,
) -> Result<(Vec<Rule>, CompiledRules), LoadError> {
    let err = |kind: &str, name: &str, message: String| LoadError {
        origin: origin.to_string(),
        line: line_of(text, kind, name),
        item: format!("{kind} '{name}'"),
        message,
    };
    let mut env = Env {
        lists: c
            .lists
            .iter()
            .map(|l| (l.name.as_str(), l.value.as_slice()))
            .collect(),
        macros: HashMap::new(),
        used_lists: HashSet::new(),
        used_macros: HashSet::new(),
    };
    for m in &c.macros {
        let e = parse(&m.value).map_err(|p| {
            err(
                "macro",
                &m.name,
                format!("Compilation error when compiling \"{}\": {p}", m.value),
            )
        })?;
        env.macros.insert(m.name.as_str(), e);
    }
    for m in &c.macros {
        let mut stack = vec![m.name.clone()];
        let mut seen = HashSet::new();
        check_macro_refs(
            &env.macros[m.name.as_str()],
            &env.macros,
            &mut stack,
            &mut seen,
        )
        .map_err(|msg| err("macro", &m.name, msg))?;
    }
    let mut rules = Vec::new();
    let mut compiled = CompiledRules::new(target);
    for r in &c.rules {
        match build_rule(r, &mut env, target, warnings) {
            Ok(Some(rule)) => {
                if rule.source == "k8s_audit" {
                    compiled
                        .add(&rule)
                        .map_err(|msg| err("rule", &r.name, msg))?;
                }
                rules.push(rule);
            }
            Ok(None) => {}
            Err((_, msg)) => return Err(err("rule", &r.name, msg)),
        }
    }
    for m in &c.macros {
        if !env.used_macros.contains(&m.name) {
            warnings.push(LoadWarning {
                code: "LOAD_UNUSED_MACRO",
                item: format!("macro '{}'", m.name),
                message: "Macro not referred to by any other rule/macro".into(),
            });
        }
    }
    // A list used only by another list counts as used (Falco marks both).
    for l in &c.lists {
        for it in &l.value {
            if env.lists.contains_key(it.as_str()) {
                env.used_lists.insert(it.clone());
            }
        }
    }
    for l in &c.lists {
        if !env.used_lists.contains(&l.name) {
            warnings.push(LoadWarning {
                code: "LOAD_UNUSED_LIST",
                item: format!("list '{}'", l.name),
                message: "List not referred to by any other rule/macro".into(),
            });
        }
    }
    Ok((rules, compiled))
}

fn check_macro_refs(
    e: &Expr,
    macros: &HashMap<&str, Expr>,
    stack: &mut Vec<String>,
    seen: &mut HashSet<String>,
) -> Result<(), String> {
    let mut idents = Vec::new();
    e.walk(&mut |n| {
        if let Expr::Ident(id) = n {
            idents.push(id.clone());
        }
    });
    for id in idents {
        let Some(body) = macros.get(id.as_str()) else {
            return Err(format!("Undefined macro '{id}' used in filter."));
        };
        if stack.contains(&id) {
            return Err(format!("macro cycle: {} -> {id}", stack.join(" -> ")));
        }
        if seen.insert(id.clone()) {
            stack.push(id.clone());
            check_macro_refs(body, macros, stack, seen)?;
            stack.pop();
        }
    }
    Ok(())
}

fn build_rule(
    r: &Named<CollectedRule>,
    env: &mut Env,
    target: Target,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Option<Rule>, Fail> {
    let cr = &r.value;
    let fail = |m: String| (format!("rule '{}'", r.name), m);
    let item = format!("rule '{}'", r.name);
    if cr.source != "syscall" && cr.source != "k8s_audit" {
        warnings.push(LoadWarning {
            code: "LOAD_UNKNOWN_SOURCE",
            item,
            message: format!("Unknown source {}, skipping", cr.source),
        });
        return Ok(None);
    }
    let cond = parse(&cr.condition).map_err(|p| {
        fail(format!(
            "Compilation error when compiling \"{}\": {p}",
            cr.condition
        ))
    })?;
    let mut parts = vec![cond];
    for exc in &cr.exceptions {
        if let Some(e) = exception_expr(exc).map_err(fail)? {
            parts.push(Expr::Not(Box::new(e)));
        }
    }
    let cond = Expr::and(parts);
    let mut stack = Vec::new();
    let expanded = expand(&cond, env, &mut stack).map_err(fail)?;
    let rule = Rule {
        name: r.name.clone(),
        desc: cr.desc.clone(),
        condition: expanded,
        output: cr.output.clone(),
        priority: cr.priority,
        source: cr.source.clone(),
        tags: cr.tags.clone(),
        enabled: cr.enabled,
        skip_if_unknown_filter: cr.skip_if_unknown_filter,
    };
    match check_fields(&rule, target, warnings) {
        Ok(()) => {}
        Err(unknown) if cr.skip_if_unknown_filter && unknown.starts_with("unknown field") => {
            warnings.push(LoadWarning {
                code: "LOAD_UNKNOWN_FILTER",
                item,
                message: format!("{unknown}; rule skipped (skip-if-unknown-filter)"),
            });
            return Ok(None);
        }
        Err(m) => return Err(fail(m)),
    }
    if rule.source == "syscall" && cr.warn_evttypes && !restricts_evttype(&rule.condition) {
        warnings.push(LoadWarning {
            code: "LOAD_NO_EVTTYPE",
            item,
            message:
                "Rule matches too many evt.type values. This has a significant performance penalty."
                    .into(),
        });
    }
    Ok(Some(rule))
}

fn field_ref(s: &str) -> FieldRef {
    match s.split_once('[') {
        Some((n, a)) => FieldRef {
            name: n.trim().to_string(),
            arg: Some(a.trim_end_matches(']').to_string()),
        },
        None => FieldRef {
            name: s.trim().to_string(),
            arg: None,
        },
    }
}

fn comp_op(s: &str) -> Result<Op, String> {
    let e = parse(&format!("a.b {s} (x)"))
        .or_else(|_| parse(&format!("a.b {s} x")))
        .map_err(|_| format!("invalid exception comparison operator '{s}'"))?;
    match e {
        Expr::Cmp { op, .. } => Ok(op),
        _ => Err(format!("invalid exception comparison operator '{s}'")),
    }
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn rhs_of(op: Op, v: &Value) -> Result<Rhs, String> {
    match v {
        Value::Sequence(items) => Ok(Rhs::List(items.iter().filter_map(scalar).collect())),
        other => {
            let s = scalar(other).ok_or("exception values must be scalars or sequences")?;
            Ok(if op.takes_list() {
                Rhs::List(vec![s])
            } else {
                Rhs::Value(s)
            })
        }
    }
}

/// Builds an exception's condition as Falco does; `None` when it has no values.
fn exception_expr(exc: &Exception) -> Result<Option<Expr>, String> {
    if exc.values.is_empty() {
        return Ok(None);
    }
    match &exc.fields {
        None => Err(format!("exception '{}': no fields", exc.name)),
        Some(Ok(field)) => {
            let op = match &exc.comps {
                Some(Ok(c)) => comp_op(c)?,
                None => Op::In,
                Some(Err(_)) => {
                    return Err(format!(
                        "exception '{}': comps must be a single operator for a single field",
                        exc.name
                    ))
                }
            };
            let values: Vec<String> = exc.values.iter().filter_map(scalar).collect();
            Ok(Some(Expr::Cmp {
                field: field_ref(field),
                op,
                rhs: Rhs::List(values),
            }))
        }
        Some(Err(fields)) => {
            let ops: Vec<Op> = match &exc.comps {
                None => vec![Op::Eq; fields.len()],
                Some(Err(cs)) => cs.iter().map(|c| comp_op(c)).collect::<Result<_, _>>()?,
                Some(Ok(_)) => {
                    return Err(format!(
                        "exception '{}': comps must be a sequence for a fields sequence",
                        exc.name
                    ))
                }
            };
            if ops.len() != fields.len() {
                return Err(format!(
                    "exception '{}': fields and comps lists must have equal length",
                    exc.name
                ));
            }
            let mut alts = Vec::new();
            for v in &exc.values {
                let Value::Sequence(tuple) = v else {
                    return Err(format!(
                        "exception '{}': each value must be a sequence matching the fields",
                        exc.name
                    ));
                };
                if tuple.len() != fields.len() {
                    return Err(format!(
                        "exception '{}': fields and values lists must have equal length",
                        exc.name
                    ));
                }
                let cmps = fields
                    .iter()
                    .zip(&ops)
                    .zip(tuple)
                    .map(|((f, op), val)| {
                        Ok(Expr::Cmp {
                            field: field_ref(f),
                            op: *op,
                            rhs: rhs_of(*op, val)?,
                        })
                    })
                    .collect::<Result<Vec<_>, String>>()?;
                alts.push(Expr::and(cmps));
            }
            Ok(Some(Expr::or(alts)))
        }
    }
}

fn expand_list(
    name: &str,
    env: &Env,
    stack: &mut Vec<String>,
    out: &mut Vec<String>,
    used: &mut Vec<String>,
) -> Result<(), String> {
    if stack.iter().any(|s| s == name) {
        return Err(format!("list cycle: {} -> {name}", stack.join(" -> ")));
    }
    used.push(name.to_string());
    stack.push(name.to_string());
    for it in env.lists[name] {
        if env.lists.contains_key(it.as_str()) {
            expand_list(it, env, stack, out, used)?;
        } else {
            out.push(it.clone());
        }
    }
    stack.pop();
    Ok(())
}

fn expand(e: &Expr, env: &mut Env, stack: &mut Vec<String>) -> Result<Expr, String> {
    Ok(match e {
        Expr::And(v) => Expr::and(
            v.iter()
                .map(|c| expand(c, env, stack))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Expr::or(
            v.iter()
                .map(|c| expand(c, env, stack))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(c) => Expr::Not(Box::new(expand(c, env, stack)?)),
        Expr::Ident(id) => {
            let Some(body) = env.macros.get(id.as_str()).cloned() else {
                return Err(format!("Undefined macro '{id}' used in filter."));
            };
            if stack.contains(id) {
                return Err(format!("macro cycle: {} -> {id}", stack.join(" -> ")));
            }
            env.used_macros.insert(id.clone());
            stack.push(id.clone());
            let r = expand(&body, env, stack)?;
            stack.pop();
            r
        }
        Expr::Cmp { field, op, rhs } => {
            let items: Option<&[String]> = match rhs {
                Rhs::List(items) => Some(items),
                Rhs::Value(v) if op.takes_list() => Some(std::slice::from_ref(v)),
                Rhs::Value(_) => None,
            };
            let rhs = match items {
                None => rhs.clone(),
                Some(items) => {
                    let mut out = Vec::new();
                    for it in items {
                        if env.lists.contains_key(it.as_str()) {
                            let mut used = Vec::new();
                            expand_list(it, env, &mut Vec::new(), &mut out, &mut used)?;
                            env.used_lists.extend(used);
                        } else {
                            out.push(it.clone());
                        }
                    }
                    Rhs::List(out)
                }
            };
            Expr::Cmp {
                field: field.clone(),
                op: *op,
                rhs,
            }
        }
        other => other.clone(),
    })
}

fn check_fields(
    rule: &Rule,
    target: Target,
    warnings: &mut Vec<LoadWarning>,
) -> Result<(), String> {
    let mut result = Ok(());
    let item = format!("rule '{}'", rule.name);
    let mut na_warned = false;
    let mut dir_warned = false;
    rule.condition.walk(&mut |n| {
        if result.is_err() {
            return;
        }
        let (field, op, rhs) = match n {
            Expr::Cmp { field, op, rhs } => (field, Some(*op), Some(rhs)),
            Expr::Unary { field, .. } => (field, None, None),
            _ => return,
        };
        result = check_one(field, op, rhs, &rule.source, target);
        let is_ka = field.name.starts_with("ka.") || field.name.starts_with("jevt.");
        let na = match rhs {
            Some(Rhs::Value(v)) => v == "<NA>",
            Some(Rhs::List(v)) => v.iter().any(|x| x == "<NA>"),
            None => false,
        };
        let na_op = matches!(
            op,
            Some(Op::Eq | Op::Ne | Op::In | Op::Intersects | Op::PMatch)
        );
        if target == Target::Falco && is_ka && na && na_op && !na_warned {
            na_warned = true;
            warnings.push(LoadWarning {
                code: "LOAD_UNSAFE_NA_CHECK",
                item: item.clone(),
                message: "Unsafe <NA> comparison in condition".into(),
            });
        }
        if target == Target::Falco && field.name == "evt.dir" && !dir_warned {
            dir_warned = true;
            warnings.push(LoadWarning {
                code: "LOAD_DEPRECATED_ITEM",
                item: item.clone(),
                message:
                    "evt.dir is deprecated: enter events are no longer delivered (Falco >= 0.42)"
                        .into(),
            });
        }
    });
    result?;
    for f in compile::output_fields(&rule.output) {
        if f.name == "container.info" && target == Target::Falco {
            warnings.push(LoadWarning { code: "LOAD_DEPRECATED_ITEM", item: item.clone(), message: "%container.info is deprecated and no more useful, and will be dropped by Falco 1.0.0".into() });
            continue;
        }
        if fields::lookup(target, &rule.source, &f.name).is_none() {
            return Err(format!(
                "unknown field '{}' in output for source '{}'",
                f.name, rule.source
            ));
        }
    }
    Ok(())
}

fn check_one(
    field: &FieldRef,
    op: Option<Op>,
    rhs: Option<&Rhs>,
    source: &str,
    target: Target,
) -> Result<(), String> {
    let info = fields::lookup(target, source, &field.name)
        .ok_or_else(|| format!("unknown field '{}' for source '{source}'", field.name))?;
    fields::check_arg(&info, field)?;
    if let Some(op) = op {
        if target == Target::Falco && info.list && !matches!(op, Op::In | Op::Intersects) {
            return Err(format!(
                "'{}' operator not supported list filters",
                op.as_str()
            ));
        }
        if target == Target::Legacy && source == "k8s_audit" && !compile::legacy_supports(op) {
            return Err(format!(
                "'{}' operator not supported by the legacy k8s audit engine",
                op.as_str()
            ));
        }
        if target == Target::Falco {
            let values: &[String] = match rhs {
                Some(Rhs::Value(v)) => std::slice::from_ref(v),
                Some(Rhs::List(v)) => v,
                None => &[],
            };
            if let Some(v) = values.iter().find(|v| v.len() + 1 > MAX_PARAM) {
                return Err(format!(
                    "filter parameter too long (used={}, available={MAX_PARAM})",
                    v.len() + 1
                ));
            }
        }
    }
    Ok(())
}

/// Whether every way the condition can match requires a positive `evt.type` check.
fn restricts_evttype(e: &Expr) -> bool {
    match e {
        Expr::And(v) => v.iter().any(restricts_evttype),
        Expr::Or(v) => v.iter().all(restricts_evttype),
        Expr::Cmp { field, op, .. } => {
            field.name == "evt.type" && matches!(op, Op::Eq | Op::In | Op::Intersects)
        }
        _ => false,
    }
}
