//! Condition builders shared by the volume, sysctl, procMount, runtimeClass, seccomp, AppArmor,
//! SELinux and privilege-escalation generators.

use super::context::{spec_field, Bounded, Ctx};
use crate::falco::expr::{json_pointer, Expr, Field, Op, Value};

/// `field exists and not field in (values)`: set and not listed. With no values, just "set".
/// Correct under both targets: a missing value is neither `exists` nor `in` anything.
pub fn set_and_not_in(field: Field, values: &[String]) -> Expr {
    if values.is_empty() {
        return Expr::exists(field);
    }
    Expr::and([
        Expr::exists(field.clone()),
        Expr::not(Expr::list(field, Op::In, strs(values))),
    ])
}

/// Input strings as condition values (quoted by the renderer).
pub fn strs(values: &[String]) -> Vec<Value> {
    values.iter().map(|v| Value::Str(v.clone())).collect()
}

/// `label=%json.value[<pointer>]` for a rule's output (`jevt.value` for legacy Falco). The
/// pointer is written by pspconv, never taken from the input.
pub fn out_field(ctx: &Ctx, label: &str, pointer: &str) -> String {
    let name = if ctx.legacy() {
        "jevt.value"
    } else {
        "json.value"
    };
    format!("{label}=%{name}[{pointer}]")
}

/// `field = value` for a value from the input.
pub fn eq_str(field: Field, value: &str) -> Expr {
    Expr::eq(field, Value::Str(value.to_string()))
}

/// `json.value[/requestObject/metadata/annotations/<key>]` (the renderer escapes `/` as `~1`).
pub fn pod_annotation(key: &str) -> Field {
    json_pointer(
        "json.value",
        &["requestObject", "metadata", "annotations"],
        &[key.to_string()],
    )
}

/// `json.value[/requestObject/metadata/annotations]`: the whole map as compact JSON.
pub fn pod_annotations() -> Field {
    json_pointer(
        "json.value",
        &["requestObject", "metadata", "annotations"],
        &[],
    )
}

/// One slot of `spec.volumes`: `json.value[/requestObject/spec/volumes/<i>/<path...>]`.
pub fn volume_field(i: usize, path: &[&str]) -> Field {
    let idx = i.to_string();
    let mut p = vec!["volumes", idx.as_str()];
    p.extend_from_slice(path);
    spec_field(&p)
}

/// The indexes of `spec.volumes` per-index checks look at (noted for the overflow rule).
pub fn volume_slots(ctx: &Ctx) -> std::ops::Range<usize> {
    ctx.note_bounded(Bounded::Volumes);
    0..ctx.opts.bounds.volumes
}

/// True when a `hostPath.path` value lies under `prefix` the way PSP's `hasPathPrefix` decides:
/// one trailing `/` trimmed from both, then a string prefix ending at a path-segment boundary.
/// Written with `=` and `startswith` (no `pmatch`, which legacy Falco never fills).
pub fn path_has_prefix(path: Field, prefix: &str) -> Expr {
    let p = prefix.strip_suffix('/').unwrap_or(prefix);
    let under = Expr::cmp(path.clone(), Op::StartsWith, Value::Str(format!("{p}/")));
    // `path == p` matches unless `p` itself still ends in `/` (a prefix written with two
    // trailing slashes), where trimming the path's one slash can never give `p` back. An empty
    // `p` (prefix `/`) would only match an empty path, which the API refuses.
    if p.is_empty() || p.ends_with('/') {
        under
    } else {
        Expr::or([eq_str(path, p), under])
    }
}

/// PSP's `hasPathPrefix` on plain strings: the reference [`path_has_prefix`] is tested against.
pub use crate::psp::host_paths::has_path_prefix;

/// True when `name` matches a sysctl pattern: exact, `prefix*` (plain string prefix), or `*`.
/// Returns `None` for `*` (everything matches).
pub fn sysctl_pattern(name: Field, pattern: &str) -> Option<Expr> {
    match pattern.strip_suffix('*') {
        Some("") => None,
        Some(prefix) => Some(Expr::cmp(name, Op::StartsWith, Value::Str(prefix.into()))),
        None => Some(eq_str(name, pattern)),
    }
}

