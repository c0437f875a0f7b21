//! Rule exceptions turned into conditions as Falco's rule compiler does
//! (`rule_loader_compiler.cpp` `build_rule_exception_infos`): the single-field form becomes
//! `field comp (values)`, the tuple form an `or` of `and`ed comparisons; each exception is then
//! appended to the rule as `and not (...)`.

use super::reader::Exception;
use crate::check::condition::{parse, Expr, FieldRef, Op, Rhs};
use crate::yaml::Value;

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
pub fn exception_expr(exc: &Exception) -> Result<Option<Expr>, String> {
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
