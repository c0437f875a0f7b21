//! `--source` and the header: which rules are emitted, the plugins and engine version declared
//! for them (SPEC §4), and syscall rules validated with check's syscall field table.

mod common;
use pspconv::convert::{convert, Mode, Options, Sources};
use pspconv::psp::load_policies;
use pspconv::yaml::{load_all, Value};
use pspconv::Target;

const PSP: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: restricted, annotations: {falco-rules-psp-images: \"[nginx]\", falco-rules-psp-namespaces: \"[prod]\"}}
spec:
  privileged: false
  readOnlyRootFilesystem: true
  requiredDropCapabilities: [ALL]
  allowedCapabilities: [NET_BIND_SERVICE]
  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}
  runAsGroup: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}
";

fn items(target: Target, sources: Sources) -> (String, Vec<Value>) {
    let loaded = load_policies(PSP, "p.yaml").unwrap();
    let opts = Options {
        target,
        sources,
        mode: Mode::Strict,
        ..Options::default()
    };
    let text = convert(&loaded.policies, &opts).unwrap().text;
    let items = load_all(&text).unwrap()[0].as_sequence().unwrap().clone();
    (text, items)
}

fn rule_sources(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter(|i| i.get("rule").is_some())
        .map(|i| i.get("source").and_then(Value::as_str).unwrap().to_string())
        .collect()
}

fn plugins(items: &[Value]) -> Vec<String> {
    items
        .iter()
        .filter_map(|i| i.get("required_plugin_versions"))
        .flat_map(|v| {
            v.as_sequence()
                .unwrap()
                .iter()
                .map(|p| p.get("name").and_then(Value::as_str).unwrap().to_string())
        })
        .collect()
}

fn engine(items: &[Value]) -> String {
    let v = items
        .iter()
        .find_map(|i| i.get("required_engine_version"))
        .unwrap();
    match v {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        other => panic!("{other:?}"),
    }
}

#[test]
fn k8s_audit_only_declares_k8saudit_and_json() {
    let (text, items) = items(Target::Falco, Sources::K8sAudit);
    assert!(rule_sources(&items).iter().all(|s| s == "k8s_audit"));
    assert_eq!(plugins(&items), vec!["k8saudit", "json"]);
    // per-index range checks use `regex` (Falco 0.39, engine 0.43.0)
    assert_eq!(engine(&items), "0.43.0");
    common::load(&text, Target::Falco);
}

#[test]
fn syscall_only_declares_the_container_plugin() {
    let (text, items) = items(Target::Falco, Sources::Syscall);
    let sources = rule_sources(&items);
    assert!(!sources.is_empty() && sources.iter().all(|s| s == "syscall"));
    assert_eq!(plugins(&items), vec!["container"]);
    assert_eq!(engine(&items), "0.57.0");
    // every field is a known syscall field, every rule restricted by evt.type (no warning)
    common::load(&text, Target::Falco);
    assert!(
        !text.contains("evt.dir"),
        "evt.dir is deprecated on current Falco"
    );
    assert!(!text.contains("%container.info"));
}

#[test]
fn all_sources_declare_no_plugin_and_syscall_rules_can_be_skipped() {
    let (text, items) = items(Target::Falco, Sources::All);
    let sources = rule_sources(&items);
    assert!(sources.iter().any(|s| s == "k8s_audit") && sources.iter().any(|s| s == "syscall"));
    assert!(
        plugins(&items).is_empty(),
        "a Falco with one source must still load the file"
    );
    for rule in items
        .iter()
        .filter(|i| i.get("source").and_then(Value::as_str) == Some("syscall"))
    {
        assert_eq!(
            rule.get("skip-if-unknown-filter").and_then(Value::as_bool),
            Some(true),
            "{rule:?}"
        );
    }
    common::load(&text, Target::Falco);
}

#[test]
fn legacy_declares_engine_5_and_its_syscall_rules_use_legacy_fields() {
    let (text, items) = items(Target::Legacy, Sources::All);
    assert_eq!(engine(&items), "5");
    assert!(plugins(&items).is_empty());
    let sources = rule_sources(&items);
    assert!(sources.iter().any(|s| s == "syscall"));
    common::load(&text, Target::Legacy);
    // host namespaces have no legacy syscall field: said in a comment and a warning
    let loaded = load_policies(PSP, "p.yaml").unwrap();
    let opts = Options {
        target: Target::Legacy,
        ..Options::default()
    };
    let conv = convert(&loaded.policies, &opts).unwrap();
    assert!(conv
        .text
        .contains("# hostPID (syscall): no rule for target legacy"));
    assert!(conv
        .warnings
        .iter()
        .any(|w| w.contains("hostPID (syscall)")));
}

#[test]
fn syscall_rules_are_scoped_like_the_audit_rules() {
    let (text, _) = items(Target::Falco, Sources::Syscall);
    assert!(text.contains("container.image.repository in (restricted_psp_images)"));
    assert!(text
        .contains("container.label[io.kubernetes.pod.namespace] in (restricted_psp_namespaces)"));
}

#[test]
fn target_notes_are_said_once_per_conversion() {
    let two = format!(
        "{PSP}---\n{}",
        PSP.replace("name: restricted", "name: other")
    );
    let loaded = load_policies(&two, "p.yaml").unwrap();
    let opts = Options {
        target: Target::Legacy,
        ..Options::default()
    };
    let conv = convert(&loaded.policies, &opts).unwrap();
    let notes = conv
        .warnings
        .iter()
        .filter(|w| w.starts_with("note: hostPID (syscall)"))
        .count();
    assert_eq!(notes, 1, "{:#?}", conv.warnings);
    assert_eq!(
        conv.text
            .matches("# hostPID (syscall): no rule for target legacy")
            .count(),
        2
    );
}
