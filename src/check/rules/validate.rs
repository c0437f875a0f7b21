//! Expands and validates collected items as Falco's rule compiler does
//! (`rule_loader_compiler.cpp`): lists substituted into condition text, conditions parsed,
//! macros inlined with definition-order visibility (undefined or cyclic ones refused, even in
//! unused macros), exceptions appended, fields checked against the rule's source, then
//! `k8s_audit` rules compiled for evaluation.

use super::checks::{check_fields, restricts_evttype};
use super::collect::{line_of, Collected, CollectedRule, Named};
use super::lists::{self, List};
use super::{exceptions, LoadError, LoadWarning, Rule};
use crate::check::compile::CompiledRules;
use crate::check::condition::{parse, Expr};
use crate::Target;
use std::collections::{HashMap, HashSet};

struct Macro {
    ast: Expr,
    index: usize,
    visibility: usize,
}

struct Env<'a> {
    lists: Vec<List>,
    macros: HashMap<&'a str, Macro>,
    used_lists: HashSet<String>,
    used_macros: HashSet<String>,
}

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
    let mut used_lists = HashSet::new();
    let lists = lists::compile(&c.lists, &mut used_lists);
    let mut env = Env {
        lists,
        macros: HashMap::new(),
        used_lists,
        used_macros: HashSet::new(),
    };
    for m in &c.macros {
        let cond = lists::resolve_all(&m.value, &env.lists, &mut env.used_lists);
        let ast = parse(&cond).map_err(|p| {
            err(
                "macro",
                &m.name,
                format!("Compilation error when compiling \"{cond}\": {p}"),
            )
        })?;
        env.macros.insert(
            &m.name,
            Macro {
                ast,
                index: m.index,
                visibility: m.visibility,
            },
        );
    }
    for m in &c.macros {
        let body = env.macros[m.name.as_str()].ast.clone();
        let mut stack = vec![m.name.clone()];
        expand(&body, m.visibility, &mut env, &mut stack)
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
            Err(msg) => return Err(err("rule", &r.name, msg)),
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

/// Inlines macros visible below `visibility` (rules see all: `usize::MAX`).
fn expand(
    e: &Expr,
    visibility: usize,
    env: &mut Env,
    stack: &mut Vec<String>,
) -> Result<Expr, String> {
    Ok(match e {
        Expr::And(v) => Expr::and(
            v.iter()
                .map(|c| expand(c, visibility, env, stack))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Or(v) => Expr::or(
            v.iter()
                .map(|c| expand(c, visibility, env, stack))
                .collect::<Result<_, _>>()?,
        ),
        Expr::Not(c) => Expr::Not(Box::new(expand(c, visibility, env, stack)?)),
        Expr::Ident(id) => {
            let (body, inner_vis) = match env.macros.get(id.as_str()) {
                Some(m) if m.index < visibility => (m.ast.clone(), m.visibility),
                _ => return Err(format!("Undefined macro '{id}' used in filter.")),
            };
            if stack.contains(id) {
                return Err(format!("macro cycle: {} -> {id}", stack.join(" -> ")));
            }
            env.used_macros.insert(id.clone());
            stack.push(id.clone());
            let r = expand(&body, inner_vis, env, stack)?;
            stack.pop();
            r
        }
        other => other.clone(),
    })
}

fn build_rule(
    r: &Named<CollectedRule>,
    env: &mut Env,
    target: Target,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Option<Rule>, String> {
    let cr = &r.value;
    let item = format!("rule '{}'", r.name);
    if cr.source != "syscall" && cr.source != "k8s_audit" {
        warnings.push(LoadWarning {
            code: "LOAD_UNKNOWN_SOURCE",
            item,
            message: format!("Unknown source {}, skipping", cr.source),
        });
        return Ok(None);
    }
    let with_exceptions = if cr.exceptions.is_empty() {
        cr.condition.clone()
    } else {
        exceptions::apply(&cr.condition, &cr.exceptions)?
    };
    let cond = lists::resolve_all(&with_exceptions, &env.lists, &mut env.used_lists);
    let ast =
        parse(&cond).map_err(|p| format!("Compilation error when compiling \"{cond}\": {p}"))?;
    let expanded = expand(&ast, usize::MAX, env, &mut Vec::new())?;
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
        Err(m) => return Err(m),
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
