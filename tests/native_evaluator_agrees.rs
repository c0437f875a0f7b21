//! The native evaluator (`pspconv::evaluate`) agrees with SPEC §5 written out directly
//! (`spec_model/model.rs`) on every property, and with the `falco` target's rules run through
//! `check` wherever those rules are exact (`spec_model/limits.rs` says where they are not).
//!
//! Random policies and pods come from `spec_model/gen.rs` with a fixed seed, so CI runs the
//! same cases every time; each pod goes in as a pod-create audit event, so the event guard and
//! the typed parse are exercised too. The hand-picked edges of `spec_model/edges.rs` run first.

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

use std::collections::BTreeSet;

use common::{fired_on, load, native, pod_event, rules_for, MODES};
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestRunner};
use pspconv::convert::Mode;
use pspconv::Target;
use types::{Pod, Psp};

/// Policies per run against the `falco` rules (each converted and loaded in three modes).
const RULE_CASES: u32 = 48;
/// Policies per run against the model alone (cheap: no rules to load).
const MODEL_CASES: u32 = 1500;

fn runner(cases: u32, seed: u64) -> TestRunner {
    TestRunner::new(Config {
        cases,
        rng_seed: RngSeed::Fixed(seed),
        source_file: Some(file!()),
        failure_persistence: None,
        max_shrink_iters: 1024,
        ..Config::default()
    })
}

/// The base property of a label (`runAsUser=MustRunAs` → `runAsUser`).
fn property(label: &str) -> &str {
    label.split_once('=').map_or(label, |(p, _)| p)
}

/// What the native evaluator finds violated, by label.
fn native_labels(psp_text: &str, mode: Mode, pod: &Pod) -> Vec<String> {
    let event = pod_event(pod.spec_json(), pod.metadata_json());
    native::violated_by_event(psp_text, mode, &event)
}

fn describe(mode: Mode, psp_text: &str, pod: &Pod) -> String {
    let spec = serde_json::to_string_pretty(&pod.spec_json()).unwrap();
    let meta = serde_json::to_string(&pod.metadata_json()).unwrap();
    format!(
        "{}\n--- policy\n{psp_text}\n--- pod spec\n{spec}\n--- pod metadata\n{meta}",
        mode.name()
    )
}

/// Native == model on every property, for one pod in one mode.
fn agrees_with_model(psp: &Psp, psp_text: &str, mode: Mode, pod: &Pod) -> Result<(), String> {
    let labels = native_labels(psp_text, mode, pod);
    let got: BTreeSet<&str> = labels.iter().map(|l| property(l)).collect();
    let want: BTreeSet<&str> = model::PROPERTIES
        .into_iter()
        .filter(|p| model::violates(p, mode, psp, pod))
        .collect();
    if got != want {
        return Err(format!(
            "native {got:?} vs model {want:?}: {}",
            describe(mode, psp_text, pod)
        ));
    }
    Ok(())
}

#[test]
fn edges_native_agrees_with_model() {
    for e in edges::edges() {
        let text = serde_json::to_string_pretty(&e.psp.to_json()).unwrap();
        for (mode, verdict) in MODES.into_iter().zip(e.verdict) {
            let labels = native_labels(&text, mode, &e.pod);
            let got = labels.iter().any(|l| property(l) == e.property);
            assert_eq!(got, verdict, "{} ({}), {}", e.what, e.property, mode.name());
            agrees_with_model(&e.psp, &text, mode, &e.pod).unwrap_or_else(|m| panic!("{m}"));
        }
    }
}

#[test]
fn native_agrees_with_model_on_random_pods() {
    let result = runner(MODEL_CASES, 0x0e7a_1ce5).run(&gen::case(4), |(psp, pods)| {
        let text = serde_json::to_string_pretty(&psp.to_json()).unwrap();
        for mode in MODES {
            for pod in &pods {
                agrees_with_model(&psp, &text, mode, pod).map_err(TestCaseError::fail)?;
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}

#[test]
fn native_agrees_with_falco_rules_where_they_are_exact() {
    let compared = std::cell::Cell::new(0u32);
    let result = runner(RULE_CASES, 0xfa1c_0e7a).run(&gen::case(4), |(psp, pods)| {
        let text = serde_json::to_string_pretty(&psp.to_json()).unwrap();
        for mode in MODES {
            let rules = load(&rules_for(&text, Target::Falco, mode), Target::Falco);
            for pod in &pods {
                let event = pod_event(pod.spec_json(), pod.metadata_json());
                let fired = fired_on(&rules, Target::Falco, &event);
                let Some(fired) = native::fired_labels(&fired) else {
                    return Err(TestCaseError::fail("a too-large rule fired within bounds"));
                };
                let labels = native_labels(&text, mode, pod);
                for p in model::PROPERTIES {
                    let exact = limits::expected(p, Target::Falco, mode, &psp, pod)
                        == model::violates(p, mode, &psp, pod)
                        && limits::known_bug(p, Target::Falco, mode, &psp, pod).is_none();
                    if !exact {
                        continue;
                    }
                    compared.set(compared.get() + 1);
                    // Same label, strategy included (`runAsUser=MustRunAs`).
                    let rule: Vec<&String> = fired.iter().filter(|l| property(l) == p).collect();
                    let mine: Vec<&String> = labels.iter().filter(|l| property(l) == p).collect();
                    if rule != mine {
                        return Err(TestCaseError::fail(format!(
                            "{p}: falco rules {rule:?}, native {mine:?}: {}",
                            describe(mode, &text, pod)
                        )));
                    }
                }
                agrees_with_model(&psp, &text, mode, pod).map_err(TestCaseError::fail)?;
            }
        }
        Ok(())
    });
    if let Err(e) = result {
        panic!("{e}");
    }
    assert!(compared.get() > 1000, "only {} comparisons", compared.get());
}
