//! Rules-file loading: items, appends and overrides, exceptions, versions, warnings, errors.

use pspconv::check::condition::{parse, render};
use pspconv::check::{load, Priority};
use pspconv::Target;

fn rule(name: &str, cond: &str) -> String {
    format!("- rule: {name}\n  desc: d\n  condition: {cond}\n  output: o\n  priority: WARNING\n  source: k8s_audit\n")
}

fn codes(text: &str, target: Target) -> Vec<&'static str> {
    load(text, "t", target)
        .unwrap()
        .warnings
        .iter()
        .map(|w| w.code)
        .collect()
}

fn err(text: &str, target: Target) -> String {
    load(text, "rules.yaml", target).unwrap_err().to_string()
}

#[test]
fn lists_expand_recursively_and_macros_inline() {
    let text = format!(
        "- list: a\n  items: [x, y]\n- list: b\n  items: [a, z, 5]\n- macro: m\n  condition: ka.verb in (b)\n- macro: n\n  condition: m and ka.user.name=alice\n{}",
        rule("r", "n or ka.target.name in (a, q)")
    );
    let rs = load(&text, "t", Target::Falco).unwrap();
    let r = rs.rule("r").unwrap();
    assert_eq!(
        r.condition,
        parse("ka.verb in (x, y, z, 5) and ka.user.name = alice or ka.target.name in (x, y, q)")
            .unwrap()
    );
    assert!(rs.warnings.is_empty(), "{:?}", rs.warnings);
}

#[test]
fn rule_fields_and_defaults() {
    let text = "- rule: r\n  desc: d\n  condition: evt.type=open\n  output: o\n  priority: info\n  tags: [a, b]\n";
    let rs = load(text, "t", Target::Falco).unwrap();
    let r = rs.rule("r").unwrap();
    assert_eq!(
        (r.source.as_str(), r.priority, r.enabled, r.tags.clone()),
        (
            "syscall",
            Priority::Informational,
            true,
            vec!["a".to_string(), "b".to_string()]
        )
    );
    for (p, want) in [
        ("EMERGENCY", Priority::Emergency),
        ("Alert", Priority::Alert),
        ("critical", Priority::Critical),
        ("ERROR", Priority::Error),
        ("notice", Priority::Notice),
        ("INFORMATIONAL", Priority::Informational),
        ("DEBUG", Priority::Debug),
    ] {
        assert_eq!(Priority::parse(p), Some(want));
    }
    assert!(err(&text.replace("info", "loud"), Target::Falco).contains("Invalid priority 'loud'"));
}

#[test]
fn append_and_override() {
    let base = format!(
        "- list: l\n  items: [a]\n- macro: m\n  condition: ka.verb=create\n{}",
        rule("r", "m and ka.target.name in (l)")
    );
    let old = format!("{base}- list: l\n  items: [b]\n  append: true\n- rule: r\n  condition: and ka.user.name=x\n  append: true\n");
    let rs = load(&old, "t", Target::Falco).unwrap();
    assert_eq!(
        rs.rule("r").unwrap().condition,
        parse("ka.verb=create and ka.target.name in (a, b) and ka.user.name=x").unwrap()
    );
    assert!(rs.warnings.iter().any(|w| w.code == "LOAD_DEPRECATED_ITEM"));
    let new = format!("{base}- macro: m\n  condition: or ka.verb=delete\n  override:\n    condition: append\n- rule: r\n  condition: ka.verb=get\n  priority: ERROR\n  enabled: false\n  override:\n    condition: replace\n    priority: replace\n    enabled: replace\n");
    let rs = load(&new, "t", Target::Falco).unwrap();
    let r = rs.rule("r").unwrap();
    assert_eq!(r.condition, parse("ka.verb=get").unwrap());
    assert_eq!((r.priority, r.enabled), (Priority::Error, false));
    assert!(err(
        &format!("{base}- rule: nope\n  condition: x\n  append: true\n"),
        Target::Falco
    )
    .contains("no rule by that name"));
    // The deprecated standalone `enabled` form.
    let rs = load(
        &format!("{base}- rule: r\n  enabled: false\n"),
        "t",
        Target::Falco,
    )
    .unwrap();
    assert!(!rs.rule("r").unwrap().enabled);
}

