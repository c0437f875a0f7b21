//! The exact output users see for the privileged, host-namespace and scope fixtures, per target and mode. A snapshot only
//! proves the output did not change; semantics are tested on audit events elsewhere.

use pspconv::convert::{convert, Mode, Options};
use pspconv::psp::load_policies;
use pspconv::Target;

fn render(path: &std::path::Path, target: Target, mode: Mode) -> String {
    let text = std::fs::read_to_string(path).unwrap();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    let loaded = load_policies(&text, &name).unwrap();
    let opts = Options {
        target,
        mode,
        ..Options::default()
    };
    let conv = convert(&loaded.policies, &opts).unwrap();
    let mut out = conv.text;
    for w in conv.warnings {
        out.push_str(&format!("\n# stderr: {w}"));
    }
    out
}

#[test]
fn privileged_and_host() {
    insta::glob!("../fixtures/privileged_and_host", "*.yaml", |path| {
        for (target, mode) in [
            (Target::Falco, Mode::Strict),
            (Target::Falco, Mode::Admission),
            (Target::Legacy, Mode::Declared),
        ] {
            let name = format!("{}_{}", target.name(), mode.name());
            insta::assert_snapshot!(name, render(path, target, mode));
        }
    });
}

#[test]
fn output_is_deterministic() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/privileged_and_host/read_only_root_fs_scoped.yaml");
    assert_eq!(
        render(&path, Target::Falco, Mode::Strict),
        render(&path, Target::Falco, Mode::Strict)
    );
}
