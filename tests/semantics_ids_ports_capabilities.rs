//! What the hostPorts, capability, runAsUser/runAsGroup, supplementalGroups and fsGroup rules
//! mean: each case converts a PSP, runs the K8s audit rules through `check` (exact plugin or
//! legacy semantics) on a pod-create audit event, and asserts whether the property's rule fires
//! in `admission`, `declared` and `strict` mode, for both targets.

mod common;

use common::{alerts_on, container_with, native, pod_event, policy_yaml};
use pspconv::check::load;
use pspconv::convert::{convert, Bounds, Mode, Options, Sources};
use pspconv::psp::load_policies;
use pspconv::Target;
use serde_json::{json, Value};

const MODES: [Mode; 3] = [Mode::Admission, Mode::Declared, Mode::Strict];

/// A successful pod creation, as the API server audits it.
fn audit_event(spec: &Value) -> String {
    pod_event(spec.clone(), json!({"name": "p"}))
}

/// Alerts per rule name for `events` (JSON lines) under the converted `psp`.
fn alerts(psp: &str, target: Target, mode: Mode, events: &str) -> Vec<(String, u64)> {
    let loaded = load_policies(psp, "psp.yaml").expect("psp loads");
    let opts = Options {
        target,
        mode,
        sources: Sources::K8sAudit,
        // Small bounds keep the rules quick to load; no test pod exceeds them.
        bounds: Bounds {
            containers: 3,
            volumes: 4,
            per_container: 3,
        },
        ..Options::default()
    };
    let conv = convert(&loaded.policies, &opts).expect("psp converts");
    // `load` asserts SPEC §3: current-Falco output loads without warnings.
    alerts_on(&common::load(&conv.text, target), target, events)
}

fn psp(spec: &str) -> String {
    policy_yaml("t", "", spec)
}

/// Asserts, for both targets, whether `PSP t Violation (<label>) K8s Audit` fires on a pod with
/// `spec`, in admission, declared and strict mode.
#[track_caller]
fn case(policy: &str, label: &str, spec: Value, expect: [bool; 3]) {
    let rule = format!("PSP t Violation ({label}) K8s Audit");
    let event = audit_event(&spec);
    for target in [Target::Falco, Target::Legacy] {
        for (mode, want) in MODES.iter().zip(expect) {
            let per_rule = alerts(policy, target, *mode, &event);
            let got = per_rule.iter().any(|(r, n)| *r == rule && *n > 0);
            assert_eq!(
                got,
                want,
                "{rule}: target {} mode {}: pod {spec}",
                target.name(),
                mode.name()
            );
        }
    }
    for (mode, want) in MODES.iter().zip(expect) {
        let got = native::violated_by_event(policy, *mode, &event).contains(&label.to_string());
        assert_eq!(
            got,
            want,
            "native {label}: mode {}: pod {spec}",
            mode.name()
        );
    }
}

const ALL: [bool; 3] = [true, true, true];
const NONE: [bool; 3] = [false, false, false];
/// Only PSP's defaulting saves the pod: declared and strict fire, admission does not.
const DECLARED: [bool; 3] = [false, true, true];
/// PSP's defaults forbid it, the policy text does not mention it.
const ADMISSION: [bool; 3] = [true, false, true];

fn c(name: &str, extra: Value) -> Value {
    container_with(name, extra)
}

