//! Field extraction and operator semantics per target (research §3.2, §3.3, §3.5): legacy
//! `<NA>`, per-element values, ranges, sets and quirks; modern "no value" and list rules.

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::Target::{self, Falco, Legacy};

fn event(spec: &str) -> String {
    format!(
        r#"{{"kind":"Event","auditID":"a","stage":"ResponseComplete","verb":"create","objectRef":{{"resource":"pods","namespace":"default"}},"requestObject":{{"metadata":{{"name":"p","labels":{{"z":"1","a":"2"}}}},"spec":{spec}}},"stageTimestamp":"2024-01-02T03:04:05.5Z"}}"#
    )
}

fn outcome(target: Target, cond: &str, ev: &str) -> (bool, String) {
    let rules = format!(
        "- rule: r\n  desc: d\n  condition: {}\n  output: \"v=%{}\"\n  priority: WARNING\n  source: k8s_audit\n",
        serde_json::to_string(cond).unwrap(),
        cond.split_whitespace().next().unwrap().trim_start_matches("not").trim_start_matches('(')
    );
    let rs = check::load(&rules, "t", target).unwrap_or_else(|e| panic!("{cond}: {e}"));
    let opts = CheckOptions {
        target,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run(&rs, ev.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    assert_eq!(s.invalid_events, 0, "{}", String::from_utf8_lossy(&diag));
    (s.alerts == 1, String::from_utf8(out).unwrap())
}

fn fires(target: Target, cond: &str, ev: &str) -> bool {
    outcome(target, cond, ev).0
}

/// Asserts the (legacy, falco) outcomes of a condition.
fn both(cond: &str, ev: &str, legacy: bool, falco: bool) {
    assert_eq!(fires(Legacy, cond, ev), legacy, "legacy: {cond}");
    assert_eq!(fires(Falco, cond, ev), falco, "falco: {cond}");
}

const TWO: &str = r#"{"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":true}},{"name":"b","image":"nginx"}]}"#;

#[test]
fn per_element_na_versus_invisible() {
    let ev = event(TWO);
    both(
        "ka.req.pod.containers.privileged in (true)",
        &ev,
        false,
        true,
    );
    both(
        r#"ka.req.pod.containers.privileged in (true, "<NA>")"#,
        &ev,
        true,
        true,
    );
    both(
        "ka.req.pod.containers.privileged intersects (true)",
        &ev,
        true,
        true,
    );
    // Legacy exists: exactly one value, not <NA>. Modern: at least one value.
    both("ka.req.pod.containers.privileged exists", &ev, false, true);
    let one = event(
        r#"{"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":true}}]}"#,
    );
    both("ka.req.pod.containers.privileged exists", &one, true, true);
}

#[test]
fn missing_single_values() {
    let ev = event(r#"{"containers":[]}"#);
    both(r#"ka.req.pod.fs_group = "<NA>""#, &ev, true, false);
    both("ka.req.pod.fs_group != 5", &ev, true, false);
    both("not ka.req.pod.fs_group in (5)", &ev, true, true);
    both("not ka.req.pod.fs_group exists", &ev, true, true);
}

#[test]
fn ranges_are_ranges_only_in_legacy() {
    let ev = event(
        r#"{"securityContext":{"runAsUser":1500,"supplementalGroups":[10,20]},"containers":[]}"#,
    );
    both(
        r#"ka.req.pod.run_as_user in ("1000:2000")"#,
        &ev,
        true,
        false,
    );
    both(r#"ka.req.pod.run_as_user = "1000:2000""#, &ev, true, false);
    both(
        r#"ka.req.pod.run_as_user intersects ("0:999", "1500")"#,
        &ev,
        true,
        true,
    );
    both(
        r#"ka.req.pod.supplemental_groups in ("5:15", "18:25")"#,
        &ev,
        true,
        false,
    );
    both(
        "ka.req.pod.supplemental_groups in (10, 20)",
        &ev,
        true,
        true,
    );
    both("ka.req.pod.run_as_user > 999", &ev, true, false);
}

#[test]
fn run_as_user_fields() {
    let ev = event(
        r#"{"securityContext":{"runAsUser":1500},"containers":[{"name":"a","image":"x"},{"name":"b","image":"x","securityContext":{"runAsUser":30,"runAsGroup":7}}]}"#,
    );
    // Legacy reads runAsGroup for the container run_as_user field.
    both(
        "ka.req.pod.containers.run_as_user intersects (7)",
        &ev,
        true,
        false,
    );
    both(
        "ka.req.pod.containers.run_as_user intersects (30)",
        &ev,
        false,
        true,
    );
    // Legacy falls back correctly; the plugin reads the wrong paths and yields "0".
    both(
        "ka.req.pod.containers.eff_run_as_user in (1500, 30)",
        &ev,
        true,
        false,
    );
    both(
        "ka.req.pod.containers.eff_run_as_user in (0)",
        &ev,
        false,
        true,
    );
    // With an index argument the plugin's field has no value; legacy takes the k-th value.
    both(
        "ka.req.pod.containers.eff_run_as_user[1] intersects (30)",
        &ev,
        true,
        false,
    );
    assert!(!fires(
        Falco,
        "ka.req.pod.containers.eff_run_as_user[0] exists",
        &ev
    ));
}

#[test]
fn capabilities_and_images() {
    let ev = event(
        r#"{"containers":[{"name":"a","image":"registry.local:5000/team/app:1.2@sha256:abc","securityContext":{"capabilities":{"add":["SYS_TIME","NET_ADMIN"]}}}]}"#,
    );
    both(
        "ka.req.pod.containers.add_capabilities in (SYS_TIME, NET_ADMIN)",
        &ev,
        true,
        false,
    );
    both(
        r#"ka.req.pod.containers.add_capabilities in ('["SYS_TIME","NET_ADMIN"]')"#,
        &ev,
        false,
        true,
    );
    both(
        "ka.req.pod.containers.image.repository in (registry.local:5000/team/app)",
        &ev,
        true,
        false,
    );
    both(
        "ka.req.pod.containers.image.repository in (registry.local)",
        &ev,
        false,
        true,
    );
}

#[test]
fn ports_volumes_and_types() {
    let ev = event(
        r#"{"containers":[{"name":"a","image":"x","ports":[{"containerPort":80},{"containerPort":443,"hostPort":8443}]}],"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker.sock"}},{"name":"s","secret":{"secretName":"x"}}]}"#,
    );
    both(
        "ka.req.pod.containers.host_port in (80, 8443)",
        &ev,
        true,
        true,
    );
    both(
        "ka.req.pod.volumes.volume_type in (hostPath, secret)",
        &ev,
        true,
        true,
    );
    both(
        "ka.req.pod.volumes.hostpath in (/var/run/docker.sock)",
        &ev,
        false,
        true,
    );
    both("ka.req.volume.hostpath[/var/run*] = true", &ev, false, true);
    let none = event(r#"{"containers":[{"name":"a","image":"x"}]}"#);
    // No ports: legacy has an empty set (so `in` holds vacuously); modern has no value.
    both("ka.req.pod.containers.host_port in (1)", &none, true, false);
    both(
        "ka.req.pod.volumes.volume_type in (secret)",
        &none,
        false,
        false,
    );
}

#[test]
fn modern_string_operators() {
    let ev = event(
        r#"{"containers":[],"volumes":[{"name":"h","hostPath":{"path":"/var/run/docker"}},{"name":"i","hostPath":{"path":"/var/runx"}}],"serviceAccountName":"Build-Bot"}"#,
    );
    let p = |i: usize| format!("json.value[/requestObject/spec/volumes/{i}/hostPath/path]");
    let sa = "json.value[/requestObject/spec/serviceAccountName]";
    let yes = [
        format!("{} pmatch (/var/run)", p(0)),
        format!("{} pmatch (/etc, /var/*)", p(0)),
        format!("{} pmatch (/)", p(0)),
        format!("{} pmatch (var//run/)", p(0)),
        format!("{} contains run/d", p(0)),
        format!("{sa} icontains build"),
        format!("{} startswith /var", p(0)),
        format!("{} endswith docker", p(0)),
        format!("{} glob '/var/*/dock?r'", p(0)),
        format!("{sa} iglob 'build-*'"),
        format!("{sa} regex 'B.*-B[a-z]+'"),
        format!("{sa} in (x, Build-Bot)"),
        format!("{sa} > 9"),
    ];
    for c in &yes {
        assert!(fires(Falco, c, &ev), "{c}");
    }
    let no = [
        format!("{} pmatch (/var/run)", p(1)),
        format!("{} pmatch (/var/run/docker/x)", p(0)),
        format!("{} pmatch (/var/run/dock)", p(0)),
        format!("{sa} contains build"),
        format!("{sa} regex 'Build'"),
        format!("{sa} glob 'build-*'"),
    ];
    for c in &no {
        assert!(!fires(Falco, c, &ev), "{c}");
    }
}

#[test]
fn legacy_operators() {
    let ev = event(
        r#"{"serviceAccountName":"build-bot","containers":[{"name":"a","image":"nginx"},{"name":"b","image":"busybox"}]}"#,
    );
    let sa = "jevt.value[/requestObject/spec/serviceAccountName]";
    assert!(fires(Legacy, &format!("{sa} startswith build"), &ev));
    assert!(fires(Legacy, &format!("{sa} contains -b"), &ev));
    // Comparisons other than in/intersects/=/!= need exactly one value.
    assert!(!fires(
        Legacy,
        "ka.req.pod.containers.image startswith ngi",
        &ev
    ));
    assert!(fires(Legacy, "ka.req.pod.containers.image != nginx", &ev));
    let e = check::load("- rule: r\n  desc: d\n  condition: ka.verb regex x\n  output: o\n  priority: INFO\n  source: k8s_audit\n", "t", Legacy).unwrap_err();
    assert!(e.message.contains("not supported by the legacy"), "{e}");
}

#[test]
fn json_rendering_per_target() {
    let ev = event(r#"{"containers":[]}"#);
    let (_, out) = outcome(Falco, "json.value[/requestObject/metadata] exists", &ev);
    assert!(
        out.ends_with("v={\"name\":\"p\",\"labels\":{\"z\":\"1\",\"a\":\"2\"}}\n"),
        "{out}"
    );
    let (_, out) = outcome(Legacy, "jevt.value[/requestObject/metadata] exists", &ev);
    assert!(
        out.ends_with("v={\"labels\":{\"a\":\"2\",\"z\":\"1\"},\"name\":\"p\"}\n"),
        "{out}"
    );
    let (_, out) = outcome(Falco, "jevt.rawtime exists", &ev);
    assert!(out.ends_with("v=1704164645500000000\n"), "{out}");
    assert!(
        out.starts_with("2024-01-02T03:04:05.500000000+0000: Warning"),
        "{out}"
    );
}

#[test]
fn events_without_audit_id_have_no_ka_values_in_falco() {
    let ev = event(TWO).replace(r#""auditID":"a","#, "");
    both("ka.verb=create", &ev, true, false);
    assert!(fires(Falco, "json.value[/verb]=create", &ev));
}

#[test]
fn legacy_index_narrows_the_list_but_not_the_set() {
    // json_evt.cpp: `[k]` replaces `m_evalues.first` only; `=`/`in`/`intersects` use the set.
    let ev = event(TWO);
    assert!(fires(
        Legacy,
        "ka.req.pod.containers.privileged[1] intersects (true)",
        &ev
    ));
    assert!(!fires(
        Legacy,
        "ka.req.pod.containers.privileged[1] exists",
        &ev
    ));
    assert!(fires(
        Legacy,
        "ka.req.pod.containers.privileged[0] exists",
        &ev
    ));
    assert!(fires(
        Legacy,
        "ka.req.pod.containers.privileged[0] startswith tr",
        &ev
    ));
    // Out of range: the whole extraction fails, so the value is <NA>.
    assert!(fires(
        Legacy,
        r#"ka.req.pod.containers.privileged[5] = "<NA>""#,
        &ev
    ));
    // Custom extractors ignore the index.
    assert!(!fires(
        Legacy,
        "ka.req.pod.containers.image[0] startswith ngi",
        &ev
    ));
    let (_, out) = outcome(
        Legacy,
        "ka.req.pod.containers.privileged[1] intersects (true)",
        &ev,
    );
    assert!(out.ends_with("v=<NA>\n"), "{out}");
}

#[test]
fn legacy_custom_extractor_quirks() {
    let ev = event(
        r#"{"containers":[{"name":"a","image":"x"}],"volumes":[{"name":"h","hostPath":{"path":"/etc"}}]}"#,
    );
    // The hostPath object is compared with a string: prefix form fails, exact form never matches.
    assert!(fires(
        Legacy,
        r#"ka.req.volume.hostpath[/etc*] = "<NA>""#,
        &ev
    ));
    assert!(fires(Legacy, "ka.req.volume.hostpath[/etc] = false", &ev));
    let none = event(r#"{"containers":[{"name":"a","image":"x"}]}"#);
    assert!(fires(Legacy, "ka.req.container.privileged = false", &none));
    assert!(fires(
        Legacy,
        r#"ka.req.container.privileged = "<NA>""#,
        &event(r#"{}"#)
    ));
    // Volume types come out in key order (nlohmann objects are sorted).
    let vt = event(r#"{"containers":[],"volumes":[{"name":"v","secret":{},"configMap":{}}]}"#);
    let single = vt.replace(",\"configMap\":{}", "");
    let (_, out) = outcome(Legacy, "ka.req.pod.volumes.volume_type exists", &single);
    assert!(out.ends_with("v=secret\n"), "{out}");
    let (fired, out) = outcome(
        Legacy,
        "ka.req.pod.volumes.volume_type intersects (secret)",
        &vt,
    );
    assert!(fired && out.ends_with("v=(configMap,secret)\n"), "{out}");
    let (_, out) = outcome(
        Falco,
        "ka.req.pod.volumes.volume_type intersects (secret)",
        &vt,
    );
    assert!(out.ends_with("v=(secret,configMap)\n"), "{out}");
}

#[test]
fn legacy_values_parse_like_stoll() {
    let ev = event(r#"{"securityContext":{"fsGroup":"+35"},"containers":[]}"#);
    assert!(fires(Legacy, r#"ka.req.pod.fs_group in ("30:40")"#, &ev));
    assert!(!fires(Falco, r#"ka.req.pod.fs_group in ("30:40")"#, &ev));
}

#[test]
fn regex_dialect_close_to_re2() {
    let ev = event(r#"{"containers":[],"serviceAccountName":"a/b-c_1"}"#);
    let sa = "json.value[/requestObject/spec/serviceAccountName]";
    for re in [
        r"a\\/b-c_1",
        r"[a-z]/[bc\\-]+_\\d",
        r"(?i)A/B.*",
        r"a.{3}c_[0-9]{1,3}",
    ] {
        assert!(fires(Falco, &format!("{sa} regex '{re}'"), &ev), "{re}");
    }
}

#[test]
fn regex_perl_classes_are_ascii_like_re2() {
    let ev = event(r#"{"containers":[],"serviceAccountName":"a\u0661 b_9"}"#);
    let sa = "json.value[/requestObject/spec/serviceAccountName]";
    assert!(!fires(Falco, &format!(r"{sa} regex 'a\\d.*'"), &ev));
    assert!(fires(
        Falco,
        &format!(r"{sa} regex 'a\\D\\s\\w[\\w]\\d'"),
        &ev
    ));
    assert!(fires(
        Falco,
        &format!(r"{sa} regex '[^\\d]+[[:digit:]]'"),
        &ev
    ));
}
