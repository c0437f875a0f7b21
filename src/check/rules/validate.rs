//! Expands and validates collected items (falco `rule_loader_compiler.cpp`): macros inlined
//! (undefined or cyclic ones refused), lists expanded, exceptions appended as `and not (...)`,
//! fields checked against the rule's source, then `k8s_audit` rules compiled.

use super::checks::{check_fields, restricts_evttype};
use super::collect::{line_of, Collected, CollectedRule, Named};
use super::exceptions::exception_expr;
use super::{LoadError, LoadWarning, Rule};
use crate::check::compile::CompiledRules;
use crate::check::condition::{parse, Expr, Rhs};
use crate::Target;
use std::collections::{HashMap, HashSet};

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
