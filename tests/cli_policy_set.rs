//! `--policy-set` and `--rbac` at the command line: convert and check on the cluster fixtures,
//! RBAC from stdin, errors (bad RBAC with file, line, column and field; legacy target; a rules
//! file), the note when RBAC is not considered, and unbuildable policies skipped.

mod common;

use common::cli::{code_out_err, pspconv};

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/cluster");

/// Runs pspconv with `stdin`; returns (exit code, stdout, stderr).
fn run(args: &[&str], stdin: &str) -> (i32, String, String) {
    code_out_err(&pspconv(args, Some(stdin)))
}

fn fixture(name: &str) -> String {
    format!("{DIR}/{name}")
}

#[test]
fn check_reports_each_violating_pod_once_with_rbac_from_stdin() {
    let rbac = std::fs::read_to_string(fixture("rbac.yaml")).unwrap();
    let (psp, events) = (fixture("psp.yaml"), fixture("events.jsonl"));
    let (code, out, err) = run(
        &[
            "check",
            "--psp-path",
            &psp,
            "--policy-set",
            "--rbac",
            "-",
            "--events",
            &events,
        ],
        &rbac,
    );
    assert_eq!(code, 1, "{err}");
    let alerts: Vec<&str> = out.lines().collect();
    assert_eq!(alerts.len(), 5, "{out}");
    assert!(alerts.iter().any(|a| a
        .contains("usable policies, all rejecting it: baseline, restricted")
        && a.contains("pod=alice-debug")));
    assert!(alerts.iter().any(
        |a| a.contains("no PodSecurityPolicy is usable") && a.contains("user=system:anonymous")
    ));
    assert!(!err.contains("RBAC is not considered"), "{err}");
}

#[test]
fn check_with_the_plugin_target_reports_the_same_pods_with_reasons() {
    let (psp, events, rbac) = (
        fixture("psp.yaml"),
        fixture("events.jsonl"),
        fixture("rbac.yaml"),
    );
    let (code, out, err) = run(
        &[
            "check",
            "--psp-path",
            &psp,
            "--policy-set",
            "--rbac",
            &rbac,
            "--events",
            &events,
            "--target",
            "plugin",
        ],
        "",
    );
    assert_eq!(code, 1, "{err}");
    let alerts: Vec<&str> = out.lines().collect();
    assert_eq!(alerts.len(), 5, "{out}");
    assert!(
        alerts.iter().any(|a| {
            a.contains(
        "[baseline] volumes: volume \"host\" (volumes[0]) is of type hostPath [restricted] volumes:"
    ) && a.contains("usable=(baseline,restricted)")
        }),
        "{out}"
    );
    assert!(err.contains("PSP set Violation K8s Audit: 5"), "{err}");
}

#[test]
fn without_rbac_stderr_says_once_that_rbac_is_not_considered() {
    let (code, out, err) = run(
        &[
            "convert",
            "psp",
            "--psp-path",
            &fixture("psp.yaml"),
            "--policy-set",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(err.matches("RBAC is not considered").count(), 1, "{err}");
    assert!(out.contains("PSP set Violation (usable: all, RBAC not considered) K8s Audit"));
}

#[test]
fn bad_rbac_is_an_error_with_file_line_column_and_field() {
    let bad = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {kind: ClusterRole, name: r}\nsubjects:\n- kind: User\n  name: {first: x}\n";
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("rbac.yaml");
    std::fs::write(&path, bad).unwrap();
    let out_path = dir.path().join("rules.yaml");
    let (code, out, err) = run(
        &[
            "convert",
            "psp",
            "--psp-path",
            &fixture("psp.yaml"),
            "--policy-set",
            "--rbac",
            path.to_str().unwrap(),
            "--rules-path",
            out_path.to_str().unwrap(),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(out.is_empty());
    assert!(!out_path.exists(), "no output file on error");
    assert!(err.contains("rbac.yaml:7:"), "{err}");
    assert!(err.contains("subjects[0].name"), "{err}");
}

#[test]
fn rbac_warnings_name_the_object() {
    let rbac = "kind: RoleBinding\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: orphan, namespace: team-a}\nroleRef: {kind: Role, name: gone}\nsubjects: [{kind: User, name: bob}]\n";
    let (code, _, err) = run(
        &[
            "convert",
            "psp",
            "--psp-path",
            &fixture("psp.yaml"),
            "--policy-set",
            "--rbac",
            "-",
        ],
        rbac,
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("RoleBinding \"orphan\": binds Role \"gone\", which does not exist in namespace \"team-a\""),
        "{err}"
    );
}

#[test]
fn legacy_target_and_rules_files_refuse_policy_sets() {
    let psp = fixture("psp.yaml");
    let (code, _, err) = run(
        &[
            "convert",
            "psp",
            "--psp-path",
            &psp,
            "--policy-set",
            "--target",
            "legacy",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(
        err.contains("--policy-set is not supported for --target legacy"),
        "{err}"
    );
    let (code, _, err) = run(
        &[
            "check",
            "--rules-path",
            &psp,
            "--policy-set",
            "--events",
            &fixture("events.jsonl"),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("--policy-set needs --psp-path"), "{err}");
    let (code, _, err) = run(
        &[
            "convert",
            "psp",
            "--psp-path",
            &psp,
            "--rbac",
            &fixture("rbac.yaml"),
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("--policy-set"), "{err}");
    let (code, _, err) = run(
        &[
            "convert",
            "psp",
            "--psp-path",
            "-",
            "--policy-set",
            "--rbac",
            "-",
        ],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("stdin"), "{err}");
}

#[test]
fn a_policy_admission_could_not_build_is_skipped_in_a_set_and_refused_alone() {
    let psp = "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: broken}\nspec:\n  runAsUser: {rule: MustRunAs}\n  seLinux: {rule: RunAsAny}\n  supplementalGroups: {rule: RunAsAny}\n  fsGroup: {rule: RunAsAny}\n---\napiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata: {name: fine}\nspec:\n  privileged: false\n";
    let (code, out, err) = run(&["convert", "psp", "--psp-path", "-", "--policy-set"], psp);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("<stdin>:5:") && err.contains("policy \"broken\" skipped"),
        "{err}"
    );
    assert!(!out.contains("broken"), "{out}");
    assert!(out.contains("fine_psp_ka_violation"));
    let (code, _, err) = run(&["convert", "psp", "--psp-path", "-"], psp);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("rule MustRunAs needs at least one range"),
        "{err}"
    );
}