#[test]
fn host_ports_ranges() {
    let p = psp("  hostPorts:\n  - {min: 80, max: 80}\n  - {min: 8000, max: 8080}");
    let port = |hp: Option<u32>, cp: u32| match hp {
        Some(h) => json!({"ports": [{"containerPort": cp, "hostPort": h}]}),
        None => json!({"ports": [{"containerPort": cp}]}),
    };
    let ok = json!({"containers": [c("a", port(Some(8080), 8080)), c("b", port(Some(80), 80))]});
    case(&p, "hostPorts", ok, NONE);
    let second =
        json!({"containers": [c("a", port(Some(80), 80)), c("b", port(Some(9000), 9000))]});
    case(&p, "hostPorts", second, ALL);
    let init =
        json!({"initContainers": [c("i", port(Some(22), 22))], "containers": [c("a", json!({}))]});
    case(&p, "hostPorts", init, ALL);
    let eph = json!({"containers": [c("a", json!({}))], "ephemeralContainers": [c("e", port(Some(7999), 7999))]});
    case(&p, "hostPorts", eph, ALL);
    // A containerPort alone is not a host port, nor is hostPort 0...
    let plain = json!({"containers": [c("a", port(None, 22)), c("b", port(Some(0), 23))]});
    case(&p, "hostPorts", plain, NONE);
    // ...except under hostNetwork, where the API server makes it one.
    let hn = json!({"hostNetwork": true, "containers": [c("a", port(None, 22))]});
    case(&p, "hostPorts", hn, ALL);
    let hn_ok = json!({"hostNetwork": true, "containers": [c("a", port(None, 8000))]});
    case(&p, "hostPorts", hn_ok, NONE);
    let second_port = json!({"containers": [c("a", json!({"ports": [
        {"containerPort": 80, "hostPort": 80}, {"containerPort": 443, "hostPort": 443}]}))]});
    case(&p, "hostPorts", second_port, ALL);
    // Numbers compare as numbers: 800 is not 80, 8 is not 8000.
    for bad in [800, 8, 8081, 65535] {
        let spec = json!({"containers": [c("a", port(Some(bad), bad))]});
        case(&p, "hostPorts", spec, ALL);
    }
}

#[test]
fn host_ports_empty_and_absent() {
    let empty = psp("  hostPorts: []");
    let hp =
        json!({"containers": [c("a", json!({"ports": [{"containerPort": 80, "hostPort": 80}]}))]});
    case(&empty, "hostPorts", hp.clone(), ALL);
    case(
        &empty,
        "hostPorts",
        json!({"containers": [c("a", json!({}))]}),
        NONE,
    );
    let absent = psp("  privileged: false");
    case(&absent, "hostPorts", hp, ADMISSION);
}

#[test]
fn allowed_capabilities() {
    let p = psp("  allowedCapabilities: [NET_ADMIN]\n  defaultAddCapabilities: [SYS_TIME]");
    let add = |caps: &[&str]| json!({"securityContext": {"capabilities": {"add": caps}}});
    case(
        &p,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["NET_ADMIN", "SYS_TIME"]))]}),
        NONE,
    );
    case(
        &p,
        "allowedCapabilities",
        json!({"containers": [c("a", json!({}))]}),
        NONE,
    );
    // Case-sensitive, no CAP_ prefix folding.
    case(
        &p,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["net_admin"]))]}),
        ALL,
    );
    case(
        &p,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["CAP_NET_ADMIN"]))]}),
        ALL,
    );
    let second = json!({"containers": [c("a", add(&["NET_ADMIN"])), c("b", add(&["SYS_TIME", "SYS_NICE"]))]});
    case(&p, "allowedCapabilities", second, ALL);
    let init =
        json!({"initContainers": [c("i", add(&["SYS_ADMIN"]))], "containers": [c("a", json!({}))]});
    case(&p, "allowedCapabilities", init, ALL);

    let wildcard = psp("  allowedCapabilities: ['*']");
    case(
        &wildcard,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["SYS_ADMIN"]))]}),
        NONE,
    );

    // Absent allowedCapabilities: admission allows only the default adds; declared checks nothing.
    let defaults = psp("  defaultAddCapabilities: [CHOWN]");
    case(
        &defaults,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["CHOWN"]))]}),
        NONE,
    );
    case(
        &defaults,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["NET_RAW"]))]}),
        ADMISSION,
    );

    // An element spelled to look like two allowed ones is still one unknown capability.
    let fake = json!({"containers": [c("a", add(&["NET_ADMIN\",\"SYS_TIME"]))]});
    case(&p, "allowedCapabilities", fake, ALL);

    // A list too long for one regex falls back to per-index checks.
    let many: Vec<String> = (0..30)
        .map(|i| format!("CUSTOM_CAPABILITY_{i:02}"))
        .collect();
    let long = psp(&format!("  allowedCapabilities: [{}]", many.join(", ")));
    case(
        &long,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["CUSTOM_CAPABILITY_29"]))]}),
        NONE,
    );
    case(
        &long,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["CUSTOM_CAPABILITY_29", "SYS_ADMIN"]))]}),
        ALL,
    );

    let empty = psp("  allowedCapabilities: []");
    case(
        &empty,
        "allowedCapabilities",
        json!({"containers": [c("a", add(&["CHOWN"]))]}),
        ALL,
    );
    case(
        &empty,
        "allowedCapabilities",
        json!({"containers": [c("a", json!({"securityContext": {"capabilities": {"add": []}}}))]}),
        NONE,
    );
}

