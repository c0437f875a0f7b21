//! Per-index comparisons gated behind the existence of their array element, so that Falco
//! stops at the first missing element instead of extracting every bounded index (SPEC §10).
//!
//! The `falco` target reaches containers, volumes and per-container items through per-index
//! pointers (`json.value[/requestObject/spec/containers/3/...]`), up to a bound. A disjunction
//! over those indexes costs one extraction per index and per comparison on every pod, although
//! a typical pod has one or two containers. This pass rewrites such a disjunction
//!
//! ```text
//! c0 or c1 or c2 ...            (each c_i false when element i is absent)
//! ```
//!
//! into a chain that stops at the first absent element:
//!
//! ```text
//! arr/0 exists and (c0 or (arr/1 exists and (c1 or (arr/2 exists and (c2 ...)))))
//! ```
//!
//! Exactness: a disjunct is moved behind `arr/i exists` only when a three-valued evaluation
//! proves it false whenever element `i` is absent (modern Falco: a comparison of a field with
//! no value is false for every operator, `exists` included; research §3.5). JSON arrays hold
//! no gaps, so when element `i` is absent no later one is present, and the chain may stop.
//! Applied to the `falco` target only; legacy conditions keep the seed's shape.

use super::expr::{Expr, Field, FieldArg, Op, Value};
use std::collections::BTreeMap;

/// Gates every disjunction of `e` over array indexes (see the module comment), after merging
/// equalities of one field into one `in` ([`merge_equalities`]).
pub fn gate(e: Expr) -> Expr {
    match e {
        Expr::And(v) => gate_items(v.into_iter().map(gate).collect(), 0, Kind::All),
        Expr::Or(v) => gate_items(
            merge_equalities(v.into_iter().map(gate).collect()),
            0,
            Kind::Any,
        ),
        Expr::Not(c) => Expr::not(gate(*c)),
        Expr::Group(c) => Expr::group(gate(*c)),
        leaf => leaf,
    }
}

/// Merges the disjuncts `f = a`, `f = b`, `f in (c, d)` of one `json.value` field into one
/// `f in (a, b, c, d)` at the place of the first: one extraction instead of several. Exact, as
/// a `json.value` field has at most one value, which `in` compares with each item.
fn merge_equalities(v: Vec<Expr>) -> Vec<Expr> {
    let values = |e: &Expr| -> Option<(Field, Vec<Value>)> {
        match e {
            Expr::Cmp(f, Op::Eq, v) if pointer(f).is_some() && plain(v) => {
                Some((f.clone(), vec![v.clone()]))
            }
            Expr::List(f, Op::In, vs) if pointer(f).is_some() && vs.iter().all(plain) => {
                Some((f.clone(), vs.clone()))
            }
            _ => None,
        }
    };
    let mut out: Vec<Expr> = Vec::new();
    let mut merged: Vec<(Field, usize, Vec<Value>)> = Vec::new();
    for e in v {
        match values(&e) {
            Some((f, vs)) => match merged.iter_mut().find(|(g, _, _)| *g == f) {
                Some((_, _, all)) => {
                    for x in vs {
                        if !all.contains(&x) {
                            all.push(x);
                        }
                    }
                }
                None => {
                    merged.push((f, out.len(), vs));
                    out.push(e);
                }
            },
            None => out.push(e),
        }
    }
    for (f, at, vs) in merged {
        if vs.len() > 1 {
            out[at] = Expr::list(f, Op::In, vs);
        }
    }
    out
}

/// A literal value (not a list reference or another field).
fn plain(v: &Value) -> bool {
    matches!(v, Value::Word(_) | Value::Int(_) | Value::Str(_))
}

/// The JSON pointer segments of a `json.value[...]` field.
fn pointer(f: &Field) -> Option<&[String]> {
    match &f.arg {
        Some(FieldArg::Pointer(p)) if f.name == "json.value" => Some(p),
        _ => None,
    }
}

/// Whether the field has no value when nothing exists at `prefix` in the event. The
/// `ka.req.pod.*` fields all read below `/requestObject/spec`.
fn under(f: &Field, prefix: &[String]) -> bool {
    if let Some(p) = pointer(f) {
        return p.starts_with(prefix);
    }
    let spec = ["requestObject", "spec"];
    f.name.starts_with("ka.req.pod.")
        && prefix.len() <= spec.len()
        && prefix.iter().zip(spec).all(|(a, b)| a == b)
}

/// The value of `e` when nothing exists at `prefix`: `Some(false)` / `Some(true)` when that
/// decides it, `None` when it depends on other fields.
pub fn when_absent(e: &Expr, prefix: &[String]) -> Option<bool> {
    match e {
        Expr::And(v) => {
            let mut all_true = true;
            for c in v {
                match when_absent(c, prefix) {
                    Some(false) => return Some(false),
                    Some(true) => {}
                    None => all_true = false,
                }
            }
            all_true.then_some(true)
        }
        Expr::Or(v) => {
            let mut all_false = true;
            for c in v {
                match when_absent(c, prefix) {
                    Some(true) => return Some(true),
                    Some(false) => {}
                    None => all_false = false,
                }
            }
            all_false.then_some(false)
        }
        Expr::Not(c) => when_absent(c, prefix).map(|b| !b),
        Expr::Group(c) => when_absent(c, prefix),
        Expr::Cmp(f, _, v) => {
            let rhs_absent = matches!(v, Value::FieldRef(g) if under(g, prefix));
            (under(f, prefix) || rhs_absent).then_some(false)
        }
        Expr::List(f, _, _) | Expr::Exists(f) => under(f, prefix).then_some(false),
        Expr::Macro(_) => None,
    }
}

