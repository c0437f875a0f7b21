//! Errors and warnings at the command line: one style (`error:`, causes, `hint:`), exit 2,
//! nothing on stdout, warnings naming their path, `--fail-on-warning`, `--quiet`, no colour
//! off a terminal.

mod common;

use common::cli::{code_out_err, pspconv, pspconv_in};
use std::process::{Command, Output};

fn pspconv_stdin(args: &[&str], stdin: &str) -> Output {
    pspconv(args, Some(stdin))
}

fn convert_stdin(extra: &[&str], stdin: &str) -> (i32, String, String) {
    let mut args = vec!["convert", "psp", "--psp-path", "-"];
    args.extend_from_slice(extra);
    code_out_err(&pspconv_stdin(&args, stdin))
}

const GOOD: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: restricted
spec:
  privileged: false
";

const TYPO: &str = "apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata:
  name: restricted
spec:
  privileged: false
  volumtes: [configMap]
";

/// Every error looks the same: `error: ` first, a `hint:` last, exit 2, nothing on stdout.
fn assert_error_style(code: i32, stdout: &str, stderr: &str) {
    assert_eq!(code, 2, "{stderr}");
    assert!(stdout.is_empty(), "stdout: {stdout}");
    assert!(stderr.starts_with("error: "), "{stderr}");
    let last = stderr.lines().last().unwrap();
    assert!(last.starts_with("  hint: "), "{stderr}");
    assert!(
        !stderr.contains('\x1b'),
        "colour off a terminal: {stderr:?}"
    );
}

#[test]
fn usage_errors_use_the_common_style() {
    for args in [
        &["convert", "psp", "--bogus"][..],
        &["convert", "psp"],
        &["convert", "psp", "-P", "x", "--mode", "lenient"],
        &["convert", "psp", "-P", "x", "--max-containers", "0"],
        &["frobnicate"],
        &["explain", "a", "b"],
        &["convert", "psp", "-P", "x", "--images", "nginx,a b"],
        &["convert", "psp", "-P", "x", "--namespaces", "Kube-System"],
    ] {
        let out = pspconv_stdin(args, "");
        let stderr = String::from_utf8(out.stderr).unwrap();
        let stdout = String::from_utf8(out.stdout).unwrap();
        assert_error_style(out.status.code().unwrap(), &stdout, &stderr);
        assert!(stderr.contains("--help` for usage"), "{stderr}");
    }
    let out = pspconv_stdin(&["convert", "psp", "--bogus"], "");
    insta::assert_snapshot!("usage_error", String::from_utf8(out.stderr).unwrap());
    let out = pspconv_stdin(&["convert", "psp", "-P", "x", "--images", "x\"y"], "");
    insta::assert_snapshot!("bad_flag_value", String::from_utf8(out.stderr).unwrap());
}

