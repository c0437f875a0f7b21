//! SPEC §4: with `--target legacy --mode declared`, the seed's example PSP gives the same lists,
//! macros and rules (conditions, outputs, priorities, sources, tags) as the example output in
//! the seed document, apart from the policy-name prefix: item for item as text (every string
//! of every item, `desc` included, with the seed's quoting and bare words), and as conditions
//! parsed by check's parser.

use pspconv::convert::{convert, Mode, Options};
use pspconv::psp::load_policies;
use pspconv::yaml::{load_all, Value};
use pspconv::Target;

const SEED: &str = include_str!("data/seed/falco-psp-support.ja.txt");
const EXAMPLE_PSP: &str = include_str!("../fixtures/seed_example_psp.yaml");

/// The rules file printed in the seed: from `- required_engine_version` to the prose after it.
fn seed_rules() -> Vec<Value> {
    let start = SEED
        .find("- required_engine_version: 5")
        .expect("seed rules start");
    let rest = &SEED[start..];
    let end = rest.find("PSPルールの評価").expect("seed rules end");
    let docs = load_all(&rest[..end]).expect("seed rules parse as YAML");
    docs[0]
        .as_sequence()
        .expect("a rules file is a sequence")
        .clone()
}

fn our_rules() -> Vec<Value> {
    let loaded = load_policies(EXAMPLE_PSP, "seed_example_psp.yaml").unwrap();
    let opts = Options {
        target: Target::Legacy,
        mode: Mode::Declared,
        ..Options::default()
    };
    let text = convert(&loaded.policies, &opts).unwrap().text;
    let docs = load_all(&text).unwrap();
    docs[0].as_sequence().unwrap().clone()
}

/// Our names carry the policy prefix (`no_privileged_psp_x`, `PSP no_privileged Violation`);
/// the seed's (falcoctl 0.0.2) do not.
fn strip_prefix(s: &str) -> String {
    s.replace("no_privileged_psp_", "psp_")
        .replace("PSP no_privileged Violation", "PSP Violation")
}

/// Conditions compare as parsed by check's condition parser: quoting style and redundant
/// parentheses do not change a condition.
fn same_condition(ours: &str, seed: &str) -> bool {
    let a = pspconv::check::condition::parse(&strip_prefix(ours)).expect("our condition parses");
    let b = pspconv::check::condition::parse(seed).expect("seed condition parses");
    a == b
}

fn key<'a>(item: &'a Value, k: &str) -> Option<&'a str> {
    item.get(k).and_then(Value::as_str)
}

fn kind_and_name(item: &Value) -> (String, String) {
    for k in ["list", "macro", "rule", "required_engine_version"] {
        if let Some(v) = item.get(k) {
            let name = match v {
                Value::String(s) => strip_prefix(s),
                other => format!("{other:?}"),
            };
            return (k.to_string(), name);
        }
    }
    panic!("unexpected item {item:?}")
}

#[test]
fn legacy_declared_output_matches_the_seed_item_by_item() {
    let seed = seed_rules();
    let ours = our_rules();
    let seed_names: Vec<_> = seed.iter().map(kind_and_name).collect();
    let our_names: Vec<_> = ours.iter().map(kind_and_name).collect();
    assert_eq!(our_names, seed_names, "same items in the same order");

    for (o, s) in ours.iter().zip(&seed) {
        let (kind, name) = kind_and_name(s);
        match kind.as_str() {
            "required_engine_version" => assert_eq!(o, s),
            "list" => assert_eq!(o.get("items"), s.get("items"), "items of list {name}"),
            "macro" => {
                let (oc, sc) = (key(o, "condition").unwrap(), key(s, "condition").unwrap());
                assert!(
                    same_condition(oc, sc),
                    "macro {name}: {oc:?} vs seed {sc:?}"
                );
            }
            "rule" => {
                let (oc, sc) = (key(o, "condition").unwrap(), key(s, "condition").unwrap());
                assert!(same_condition(oc, sc), "rule {name}: {oc:?} vs seed {sc:?}");
                let (oo, so) = (key(o, "output").unwrap(), key(s, "output").unwrap());
                assert_eq!(oo.trim(), so.trim(), "output of rule {name}");
                for k in ["priority", "source"] {
                    assert_eq!(o.get(k), s.get(k), "{k} of rule {name}");
                }
                assert_eq!(o.get("tags"), s.get("tags"), "tags of rule {name}");
            }
            _ => unreachable!(),
        }
    }
}

/// An item with the policy prefix taken out of every string, for a comparison as text.
fn without_prefix(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(strip_prefix(s)),
        Value::Sequence(items) => Value::Sequence(items.iter().map(without_prefix).collect()),
        Value::Mapping(m) => Value::Mapping(
            m.iter()
                .map(|(k, v)| (k.clone(), without_prefix(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

#[test]
fn legacy_declared_output_matches_the_seed_as_text() {
    let seed = seed_rules();
    let ours = our_rules();
    assert_eq!(ours.len(), seed.len(), "same number of items");
    for (o, s) in ours.iter().zip(&seed) {
        let (kind, name) = kind_and_name(s);
        let o = without_prefix(o);
        let keys = |v: &Value| -> Vec<String> {
            v.as_mapping()
                .unwrap()
                .keys()
                .map(|k| k.as_str().unwrap().to_string())
                .collect()
        };
        assert_eq!(keys(&o), keys(s), "keys of {kind} {name}");
        for k in keys(s) {
            assert_eq!(o.get(&k), s.get(&k), "{k} of {kind} {name}, as text");
        }
    }
}

#[test]
fn the_comparison_can_fail() {
    // The parser-based comparison is not vacuous: a changed operand is a different condition.
    assert!(!same_condition(
        "psp_ka_container and ka.req.pod.containers.privileged intersects (false)",
        "psp_ka_container and ka.req.pod.containers.privileged intersects (true)"
    ));
    assert!(same_condition(
        "(jevt.value[/stage] in (ResponseComplete))",
        "(jevt.value[/stage] in (\"ResponseComplete\"))"
    ));
}
