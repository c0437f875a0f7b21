//! Every real-world PSP in `tests/data/psp-corpus/` converts; every broken one (`INVALID` in
//! its name) is refused with exit 2 and an error naming file:line:col and the field.

use std::path::{Path, PathBuf};
mod common;

use pspconv::convert::{convert, Mode, Options};
use pspconv::psp::load_policies;
use pspconv::Target;

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/psp-corpus")
}

fn corpus_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("tests/data/psp-corpus in the repository")
        .map(|e| e.unwrap().path())
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("yaml" | "yml" | "json")
            )
        })
        .collect();
    files.sort();
    assert!(files.len() >= 50, "corpus looks incomplete: {files:?}");
    files
}

fn name(p: &Path) -> String {
    p.file_name().unwrap().to_string_lossy().into_owned()
}

/// Runs the binary from inside the corpus folder, so messages name the file as given.
fn run(file: &str) -> (i32, String, String) {
    let out = common::cli::pspconv_in(&["convert", "psp", "--psp-path", file], None, |c| {
        c.current_dir(corpus_dir());
    });
    common::cli::code_out_err(&out)
}

#[test]
fn valid_files_convert_for_every_target_and_mode() {
    for path in corpus_files()
        .iter()
        .filter(|p| !name(p).contains("INVALID"))
    {
        let text = std::fs::read_to_string(path).unwrap();
        let loaded =
            load_policies(&text, &name(path)).unwrap_or_else(|e| panic!("{}: {e}", name(path)));
        for target in [Target::Falco, Target::Legacy] {
            for mode in [Mode::Strict, Mode::Declared, Mode::Admission] {
                let opts = Options {
                    target,
                    mode,
                    ..Options::default()
                };
                let a = convert(&loaded.policies, &opts)
                    .unwrap_or_else(|e| panic!("{} ({target:?}, {mode:?}): {e}", name(path)));
                let docs = pspconv::yaml::load_all(&a.text)
                    .unwrap_or_else(|e| panic!("{}: output is not YAML: {e}", name(path)));
                assert!(
                    docs[0].as_sequence().is_some_and(|s| !s.is_empty()),
                    "{}: empty rules file",
                    name(path)
                );
                let b = convert(&loaded.policies, &opts).unwrap();
                assert_eq!(a.text, b.text, "{}: output not deterministic", name(path));
            }
        }
    }
}

#[test]
fn valid_files_exit_0_through_the_binary() {
    for path in corpus_files()
        .iter()
        .filter(|p| !name(p).contains("INVALID"))
    {
        let (code, stdout, stderr) = run(&name(path));
        assert_eq!(code, 0, "{}: {stderr}", name(path));
        assert!(stdout.contains("required_engine_version"), "{}", name(path));
        assert!(!stderr.contains("error:"), "{}: {stderr}", name(path));
    }
}

/// The first line of each broken file's error, pinned: file:line:col, the field, the reason.
#[test]
fn invalid_files_fail_with_position_and_field() {
    let mut report = String::new();
    for path in corpus_files()
        .iter()
        .filter(|p| name(p).contains("INVALID"))
    {
        let file = name(path);
        let (code, stdout, stderr) = run(&file);
        assert_eq!(code, 2, "{file}: {stderr}");
        assert!(stdout.is_empty(), "{file}: wrote output");
        // Warnings gathered before the error (an unknown field often explains it) come first.
        let first = stderr
            .lines()
            .find(|l| l.starts_with("error: "))
            .unwrap_or_default();
        let prefix = format!("error: {file}:");
        let rest = first
            .strip_prefix(&prefix)
            .unwrap_or_else(|| panic!("{file}: no position in {first:?}"));
        let mut parts = rest.splitn(3, ':');
        let line = parts.next().unwrap();
        let col = parts.next().unwrap();
        assert!(
            line.parse::<usize>().is_ok() && col.parse::<usize>().is_ok(),
            "{file}: no line:col in {first:?}"
        );
        assert!(stderr.contains("hint: "), "{file}: no hint");
        report.push_str(first);
        report.push('\n');
    }
    insta::assert_snapshot!("corpus_invalid_errors", report);
}

/// The messiness real files have beyond the corpus: byte-order marks, CRLF, JSON indented with
/// tabs, concatenated JSON, Lists mixing kinds, `PodSecurityPolicyList` items without `kind`.
#[test]
fn messy_but_valid_inputs_load() {
    let psp = |name: &str| {
        format!("apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: {name}\nspec:\n  privileged: false\n")
    };
    let names = |text: &str| -> Vec<String> {
        load_policies(text, "in")
            .unwrap_or_else(|e| panic!("{e}\n{text}"))
            .policies
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    assert_eq!(names(&format!("\u{feff}{}", psp("bom"))), ["bom"]);
    assert_eq!(names(&psp("crlf").replace('\n', "\r\n")), ["crlf"]);
    let tabs = "{\n\t\"apiVersion\": \"policy/v1beta1\",\n\t\"kind\": \"PodSecurityPolicy\",\n\t\"metadata\": {\n\t\t\"name\": \"tabs\"\n\t},\n\t\"spec\": {\"privileged\": false}\n}\n";
    assert_eq!(names(tabs), ["tabs"]);
    assert_eq!(
        names(&format!("\u{feff}{tabs}{}", tabs.replace("tabs", "two"))),
        ["tabs", "two"]
    );
    // Flow-style YAML starts like JSON but is not: read as YAML after all.
    let flow = "{apiVersion: policy/v1beta1, kind: PodSecurityPolicy,\n metadata: {name: flow}, spec: {}}\n";
    assert_eq!(names(flow), ["flow"]);
    let broken_json = "{\n\t\"apiVersion\": \"policy/v1beta1\",\n\t\"kind\": \"PodSecurityPolicy\"\n\t\"spec\": {}\n}\n";
    let err = load_policies(broken_json, "in").unwrap_err().to_string();
    assert_eq!(err, "in:4:2: invalid JSON: expected `,` or `}`");
    let mixed = "apiVersion: v1\nkind: List\nmetadata: {resourceVersion: \"\"}\nitems:\n- {apiVersion: v1, kind: ServiceAccount, metadata: {name: sa}}\n- apiVersion: policy/v1beta1\n  kind: PodSecurityPolicy\n  metadata: {name: listed}\n  spec: {privileged: false, volumtes: []}\n";
    let loaded = load_policies(mixed, "in").unwrap();
    assert_eq!(loaded.policies[0].name, "listed");
    assert_eq!(
        loaded.warnings,
        [
            "warning: in:9:39: unknown field `items[1].spec.volumtes` ignored",
            "note: in: document 1, items[0]: skipping kind ServiceAccount",
        ]
    );
    let typed_list = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicyList\nitems:\n- metadata: {name: a}\n  spec: {}\n- metadata: {name: b}\n  spec: {hostPorts: [{min: 2, max: 1}]}\n";
    let err = load_policies(typed_list, "in").unwrap_err().to_string();
    assert_eq!(
        err,
        "in:7:21: field `items[1].spec.hostPorts[0]`: invalid range: min 2 is greater than max 1"
    );
    assert_eq!(names(&typed_list.replace("min: 2", "min: 0")), ["a", "b"]);
}
