//! Modern (`falco` target) semantics, one test per row of research §7: conditions replayed on
//! Falco 0.44.1 with k8saudit 0.18.0 and json 0.7.4, with the outcome Falco gave.

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::Target;

const VANILLA: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/falco-psp-tests/trace_files/psp/create_vanilla_nginx_deployment.json"
);

fn event(spec: &str, annotations: &str) -> String {
    format!(
        r#"{{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"RequestResponse","auditID":"c1","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/default/pods","verb":"create","user":{{"username":"alice"}},"objectRef":{{"resource":"pods","namespace":"default","name":"p","apiVersion":"v1"}},"responseStatus":{{"code":201}},"requestObject":{{"kind":"Pod","apiVersion":"v1","metadata":{{"name":"p","annotations":{annotations}}},"spec":{spec}}},"responseObject":{{"metadata":{{"name":"p"}}}},"requestReceivedTimestamp":"2026-11-28T10:00:00.000000Z","stageTimestamp":"2026-11-28T10:00:00.000000Z"}}"#
    )
}

/// The first crafted pod of §7.
fn crafted() -> String {
    event(
        r#"{"securityContext":{"runAsUser":1000},"containers":[{"name":"app","image":"registry.local:5000/team/app:1","securityContext":{"readOnlyRootFilesystem":true,"runAsUser":30,"capabilities":{"add":["SYS_TIME","NET_ADMIN"]}},"ports":[{"containerPort":80}]},{"name":"nginx","image":"nginx"}],"volumes":[{"name":"etc","hostPath":{"path":"/etc"}}]}"#,
        r#"{"seccomp.security.alpha.kubernetes.io/pod":"runtime/default"}"#,
    )
}

/// The building-blocks pod of §7: init container `i` {}, containers a and b, pod runAsUser 1500.
fn blocks() -> String {
    event(
        r#"{"securityContext":{"runAsUser":1500},"initContainers":[{"name":"i","image":"busybox"}],"containers":[{"name":"a","image":"nginx","securityContext":{"readOnlyRootFilesystem":true,"runAsUser":30}},{"name":"b","image":"nginx"}]}"#,
        "{}",
    )
}

