//! Running the `pspconv` binary the way a user does: arguments, stdin, exit code, stdout and
//! stderr. Shared by the command-line tests.

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `pspconv args`, feeding `stdin` (from a thread, so a large input cannot deadlock
/// against a full stdout pipe) and closing it. Colour is left to the binary's own decision
/// (pipes are not terminals); `NO_COLOR` from the test's environment is removed.
pub fn pspconv(args: &[&str], stdin: Option<&str>) -> Output {
    pspconv_in(args, stdin, |_| {})
}

/// As [`pspconv`], with the command adjusted first (working directory, environment).
pub fn pspconv_in(args: &[&str], stdin: Option<&str>, adjust: impl FnOnce(&mut Command)) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pspconv"));
    command
        .args(args)
        .env_remove("NO_COLOR")
        .env_remove("CLICOLOR_FORCE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    adjust(&mut command);
    let mut child = command.spawn().expect("pspconv starts");
    let mut input = child.stdin.take().expect("stdin is piped");
    let text = stdin.unwrap_or("").to_string();
    let writer = std::thread::spawn(move || {
        // The binary may stop reading early (an error, a size limit): a closed pipe is fine.
        let _ = input.write_all(text.as_bytes());
    });
    let out = child.wait_with_output().expect("pspconv runs");
    writer.join().expect("stdin writer");
    out
}

/// Exit code, stdout and stderr as text.
pub fn code_out_err(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        text(&out.stdout),
        text(&out.stderr),
    )
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A path inside the repository's test data (`tests/data/<rel>`), as a string argument.
pub fn data(rel: &str) -> String {
    format!("{}/tests/data/{rel}", env!("CARGO_MANIFEST_DIR"))
}
