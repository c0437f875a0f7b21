//! `pspconv check` as a whole binary: exit codes (0 nothing fired, 1 alerts, 2 bad input),
//! inputs (audit JSON lines, pod manifests, stdin, an existing rules file), `--json`, the summary.

mod common;

use common::cli::{pspconv, text};

fn suite(rel: &str) -> String {
    common::cli::data(&format!("falco-psp-tests/{rel}"))
}

#[test]
fn alerts_exit_1_and_print_like_falco() {
    let out = pspconv(
        &[
            "check",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            &suite("trace_files/psp/privileged.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.starts_with("2018-10-25T14:09:12.581541000+0000: Warning Pod Security Policy no_privileged validation failure--pod with privileged=true"), "{stdout}");
    assert_eq!(stdout.lines().count(), 1);
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("PSP no_privileged Violation (privileged) K8s Audit: 1"),
        "{stderr}"
    );
}

#[test]
fn nothing_fired_exits_0() {
    let out = pspconv(
        &[
            "check",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            &suite("trace_files/psp/create_vanilla_nginx_deployment.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty());
}

#[test]
fn json_alerts_are_falco_json() {
    let out = pspconv(
        &[
            "check",
            "--json",
            "-q",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            &suite("trace_files/psp/privileged.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1));
    let alert: serde_json::Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(
        alert["rule"],
        "PSP no_privileged Violation (privileged) K8s Audit"
    );
    assert_eq!(alert["priority"], "Warning");
    assert_eq!(alert["source"], "k8s_audit");
    assert_eq!(alert["output_fields"]["ka.target.namespace"], "default");
    assert!(out.stderr.is_empty(), "--quiet: {}", text(&out.stderr));
}

#[test]
fn pod_manifests_on_stdin_are_pod_creations() {
    let pods = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  containers:\n  - {name: c, image: nginx, securityContext: {privileged: true}}\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  containers:\n  - {name: c, image: nginx}\n";
    let out = pspconv(
        &[
            "check",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            "-",
        ],
        Some(pods),
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert_eq!(
        text(&out.stdout).lines().count(),
        1,
        "only pod a is privileged"
    );
}

#[test]
fn an_existing_rules_file_can_be_checked() {
    let dir = std::env::temp_dir().join(format!("pspconv-cli-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let rules = dir.join("rules.yaml");
    let conv = pspconv(
        &[
            "convert",
            "psp",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--rules-path",
            rules.to_str().unwrap(),
            "--target",
            "legacy",
        ],
        None,
    );
    assert_eq!(conv.status.code(), Some(0));
    let out = pspconv(
        &[
            "check",
            "--rules-path",
            rules.to_str().unwrap(),
            "--target",
            "legacy",
            "--events",
            &suite("trace_files/psp/privileged.json"),
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    // Without --target, the file's own declaration decides, and stderr says so.
    let inferred = pspconv(
        &[
            "check",
            "--rules-path",
            rules.to_str().unwrap(),
            "--events",
            &suite("trace_files/psp/privileged.json"),
        ],
        None,
    );
    assert_eq!(
        inferred.status.code(),
        Some(1),
        "{}",
        text(&inferred.stderr)
    );
    assert_eq!(text(&inferred.stdout), text(&out.stdout));
    let stderr = text(&inferred.stderr);
    assert!(
        stderr.contains("evaluating as target legacy, inferred from required_engine_version: 5"),
        "{stderr}"
    );
    // An explicit --target that contradicts the file is honoured, with a warning.
    let modern = pspconv(
        &[
            "check",
            "--rules-path",
            rules.to_str().unwrap(),
            "--target",
            "falco",
            "--events",
            &suite("trace_files/psp/privileged.json"),
        ],
        None,
    );
    let stderr = text(&modern.stderr);
    assert!(
        stderr.contains("warning: ")
            && stderr.contains("--target falco contradicts the file, written for legacy"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn bad_inputs_exit_2_with_a_clear_error() {
    let missing = pspconv(
        &[
            "check",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            "/nonexistent/audit.log",
        ],
        None,
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        text(&missing.stderr).starts_with("error: "),
        "{}",
        text(&missing.stderr)
    );
    let bad_rules = pspconv(&["check", "--rules-path", "-", "--events", &suite("trace_files/psp/privileged.json")], Some("- rule: r\n  desc: d\n  condition: ka.verb=create and no_such_macro\n  output: o\n  priority: WARNING\n  source: k8s_audit\n"));
    assert_eq!(bad_rules.status.code(), Some(2));
    assert!(
        text(&bad_rules.stderr).contains("no_such_macro"),
        "{}",
        text(&bad_rules.stderr)
    );
    let neither = pspconv(&["check", "--events", "x"], None);
    assert_eq!(neither.status.code(), Some(2));
}

#[test]
fn invalid_events_are_counted_and_skipped() {
    let good = std::fs::read_to_string(suite("trace_files/psp/privileged.json")).unwrap();
    let log = format!("{{not json\n{}\n", good.trim());
    let out = pspconv(
        &[
            "check",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            "-",
        ],
        Some(&log),
    );
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("line 1"), "{stderr}");
}

#[test]
fn rule_matching_first_reports_one_rule_per_event() {
    // hostNetwork + privileged: two properties violated by one pod.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec:\n  hostNetwork: true\n  containers:\n  - {name: c, image: nginx, securityContext: {privileged: true}}\n";
    let all = pspconv(
        &[
            "check",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            "-",
        ],
        Some(pod),
    );
    let first = pspconv(
        &[
            "check",
            "--rule-matching",
            "first",
            "--psp-path",
            &suite("psps/privileged.yaml"),
            "--events",
            "-",
        ],
        Some(pod),
    );
    assert_eq!(
        text(&all.stdout).lines().count(),
        2,
        "{}",
        text(&all.stdout)
    );
    assert_eq!(text(&first.stdout).lines().count(), 1);
}
