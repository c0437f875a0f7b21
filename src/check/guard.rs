//! Cheap pre-filters. Most audit events are not pod creations; a rule's condition almost always
//! starts with conjuncts like `ka.verb=create` and `ka.target.resource=pods`. Those conjuncts
//! form the rule's guard, evaluated on a tiny borrowed view of the event (`Head`) so that the
//! full parse happens only when some rule could match. A guard is implied by its condition, so
//! skipping on a failed guard never changes a result.

use super::condition::{Expr, Op, Rhs, UnaryOp};
use super::json::Json;
use super::ops::LVal;
use crate::Target;
use serde::de::IgnoredAny;
use serde::Deserialize;
use std::borrow::Cow;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HeadField {
    Verb,
    Resource,
    Subresource,
    Stage,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum GuardCond {
    /// The field is present and one of `values`; `ka` fields also need an `auditID` (modern).
    In {
        field: HeadField,
        ka: bool,
        values: Vec<String>,
    },
    /// `not <field> exists`.
    Absent { field: HeadField, ka: bool },
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Guard {
    pub conds: Vec<GuardCond>,
}

#[derive(Deserialize, Default)]
pub struct HeadRef<'a> {
    #[serde(borrow, default)]
    pub resource: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub subresource: Option<Cow<'a, str>>,
}

/// The few top-level members the engine needs before deciding to parse an event fully.
#[derive(Deserialize, Default)]
pub struct Head<'a> {
    #[serde(borrow, default)]
    pub kind: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub verb: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub stage: Option<Cow<'a, str>>,
    #[serde(rename = "objectRef", borrow, default)]
    pub object_ref: Option<HeadRef<'a>>,
    #[serde(rename = "auditID", default)]
    pub audit_id: Option<IgnoredAny>,
    #[serde(rename = "stageTimestamp", borrow, default)]
    pub stage_timestamp: Option<Cow<'a, str>>,
}

impl<'a> Head<'a> {
    fn get(&self, f: HeadField) -> Option<&str> {
        match f {
            HeadField::Verb => self.verb.as_deref(),
            HeadField::Stage => self.stage.as_deref(),
            HeadField::Resource => self.object_ref.as_ref()?.resource.as_deref(),
            HeadField::Subresource => self.object_ref.as_ref()?.subresource.as_deref(),
        }
    }

    /// The same view of an already parsed event; `None` when a member is not a string, in
    /// which case guards cannot be decided and every rule is evaluated.
    pub fn from_json(j: &'a Json) -> Option<Head<'a>> {
        let s = |v: Option<&'a Json>| -> Option<Option<Cow<'a, str>>> {
            match v {
                None => Some(None),
                Some(Json::Str(x)) => Some(Some(Cow::Borrowed(x.as_str()))),
                Some(_) => None,
            }
        };
        let oref = j.get("objectRef");
        Some(Head {
            kind: s(j.get("kind")).unwrap_or(None),
            verb: s(j.get("verb"))?,
            stage: s(j.get("stage"))?,
            object_ref: match oref {
                None => None,
                Some(o @ Json::Obj(_)) => Some(HeadRef {
                    resource: s(o.get("resource"))?,
                    subresource: s(o.get("subresource"))?,
                }),
                Some(_) => return None,
            },
            audit_id: j.get("auditID").map(|_| IgnoredAny),
            stage_timestamp: s(j.get("stageTimestamp")).unwrap_or(None),
        })
    }
}

impl Guard {
    pub fn pass(&self, h: &Head, target: Target) -> bool {
        let modern = target.is_current();
        self.conds.iter().all(|c| match c {
            GuardCond::In { field, ka, values } => {
                (!modern || !*ka || h.audit_id.is_some())
                    && h.get(*field).is_some_and(|v| values.iter().any(|x| x == v))
            }
            GuardCond::Absent { field, ka } => match h.get(*field) {
                None => true,
                Some(v) => (modern && *ka && h.audit_id.is_none()) || (!modern && v == "<NA>"),
            },
        })
    }
}

fn head_field(name: &str, arg: Option<&str>, target: Target) -> Option<(HeadField, bool)> {
    let ka = |f| Some((f, true));
    match (name, arg) {
        ("ka.verb", None) => ka(HeadField::Verb),
        ("ka.target.resource", None) => ka(HeadField::Resource),
        ("ka.target.subresource", None) => ka(HeadField::Subresource),
        ("ka.stage", None) => ka(HeadField::Stage),
        ("json.value" | "jevt.value", Some(p)) if name == "jevt.value" || target.is_current() => {
            let f = match p {
                "/verb" => HeadField::Verb,
                "/objectRef/resource" => HeadField::Resource,
                "/objectRef/subresource" => HeadField::Subresource,
                "/stage" => HeadField::Stage,
                _ => return None,
            };
            Some((f, false))
        }
        _ => None,
    }
}

/// Derives the guard of an expanded condition from its top-level conjuncts.
pub fn derive(cond: &Expr, target: Target) -> Guard {
    let conjuncts: &[Expr] = match cond {
        Expr::And(v) => v,
        other => std::slice::from_ref(other),
    };
    let legacy = target == Target::Legacy;
    // Legacy values are typed; only plain strings compare like the guard does.
    let plain = |v: &String| !legacy || (v != "<NA>" && matches!(LVal::parse(v), LVal::Str(_)));
    let mut conds = Vec::new();
    for c in conjuncts {
        match c {
            Expr::Cmp { field, op, rhs } => {
                let Some((f, ka)) = head_field(&field.name, field.arg.as_deref(), target) else {
                    continue;
                };
                let values = match (op, rhs) {
                    (Op::Eq, Rhs::Value(v)) => vec![v.clone()],
                    (Op::In | Op::Intersects, Rhs::List(v)) => v.clone(),
                    _ => continue,
                };
                if values.iter().all(plain) {
                    conds.push(GuardCond::In {
                        field: f,
                        ka,
                        values,
                    });
                }
            }
            Expr::Not(inner) => {
                if let Expr::Unary {
                    field,
                    op: UnaryOp::Exists,
                } = &**inner
                {
                    if let Some((f, ka)) = head_field(&field.name, field.arg.as_deref(), target) {
                        conds.push(GuardCond::Absent { field: f, ka });
                    }
                }
            }
            _ => {}
        }
    }
    Guard { conds }
}