fn fires(cond: &str, ev: &str) -> bool {
    let rules = format!(
        "- rule: r\n  desc: d\n  condition: {}\n  output: o\n  priority: WARNING\n  source: k8s_audit\n",
        serde_json::to_string(&format!("ka.verb=create and {cond}")).unwrap()
    );
    let rs = check::load(&rules, "t", Target::Falco).unwrap_or_else(|e| panic!("{cond}: {e}"));
    let opts = CheckOptions {
        target: Target::Falco,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run(&rs, ev.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    assert_eq!(s.invalid_events, 0, "{}", String::from_utf8_lossy(&diag));
    s.alerts == 1
}

fn vanilla() -> String {
    std::fs::read_to_string(VANILLA).unwrap()
}

fn row(cond: &str, crafted_fires: bool, vanilla_fires: bool) {
    assert_eq!(fires(cond, &crafted()), crafted_fires, "crafted: {cond}");
    assert_eq!(fires(cond, &vanilla()), vanilla_fires, "vanilla: {cond}");
}

#[test]
fn unset_read_only_fs_is_invisible() {
    row(
        "not ka.req.pod.containers.read_only_fs in (true)",
        false,
        true,
    );
}

#[test]
fn eff_run_as_user_is_always_zero() {
    row(
        "ka.req.pod.containers.eff_run_as_user intersects (0)",
        true,
        true,
    );
    row(
        "ka.req.pod.containers.eff_run_as_user intersects (30)",
        false,
        false,
    );
}

#[test]
fn add_capabilities_is_one_json_string_per_container() {
    row(
        r#"ka.req.pod.containers.add_capabilities intersects ('["SYS_TIME","NET_ADMIN"]')"#,
        true,
        false,
    );
    row(
        "ka.req.pod.containers.add_capabilities intersects (SYS_TIME)",
        false,
        false,
    );
}

#[test]
fn image_repository_cuts_at_first_colon() {
    row(
        "ka.req.pod.containers.image.repository intersects (registry.local)",
        true,
        false,
    );
}

#[test]
fn host_port_falls_back_to_container_port() {
    row(
        "ka.req.pod.containers.host_port intersects (80)",
        true,
        false,
    );
}

#[test]
fn json_value_pointers() {
    row(
        "json.value[/requestObject/spec/containers/0/securityContext/readOnlyRootFilesystem]=true",
        true,
        false,
    );
    row(
        "json.value[/requestObject/spec/containers/0/securityContext/runAsUser] regex '[0-9]{2}'",
        true,
        false,
    );
    row(
        "json.value[/requestObject/spec/containers/1/securityContext/runAsUser] exists",
        false,
        false,
    );
    row(
        "not json.value[/requestObject/spec/containers/1/securityContext/runAsUser]=5",
        true,
        true,
    );
    row(
        "json.value[/requestObject/spec/volumes/0/hostPath/path] pmatch (/etc)",
        true,
        false,
    );
    row("json.value[/requestObject/metadata/annotations/seccomp.security.alpha.kubernetes.io~1pod]=runtime/default", true, false);
    row(
        r#"json.value[/requestObject/spec/containers/0/securityContext/capabilities/add]='["SYS_TIME","NET_ADMIN"]'"#,
        true,
        false,
    );
}

#[test]
fn greater_than_compares_strings() {
    row(
        "json.value[/requestObject/spec/securityContext/runAsUser] > 999",
        false,
        false,
    );
}

const R: &str = "json.value[/requestObject/spec";

fn block(cond: &str) -> bool {
    fires(
        &cond
            .replace("R/", &format!("{R}/"))
            .replace("R]", &format!("{R}]")),
        &blocks(),
    )
}

#[test]
fn regex_is_a_full_match_and_anchors_are_allowed() {
    assert!(!block(
        "R/containers/0/securityContext/runAsUser] regex '[0-9]'"
    ));
    assert!(block(
        "R/containers/0/securityContext/runAsUser] regex '^3[0-9]$'"
    ));
}

#[test]
fn per_index_read_only_checks() {
    let c = |list: &str, i: usize| {
        format!("R/{list}/{i}/name] exists and not R/{list}/{i}/securityContext/readOnlyRootFilesystem]=true")
    };
    assert!(block(&c("containers", 1)));
    assert!(!block(&c("containers", 0)));
    assert!(block(&c("initContainers", 0)));
}

#[test]
fn index_bounds_guard() {
    assert!(!block("R/containers/2] exists"));
    assert!(block("R/containers/1] exists"));
}

#[test]
fn pod_level_fallback() {
    assert!(block("R/containers/1/name] exists and not R/containers/1/securityContext/runAsUser] exists and R/securityContext/runAsUser] regex '1[0-9]{3}'"));
}

#[test]
fn image_in_and_startswith() {
    assert!(block("R/containers/0/image] in (nginx, busybox)"));
    assert!(block("R/containers/0/image] startswith 'ngi'"));
}

#[test]
fn init_and_ephemeral_container_fields() {
    assert!(fires(
        "ka.req.pod.initContainers.image intersects (busybox)",
        &blocks()
    ));
    assert!(!fires(
        "ka.req.pod.ephemeralContainers.image exists",
        &blocks()
    ));
    assert!(fires(
        "ka.req.pod.containers.name[1] intersects (b)",
        &blocks()
    ));
    // An index arg keeps the field list-typed.
    let rules = "- rule: r\n  desc: d\n  condition: ka.req.pod.containers.image[0] startswith ngi\n  output: o\n  priority: WARNING\n  source: k8s_audit\n";
    let e = check::load(rules, "t", Target::Falco).unwrap_err();
    assert!(
        e.message
            .contains("'startswith' operator not supported list filters"),
        "{e}"
    );
}
