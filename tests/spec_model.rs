//! The generated rules, evaluated by `check`, agree with SPEC §5 written out directly.
//!
//! For random policies and pods (`spec_model/gen.rs`), every mode and both targets: the
//! properties whose K8s audit rules fire on a pod-create event are exactly the properties the
//! model (`spec_model/model.rs`) says the pod violates, less what a generator documents it
//! cannot see (`spec_model/limits.rs`). Only properties whose generator is registered in
//! `pspconv::convert::GENERATORS` are compared; the model covers all of SPEC §5 already.
//!
//! A failure prints the shrunk policy and pod, the mode and target, and the properties the
//! model expects but did not fire ("missing") or that fired against the model ("extra").
//! Reported bugs not yet fixed are left out of the comparison case by case, each named in
//! `limits::known_bug`, with an ignored test below reproducing it.

mod common;
#[path = "spec_model/edges.rs"]
mod edges;
#[path = "spec_model/gen.rs"]
mod gen;
#[path = "spec_model/limits.rs"]
mod limits;
#[path = "spec_model/model.rs"]
mod model;
#[path = "spec_model/types.rs"]
mod types;

use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};

use common::{fired_on, load, pod_event, rules_for, MODES};
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use pspconv::check::RuleSet;
use pspconv::convert::{Mode, GENERATORS};
use pspconv::Target;
use types::{group_rule_name, Pod, Psp, SeLinuxStrategy, UserRule};

/// Cases per target; each case is one policy, converted in three modes, and 1 to 6 pods
/// (loading rules costs far more than running them). `PROPTEST_CASES` overrides it.
const CASES: u32 = 96;

/// Properties whose rules exist: those of the registered generators.
fn enabled() -> BTreeSet<&'static str> {
    let registered: BTreeSet<&str> = GENERATORS.iter().map(|g| g.property).collect();
    for p in &registered {
        assert!(
            model::PROPERTIES.contains(p),
            "generator {p:?} has no model"
        );
    }
    registered
}

/// How often a rule was expected to fire and not to fire (the model, less documented limits),
/// per (property, mode): a property that never shows both outcomes is not really tested.
type Coverage = BTreeMap<(&'static str, &'static str), (u32, u32)>;

/// The rules of the last policy, per mode: shrinking a failure mostly changes the pods, and
/// loading rules costs far more than running them.
#[derive(Default)]
struct RulesCache {
    policy: String,
    rules: Vec<RuleSet>,
}

#[test]
fn current_falco_rules_agree_with_spec_model() {
    agree_on(Target::Falco);
}

#[test]
fn legacy_rules_agree_with_spec_model() {
    agree_on(Target::Legacy);
}

#[test]
fn edge_cases_agree_with_spec_model() {
    let enabled = enabled();
    for e in edges::edges() {
        let got = MODES.map(|m| model::violates(e.property, m, &e.psp, &e.pod));
        assert_eq!(got, e.verdict, "model on {:?}: {}", e.property, e.what);
        for target in [Target::Falco, Target::Legacy] {
            let mut cache = RulesCache::default();
            let pods = [e.pod.clone()];
            if let Err(err) = agree(
                target,
                &enabled,
                &e.psp,
                &pods,
                &mut Coverage::new(),
                &mut cache,
            ) {
                panic!("{}: {err}", e.what);
            }
        }
    }
}

fn agree_on(target: Target) {
    let enabled = enabled();
    let coverage = RefCell::new(Coverage::new());
    let cache = RefCell::new(RulesCache::default());
    let config = Config {
        // PROPTEST_CASES overrides, for longer hunts.
        cases: std::env::var("PROPTEST_CASES")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(CASES),
        source_file: Some(file!()),
        max_shrink_iters: 2048,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&gen::case(6), |(psp, pods)| {
        let mut cache = cache.borrow_mut();
        agree(
            target,
            &enabled,
            &psp,
            &pods,
            &mut coverage.borrow_mut(),
            &mut cache,
        )
    });
    if let Err(e) = result {
        panic!("{target:?}: {e}");
    }
    let coverage = coverage.into_inner();
    for ((p, m), (yes, no)) in &coverage {
        if enabled.contains(p) {
            eprintln!("{target:?} {p} {m}: fires {yes}, silent {no}");
        }
    }
    let one_sided: Vec<String> = coverage
        .iter()
        .filter(|((p, _), (yes, no))| enabled.contains(p) && (*yes == 0 || *no == 0))
        .map(|((p, m), (yes, no))| format!("{p} {m}: fires {yes}, silent {no}"))
        .collect();
    assert!(one_sided.is_empty(), "one-sided coverage: {one_sided:#?}");
}