/// Every distinct ordering of `items`, or `None` when there would be more than `limit`.
pub fn permutations(items: &[String], limit: usize) -> Option<Vec<Vec<String>>> {
    let mut sorted = items.to_vec();
    sorted.sort();
    let mut out = vec![sorted.clone()];
    // Next lexicographic permutation until it wraps: visits each distinct ordering once.
    loop {
        let Some(i) = (1..sorted.len()).rev().find(|&i| sorted[i - 1] < sorted[i]) else {
            return Some(out);
        };
        let j = (i..sorted.len())
            .rev()
            .find(|&j| sorted[j] > sorted[i - 1])
            .expect("a larger element exists past the pivot");
        sorted.swap(i - 1, j);
        sorted[i..].reverse();
        if out.len() == limit {
            return None;
        }
        out.push(sorted.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::falco::render::render;
    use crate::Target;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn permutations_are_distinct_and_bounded() {
        assert_eq!(permutations(&s(&["c6", "c0"]), 10).unwrap().len(), 2);
        assert_eq!(permutations(&s(&["a", "b", "c"]), 10).unwrap().len(), 6);
        assert_eq!(permutations(&s(&["a", "a", "b"]), 10).unwrap().len(), 3);
        assert_eq!(
            permutations(&s(&[]), 10).unwrap(),
            vec![Vec::<String>::new()]
        );
        assert!(permutations(&s(&["a", "b", "c", "d"]), 23).is_none());
        assert_eq!(
            permutations(&s(&["a", "b", "c", "d"]), 24).unwrap().len(),
            24
        );
    }

    /// Evaluates the single-field conditions built here, with current-Falco semantics (a
    /// missing value makes every comparison false).
    fn eval(e: &Expr, value: Option<&str>) -> bool {
        match e {
            Expr::And(v) => v.iter().all(|x| eval(x, value)),
            Expr::Or(v) => v.iter().any(|x| eval(x, value)),
            Expr::Not(x) => !eval(x, value),
            Expr::Group(x) => eval(x, value),
            Expr::Exists(_) => value.is_some(),
            Expr::Cmp(_, op, Value::Str(rhs)) => value.is_some_and(|v| match op {
                Op::Eq => v == rhs,
                Op::StartsWith => v.starts_with(rhs.as_str()),
                other => panic!("operator {other:?} not modelled"),
            }),
            Expr::List(_, Op::In, items) => {
                value.is_some_and(|v| items.iter().any(|i| matches!(i, Value::Str(s) if s == v)))
            }
            other => panic!("node {other:?} not modelled"),
        }
    }

    proptest::proptest! {
        #[test]
        fn host_path_condition_is_has_path_prefix(
            path in "(/[a-c]{0,2}){1,4}/?", // never empty: the API requires a path
            prefix in "(/[a-c]{0,2}){0,3}/{0,2}",
        ) {
            let prefix = if prefix.is_empty() { "/".to_string() } else { prefix };
            let e = path_has_prefix(volume_field(0, &["hostPath", "path"]), &prefix);
            proptest::prop_assert_eq!(
                eval(&e, Some(&path)),
                has_path_prefix(&path, &prefix),
                "path {:?} prefix {:?}", path, prefix
            );
        }

        #[test]
        fn sysctl_patterns_match_like_psp(name in "[a-c.]{0,5}", pattern in "[a-c.]{0,4}[*]?") {
            let field = volume_field(0, &["x"]);
            let got = sysctl_pattern(field, &pattern).is_none_or(|e| eval(&e, Some(&name)));
            let want = crate::psp::sysctls::sysctl_matches(&pattern, &name);
            proptest::prop_assert_eq!(got, want);
        }
    }

    #[test]
    fn host_path_prefixes_follow_segments() {
        let f = volume_field(0, &["hostPath", "path"]);
        let r = |p: &str| render(&path_has_prefix(f.clone(), p), Target::Falco).unwrap();
        assert_eq!(
            r("/foo/"),
            "json.value[/requestObject/spec/volumes/0/hostPath/path]=\"/foo\" or json.value[/requestObject/spec/volumes/0/hostPath/path] startswith \"/foo/\""
        );
        assert_eq!(
            r("/"),
            "json.value[/requestObject/spec/volumes/0/hostPath/path] startswith \"/\""
        );
    }
}