#[test]
fn exceptions_become_and_not() {
    let text = "- list: ok_ns\n  items: [kube-system]\n- rule: r\n  desc: d\n  condition: ka.verb=create\n  output: o\n  priority: WARNING\n  source: k8s_audit\n  exceptions:\n    - name: ns\n      fields: ka.target.namespace\n      values: [ok_ns, default]\n    - name: pairs\n      fields: [ka.user.name, ka.target.name]\n      comps: [=, startswith]\n      values:\n        - [alice, web]\n        - [bob, db]\n    - name: empty\n      fields: ka.user.name\n";
    let rs = load(text, "t", Target::Falco).unwrap();
    let want = "ka.verb = create and not ka.target.namespace in (kube-system, default) and not (ka.user.name = alice and ka.target.name startswith web or ka.user.name = bob and ka.target.name startswith db)";
    assert_eq!(render(&rs.rule("r").unwrap().condition), want);
}

#[test]
fn engine_and_plugin_versions() {
    let ok = format!("- required_engine_version: 15\n- required_plugin_versions:\n  - name: k8saudit\n    version: 0.7.0\n    alternatives:\n      - name: k8saudit-eks\n        version: 0.4.0\n  - name: json\n    version: 0.7.0\n{}", rule("r", "ka.verb=get"));
    let rs = load(&ok, "t", Target::Falco).unwrap();
    assert_eq!(rs.required_engine_version.as_deref(), Some("0.15.0"));
    assert_eq!(
        load("- required_engine_version: 0.31.0\n", "t", Target::Falco)
            .unwrap()
            .required_engine_version
            .as_deref(),
        Some("0.31.0")
    );
    assert!(err("- required_engine_version: 0.99.0\n", Target::Falco)
        .contains("rules require engine version 0.99.0"));
    assert!(err("- required_engine_version: 12\n", Target::Legacy).contains("engine version"));
    assert!(err(
        "- required_plugin_versions:\n  - name: k8saudit\n    version: 0.19.0\n",
        Target::Falco
    )
    .contains("Plugin requirement not satisfied"));
    assert!(err(
        "- required_plugin_versions:\n  - name: k8saudit\n    version: 1.0.0\n",
        Target::Falco
    )
    .contains("Plugin requirement not satisfied"));
}

#[test]
fn load_errors_name_the_item_and_line() {
    let e = err(&rule("r", "undefined_macro and ka.verb=get"), Target::Falco);
    assert!(
        e.contains("rules.yaml:1: rule 'r': Undefined macro 'undefined_macro' used in filter."),
        "{e}"
    );
    let e = err(
        &format!("- macro: m\n  condition: a and\n{}", rule("r", "m")),
        Target::Falco,
    );
    assert!(
        e.contains("macro 'm'") && e.contains("Compilation error"),
        "{e}"
    );
    let e = err(&rule("r", "ka.nope=1"), Target::Falco);
    assert!(e.contains("unknown field 'ka.nope'"), "{e}");
    let e = err(&rule("r", "ka.target.pod.name=x"), Target::Legacy);
    assert!(e.contains("unknown field 'ka.target.pod.name'"), "{e}");
    let e = err(&rule("r", "json.value[/a]=x"), Target::Legacy);
    assert!(e.contains("unknown field 'json.value'"), "{e}");
    let e = err(
        &rule("r", "ka.req.pod.volumes.hostpath pmatch (/usr)"),
        Target::Falco,
    );
    assert!(
        e.contains("'pmatch' operator not supported list filters"),
        "{e}"
    );
    let long = "x".repeat(256);
    let e = err(&rule("r", &format!("ka.verb={long}")), Target::Falco);
    assert!(
        e.contains("filter parameter too long (used=257, available=256)"),
        "{e}"
    );
    assert!(load(
        &rule("r", &format!("ka.verb={}", "x".repeat(255))),
        "t",
        Target::Falco
    )
    .is_ok());
    // Macros see only macros defined before them (visibility), so this is undefined, not a cycle.
    let e = err(
        &format!(
            "- macro: a\n  condition: b\n- macro: b\n  condition: a\n{}",
            rule("r", "a")
        ),
        Target::Falco,
    );
    assert!(e.contains("macro 'a': Undefined macro 'b'"), "{e}");
    // A redefinition sees later macros, which can make a cycle.
    let e = err(
        &format!("- macro: a\n  condition: ka.verb=get\n- macro: b\n  condition: a\n- macro: a\n  condition: b\n{}", rule("r", "a")),
        Target::Falco,
    );
    assert!(e.contains("cycle"), "{e}");
    let e = err(
        &rule("r", "ka.verb=get").replace("output: o", "output: o %ka.bogus"),
        Target::Falco,
    );
    assert!(e.contains("unknown field"), "{e}");
    assert!(err(
        "- rule: r\n  desc: d\n  output: o\n  priority: WARNING\n",
        Target::Falco
    )
    .contains("no mapping for key 'condition'"));
    assert!(err("key: [", Target::Falco).contains("invalid YAML"));
    assert!(err("- foo: bar\n", Target::Falco).contains("unknown top level object"));
    assert!(err(&rule("r", "ka.uri.param=x"), Target::Falco).contains("requires an argument"));
    assert!(
        err(&rule("r", "jevt.value[stage]=x"), Target::Legacy).contains("Invalid json selector")
    );
    assert!(err(&rule("r", "jevt.value[/a~2]=x"), Target::Legacy).contains("Invalid json selector"));
    assert!(load(&rule("r", "jevt.value[stage]=x"), "t", Target::Falco).is_ok());
    assert!(err(&rule("r", "json.value[/a] regex '('"), Target::Falco).contains("invalid regex"));
    assert!(err(&rule("r", "ka.verb bcontains 6372"), Target::Falco)
        .contains("'bcontains' operator not supported for string filters"));
}

