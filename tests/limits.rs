//! Hostile sizes and shapes: huge inputs, deep nesting, alias bombs, endless document streams,
//! long strings. Each ends fast with a clear error (or converts), never a hang, a crash or a
//! memory blow-up. Plus a property test: no input makes the loader or converter panic.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use proptest::prelude::*;
use proptest::test_runner::Config;

use pspconv::convert::{convert, Mode, Options};
use pspconv::psp::load::{MAX_DOCUMENT_BYTES, MAX_INPUT_BYTES};
use pspconv::psp::load_policies;
use pspconv::Target;

const PSP: &str = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: p}\nspec: {privileged: false}\n";

/// Loads `text` and returns the error, failing if it loads or takes more than `secs` (bounds
/// that catch a hang, generous for a shared 2-core CI machine).
fn load_error(text: &str, secs: u64) -> String {
    let start = Instant::now();
    let result = load_policies(text, "in.yaml");
    let took = start.elapsed();
    assert!(took < Duration::from_secs(secs), "took {took:?}");
    match result {
        Ok(_) => panic!("loaded"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn input_over_the_size_limit_is_refused_before_parsing() {
    let text = " ".repeat(MAX_INPUT_BYTES + 1);
    let err = load_error(&text, 20);
    assert_eq!(
        err,
        format!("in.yaml: input is larger than {MAX_INPUT_BYTES} bytes")
    );
}

#[test]
fn huge_stdin_is_refused_without_reading_it_all() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_pspconv"))
        .args(["convert", "psp", "--psp-path", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let writer = std::thread::spawn(move || {
        let chunk = vec![b'#'; 1 << 20];
        // Past the limit: the reader stops there and the rest meets a closed pipe.
        for _ in 0..((MAX_INPUT_BYTES >> 20) + 4) {
            if stdin.write_all(&chunk).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.starts_with("error: <stdin>: input is larger than"),
        "{err}"
    );
    assert!(err.contains("hint: split the input"), "{err}");
}

#[test]
fn a_big_but_allowed_input_converts() {
    // 1 000 policies, about 100 KiB of input and megabytes of rules.
    let text: Vec<String> = (0..1_000)
        .map(|i| PSP.replace("name: p", &format!("name: p{i}")))
        .collect();
    let start = Instant::now();
    let loaded = load_policies(&text.join("---\n"), "in.yaml").unwrap();
    let out = convert(&loaded.policies, &Options::default()).unwrap();
    assert!(out.text.len() > 1_000_000);
    assert!(start.elapsed() < Duration::from_secs(120));
}

/// 20 000 small policies, as one `List` and as 20 000 documents: no count limit stops them.
/// Loading both and converting the documents to legacy rules keeps this under a minute in a
/// debug build; the benchmark converts 10 000 varied policies for the current target.
#[test]
fn twenty_thousand_policies_load_and_convert() {
    const N: usize = 20_000;
    let item = |i: usize| {
        format!("- apiVersion: policy/v1beta1\n  kind: PodSecurityPolicy\n  metadata: {{name: p{i}}}\n  spec: {{privileged: false}}\n")
    };
    let list = format!(
        "apiVersion: v1\nkind: List\nitems:\n{}",
        (0..N).map(item).collect::<String>()
    );
    let start = Instant::now();
    assert_eq!(load_policies(&list, "list.yaml").unwrap().policies.len(), N);
    let docs: String = (0..N)
        .map(|i| format!("---\n{}", PSP.replace("name: p", &format!("name: p{i}"))))
        .collect();
    let loaded = load_policies(&docs, "docs.yaml").unwrap();
    assert_eq!(loaded.policies.len(), N);
    let opts = Options {
        target: Target::Legacy,
        mode: Mode::Declared,
        sources: pspconv::convert::Sources::K8sAudit,
        ..Options::default()
    };
    let out = convert(&loaded.policies, &opts).unwrap();
    assert_eq!(
        out.text.matches("- rule: PSP p").count(),
        4 * N,
        "privileged and host namespaces, per policy"
    );
    assert!(out
        .text
        .contains("PSP p19999 Violation (privileged) K8s Audit"));
    assert!(
        start.elapsed() < Duration::from_secs(120),
        "took {:?}",
        start.elapsed()
    );
}

#[test]
fn a_document_over_the_size_limit_is_refused_before_parsing() {
    // A small first document, then one just over the per-document limit.
    let big = format!("{PSP}---\n# {}\n{PSP}", "x".repeat(MAX_DOCUMENT_BYTES));
    let err = load_error(&big, 20);
    assert!(
        err.starts_with("in.yaml:5:1: document 2 is ")
            && err.contains("split it into several documents"),
        "{err}"
    );
}

#[test]
fn a_100_000_document_stream_of_other_kinds_ends_fast() {
    let text = "---\nkind: ConfigMap\n".repeat(100_000);
    let err = load_error(&text, 30);
    assert_eq!(err, "in.yaml: no PodSecurityPolicy found in the input");
    let err = load_error(&"---\n".repeat(100_000), 30);
    assert!(err.contains("no PodSecurityPolicy"), "{err}");
}

#[test]
fn skipped_documents_are_noted_in_bounded_number() {
    let text = format!("{}---\n{PSP}", "---\nkind: ConfigMap\n".repeat(5_000));
    let loaded = load_policies(&text, "in.yaml").unwrap();
    assert_eq!(loaded.warnings.len(), 21);
    assert_eq!(
        loaded.warnings[20],
        "note: in.yaml: skipping 4980 more documents or items of other kinds"
    );
}

#[test]
fn deep_flow_nesting_is_refused_fast() {
    for text in [
        format!(
            "kind: PodSecurityPolicy\nspec: {}{}",
            "[".repeat(100_000),
            "]".repeat(100_000)
        ),
        "{\"a\":".repeat(50_000),
        "[".repeat(1_000_000),
    ] {
        let err = load_error(&text, 20);
        assert!(err.contains("nested more than 128 levels deep"), "{err}");
    }
}

#[test]
fn deep_block_nesting_is_refused_fast() {
    let mut text = String::from("kind: PodSecurityPolicy\nspec:\n");
    for depth in 1..400 {
        text.push_str(&" ".repeat(depth));
        text.push_str("a:\n");
    }
    let err = load_error(&text, 20);
    assert!(err.contains("nested more than 128 levels deep"), "{err}");
}

#[test]
fn alias_bombs_are_refused_fast() {
    // Billion laughs: 10 levels of 10 aliases each.
    let mut text = String::from("a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for i in 1..10 {
        let refs = vec![format!("*a{}", i - 1); 10].join(", ");
        text.push_str(&format!("a{i}: &a{i} [{refs}]\n"));
    }
    text.push_str("kind: PodSecurityPolicy\n");
    let err = load_error(&text, 20);
    assert!(err.contains("too many alias expansions"), "{err}");
    // The same inside a scope annotation, which is parsed as YAML too.
    let mut list = String::from("[&a0 [x, x, x, x, x, x, x, x, x, x]");
    for i in 1..10 {
        list.push_str(&format!(
            ", &a{i} [{}]",
            vec![format!("*a{}", i - 1); 10].join(", ")
        ));
    }
    list.push(']');
    let psp = format!(
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: p\n  annotations:\n    falco-rules-psp-images: {}\nspec: {{}}\n",
        serde_json::to_string(&list).unwrap()
    );
    let err = load_error(&psp, 20);
    assert!(err.contains("falco-rules-psp-images"), "{err}");
}

#[test]
fn long_strings_are_refused_or_converted_never_stuck() {
    let long = "a".repeat(1 << 20);
    let name = PSP.replace("name: p", &format!("name: {long}"));
    let err = load_error(&name, 20);
    assert!(err.contains("field `metadata.name`"), "{err}");
    let image = PSP.replace(
        "metadata: {name: p}",
        &format!("metadata: {{name: p, annotations: {{falco-rules-psp-images: '[{long}]'}}}}"),
    );
    let err = load_error(&image, 20);
    assert!(err.contains("falco-rules-psp-images"), "{err}");
    // A long value in a field no rule uses yet loads fine.
    let key = PSP.replace(
        "spec: {",
        &format!("spec: {{allowedFlexVolumes: [{{driver: {long}}}], "),
    );
    let loaded = load_policies(&key, "in.yaml").unwrap();
    let start = Instant::now();
    let _ = convert(&loaded.policies, &Options::default());
    assert!(start.elapsed() < Duration::from_secs(20));
}

#[test]
fn very_long_lines_and_many_keys_stay_fast() {
    let many_keys: String = (0..50_000).map(|i| format!("  k{i}: v\n")).collect();
    let text = format!("{PSP}  extra:\n{}", many_keys.replace("  k", "    k"));
    let text = text.replace("spec: {privileged: false}\n  extra:", "spec:\n  extra:");
    let start = Instant::now();
    let result = load_policies(&text, "in.yaml");
    assert!(start.elapsed() < Duration::from_secs(30));
    // One unknown field (`spec.extra`), reported once, not 50 000 times.
    let loaded = result.unwrap();
    assert_eq!(loaded.warnings.len(), 1, "{:?}", &loaded.warnings[..1]);
    // 50 000 unknown fields are reported as 100 and a count.
    let flat = format!("{PSP}{}", many_keys).replace("spec: {privileged: false}\n", "spec:\n");
    let start = Instant::now();
    let loaded = load_policies(&flat, "in.yaml").unwrap();
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(loaded.warnings.len(), 101);
    assert_eq!(
        loaded.warnings[100],
        "warning: in.yaml: 49900 more unknown fields ignored"
    );
}

#[test]
fn odd_keys_are_reported_not_fatal() {
    for key in ["x[]]", "]", "a[0", "[1]", "a.b[2]]", "\u{e9}[", ""] {
        let text = format!(
            "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {{name: x}}\nspec: {{{}: 1}}\n",
            serde_json::to_string(key).unwrap()
        );
        let loaded = load_policies(&text, "in.yaml").unwrap();
        assert_eq!(loaded.warnings.len(), 1, "{key:?}: {:?}", loaded.warnings);
    }
}

/// Text that looks like Kubernetes YAML, mutated: keys, indentation, flow, anchors, quotes.
fn yamlish() -> impl Strategy<Value = String> {
    let token = prop_oneof![
        Just("apiVersion: policy/v1beta1\n".to_string()),
        Just("kind: PodSecurityPolicy\n".to_string()),
        Just("kind: List\nitems:\n".to_string()),
        Just("metadata:\n  name: p\n".to_string()),
        Just("  annotations:\n    falco-rules-psp-images: \"[a, b]\"\n".to_string()),
        Just("spec:\n".to_string()),
        Just("  privileged: true\n".to_string()),
        Just("  hostPorts: [{min: 1, max: 65536}]\n".to_string()),
        Just("  runAsUser: {rule: MustRunAs, ranges: [{min: 2, max: 1}]}\n".to_string()),
        Just("- ".to_string()),
        Just("---\n".to_string()),
        Just("&a ".to_string()),
        Just("  \"x[]]\": 1\n".to_string()),
        Just("*a".to_string()),
        Just("{".to_string()),
        Just("}".to_string()),
        Just("[".to_string()),
        Just("]".to_string()),
        Just("\t".to_string()),
        Just("\"".to_string()),
        "[ -~\\n]{0,8}",
        "\\PC{0,4}",
    ];
    prop::collection::vec(token, 0..40).prop_map(|t| t.concat())
}

fn no_panic(text: &str) {
    if let Ok(loaded) = load_policies(text, "fuzz.yaml") {
        for target in [Target::Falco, Target::Legacy] {
            let opts = Options {
                target,
                mode: Mode::Strict,
                ..Options::default()
            };
            if let Ok(out) = convert(&loaded.policies, &opts) {
                pspconv::yaml::load_all(&out.text).expect("output reads back as YAML");
            }
        }
    }
}

proptest! {
    #![proptest_config(Config { cases: 256, failure_persistence: None, ..Config::default() })]

    #[test]
    fn random_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        no_panic(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn yaml_like_text_never_panics(text in yamlish()) {
        no_panic(&text);
    }
}

#[test]
fn brackets_inside_scalars_are_not_nesting() {
    // `{{` inside a quoted value, repeated in many per-index checks of the output, once made
    // the nesting pre-scan refuse pspconv's own rules file.
    let psp = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: a}\nspec:\n  allowedHostPaths: [{pathPrefix: \"/{{\", readOnly: true}]\n  volumes: ['*']\n";
    let loaded = load_policies(psp, "in.yaml").unwrap();
    let out = convert(&loaded.policies, &Options::default()).unwrap();
    pspconv::yaml::load_all(&out.text).expect("the output reads back as YAML");
    pspconv::check::load(&out.text, "out.yaml", pspconv::Target::Falco).expect("the output loads");
    assert!(pspconv::yaml::check_nesting(&format!("k: x{}\n", "{".repeat(500))).is_ok());
    assert!(pspconv::yaml::check_nesting(&format!("k: {}\n", "[".repeat(500))).is_err());
}
