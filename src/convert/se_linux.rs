//! # seLinux
//!
//! **Property.** `spec.seLinux` with rule `MustRunAs`: pods and containers must run with the
//! policy's `seLinuxOptions`. `RunAsAny` (or absent) gets no rule.
//!
//! **Violation.** `admission`: the pod-level `securityContext.seLinuxOptions` is set and
//! differs, or a container's own `seLinuxOptions` is set and differs (PSP fills an unset pod
//! level in, and containers without their own options inherit it). `declared`: additionally a
//! container whose effective options (its own, else the pod's) are unset. `strict`: either,
//! which is `declared`. Options differ when `user`, `role` or `type` differ as strings (unset
//! counts as `""`), or the `level` differs: equal strings, or the same sensitivity and the
//! same categories in any order (`s0:c6,c0` equals `s0:c0,c6`).
//!
//! **K8s audit rule.** Per-object `json.value` pointers (`jevt.value` in legacy Falco) on the
//! pod-level and per-index container `seLinuxOptions`: `exists` for "set", `=`/`in` for each
//! sub-field; the level is matched against every ordering of the policy's categories.
//!
//! **Limits.** A policy level with more than 6 categories (over 720 orderings) is matched
//! literally only, with a comment and a warning.

use super::context::{spec_field, ContainerRef, Ctx, CONTAINER_KINDS};
use super::names_and_paths::{eq_str, out_field, permutations, strs};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op};
use crate::falco::rules::Item;
use crate::psp::model::{SeLinuxOptions, SeLinuxRule};

pub const GENERATOR: Generator = Generator {
    property: "seLinux",
    doc: include_str!("se_linux.rs"),
    generate,
};

const MAX_ORDERINGS: usize = 720;

fn generate(ctx: &Ctx) -> Vec<Item> {
    let Some(strategy) = &ctx.spec.se_linux else {
        return Vec::new();
    };
    let Some(opts) = &strategy.se_linux_options else {
        return Vec::new();
    };
    if strategy.rule != SeLinuxRule::MustRunAs || !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    let mut items = vec![ctx.banner("seLinux")];
    let (levels, exhaustive) = level_spellings(opts.level.as_deref().unwrap_or(""));
    if !exhaustive {
        items.push(ctx.cannot_express(
            "seLinux (level categories)",
            "the policy level has more than 6 categories; only its literal spelling is accepted, other orderings are reported",
        ));
    }
    let differs = |base: Field| differs(base, opts, &levels);
    let pod = spec_field(&["securityContext", "seLinuxOptions"]);
    let own = |c: &ContainerRef| c.field(&["securityContext", "seLinuxOptions"]);
    let set_and_different = Expr::or([
        differs(pod.clone()),
        ctx.any_container(&CONTAINER_KINDS, |c| differs(own(c))),
    ]);
    let unset = ctx.any_container(&CONTAINER_KINDS, |c| {
        Expr::and([
            c.present(),
            Expr::not(Expr::exists(own(c))),
            Expr::not(Expr::exists(pod.clone())),
        ])
    });
    let (violation, what) = match ctx.mode() {
        Mode::Admission => (
            set_and_different,
            "pod with seLinuxOptions other than the policy's",
        ),
        Mode::Declared | Mode::Strict => (
            Expr::or([set_and_different, unset]),
            "pod with seLinuxOptions unset or other than the policy's",
        ),
    };
    items.push(ctx.k8s_rule(
        "seLinux=MustRunAs",
        what,
        violation,
        &out_field(
            ctx,
            "pod_se_linux",
            "/requestObject/spec/securityContext/seLinuxOptions",
        ),
    ));
    items
}

/// `base` (a `seLinuxOptions` object) is set and differs from the policy's options.
fn differs(base: Field, opts: &SeLinuxOptions, levels: &[String]) -> Expr {
    let sub = |name: &str| {
        let mut f = base.clone();
        if let Some(crate::falco::expr::FieldArg::Pointer(p)) = &mut f.arg {
            p.push(name.to_string());
        }
        f
    };
    let same = |name: &str, want: &Option<String>| match want.as_deref().unwrap_or("") {
        // Unset and "" are the same to PSP (Go's zero value).
        "" => Expr::or([Expr::not(Expr::exists(sub(name))), eq_str(sub(name), "")]),
        v => eq_str(sub(name), v),
    };
    let level = if levels.len() == 1 && levels[0].is_empty() {
        same("level", &None)
    } else {
        Expr::list(sub("level"), Op::In, strs(levels))
    };
    Expr::and([
        Expr::exists(base.clone()),
        Expr::not(Expr::and([
            same("user", &opts.user),
            same("role", &opts.role),
            same("type", &opts.type_),
            level,
        ])),
    ])
}

/// Every spelling of `level` PSP accepts as equal: itself and, for `sens:c1,c2,...`, every
/// ordering of the categories. `false` when there were too many orderings to list.
fn level_spellings(level: &str) -> (Vec<String>, bool) {
    let Some((sens, cats)) = level.split_once(':') else {
        return (vec![level.to_string()], true);
    };
    let cats: Vec<String> = cats.split(',').map(str::to_string).collect();
    match permutations(&cats, MAX_ORDERINGS) {
        Some(perms) => {
            let mut out: Vec<String> = perms
                .iter()
                .map(|p| format!("{sens}:{}", p.join(",")))
                .collect();
            // The literal spelling first, as written in the policy.
            out.retain(|l| l != level);
            out.insert(0, level.to_string());
            (out, true)
        }
        None => (vec![level.to_string()], false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// PSP's `equalLevels`: equal strings, or equal sensitivity and equal sorted categories.
    fn equal_levels(expected: &str, actual: &str) -> bool {
        if expected == actual {
            return true;
        }
        let (Some((es, ec)), Some((as_, ac))) = (expected.split_once(':'), actual.split_once(':'))
        else {
            return false;
        };
        fn sorted(c: &str) -> Vec<&str> {
            let mut v: Vec<&str> = c.split(',').collect();
            v.sort();
            v
        }
        es == as_ && sorted(ec) == sorted(ac)
    }

    proptest::proptest! {
        #[test]
        fn spellings_are_equal_levels(
            expected in "s[01](:c[0-2](,c[0-2]){0,3})?",
            actual in "s[01](:c[0-2](,c[0-2]){0,3})?",
        ) {
            let (spellings, exhaustive) = level_spellings(&expected);
            proptest::prop_assert!(exhaustive);
            proptest::prop_assert_eq!(
                spellings.contains(&actual),
                equal_levels(&expected, &actual)
            );
        }
    }

    #[test]
    fn levels_cover_category_orderings() {
        let (l, ok) = level_spellings("s0:c6,c0");
        assert!(ok);
        assert_eq!(l, vec!["s0:c6,c0", "s0:c0,c6"]);
        assert_eq!(level_spellings("s0").0, vec!["s0"]);
        assert_eq!(level_spellings("s0:c1,c2,c3").0.len(), 6);
        assert!(!level_spellings("s0:c1,c2,c3,c4,c5,c6,c7").1);
    }
}