#[test]
fn required_drop_capabilities() {
    let p = psp("  requiredDropCapabilities: [NET_RAW]");
    let caps = |add: &[&str], drop: &[&str]| json!({"securityContext": {"capabilities": {"add": add, "drop": drop}}});
    let label = "requiredDropCapabilities";
    case(
        &p,
        label,
        json!({"containers": [c("a", caps(&["NET_RAW"], &["NET_RAW"]))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", caps(&[], &["NET_RAW"]))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", caps(&[], &["CHOWN", "ALL"]))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", json!({}))]}),
        DECLARED,
    );
    let second = json!({"containers": [c("a", caps(&[], &["NET_RAW"])), c("b", caps(&[], &["NET_RAW_X", "XNET_RAW"]))]});
    case(&p, label, second, DECLARED);
    let init =
        json!({"initContainers": [c("i", json!({}))], "containers": [c("a", caps(&[], &["ALL"]))]});
    case(&p, label, init, DECLARED);
}

#[test]
fn run_as_user_must_run_as() {
    let p = psp("  runAsUser:\n    rule: MustRunAs\n    ranges: [{min: 1000, max: 1999}]");
    let label = "runAsUser=MustRunAs";
    let uid = |u: u64| json!({"securityContext": {"runAsUser": u}});
    case(&p, label, json!({"containers": [c("a", uid(1500))]}), NONE);
    case(&p, label, json!({"containers": [c("a", uid(2000))]}), ALL);
    case(&p, label, json!({"containers": [c("a", uid(999))]}), ALL);
    case(&p, label, json!({"containers": [c("a", uid(10000))]}), ALL);
    case(
        &p,
        label,
        json!({"securityContext": {"runAsUser": 1500}, "containers": [c("a", json!({}))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsUser": 500}, "containers": [c("a", json!({}))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsUser": 500}, "containers": [c("a", uid(1000))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsUser": 1000}, "containers": [c("a", uid(0))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", json!({}))]}),
        DECLARED,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", uid(1500)), c("b", json!({}))]}),
        DECLARED,
    );
    let init = json!({"initContainers": [c("i", uid(0))], "containers": [c("a", uid(1500))]});
    case(&p, label, init, ALL);

    let wide =
        psp("  runAsUser:\n    rule: MustRunAs\n    ranges: [{min: 100000, max: 4294967295}]");
    case(
        &wide,
        label,
        json!({"containers": [c("a", uid(4294967295))]}),
        NONE,
    );
    case(
        &wide,
        label,
        json!({"containers": [c("a", uid(99999))]}),
        ALL,
    );
}

#[test]
fn run_as_user_non_root() {
    let p = psp("  runAsUser:\n    rule: MustRunAsNonRoot");
    let label = "runAsUser=MustRunAsNonRoot";
    let sc = |v: Value| json!({"securityContext": v});
    case(
        &p,
        label,
        json!({"containers": [c("a", sc(json!({"runAsUser": 0})))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", sc(json!({"runAsUser": 1000})))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsUser": 0}, "containers": [c("a", json!({}))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsUser": 0}, "containers": [c("a", sc(json!({"runAsUser": 1000})))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsNonRoot": false}, "containers": [c("a", json!({}))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", sc(json!({"runAsNonRoot": false, "runAsUser": 1000})))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", sc(json!({"runAsNonRoot": true, "runAsUser": 0})))]}),
        ALL,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", sc(json!({"runAsNonRoot": true})))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"securityContext": {"runAsNonRoot": true}, "containers": [c("a", json!({}))]}),
        NONE,
    );
    case(
        &p,
        label,
        json!({"containers": [c("a", json!({}))]}),
        DECLARED,
    );
    let second =
        json!({"containers": [c("a", sc(json!({"runAsNonRoot": true}))), c("b", json!({}))]});
    case(&p, label, second, DECLARED);
}