/// The first `json.value` pointer of `e`, depth first.
fn first_pointer(e: &Expr) -> Option<&[String]> {
    match e {
        Expr::And(v) | Expr::Or(v) => v.iter().find_map(first_pointer),
        Expr::Not(c) | Expr::Group(c) => first_pointer(c),
        Expr::Cmp(f, _, _) | Expr::List(f, _, _) | Expr::Exists(f) => pointer(f),
        Expr::Macro(_) => None,
    }
}

/// The array element `e` needs: `(array pointer, index)` for the outermost numeric segment at
/// or after `from` such that `e` is false without that element.
fn needed_element(e: &Expr, from: usize, kind: Kind) -> Option<(Vec<String>, usize)> {
    let p = first_pointer(e)?;
    (from..p.len()).find_map(|k| {
        let index: usize = p[k].parse().ok()?;
        if k == 0 || p[k].starts_with('+') || (p[k].len() > 1 && p[k].starts_with('0')) {
            return None;
        }
        (when_absent(e, &p[..=k]) == Some(kind == Kind::All)).then(|| (p[..k].to_vec(), index))
    })
}

fn element_field(array: &[String], index: usize) -> Field {
    let mut p = array.to_vec();
    p.push(index.to_string());
    Field {
        name: "json.value",
        arg: Some(FieldArg::Pointer(p)),
    }
}

/// A disjunction (each item false without its element) or a conjunction (each item true
/// without its element, such as `not arr/i exists or <image matches>`), gated the dual ways:
/// `arr/i exists and (c_i or <rest>)` / `not arr/i exists or (c_i and <rest>)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Any,
    All,
}

/// `c` without the test of its element that the gate already makes: a conjunct
/// `<element> exists` (disjunctions) or a disjunct `not <element> exists` (conjunctions).
fn strip_gate(c: Expr, gate: &Expr, kind: Kind) -> Expr {
    match (c, kind) {
        (Expr::And(v), Kind::Any) if v.contains(gate) => {
            Expr::and(v.into_iter().filter(|x| x != gate))
        }
        (Expr::Or(v), Kind::All) if v.iter().any(|x| is_not(x, gate)) => {
            Expr::or(v.into_iter().filter(|x| !is_not(x, gate)))
        }
        (other, _) => other,
    }
}

fn is_not(e: &Expr, gate: &Expr) -> bool {
    matches!(e, Expr::Not(inner) if **inner == *gate)
}

/// The items of one array's group, by element index.
type ItemsByIndex = BTreeMap<usize, Vec<Expr>>;

