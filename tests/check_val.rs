//! `val(field)` on the right of a comparison (libsinsp field-to-field comparison, Falco >= 0.38):
//! current Falco only, single-valued fields, false when either side is missing.

use pspconv::check::{self, condition, CheckOptions};
use pspconv::Target;

fn rules(cond: &str) -> String {
    format!(
        "- rule: r\n  desc: d\n  condition: ka.verb=create and {cond}\n  output: o\n  priority: WARNING\n  source: k8s_audit\n"
    )
}

fn fires(cond: &str, spec: &str) -> bool {
    let set = check::load(&rules(cond), "r.yaml", Target::Falco).unwrap();
    let event = format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","auditID":"a","stage":"ResponseComplete","verb":"create","objectRef":{{"resource":"pods","namespace":"default"}},"requestObject":{{"kind":"Pod","spec":{spec}}},"stageTimestamp":"2024-01-01T00:00:00Z"}}"#
    );
    let summary = check::run(
        &set,
        event.as_bytes(),
        &CheckOptions::default(),
        &mut Vec::new(),
        &mut Vec::new(),
    )
    .unwrap();
    summary.fired()
}

const VOL: &str = "json.value[/requestObject/spec/volumes/0/name]";
const MOUNT: &str = "json.value[/requestObject/spec/containers/0/volumeMounts/0/name]";

#[test]
fn equal_fields_compare_equal() {
    let spec = r#"{"volumes":[{"name":"etc"}],"containers":[{"name":"a","volumeMounts":[{"name":"etc"}]}]}"#;
    assert!(fires(&format!("{MOUNT} = val({VOL})"), spec));
    assert!(!fires(&format!("{MOUNT} != val({VOL})"), spec));
}

#[test]
fn different_fields_compare_different() {
    let spec = r#"{"volumes":[{"name":"etc"}],"containers":[{"name":"a","volumeMounts":[{"name":"data"}]}]}"#;
    assert!(!fires(&format!("{MOUNT} = val({VOL})"), spec));
    assert!(fires(&format!("{MOUNT} != val({VOL})"), spec));
    assert!(fires(
        &format!("{MOUNT} startswith val(json.value[/requestObject/spec/containers/0/name])")
            .replace("containers/0/name", "containers/0/name"),
        r#"{"containers":[{"name":"da","volumeMounts":[{"name":"data"}]}]}"#
    ));
}

#[test]
fn a_missing_side_makes_the_comparison_false() {
    let spec = r#"{"containers":[{"name":"a","volumeMounts":[{"name":"etc"}]}]}"#;
    assert!(!fires(&format!("{MOUNT} = val({VOL})"), spec));
    assert!(!fires(&format!("{MOUNT} != val({VOL})"), spec));
    assert!(!fires(&format!("{VOL} = val({MOUNT})"), spec));
}

#[test]
fn val_parses_renders_and_is_refused_where_falco_refuses_it() {
    let e = condition::parse(&format!("{MOUNT} = val({VOL})")).unwrap();
    assert_eq!(condition::parse(&condition::render(&e)).unwrap(), e);
    assert!(check::load(
        &rules(&format!("{MOUNT} = val({VOL})")),
        "r",
        Target::Legacy
    )
    .is_err());
    assert!(check::load(
        &rules(&format!("{MOUNT} = val(ka.req.pod.containers.image)")),
        "r",
        Target::Falco
    )
    .is_err());
    assert!(check::load(
        &rules(&format!("{MOUNT} = val(no.such.field)")),
        "r",
        Target::Falco
    )
    .is_err());
    assert!(condition::parse(&format!("{MOUNT} = tolower({VOL})")).is_err());
}