#[test]
fn run_as_group() {
    let must = psp("  runAsGroup:\n    rule: MustRunAs\n    ranges: [{min: 30, max: 40}]");
    let may = psp("  runAsGroup:\n    rule: MayRunAs\n    ranges: [{min: 30, max: 40}]");
    let gid = |g: u64| json!({"securityContext": {"runAsGroup": g}});
    for (p, label, unset) in [
        (&must, "runAsGroup=MustRunAs", DECLARED),
        (&may, "runAsGroup=MayRunAs", NONE),
    ] {
        case(p, label, json!({"containers": [c("a", gid(35))]}), NONE);
        case(p, label, json!({"containers": [c("a", gid(4))]}), ALL);
        case(p, label, json!({"containers": [c("a", gid(400))]}), ALL);
        case(
            p,
            label,
            json!({"securityContext": {"runAsGroup": 1000}, "containers": [c("a", gid(30))]}),
            NONE,
        );
        case(
            p,
            label,
            json!({"securityContext": {"runAsGroup": 1000}, "containers": [c("a", json!({}))]}),
            ALL,
        );
        case(p, label, json!({"containers": [c("a", json!({}))]}), unset);
        let eph =
            json!({"containers": [c("a", gid(30))], "ephemeralContainers": [c("e", gid(41))]});
        case(p, label, eph, ALL);
    }
}

#[test]
fn supplemental_groups() {
    let must = psp("  supplementalGroups:\n    rule: MustRunAs\n    ranges: [{min: 10, max: 20}, {min: 100, max: 100}]");
    let may = psp("  supplementalGroups:\n    rule: MayRunAs\n    ranges: [{min: 10, max: 20}, {min: 100, max: 100}]");
    let groups = |g: Value| json!({"securityContext": {"supplementalGroups": g}, "containers": [c("a", json!({}))]});
    for (p, label, unset) in [
        (&must, "supplementalGroups=MustRunAs", DECLARED),
        (&may, "supplementalGroups=MayRunAs", NONE),
    ] {
        case(p, label, groups(json!([10, 20, 100])), NONE);
        case(p, label, groups(json!([10, 21])), ALL);
        case(p, label, groups(json!([1, 15])), ALL);
        case(p, label, groups(json!([1000])), ALL);
        case(p, label, groups(json!([200, 15, 10])), ALL);
        case(p, label, groups(json!([])), unset);
        case(p, label, json!({"containers": [c("a", json!({}))]}), unset);
    }
}

#[test]
fn fs_group() {
    let must = psp("  fsGroup:\n    rule: MustRunAs\n    ranges: [{min: 30, max: 40}]");
    let may = psp("  fsGroup:\n    rule: MayRunAs\n    ranges: [{min: 30, max: 40}]");
    let fs = |g: u64| json!({"securityContext": {"fsGroup": g}, "containers": [c("a", json!({}))]});
    for (p, label, unset) in [
        (&must, "fsGroup=MustRunAs", DECLARED),
        (&may, "fsGroup=MayRunAs", NONE),
    ] {
        case(p, label, fs(30), NONE);
        case(p, label, fs(2000), ALL);
        case(p, label, fs(3), ALL);
        case(
            p,
            label,
            json!({"securityContext": {}, "containers": [c("a", json!({}))]}),
            unset,
        );
    }
    let any = psp("  fsGroup:\n    rule: RunAsAny");
    case(&any, "fsGroup=RunAsAny", fs(2000), NONE);
}