/// Gates the items `v` of a disjunction or conjunction (numeric pointer segments before
/// `from` are already gated).
fn gate_items(v: Vec<Expr>, from: usize, kind: Kind) -> Expr {
    let mut groups: Vec<(Vec<String>, ItemsByIndex)> = Vec::new();
    // Each output slot: an ungated disjunct, or the chain of group `g`.
    let mut slots: Vec<Result<Expr, usize>> = Vec::new();
    for c in v {
        match needed_element(&c, from, kind) {
            Some((array, index)) => {
                let g = match groups.iter().position(|(a, _)| *a == array) {
                    Some(g) => g,
                    None => {
                        groups.push((array, BTreeMap::new()));
                        slots.push(Err(groups.len() - 1));
                        groups.len() - 1
                    }
                };
                groups[g].1.entry(index).or_default().push(c);
            }
            None => slots.push(Ok(c)),
        }
    }
    let mut chains: Vec<Option<Vec<Expr>>> = groups
        .into_iter()
        .map(|(array, by_index)| {
            // The chain pays one gate per present element and saves the items of every
            // element after the first absent one: only worth it over several elements (a
            // single element is often already gated by an enclosing chain).
            if by_index.len() == 1 {
                return by_index.into_values().flatten().collect();
            }
            let depth = array.len() + 1;
            let mut chain: Option<Expr> = None;
            for (index, members) in by_index.into_iter().rev() {
                let gate = Expr::exists(element_field(&array, index));
                let members: Vec<Expr> = members
                    .into_iter()
                    .map(|c| strip_gate(c, &gate, kind))
                    .collect();
                let mut body = vec![gate_items(members, depth, kind)];
                body.extend(chain.take());
                chain = Some(match kind {
                    Kind::Any => Expr::and([gate, Expr::or(body)]),
                    Kind::All => Expr::or([Expr::not(gate), Expr::and(body)]),
                });
            }
            chain.into_iter().collect()
        })
        .map(Some)
        .collect();
    let mut out = Vec::new();
    for s in slots {
        match s {
            Ok(c) => out.push(c),
            Err(g) => out.extend(chains[g].take().unwrap_or_default()),
        }
    }
    match kind {
        Kind::Any => Expr::or(out),
        Kind::All => Expr::and(out),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ptr(path: &str) -> Field {
        Field {
            name: "json.value",
            arg: Some(FieldArg::Pointer(
                path.split('/').map(str::to_string).collect(),
            )),
        }
    }

    fn privileged(i: usize) -> Expr {
        Expr::eq(
            ptr(&format!(
                "requestObject/spec/containers/{i}/securityContext/privileged"
            )),
            Value::Word("true"),
        )
    }

    fn present(i: usize) -> Expr {
        Expr::exists(ptr(&format!("requestObject/spec/containers/{i}")))
    }

    #[test]
    fn a_disjunction_over_indexes_becomes_a_chain_of_gates() {
        let gated = gate(Expr::or((0..3).map(privileged)));
        let want = Expr::and([
            present(0),
            Expr::or([
                privileged(0),
                Expr::and([
                    present(1),
                    Expr::or([privileged(1), Expr::and([present(2), privileged(2)])]),
                ]),
            ]),
        ]);
        assert_eq!(gated, want);
    }

    #[test]
    fn a_presence_conjunct_is_left_to_the_gate() {
        let unset = |i: usize| {
            Expr::and([
                present(i),
                Expr::not(Expr::exists(ptr(&format!(
                    "requestObject/spec/containers/{i}/securityContext/runAsUser"
                )))),
            ])
        };
        let gated = gate(Expr::or((0..2).map(unset)));
        let Expr::And(v) = &gated else {
            panic!("{gated:?}")
        };
        assert_eq!(v[0], present(0));
        // `containers/0 exists` appears once per index, as the gate only.
        let mut gates = 0;
        gated.walk(&mut |e| gates += usize::from(*e == present(0)));
        assert_eq!(gates, 1);
    }

    #[test]
    fn a_disjunct_true_without_its_element_is_not_gated() {
        // `not x=false` holds when container 1 is absent: it must stay outside any gate.
        let not_false = |i: usize| {
            Expr::not(Expr::eq(
                ptr(&format!(
                    "requestObject/spec/containers/{i}/securityContext/allowPrivilegeEscalation"
                )),
                Value::Word("false"),
            ))
        };
        let e = Expr::or([not_false(0), not_false(1)]);
        assert_eq!(gate(e.clone()), e);
    }

    #[test]
    fn one_element_is_not_put_behind_a_gate() {
        let e = Expr::and([
            Expr::macro_ref("m"),
            Expr::or([privileged(0), Expr::macro_ref("n")]),
        ]);
        assert_eq!(gate(e.clone()), e);
    }

    #[test]
    fn nested_arrays_are_gated_at_each_level() {
        let add = |c: usize, k: usize| {
            Expr::list(
                ptr(&format!(
                    "requestObject/spec/containers/{c}/securityContext/capabilities/add/{k}"
                )),
                Op::In,
                vec![Value::Str("ALL".into())],
            )
        };
        let gated = gate(Expr::or(
            (0..2).flat_map(|c| (0..2).map(move |k| add(c, k))),
        ));
        let item = |c: usize, k: usize| {
            Expr::exists(ptr(&format!(
                "requestObject/spec/containers/{c}/securityContext/capabilities/add/{k}"
            )))
        };
        let items = |c: usize| {
            Expr::and([
                item(c, 0),
                Expr::or([add(c, 0), Expr::and([item(c, 1), add(c, 1)])]),
            ])
        };
        let want = Expr::and([
            present(0),
            Expr::or([items(0), Expr::and([present(1), items(1)])]),
        ]);
        assert_eq!(gated, want);
    }

    #[test]
    fn a_conjunction_true_without_its_elements_becomes_a_dual_chain() {
        let image_ok = |i: usize| {
            Expr::or([
                Expr::not(present(i)),
                Expr::cmp(
                    ptr(&format!("requestObject/spec/containers/{i}/image")),
                    Op::Regex,
                    Value::Str("nginx".into()),
                ),
            ])
        };
        let matches = |i: usize| match image_ok(i) {
            Expr::Or(v) => v[1].clone(),
            _ => unreachable!(),
        };
        let gated = gate(Expr::and((0..2).map(image_ok)));
        let want = Expr::or([
            Expr::not(present(0)),
            Expr::and([matches(0), Expr::or([Expr::not(present(1)), matches(1)])]),
        ]);
        assert_eq!(gated, want);
    }

    #[test]
    fn pod_fields_count_as_absent_without_the_spec() {
        let host_pid = Expr::eq(Field::new("ka.req.pod.host_pid"), Value::Word("true"));
        let spec: Vec<String> = ["requestObject".into(), "spec".into()].to_vec();
        assert_eq!(when_absent(&host_pid, &spec), Some(false));
        assert_eq!(when_absent(&Expr::not(host_pid.clone()), &spec), Some(true));
        let verb = Expr::eq(Field::new("ka.verb"), Value::Word("create"));
        assert_eq!(when_absent(&Expr::or([verb, host_pid]), &spec), None);
    }
}
