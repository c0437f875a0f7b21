//! Rule exceptions appended to the condition text as Falco does
//! (`rule_loader_compiler.cpp` `build_rule_exception_infos`): the condition becomes
//! `(cond) and not (field comp (v1, v2))` for the single-field form and
//! `(cond) and not (( f1 c1 v1 and f2 c2 v2) or ( ...))` for the tuple form. Values are only
//! quoted when they hold a space (`quote_item`); list operators get a parenthesized value.
//! Comparison operators are checked first (`validate_exception_info`).

use super::lists::quote_item;
use super::reader::Exception;
use crate::check::condition::parse;
use crate::yaml::Value;

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

const LIST_OPS: [&str; 3] = ["in", "intersects", "pmatch"];

/// Whether libsinsp knows the operator (`is_operator_defined`).
fn is_operator(op: &str) -> bool {
    matches!(op, "exists" | "<" | "<=" | ">" | ">=")
        || parse(&format!("a.b {op} x")).is_ok()
        || parse(&format!("a.b {op} (x)")).is_ok()
}

/// Appends every exception with values to `condition`.
pub fn apply(condition: &str, exceptions: &[Exception]) -> Result<String, String> {
    let mut cond = format!("({condition})");
    for ex in exceptions {
        let icond = match &ex.fields {
            None => {
                return Err(format!(
                    "exception '{}': item has no mapping for key 'fields'",
                    ex.name
                ))
            }
            Some(Ok(field)) => single(ex, field)?,
            Some(Err(fields)) => tuple(ex, fields)?,
        };
        if !icond.is_empty() {
            cond.push_str(" and not ");
            cond.push_str(&icond);
        }
    }
    Ok(cond)
}

fn single(ex: &Exception, field: &str) -> Result<String, String> {
    let comp = match &ex.comps {
        None => "in".to_string(),
        Some(Ok(c)) => c.trim().to_string(),
        Some(Err(_)) => return Err("Fields and comps must both be strings".into()),
    };
    if !LIST_OPS.contains(&comp.as_str()) {
        return Err(
            "When fields is a single value, comps must be one of (in, pmatch, intersects)".into(),
        );
    }
    let mut icond = String::new();
    for v in &ex.values {
        let v = scalar(v).ok_or("Expected values array to contain a list of strings")?;
        if icond.is_empty() {
            icond = format!("({field} {comp} (");
        } else {
            icond.push_str(", ");
        }
        icond.push_str(&quote_item(&v));
    }
    if !icond.is_empty() {
        icond.push_str("))");
    }
    Ok(icond)
}

fn tuple(ex: &Exception, fields: &[String]) -> Result<String, String> {
    let comps: Vec<String> = match &ex.comps {
        None => vec!["=".to_string(); fields.len()],
        Some(Err(c)) => c.iter().map(|c| c.trim().to_string()).collect(),
        Some(Ok(_)) => return Err("Fields and comps must both be lists".into()),
    };
    if comps.len() != fields.len() {
        return Err("Fields and comps lists must have equal length".into());
    }
    if let Some(bad) = comps.iter().find(|c| !is_operator(c)) {
        return Err(format!("'{bad}' is not a supported comparison operator"));
    }
    let mut icond = String::from("(");
    for values in &ex.values {
        let items = match values {
            Value::Sequence(items) if items.len() == fields.len() => items,
            _ => return Err("Fields and values lists must have equal length".into()),
        };
        if icond != "(" {
            icond.push_str(" or ");
        }
        icond.push('(');
        for (k, ((field, comp), item)) in fields.iter().zip(&comps).zip(items).enumerate() {
            if k > 0 {
                icond.push_str(" and ");
            }
            let istr = match item {
                Value::Sequence(vs) => {
                    let vs: Vec<String> = vs
                        .iter()
                        .filter_map(scalar)
                        .map(|v| quote_item(&v))
                        .collect();
                    format!("({})", vs.join(", "))
                }
                other => {
                    let v = scalar(other).unwrap_or_default();
                    if LIST_OPS.contains(&comp.as_str()) {
                        if v.starts_with('(') {
                            v
                        } else {
                            format!("({v})")
                        }
                    } else {
                        quote_item(&v)
                    }
                }
            };
            icond.push_str(&format!(" {field} {comp} {istr}"));
        }
        icond.push(')');
    }
    icond.push(')');
    Ok(if icond == "()" { String::new() } else { icond })
}
