//! Legacy (`legacy` target) semantics: falcoctl's final template conditions (research §1.5)
//! run on Falco's own PSP regression traces must give the outcomes of Falco's PSP test matrix
//! (research §2.2), which ran on the built-in engine (`<NA>`, ranges, set semantics).

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::Target;

const TRACES: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/falco-psp-tests/trace_files/psp"
);

const HEADER: &str = r#"- required_engine_version: 5
- list: p_psp_images
  items: [nginx]
- macro: p_psp_ka_always_true
  condition: (jevt.rawtime exists)
- macro: p_psp_ka_enabled
  condition: (p_psp_ka_always_true)
- macro: p_psp_kevt
  condition: (jevt.value[/stage] in ("ResponseComplete"))
- macro: p_psp_ka_pod
  condition: (ka.target.resource=pods and not ka.target.subresource exists)
- macro: p_psp_ka_container
  condition: (p_psp_ka_enabled and p_psp_kevt and p_psp_ka_pod and ka.verb=create and ka.req.pod.containers.image.repository in (p_psp_images))
"#;

fn fires(cond: &str, trace: &str) -> bool {
    let rules = format!(
        "{HEADER}- rule: r\n  desc: d\n  condition: {}\n  output: o %ka.req.pod.containers.image\n  priority: WARNING\n  source: k8s_audit\n",
        serde_json::to_string(&format!("p_psp_ka_container and {cond}")).unwrap()
    );
    let rs = check::load(&rules, "t", Target::Legacy).unwrap_or_else(|e| panic!("{cond}: {e}"));
    let ev = std::fs::read_to_string(format!("{TRACES}/{trace}.json")).unwrap();
    let opts = CheckOptions {
        target: Target::Legacy,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run(&rs, ev.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    assert_eq!(
        (s.events, s.invalid_events),
        (1, 0),
        "{}",
        String::from_utf8_lossy(&diag)
    );
    s.alerts == 1
}

fn cases(cond: &str, expected: &[(&str, bool)]) {
    for (trace, want) in expected {
        assert_eq!(fires(cond, trace), *want, "{trace}: {cond}");
    }
}

const VANILLA: &str = "create_vanilla_nginx_deployment";

#[test]
fn privileged_and_host_namespaces() {
    cases(
        "ka.req.pod.containers.privileged intersects (true)",
        &[("privileged", true), (VANILLA, false)],
    );
    cases(
        "ka.req.pod.host_pid intersects (true)",
        &[("host_pid", true), (VANILLA, false)],
    );
    cases(
        "ka.req.pod.host_ipc intersects (true)",
        &[("host_ipc", true), (VANILLA, false)],
    );
    cases(
        "ka.req.pod.host_network intersects (true)",
        &[("host_network", true), (VANILLA, false)],
    );
}

#[test]
fn host_ports_ranges() {
    cases(
        r#"not ka.req.pod.containers.host_port in ("100:200","<NA>")"#,
        &[("host_network_ports", true), (VANILLA, false)],
    );
}

#[test]
fn volumes_host_paths_flex() {
    cases(
        r#"not ka.req.pod.volumes.volume_type in (secret,"<NA>")"#,
        &[("mount_etc_using_host_path", true), (VANILLA, false)],
    );
    // pmatch quirk: true only when every value is <NA>, so any hostPath fires.
    cases(
        r#"not ka.req.pod.volumes.hostpath pmatch (/usr,"<NA>")"#,
        &[("mount_etc_using_host_path", true), (VANILLA, false)],
    );
    cases(
        r#"not ka.req.pod.volumes.flexvolume_driver in (example/lvm,example/cifs,"<NA>")"#,
        &[("flex_volumes", true), (VANILLA, false)],
    );
}

#[test]
fn fs_group() {
    cases(
        r#"not ka.req.pod.fs_group in ("30:40")"#,
        &[(VANILLA, true), ("fs_group", true)],
    );
    cases(
        r#"not ka.req.pod.fs_group in ("30:40","<NA>")"#,
        &[("fs_group", true), (VANILLA, false)],
    );
    cases(
        "not (p_psp_ka_always_true)",
        &[("fs_group", false), (VANILLA, false)],
    );
}

#[test]
fn read_only_root_filesystem() {
    cases(
        "not ka.req.pod.containers.read_only_fs in (true)",
        &[(VANILLA, true), ("read_only_root_fs", false)],
    );
}

#[test]
fn run_as_user() {
    cases(
        r#"not (ka.req.pod.containers.eff_run_as_user in ("30:40"))"#,
        &[
            (VANILLA, true),
            ("run_as_user_1000_container", true),
            ("run_as_user_30_container", false),
            ("run_as_user_1000_sec_ctx", true),
            ("run_as_user_30_sec_ctx", false),
            ("run_as_user_30_sec_ctx_1000_container", true),
            ("run_as_user_1000_sec_ctx_30_container", false),
        ],
    );
    cases(
        r#"(ka.req.pod.containers.eff_run_as_user intersects ("0:0"))"#,
        &[
            ("run_as_user_0_container", true),
            ("run_as_user_1000_container", false),
            ("run_as_user_0_sec_ctx", true),
            ("run_as_user_1000_sec_ctx", false),
            ("run_as_user_1000_sec_ctx_0_container", true),
            ("run_as_user_0_sec_ctx_1000_container", false),
        ],
    );
}

#[test]
fn run_as_group() {
    let traces = |unset: bool| {
        [
            (VANILLA, unset),
            ("run_as_group_1000_container", true),
            ("run_as_group_30_container", false),
            ("run_as_group_1000_sec_ctx", true),
            ("run_as_group_30_sec_ctx", false),
            ("run_as_group_30_sec_ctx_1000_container", true),
            ("run_as_group_1000_sec_ctx_30_container", false),
        ]
    };
    cases(
        r#"not (ka.req.pod.containers.eff_run_as_group in ("30:40"))"#,
        &traces(true),
    );
    cases(
        r#"not ka.req.pod.containers.eff_run_as_group in ("30:40") and not (ka.req.pod.containers.run_as_group in ("<NA>") and ka.req.pod.run_as_group="<NA>")"#,
        &traces(false),
    );
}

#[test]
fn supplemental_groups() {
    let t = "supplemental_groups_10_20";
    cases(
        r#"not ka.req.pod.supplemental_groups in ("30:40")"#,
        &[(VANILLA, true), (t, true)],
    );
    cases(
        r#"not ka.req.pod.supplemental_groups in ("30:40","10:15")"#,
        &[(t, true)],
    );
    cases(
        r#"not ka.req.pod.supplemental_groups in ("10:20")"#,
        &[(t, false)],
    );
    cases(
        r#"not ka.req.pod.supplemental_groups in ("10:40","10:20")"#,
        &[(t, false)],
    );
    cases(
        r#"not ka.req.pod.supplemental_groups in ("30:40","<NA>")"#,
        &[(VANILLA, false), (t, true)],
    );
    cases(
        r#"not ka.req.pod.supplemental_groups in ("30:40","10:15","<NA>")"#,
        &[(t, true)],
    );
    cases(
        r#"not ka.req.pod.supplemental_groups in ("10:20","<NA>")"#,
        &[(t, false)],
    );
}

#[test]
fn escalation_capabilities_proc_mount() {
    cases(
        "(ka.req.pod.containers.allow_privilege_escalation intersects (true))",
        &[("privilege_escalation", true), (VANILLA, false)],
    );
    cases(
        r#"not ka.req.pod.containers.add_capabilities in (SYS_NICE,"<NA>")"#,
        &[
            ("capability_add_sys_time", true),
            (VANILLA, false),
            ("capability_add_sys_nice", false),
        ],
    );
    cases(
        r#"not ka.req.pod.containers.proc_mount in (Default,"<NA>")"#,
        &[
            ("proc_mount_type_unmasked", true),
            (VANILLA, false),
            ("proc_mount_type_default", false),
        ],
    );
}
