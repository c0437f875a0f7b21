//! The plugin through the Falco plugin API, in `falco_plugin_runner`: a test source emits audit
//! events as `k8s_audit` events and the pspconv plugin extracts its fields on them, for
//! violating, compliant, malformed and non-pod events; and a configuration that does not load
//! is an init error naming the file, line and field.

mod common;
use common::*;

fn privileged_policy() -> std::path::PathBuf {
    data("falco-psp-tests/psps/privileged.yaml")
}

#[test]
fn violating_and_compliant_pods() {
    let events = [
        trace("psp/privileged.json"),
        trace("psp/create_vanilla_nginx_deployment.json"),
    ];
    let mut r = start(&config(&privileged_policy(), "declared"), &events).unwrap();
    let privileged = r.next_event().unwrap();
    assert_eq!(
        value(&mut r, &privileged, "psp.evaluated").as_deref(),
        Some("true")
    );
    assert_eq!(
        value(&mut r, &privileged, "psp.violated[no_privileged]").as_deref(),
        Some("true")
    );
    assert_eq!(
        value(&mut r, &privileged, "psp.violations[no_privileged]").as_deref(),
        Some("privileged")
    );
    let reason = value(&mut r, &privileged, "psp.reason[no_privileged]").unwrap();
    assert!(reason.contains("privileged"), "{reason}");
    assert_eq!(
        value(&mut r, &privileged, "psp.loaded[no_privileged]").as_deref(),
        Some("true")
    );
    assert_eq!(
        value(&mut r, &privileged, "psp.mode").as_deref(),
        Some("declared")
    );
    assert_eq!(
        value(&mut r, &privileged, "psp.policies").as_deref(),
        Some("no_privileged")
    );

    let vanilla = r.next_event().unwrap();
    assert_eq!(
        value(&mut r, &vanilla, "psp.evaluated").as_deref(),
        Some("true")
    );
    assert_eq!(
        value(&mut r, &vanilla, "psp.violated[no_privileged]").as_deref(),
        Some("false")
    );
    assert_eq!(
        value(&mut r, &vanilla, "psp.violations[no_privileged]"),
        None
    );
    assert_eq!(value(&mut r, &vanilla, "psp.reason[no_privileged]"), None);
}

#[test]
fn unknown_policy_has_no_verdict_and_is_not_loaded() {
    let events = [trace("psp/privileged.json")];
    let mut r = start(&config(&privileged_policy(), "strict"), &events).unwrap();
    let e = r.next_event().unwrap();
    assert_eq!(
        value(&mut r, &e, "psp.loaded[other]").as_deref(),
        Some("false")
    );
    assert_eq!(value(&mut r, &e, "psp.violated[other]"), None);
    assert_eq!(value(&mut r, &e, "psp.violations[other]"), None);
    assert_eq!(value(&mut r, &e, "psp.reason[other]"), None);
    // The guard rule's other half: the pod was evaluated.
    assert_eq!(value(&mut r, &e, "psp.evaluated").as_deref(), Some("true"));
}

#[test]
fn non_pod_and_malformed_events_have_no_verdict() {
    let events = [
        trace("k8s_audit/attach_pod.json"),
        "{\"kind\": \"Event\", \"verb\": \"create\", \"objectRef\": ".to_string(),
        "[1, 2, 3]".to_string(),
        "not json at all \u{0}".replace('\u{0}', ""),
    ];
    let mut r = start(&config(&privileged_policy(), "strict"), &events).unwrap();
    for _ in 0..events.len() {
        let e = r.next_event().unwrap();
        assert_eq!(value(&mut r, &e, "psp.evaluated").as_deref(), Some("false"));
        assert_eq!(value(&mut r, &e, "psp.violated[no_privileged]"), None);
        assert_eq!(value(&mut r, &e, "psp.violations[no_privileged]"), None);
        assert_eq!(value(&mut r, &e, "psp.reason[no_privileged]"), None);
        assert_eq!(
            value(&mut r, &e, "psp.loaded[no_privileged]").as_deref(),
            Some("true")
        );
    }
}

#[test]
fn a_policy_file_that_does_not_load_is_an_init_error_naming_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.yaml");
    std::fs::write(
        &path,
        "apiVersion: policy/v1beta1\nkind: PodSecurityPolicy\nmetadata:\n  name: broken\nspec:\n  runAsUser:\n    rule: MustRunAz\n",
    )
    .unwrap();
    let err = start(&config(&path, "strict"), &[])
        .err()
        .expect("init must fail");
    let message = format!("{err:#}");
    assert!(message.contains("broken.yaml"), "{message}");
    assert!(message.contains(":7:"), "{message}");
    assert!(message.contains("spec.runAsUser.rule"), "{message}");
}

