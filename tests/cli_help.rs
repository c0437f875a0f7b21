//! Help, version, completions and the man page, pinned: what a user sees at the command line.

mod common;

use std::process::Output;

fn pspconv(args: &[&str]) -> Output {
    common::cli::pspconv(args, None)
}

fn stdout_ok(args: &[&str]) -> String {
    let out = pspconv(args);
    assert_eq!(out.status.code(), Some(0), "{args:?}: {:?}", out);
    assert!(out.stderr.is_empty(), "{args:?} wrote to stderr");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn help_texts() {
    insta::assert_snapshot!("help_main", stdout_ok(&["--help"]));
    insta::assert_snapshot!("help_convert_psp", stdout_ok(&["convert", "psp", "--help"]));
    insta::assert_snapshot!("help_explain", stdout_ok(&["explain", "--help"]));
    insta::assert_snapshot!("help_completions", stdout_ok(&["completions", "--help"]));
    insta::assert_snapshot!("help_man", stdout_ok(&["man", "--help"]));
    // `help <command>` says the same as `<command> --help`.
    assert_eq!(
        stdout_ok(&["help", "explain"]),
        stdout_ok(&["explain", "--help"])
    );
}

#[test]
fn version() {
    assert_eq!(
        stdout_ok(&["--version"]),
        format!("pspconv {}\n", env!("CARGO_PKG_VERSION"))
    );
}

#[test]
fn no_command_prints_help_and_exits_2() {
    let out = pspconv(&[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("Usage: pspconv"));
}

#[test]
fn completions_for_each_shell() {
    let bash = stdout_ok(&["completions", "bash"]);
    assert!(bash.contains("_pspconv()") && bash.contains("--psp-path"));
    let zsh = stdout_ok(&["completions", "zsh"]);
    assert!(zsh.starts_with("#compdef pspconv") && zsh.contains("--rules-path"));
    let fish = stdout_ok(&["completions", "fish"]);
    assert!(fish.contains("complete -c pspconv") && fish.contains("fail-on-warning"));
    let out = pspconv(&["completions", "powershell-9000"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn man_page_is_roff_from_the_cli_definition() {
    let man = stdout_ok(&["man"]);
    assert!(man.contains(".TH pspconv 1"), "{man}");
    assert!(man.contains(".SH SUBCOMMANDS") || man.contains("convert"));
    let dir = tempfile::tempdir().unwrap();
    stdout_ok(&["man", "--dir", dir.path().to_str().unwrap()]);
    let mut pages: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    pages.sort();
    assert!(pages.contains(&"pspconv.1".to_string()), "{pages:?}");
    assert!(
        pages.contains(&"pspconv-convert-psp.1".to_string()),
        "{pages:?}"
    );
}

#[test]
fn explain_lists_and_describes_properties() {
    let list = stdout_ok(&["explain"]);
    assert!(list.starts_with("Properties (pspconv explain <property>):\n"));
    assert!(list.contains("  privileged\n"));
    let one = stdout_ok(&["explain", "PRIVILEGED"]);
    assert!(!one.is_empty() && !one.contains("//!"), "{one}");
    assert_eq!(one, stdout_ok(&["explain", "privileged"]));
    let out = pspconv(&["explain", "no-such-property"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(err.starts_with("error: unknown property \"no-such-property\"; known: privileged"));
    assert!(err.contains("  hint: run `pspconv explain` for the list of properties"));
}

#[test]
fn explain_knows_every_generator_and_field_aliases() {
    for g in pspconv::convert::GENERATORS {
        let text = stdout_ok(&["explain", g.property]);
        assert!(
            text.starts_with(&format!("# {}", g.property)),
            "{}: {text}",
            g.property
        );
        assert!(
            text.contains("**Violation"),
            "{} documents its violations",
            g.property
        );
    }
    assert_eq!(
        stdout_ok(&["explain", "defaultAddCapabilities"]),
        stdout_ok(&["explain", "allowedCapabilities"])
    );
    assert_eq!(
        stdout_ok(&["explain", "forbiddenSysctls"]),
        stdout_ok(&["explain", "sysctls"])
    );
}
