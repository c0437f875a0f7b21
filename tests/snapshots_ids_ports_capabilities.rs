//! Output of the ID, port and capability generators for their fixtures, both targets. The mode is
//! `strict` unless the fixture's name says `.admission.` or `.declared.`. Only the fixture's own
//! property sections (banner to next banner) are kept, so that other generators' rules do not
//! churn these snapshots; bounds are small (1 container per kind, 2 items) to keep them readable.
//! A snapshot proves only that the output did not change: `semantics_ids_ports_capabilities.rs` checks meaning.

use pspconv::convert::{convert, Bounds, Mode, Options};
use pspconv::psp::load_policies;
use pspconv::Target;

fn mode_of(path: &std::path::Path) -> Mode {
    let name = path.file_name().unwrap().to_string_lossy();
    if name.contains(".admission.") {
        Mode::Admission
    } else if name.contains(".declared.") {
        Mode::Declared
    } else {
        Mode::Strict
    }
}

/// The sections whose banner names `property` (`runAsUser` also matches `runAsUser=MustRunAs`).
fn sections(text: &str, property: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let mut out = String::new();
    let mut keep = false;
    for (i, line) in lines.iter().enumerate() {
        let banner_start = line.starts_with("#####")
            && lines
                .get(i + 1)
                .is_some_and(|l| l.starts_with("# ") && !l.starts_with("#####"));
        if banner_start {
            let title = lines[i + 1];
            keep = title.starts_with(&format!("# Rule(s) for PSP {property} "))
                || title.starts_with(&format!("# Rule(s) for PSP {property}="));
        }
        if line.starts_with("- rule: PSP ") && line.contains(" Pod Too Large To Check ") {
            keep = false;
        }
        if keep {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

fn render(path: &std::path::Path, target: Target) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let loaded = load_policies(&text, "fixture.yaml").unwrap();
    let opts = Options {
        target,
        mode: mode_of(path),
        bounds: Bounds {
            containers: 1,
            volumes: 32,
            per_container: 2,
        },
        ..Options::default()
    };
    let conv = convert(&loaded.policies, &opts).unwrap();
    let property = path
        .parent()
        .unwrap()
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut out = sections(&conv.text, &property);
    for w in conv
        .warnings
        .iter()
        .filter(|w| w.contains(&format!(": {property}")))
    {
        out.push_str(&format!("# stderr: {w}\n"));
    }
    out
}

#[test]
fn ids_ports_capabilities() {
    insta::glob!(
        "../fixtures",
        "{hostPorts,allowedCapabilities,requiredDropCapabilities,runAsUser,runAsGroup,supplementalGroups,fsGroup}/*.yaml",
        |path| {
            let mut out = String::new();
            for target in [Target::Falco, Target::Legacy] {
                out.push_str(&format!(
                    "### target {} mode {}\n",
                    target.name(),
                    mode_of(path).name()
                ));
                out.push_str(&render(path, target));
            }
            insta::assert_snapshot!(out);
        }
    );
}