/// Falco's own PSP suite (SPEC §7), the cases of these properties: in `declared` and `strict`
/// mode, both targets, exactly the expected rule fires, once. (Falco's names lack " K8s Audit"
/// for some properties; ours always have it.)
#[test]
fn falco_psp_suite_cases() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/falco-psp-tests");
    let cases: &[(&str, &str, Option<&str>)] = &[
        ("host_network_ports", "host_network_ports", Some("PSP host_ports_100_200_only Violation (hostPorts)")),
        ("host_network_ports", "create_vanilla_nginx_deployment", None),
        ("fs_group_must_run_as", "create_vanilla_nginx_deployment", Some("PSP fs_group_must_run_as_30 Violation (fsGroup)")),
        ("fs_group_must_run_as", "fs_group", Some("PSP fs_group_must_run_as_30 Violation (fsGroup)")),
        ("fs_group_may_run_as", "fs_group", Some("PSP fs_group_may_run_as_30 Violation (fsGroup)")),
        ("fs_group_may_run_as", "create_vanilla_nginx_deployment", None),
        ("fs_group_run_as_any", "fs_group", None),
        ("fs_group_run_as_any", "create_vanilla_nginx_deployment", None),
        ("user_must_run_as", "create_vanilla_nginx_deployment", Some("PSP user_must_run_as_30 Violation (runAsUser=MustRunAs) K8s Audit")),
        ("user_must_run_as", "run_as_user_1000_container", Some("PSP user_must_run_as_30 Violation (runAsUser=MustRunAs) K8s Audit")),
        ("user_must_run_as", "run_as_user_30_container", None),
        ("user_must_run_as", "run_as_user_1000_sec_ctx", Some("PSP user_must_run_as_30 Violation (runAsUser=MustRunAs) K8s Audit")),
        ("user_must_run_as", "run_as_user_30_sec_ctx", None),
        ("user_must_run_as", "run_as_user_30_sec_ctx_1000_container", Some("PSP user_must_run_as_30 Violation (runAsUser=MustRunAs) K8s Audit")),
        ("user_must_run_as", "run_as_user_1000_sec_ctx_30_container", None),
        ("user_must_run_as_non_root", "run_as_user_0_container", Some("PSP user_must_run_as_non_root Violation (runAsUser=MustRunAsNonRoot) K8s Audit")),
        ("user_must_run_as_non_root", "run_as_user_1000_container", None),
        ("user_must_run_as_non_root", "run_as_user_0_sec_ctx", Some("PSP user_must_run_as_non_root Violation (runAsUser=MustRunAsNonRoot) K8s Audit")),
        ("user_must_run_as_non_root", "run_as_user_1000_sec_ctx", None),
        ("user_must_run_as_non_root", "run_as_user_1000_sec_ctx_0_container", Some("PSP user_must_run_as_non_root Violation (runAsUser=MustRunAsNonRoot) K8s Audit")),
        ("user_must_run_as_non_root", "run_as_user_0_sec_ctx_1000_container", None),
        ("group_must_run_as", "create_vanilla_nginx_deployment", Some("PSP group_must_run_as_30 Violation (runAsGroup=MustRunAs) K8s Audit")),
        ("group_must_run_as", "run_as_group_1000_container", Some("PSP group_must_run_as_30 Violation (runAsGroup=MustRunAs) K8s Audit")),
        ("group_must_run_as", "run_as_group_30_container", None),
        ("group_must_run_as", "run_as_group_1000_sec_ctx", Some("PSP group_must_run_as_30 Violation (runAsGroup=MustRunAs) K8s Audit")),
        ("group_must_run_as", "run_as_group_30_sec_ctx", None),
        ("group_must_run_as", "run_as_group_30_sec_ctx_1000_container", Some("PSP group_must_run_as_30 Violation (runAsGroup=MustRunAs) K8s Audit")),
        ("group_must_run_as", "run_as_group_1000_sec_ctx_30_container", None),
        ("group_may_run_as", "create_vanilla_nginx_deployment", None),
        ("group_may_run_as", "run_as_group_1000_container", Some("PSP group_may_run_as_30 Violation (runAsGroup=MayRunAs)")),
        ("group_may_run_as", "run_as_group_30_container", None),
        ("group_may_run_as", "run_as_group_1000_sec_ctx", Some("PSP group_may_run_as_30 Violation (runAsGroup=MayRunAs)")),
        ("group_may_run_as", "run_as_group_30_sec_ctx", None),
        ("group_may_run_as", "run_as_group_30_sec_ctx_1000_container", Some("PSP group_may_run_as_30 Violation (runAsGroup=MayRunAs)")),
        ("group_may_run_as", "run_as_group_1000_sec_ctx_30_container", None),
        ("supplemental_groups_must_run_as_30_40", "create_vanilla_nginx_deployment", Some("PSP supplemental_groups_must_run_as_30 Violation (supplementalGroups=MustRunAs)")),
        ("supplemental_groups_must_run_as_30_40", "supplemental_groups_10_20", Some("PSP supplemental_groups_must_run_as_30 Violation (supplementalGroups=MustRunAs)")),
        ("supplemental_groups_must_run_as_30_40_10_15", "supplemental_groups_10_20", Some("PSP supplemental_groups_must_run_as_30_10 Violation (supplementalGroups=MustRunAs)")),
        ("supplemental_groups_must_run_as_10_20", "supplemental_groups_10_20", None),
        ("supplemental_groups_must_run_as_10_40_10_20", "supplemental_groups_10_20", None),
        ("supplemental_groups_may_run_as_30_40", "create_vanilla_nginx_deployment", None),
        ("supplemental_groups_may_run_as_30_40", "supplemental_groups_10_20", Some("PSP supplemental_groups_may_run_as_30 Violation (supplementalGroups=MayRunAs)")),
        ("supplemental_groups_may_run_as_30_40_10_15", "supplemental_groups_10_20", Some("PSP supplemental_groups_may_run_as_30_10 Violation (supplementalGroups=MayRunAs)")),
        ("supplemental_groups_may_run_as_10_20", "supplemental_groups_10_20", None),
        ("supplemental_groups_may_run_as_10_40_10_20", "supplemental_groups_10_20", None),
        ("allowed_capabilities", "capability_add_sys_time", Some("PSP allow_capability_sys_nice Violation (allowedCapabilities)")),
        ("allowed_capabilities", "create_vanilla_nginx_deployment", None),
        ("allowed_capabilities", "capability_add_sys_nice", None),
    ];
    // Our rule names: Falco's, with " K8s Audit" and with `=<rule>` for fsGroup.
    let ours = |falco: &str| {
        let mut name = falco.trim_end_matches(" K8s Audit").to_string();
        if name.ends_with("(fsGroup)") {
            name = name.replace("(fsGroup)", "(fsGroup=");
        }
        name
    };
    let mine = [
        "(hostPorts",
        "(allowedCapabilities",
        "(requiredDropCapabilities",
        "(runAsUser=",
        "(runAsGroup=",
        "(supplementalGroups=",
        "(fsGroup=",
    ];
    for (psp_file, trace, expected) in cases {
        let policy = std::fs::read_to_string(format!("{dir}/psps/{psp_file}.yaml")).unwrap();
        let events =
            std::fs::read_to_string(format!("{dir}/trace_files/psp/{trace}.json")).unwrap();
        for target in [Target::Falco, Target::Legacy] {
            for mode in [Mode::Declared, Mode::Strict] {
                let fired: Vec<(String, u64)> = alerts(&policy, target, mode, &events)
                    .into_iter()
                    .filter(|(r, n)| *n > 0 && mine.iter().any(|m| r.contains(m)))
                    .collect();
                let want: Vec<String> = expected.iter().map(|e| ours(e)).collect();
                let ok = fired.len() == want.len()
                    && fired.iter().zip(&want).all(|((r, n), w)| {
                        *n == 1 && r.starts_with(w.as_str()) && r.ends_with(" K8s Audit")
                    });
                assert!(
                    ok,
                    "{psp_file} on {trace}, target {} mode {}: fired {fired:?}, expected {want:?}",
                    target.name(),
                    mode.name()
                );
            }
        }
    }
}