#[test]
fn warnings_like_falco() {
    let w = codes(
        &format!(
            "- list: unused\n  items: [a]\n- macro: unused_m\n  condition: ka.verb=get\n{}",
            rule("r", "ka.verb=create")
        ),
        Target::Falco,
    );
    assert_eq!(w, ["LOAD_UNUSED_MACRO", "LOAD_UNUSED_LIST"]);
    let w = codes(
        &rule("r", r#"ka.req.pod.fs_group in ("<NA>")"#),
        Target::Falco,
    );
    assert_eq!(w, ["LOAD_UNSAFE_NA_CHECK"]);
    assert!(codes(
        &rule("r", r#"ka.req.pod.fs_group in ("<NA>")"#),
        Target::Legacy
    )
    .is_empty());
    let sys = "- rule: s\n  desc: d\n  condition: proc.name=bash\n  output: o %proc.name\n  priority: NOTICE\n";
    assert_eq!(codes(sys, Target::Falco), ["LOAD_NO_EVTTYPE"]);
    assert!(codes(
        &sys.replace(
            "proc.name=bash",
            "evt.type in (execve, execveat) and proc.name=bash"
        ),
        Target::Falco
    )
    .is_empty());
    let w = codes(
        &format!("{}  foo: 1\n", rule("r", "ka.verb=get")),
        Target::Falco,
    );
    assert_eq!(w, ["LOAD_UNKNOWN_KEY"]);
    let w = codes(
        &rule("r", "ka.verb=get").replace("k8s_audit", "aws_cloudtrail"),
        Target::Falco,
    );
    assert_eq!(w, ["LOAD_UNKNOWN_SOURCE"]);
}

#[test]
fn syscall_rules_are_validated_and_container_info_is_legacy_only() {
    let sys = "- rule: s\n  desc: d\n  condition: evt.type=execve and container.privileged=true and user.uid=0\n  output: o %container.info %container.image.repository\n  priority: WARNING\n";
    assert!(load(sys, "t", Target::Legacy).unwrap().warnings.is_empty());
    assert_eq!(codes(sys, Target::Falco), ["LOAD_DEPRECATED_ITEM"]);
    let bad = sys.replace("user.uid", "user.bogus");
    assert!(err(&bad, Target::Falco).contains("unknown field 'user.bogus'"));
    let skipped = format!("{bad}  skip-if-unknown-filter: true\n");
    let rs = load(&skipped, "t", Target::Falco).unwrap();
    assert!(rs.rules.is_empty() && rs.warnings.iter().any(|w| w.code == "LOAD_UNKNOWN_FILTER"));
    assert!(err(
        &sys.replace(
            "evt.type=execve and ",
            "evt.type=execve and container.info=x and "
        ),
        Target::Falco
    )
    .contains("unknown field 'container.info'"));
}

#[test]
fn errors_point_at_the_line_of_the_item() {
    let text = format!(
        "{}\n{}- rule: ghost\n  condition: x\n  append: true\n",
        rule("a", "ka.verb=get"),
        rule("b", "ka.verb=get")
    );
    let e = load(&text, "f.yaml", Target::Falco).unwrap_err();
    assert_eq!((e.line, e.item.as_str()), (Some(14), "rule 'ghost'"), "{e}");
    assert!(
        e.to_string().starts_with("f.yaml:14: rule 'ghost': "),
        "{e}"
    );
}

#[test]
fn lists_are_substituted_textually_like_falco() {
    let base = "- list: l\n  items: [a, \"b c\"]\n- list: empty\n  items: []\n";
    // A quoted list name is a plain value; bare names expand anywhere between delimiters.
    let rs = load(
        &format!(
            "{base}{}",
            rule(
                "r",
                r#"ka.verb in ("l", x) or ka.target.name in (empty, y, l)"#
            )
        ),
        "t",
        Target::Falco,
    )
    .unwrap();
    assert_eq!(
        render(&rs.rule("r").unwrap().condition),
        r#"ka.verb in (l, x) or ka.target.name in (y, a, "b c")"#
    );
    assert!(!rs
        .warnings
        .iter()
        .any(|w| w.code == "LOAD_UNUSED_LIST" && w.item == "list 'l'"));
    // List names inside exception values are substituted too.
    let text = format!("{base}- rule: r\n  desc: d\n  condition: ka.verb=get\n  output: o\n  priority: INFO\n  source: k8s_audit\n  exceptions:\n    - name: e\n      fields: [ka.user.name]\n      comps: [in]\n      values: [[l]]\n");
    let rs = load(&text, "t", Target::Falco).unwrap();
    assert_eq!(
        render(&rs.rule("r").unwrap().condition),
        r#"ka.verb = get and not ka.user.name in (a, "b c")"#
    );
    // A list used by an unused macro is used; the macro itself is not.
    let w = load(
        &format!(
            "{base}- macro: m\n  condition: ka.verb in (l, empty)\n{}",
            rule("r", "ka.verb=get")
        ),
        "t",
        Target::Falco,
    )
    .unwrap()
    .warnings;
    let items: Vec<_> = w.iter().map(|w| (w.code, w.item.as_str())).collect();
    assert_eq!(items, [("LOAD_UNUSED_MACRO", "macro 'm'")]);
}

#[test]
fn outputs_are_trimmed() {
    let text = "- rule: r\n  desc: d\n  condition: ka.verb=get\n  output: >\n    hello\n    %ka.verb\n  priority: INFO\n  source: k8s_audit\n";
    assert_eq!(
        load(text, "t", Target::Falco)
            .unwrap()
            .rule("r")
            .unwrap()
            .output,
        "hello %ka.verb"
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;
    use pspconv::check::{run, CheckOptions};

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]
        #[test]
        fn load_and_run(cond in "[ -~]{0,60}", out in "[ -~]{0,30}", ev in "\\PC{0,80}", legacy in any::<bool>()) {
            let target = if legacy { Target::Legacy } else { Target::Falco };
            let text = format!(
                "- list: l\n  items: [a, b]\n- macro: m\n  condition: ka.verb=get\n- rule: r\n  desc: d\n  condition: {}\n  output: {}\n  priority: INFO\n  source: k8s_audit\n",
                serde_json::to_string(&cond).unwrap(),
                serde_json::to_string(&out).unwrap()
            );
            if let Ok(rs) = load(&text, "t", target) {
                let opts = CheckOptions { target, ..CheckOptions::default() };
                let (mut o, mut d) = (Vec::new(), Vec::new());
                let _ = run(&rs, ev.as_bytes(), &opts, &mut o, &mut d);
            }
        }
    }
}
