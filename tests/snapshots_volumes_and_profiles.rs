//! Snapshots of the converted output for the fixtures of the volume, sysctl, procMount,
//! runtimeClass, privilege-escalation, SELinux, seccomp and AppArmor generators, both targets.
//! The mode is strict unless the fixture's name says otherwise (`name.admission.yaml`). Small
//! bounds keep the per-index conditions short.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

fn convert(path: &Path, target: &str) -> String {
    let name = path.file_name().unwrap().to_str().unwrap();
    let mode = ["admission", "declared", "strict"]
        .into_iter()
        .find(|m| name.ends_with(&format!(".{m}.yaml")))
        .unwrap_or("strict");
    let mut child = Command::new(env!("CARGO_BIN_EXE_pspconv"))
        .args(["convert", "psp", "--psp-path", "-", "--source", "k8s_audit"])
        .args(["--target", target, "--mode", mode])
        .args([
            "--max-containers",
            "2",
            "--max-volumes",
            "2",
            "--max-items",
            "2",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(&std::fs::read(path).unwrap())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8(out.stderr).unwrap();
    let stdout = String::from_utf8(out.stdout).unwrap();
    // What the user sees: warnings on stderr, then the rules.
    format!("# stderr:\n{stderr}# stdout:\n{stdout}")
}

#[test]
fn volumes_and_profiles() {
    insta::glob!(
        "../fixtures",
        "{volumes,allowedHostPaths,allowedFlexVolumes,allowedCSIDrivers,sysctls,allowedProcMountTypes,runtimeClass,allowPrivilegeEscalation,seLinux,seccomp,apparmor}/*.yaml",
        |path| {
            insta::assert_snapshot!("falco", convert(path, "falco"));
            insta::assert_snapshot!("legacy", convert(path, "legacy"));
        }
    );
}