#[test]
fn input_errors_name_position_and_field() {
    let bad = GOOD.replace("privileged: false", "privileged: maybe");
    let (code, stdout, stderr) = convert_stdin(&[], &bad);
    assert_error_style(code, &stdout, &stderr);
    assert!(
        stderr.starts_with("error: <stdin>:6:15: field `spec.privileged`: invalid type"),
        "{stderr}"
    );
    let range = GOOD.replace("privileged: false", "runAsUser:\n    rule: MustRunAz");
    let (code, stdout, stderr) = convert_stdin(&[], &range);
    assert_error_style(code, &stdout, &stderr);
    assert!(
        stderr.starts_with(
            "error: <stdin>:7:11: field `spec.runAsUser.rule`: unknown variant `MustRunAz`"
        ),
        "{stderr}"
    );
    let (code, stdout, stderr) = convert_stdin(&[], "kind: ConfigMap\n");
    assert_error_style(code, &stdout, &stderr);
    assert!(stderr.contains("no PodSecurityPolicy found"), "{stderr}");
    let (code, stdout, stderr) = convert_stdin(&[], "a: [b\n");
    assert_error_style(code, &stdout, &stderr);
    assert!(
        stderr.starts_with("error: <stdin>:2:1: field `a`: invalid YAML"),
        "{stderr}"
    );
    let (code, _, stderr) = convert_stdin(&[], "\u{0}\u{1}\u{ff}");
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn missing_file_and_not_utf8() {
    let out = pspconv_stdin(&["convert", "psp", "-P", "/no/such/psp.yaml"], "");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_error_style(out.status.code().unwrap(), "", &stderr);
    assert!(
        stderr.contains("caused by: No such file or directory"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let latin1 = dir.path().join("latin1.yaml");
    std::fs::write(&latin1, b"metadata:\n  name: caf\xe9\n").unwrap();
    let out = pspconv_stdin(&["convert", "psp", "-P", latin1.to_str().unwrap()], "");
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_error_style(out.status.code().unwrap(), "", &stderr);
    assert!(stderr.contains("not valid UTF-8 (byte 21)"), "{stderr}");
}

#[test]
fn unknown_fields_warn_with_their_path() {
    let (code, stdout, stderr) = convert_stdin(&[], TYPO);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("required_engine_version"));
    assert_eq!(
        stderr,
        "warning: <stdin>:7:13: unknown field `spec.volumtes` ignored\n"
    );
}

#[test]
fn fail_on_warning_makes_warnings_errors() {
    let (code, stdout, stderr) = convert_stdin(&["--fail-on-warning"], TYPO);
    assert_eq!(code, 2);
    assert!(stdout.is_empty());
    assert!(stderr.lines().last().unwrap().starts_with("  hint: "));
    assert!(stderr.starts_with("warning: <stdin>:7:13: unknown field `spec.volumtes`"));
    assert!(stderr.contains("error: 1 warning(s) and --fail-on-warning given; no rules written"));
    // Notes are not warnings.
    let with_note = format!("{GOOD}---\nkind: ConfigMap\n");
    let (code, _, stderr) = convert_stdin(&["--fail-on-warning"], &with_note);
    assert_eq!(code, 0, "{stderr}");
    assert!(stderr.contains("note: <stdin>: document 2: skipping kind ConfigMap"));
}

#[test]
fn quiet_keeps_only_errors() {
    let (code, stdout, stderr) = convert_stdin(&["--quiet"], TYPO);
    assert_eq!(code, 0);
    assert!(!stdout.is_empty());
    assert!(stderr.is_empty(), "{stderr}");
    let (code, _, stderr) = convert_stdin(&["-q"], "kind: ConfigMap\n");
    assert_eq!(code, 2);
    assert!(stderr.starts_with("error: "));
}

#[test]
fn no_colour_when_not_a_terminal_or_no_color_set() {
    let out = pspconv_in(&["convert", "psp", "-P", "/no/such"], None, |c| {
        c.env("NO_COLOR", "1");
    });
    assert!(!String::from_utf8_lossy(&out.stderr).contains('\x1b'));
    let (_, _, stderr) = convert_stdin(&[], TYPO);
    assert!(!stderr.contains('\x1b'));
}

/// On a terminal (through `script`, where it exists) errors are coloured, unless `NO_COLOR`.
#[test]
fn colour_on_a_terminal_unless_no_color() {
    if Command::new("script").arg("--version").output().is_err() {
        return;
    }
    let run = |no_color: Option<&str>| {
        let mut cmd = Command::new("script");
        cmd.args([
            "-qec",
            &format!("{} convert psp -P /no/such", env!("CARGO_BIN_EXE_pspconv")),
            "/dev/null",
        ])
        .env_remove("NO_COLOR");
        if let Some(v) = no_color {
            cmd.env("NO_COLOR", v);
        }
        String::from_utf8_lossy(&cmd.output().unwrap().stdout).into_owned()
    };
    let coloured = run(None);
    if coloured.is_empty() {
        return; // no pseudo-terminal available here
    }
    assert!(coloured.contains("\x1b[1;31merror:\x1b[0m"), "{coloured:?}");
    let plain = run(Some("1"));
    assert!(plain.contains("error: cannot open /no/such"), "{plain:?}");
    assert!(!plain.contains('\x1b'), "{plain:?}");
}