/// Every rule of these properties, syscall ones included, loads in both targets (current
/// Falco: without warnings), in every mode.
#[test]
fn all_sources_load() {
    let policy = psp(concat!(
        "  hostPorts: [{min: 80, max: 80}]\n",
        "  allowedCapabilities: [NET_BIND_SERVICE]\n",
        "  defaultAddCapabilities: [CHOWN]\n",
        "  requiredDropCapabilities: [ALL]\n",
        "  runAsUser: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}, {min: 5, max: 5}]}\n",
        "  runAsGroup: {rule: MustRunAs, ranges: [{min: 1000, max: 2000}]}\n",
        "  supplementalGroups: {rule: MayRunAs, ranges: [{min: 1, max: 65535}]}\n",
        "  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}",
    ));
    let loaded = load_policies(&policy, "psp.yaml").unwrap();
    for target in [Target::Falco, Target::Legacy] {
        for mode in MODES {
            let opts = Options {
                target,
                mode,
                ..Options::default()
            };
            let conv = convert(&loaded.policies, &opts).unwrap();
            for needle in [
                "(runAsUser=MustRunAs) System Activity",
                "(runAsGroup=MustRunAs) System Activity",
            ] {
                assert!(conv.text.contains(needle), "{needle} missing");
            }
            let rules = load(&conv.text, "rules.yaml", target).unwrap();
            if target == Target::Falco {
                assert!(conv
                    .text
                    .contains("(requiredDropCapabilities) System Activity"));
                assert!(rules.warnings.is_empty(), "{:#?}", rules.warnings);
            }
        }
    }
}
