//! Per-rule validation after expansion: every field must exist for the rule's source and
//! target, with a valid argument; list fields take only `in`/`intersects`/`exists` (libs ≥
//! 0.17); comparison values stay under libsinsp's 256-byte parameter limit; and the warnings
//! Falco gives (`<NA>` comparisons, `evt.dir`, `%container.info`).

use super::{LoadWarning, Rule};
use crate::check::compile;
use crate::check::condition::{Expr, FieldRef, Op, Rhs};
use crate::check::fields;
use crate::Target;

/// libsinsp refuses comparison values of 256 bytes or more (research §7).
const MAX_PARAM: usize = 256;

pub fn check_fields(
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
            Some(Rhs::Field(_)) | None => false,
        };
        let na_op = matches!(
            op,
            Some(Op::Eq | Op::Ne | Op::In | Op::Intersects | Op::PMatch)
        );
        if target.is_current() && is_ka && na && na_op && !na_warned {
            na_warned = true;
            warnings.push(LoadWarning {
                code: "LOAD_UNSAFE_NA_CHECK",
                item: item.clone(),
                message: "Unsafe <NA> comparison in condition".into(),
            });
        }
        if target.is_current() && field.name == "evt.dir" && !dir_warned {
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
        if f.name == "container.info" && target.is_current() {
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
    fields::check_arg(&info, field, target)?;
    if let Some(Rhs::Field(other)) = rhs {
        // libsinsp field-to-field comparison (`val()`, Falco >= 0.38): the legacy engine has
        // no such thing, and the right-hand field must exist and be single-valued.
        if target == Target::Legacy {
            return Err("val() is not supported by the legacy engine".into());
        }
        let rinfo = fields::lookup(target, source, &other.name)
            .ok_or_else(|| format!("unknown field '{}' for source '{source}'", other.name))?;
        fields::check_arg(&rinfo, other, target)?;
        if rinfo.list || info.list {
            return Err("val() compares single-valued fields only".into());
        }
        if matches!(op, Some(Op::In | Op::Intersects | Op::PMatch | Op::Regex)) {
            return Err(format!(
                "'{}' operator does not take a field value",
                op.map_or("", Op::as_str)
            ));
        }
    }
    if let Some(op) = op {
        // Plugin fields are strings (PT_CHARBUF): libs `flt_is_comparable_string` has no
        // binary operators.
        if target.is_current()
            && source == "k8s_audit"
            && !info.list
            && matches!(op, Op::BContains | Op::BStartsWith)
        {
            return Err(format!(
                "'{}' operator not supported for string filters",
                op.as_str()
            ));
        }
        if target.is_current() && info.list && !matches!(op, Op::In | Op::Intersects) {
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
        if target.is_current() {
            let values: &[String] = match rhs {
                Some(Rhs::Value(v)) => std::slice::from_ref(v),
                Some(Rhs::List(v)) => v,
                Some(Rhs::Field(_)) | None => &[],
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
pub fn restricts_evttype(e: &Expr) -> bool {
    match e {
        Expr::And(v) => v.iter().any(restricts_evttype),
        Expr::Or(v) => v.iter().all(restricts_evttype),
        Expr::Cmp { field, op, .. } => {
            field.name == "evt.type" && matches!(op, Op::Eq | Op::In | Op::Intersects)
        }
        _ => false,
    }
}