#[test]
fn a_bad_mode_or_a_missing_file_is_an_init_error() {
    let bad_mode = std::ffi::CString::new(r#"{"policies": "x.yaml", "mode": "strcit"}"#).unwrap();
    let message = format!("{:#}", start(&bad_mode, &[]).err().unwrap());
    assert!(message.contains("strcit"), "{message}");
    let missing = config(std::path::Path::new("/nonexistent/psp.yaml"), "strict");
    let message = format!("{:#}", start(&missing, &[]).err().unwrap());
    assert!(message.contains("/nonexistent/psp.yaml"), "{message}");
}

#[test]
fn declared_fields_follow_the_library_table() {
    use falco_plugin::extract::ExtractPlugin;
    let declared: serde_json::Value = serde_json::from_str(
        pspconv_falco_plugin::PspPlugin::get_fields()
            .to_str()
            .unwrap(),
    )
    .unwrap();
    let declared = declared.as_array().unwrap();
    assert_eq!(declared.len(), pspconv::plugin_fields::FIELDS.len());
    for (d, f) in declared.iter().zip(pspconv::plugin_fields::FIELDS) {
        assert_eq!(d["name"], f.name);
        assert_eq!(d["type"], "string");
        assert_eq!(
            d.get("isList").and_then(|v| v.as_bool()).unwrap_or(false),
            f.list,
            "{}",
            f.name
        );
        let key_required = d["arg"]["isRequired"].as_bool().unwrap_or(false)
            && d["arg"]["isKey"].as_bool().unwrap_or(false);
        assert_eq!(key_required, f.per_policy, "{}", f.name);
    }
}

#[test]
fn the_published_config_schema_is_the_plugins() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("config.schema.json");
    if std::env::var_os("UPDATE_SCHEMA").is_some() {
        let schema = pspconv_falco_plugin::config::schema_json() + "\n";
        std::fs::write(&path, schema).unwrap();
    }
    let published = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        published.trim_end(),
        pspconv_falco_plugin::config::schema_json(),
        "plugin/config.schema.json is stale: run this test with UPDATE_SCHEMA=1"
    );
}

#[test]
fn the_configured_mode_decides() {
    // A pod leaving runAsUser unset: declared (and strict) report it, admission would have
    // defaulted it.
    let policy = data("falco-psp-tests/psps/user_must_run_as.yaml");
    let events = [trace("psp/create_vanilla_nginx_deployment.json")];
    for (mode, violated) in [
        ("declared", "true"),
        ("strict", "true"),
        ("admission", "false"),
    ] {
        let mut r = start(&config(&policy, mode), &events).unwrap();
        let e = r.next_event().unwrap();
        let field = "psp.violated[user_must_run_as_30]";
        assert_eq!(
            value(&mut r, &e, field).as_deref(),
            Some(violated),
            "{mode}"
        );
    }
}

#[test]
fn a_folder_of_policies_loads_its_policy_files_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let copy = |from: &str, to: &str| {
        std::fs::copy(data("falco-psp-tests/psps").join(from), dir.path().join(to)).unwrap();
    };
    copy("privileged.yaml", "b-privileged.yaml");
    copy("host_pid.yaml", "a-host-pid.yml");
    std::fs::write(dir.path().join("notes.txt"), "not a policy").unwrap();
    std::fs::write(dir.path().join(".hidden.yaml"), "not: [a policy").unwrap();
    let events = [trace("psp/host_pid.json")];
    let mut r = start(&config(dir.path(), "strict"), &events).unwrap();
    let e = r.next_event().unwrap();
    assert_eq!(
        value(&mut r, &e, "psp.policies").as_deref(),
        Some("(no_host_pid,no_privileged)")
    );
    assert_eq!(
        value(&mut r, &e, "psp.violated[no_host_pid]").as_deref(),
        Some("true")
    );
    // An absent hostPID means false (SPEC §5): the privileged-only policy refuses it too.
    assert_eq!(
        value(&mut r, &e, "psp.violations[no_privileged]").as_deref(),
        Some("hostPID")
    );
    let empty = tempfile::tempdir().unwrap();
    let message = format!(
        "{:#}",
        start(&config(empty.path(), "strict"), &[]).err().unwrap()
    );
    assert!(
        message.contains("no .yaml, .yml or .json file"),
        "{message}"
    );
}

#[test]
fn the_plugin_has_the_version_the_rules_require() {
    let text = std::fs::read_to_string(privileged_policy()).unwrap();
    let loaded = pspconv::psp::load_policies(&text, "privileged.yaml").unwrap();
    let opts = pspconv::convert::Options {
        target: pspconv::Target::Plugin,
        ..Default::default()
    };
    let rules = pspconv::convert::convert(&loaded.policies, &opts)
        .unwrap()
        .text;
    let required = format!(
        "    - name: pspconv\n      version: {}\n",
        env!("CARGO_PKG_VERSION")
    );
    assert!(rules.contains(&required), "{rules}");
}