fn agree(
    target: Target,
    enabled: &BTreeSet<&'static str>,
    psp: &Psp,
    pods: &[Pod],
    coverage: &mut Coverage,
    cache: &mut RulesCache,
) -> Result<(), TestCaseError> {
    let psp_text = serde_json::to_string_pretty(&psp.to_json()).unwrap();
    if cache.policy != psp_text {
        let load_mode = |mode| load(&rules_for(&psp_text, target, mode), target);
        cache.rules = MODES.map(load_mode).into();
        cache.policy = psp_text.clone();
    }
    for (mode, rules) in MODES.into_iter().zip(&cache.rules) {
        for pod in pods {
            let event = pod_event(pod.spec_json(), pod.metadata_json());
            let fired = fired_on(rules, target, &event);
            let got =
                fired_properties(&fired, psp).map_err(|e| fail(e, target, mode, &psp_text, pod))?;
            let mut want = BTreeSet::new();
            for property in model::PROPERTIES {
                let expected = limits::expected(property, target, mode, psp, pod);
                let entry = coverage.entry((property, mode.name())).or_default();
                if expected {
                    entry.0 += 1;
                    want.insert(property);
                } else {
                    entry.1 += 1;
                }
            }
            let compared = |p: &&str| {
                enabled.contains(p) && limits::known_bug(p, target, mode, psp, pod).is_none()
            };
            want.retain(compared);
            // Soundness of the limits themselves: they only ever take away from the model.
            for p in &want {
                assert!(
                    model::violates(p, mode, psp, pod),
                    "limits expect {p} beyond the model"
                );
            }
            let got: BTreeSet<&str> = got.into_iter().filter(compared).collect();
            if got != want {
                let missing: Vec<_> = want.difference(&got).collect();
                let extra: Vec<_> = got.difference(&want).collect();
                let msg = format!("missing (model: violated, no rule fired) {missing:?}; extra (fired, model: complies) {extra:?}");
                return Err(fail(msg, target, mode, &psp_text, pod));
            }
        }
    }
    Ok(())
}

fn fail(msg: String, target: Target, mode: Mode, psp: &str, pod: &Pod) -> TestCaseError {
    let spec = serde_json::to_string_pretty(&pod.spec_json()).unwrap();
    let meta = serde_json::to_string(&pod.metadata_json()).unwrap();
    TestCaseError::fail(format!(
        "{target:?} {}: {msg}\n--- policy\n{psp}\n--- pod spec\n{spec}\n--- pod metadata\n{meta}",
        mode.name()
    ))
}

/// The properties of the fired rules, checking that each is a K8s audit violation rule of the
/// policy and that a strategy label names the policy's rule (`runAsUser=MustRunAs`).
fn fired_properties(fired: &[String], psp: &Psp) -> Result<BTreeSet<&'static str>, String> {
    let mut out = BTreeSet::new();
    for name in fired {
        if name.contains("Too Large") {
            return Err(format!("{name:?} fired on a pod within the bounds"));
        }
        let label = name
            .strip_prefix("PSP model Violation (")
            .and_then(|rest| rest.strip_suffix(") K8s Audit"))
            .ok_or_else(|| format!("unexpected rule {name:?}"))?;
        let (property, rule) = match label.split_once('=') {
            Some((p, r)) => (p, Some(r)),
            None => (label, None),
        };
        let property = *model::PROPERTIES
            .iter()
            .find(|p| **p == property)
            .ok_or_else(|| format!("rule {name:?} names no SPEC §5 property"))?;
        let expected_rule = strategy_rule(property, psp);
        if rule.is_some() && rule != expected_rule {
            return Err(format!(
                "rule {name:?}: the policy's rule is {expected_rule:?}"
            ));
        }
        out.insert(property);
    }
    Ok(out)
}

fn strategy_rule(property: &str, psp: &Psp) -> Option<&'static str> {
    let group =
        |g: &Option<types::GroupStrategy>| g.as_ref().and_then(|g| g.rule).map(group_rule_name);
    match property {
        "runAsUser" => psp.run_as_user.as_ref().map(|u| match u.rule {
            UserRule::MustRunAs => "MustRunAs",
            UserRule::MustRunAsNonRoot => "MustRunAsNonRoot",
            UserRule::RunAsAny => "RunAsAny",
        }),
        "runAsGroup" => group(&psp.run_as_group),
        "supplementalGroups" => group(&psp.supplemental_groups),
        "fsGroup" => group(&psp.fs_group),
        "seLinux" => {
            matches!(psp.se_linux, Some(SeLinuxStrategy::MustRunAs(_))).then_some("MustRunAs")
        }
        _ => None,
    }
}

/// Once a bug (an empty list was treated as absent in declared mode), now a regression test.
#[test]
fn empty_seccomp_allowed_list_allows_only_unset_in_declared_mode() {
    let psp = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: sec
  annotations: {seccomp.security.alpha.kubernetes.io/allowedProfileNames: ''}
spec: {}
";
    let spec = serde_json::json!({"containers": [common::container(
        "a",
        serde_json::json!({"seccompProfile": {"type": "Unconfined"}}),
    )]});
    for target in [Target::Falco, Target::Legacy] {
        let names = common::fired(psp, target, Mode::Declared, spec.clone());
        assert_eq!(
            common::count(&names, "(seccomp)"),
            1,
            "{target:?}: {names:?}"
        );
    }
}
