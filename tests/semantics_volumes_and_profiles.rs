//! Semantic tests for the volume, host-path, driver, sysctl, procMount, runtimeClass,
//! privilege-escalation, SELinux, seccomp and AppArmor rules: each policy is converted for both
//! targets and every mode, its rules are run through `check` on pod-create events, and the test
//! asserts which pods fire the property's rule.

mod common;
use common::native;

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::convert::{convert, Mode, Options};
use pspconv::psp::load_policies;
use pspconv::Target;
use serde_json::{json, Value};
use std::collections::BTreeSet;

const MODES: [(Mode, char); 3] = [
    (Mode::Admission, 'A'),
    (Mode::Declared, 'D'),
    (Mode::Strict, 'S'),
];

/// A pod and the modes (`A`, `D`, `S`) in which the property's rule fires for it; `legacy`
/// overrides the modes for the legacy target where a documented limit differs.
struct Pod {
    name: &'static str,
    spec: Value,
    annotations: Value,
    fires: &'static str,
    legacy: Option<&'static str>,
}

fn pod(name: &'static str, fires: &'static str, spec: Value) -> Pod {
    Pod {
        name,
        spec,
        annotations: Value::Null,
        fires,
        legacy: None,
    }
}

impl Pod {
    fn legacy(mut self, fires: &'static str) -> Pod {
        self.legacy = Some(fires);
        self
    }
    fn annotated(mut self, annotations: Value) -> Pod {
        self.annotations = annotations;
        self
    }
}

/// One container named `name` with the given security context.
fn c(name: &str, sc: Value) -> Value {
    common::container(name, sc)
}

fn manifest(p: &Pod) -> String {
    let mut meta = json!({"name": p.name, "namespace": "default"});
    if !p.annotations.is_null() {
        meta["annotations"] = p.annotations.clone();
    }
    let doc = json!({"apiVersion": "v1", "kind": "Pod", "metadata": meta, "spec": p.spec});
    serde_yaml::to_string(&doc).unwrap()
}

/// The policy converted for `target` and `mode`, loaded by `check`. While `check` does not
/// evaluate `val()`, each `val(field)` is replaced by the value the field holds in every event
/// of the test (`val_subst`), and any other `val()` by a value no event holds, which is what a
/// missing field gives (the comparison is false).
fn rules_for(psp: &str, target: Target, mode: Mode, val_subst: &[(&str, &str)]) -> check::RuleSet {
    let loaded = load_policies(psp, "test.yaml").unwrap();
    let opts = Options {
        target,
        mode,
        ..Options::default()
    };
    let mut rules = convert(&loaded.policies, &opts).unwrap().text;
    if !check_supports_val() {
        for (field, value) in val_subst {
            rules = rules.replace(&format!("val({field})"), value);
        }
        while let Some(start) = rules.find("val(") {
            let end = start + rules[start..].find(')').unwrap();
            rules.replace_range(start..=end, "pspconv-test-absent");
        }
    }
    // SPEC §3: the current-Falco output loads without any warning (`load` asserts it).
    common::load(&rules, target)
}

/// Pods for which a rule whose name holds `Violation (<label>)` fired.
fn fired(
    psp: &str,
    pods: &[Pod],
    label: &str,
    target: Target,
    mode: Mode,
    val_subst: &[(&str, &str)],
) -> BTreeSet<String> {
    let set = rules_for(psp, target, mode, val_subst);
    let events: Vec<String> = pods.iter().map(manifest).collect();
    let events = events.join("---\n");
    let mut out = Vec::new();
    let copts = CheckOptions {
        target,
        json: true,
        rule_matching: RuleMatching::All,
    };
    let mut diag = Vec::new();
    let summary = check::run(&set, events.as_bytes(), &copts, &mut out, &mut diag).unwrap();
    if std::env::var("GEN_A_DEBUG").is_ok() {
        eprintln!(
            "{}\n{:?}\n{}",
            events,
            summary,
            String::from_utf8_lossy(&diag)
        );
    }
    let wanted = format!("Violation ({label})");
    String::from_utf8(out)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let v: Value = serde_json::from_str(l).unwrap();
            let rule = v["rule"].as_str().unwrap();
            rule.contains(&wanted).then(|| {
                v["output_fields"]["ka.resp.name"]
                    .as_str()
                    .unwrap()
                    .to_string()
            })
        })
        .collect()
}

/// Runs every pod through the policy for both targets and all modes.
fn assert_fires(psp: &str, label: &str, pods: &[Pod]) {
    assert_fires_with(psp, label, pods, &[]);
}

/// As [`assert_fires`], for policies whose current-Falco rules use `val()`. While `check` does
/// not evaluate `val()`, each `val(field)` is replaced by the value that field holds in every
/// test pod (`val_subst`, index by index), which is what Falco would compare with.
fn assert_fires_val(psp: &str, label: &str, pods: &[Pod], val_subst: &[(&str, &str)]) {
    let subst = if check_supports_val() {
        &[][..]
    } else {
        val_subst
    };
    assert_fires_with(psp, label, pods, subst);
}

fn assert_fires_with(psp: &str, label: &str, pods: &[Pod], val_subst: &[(&str, &str)]) {
    for target in [Target::Falco, Target::Legacy] {
        for (mode, letter) in MODES {
            let got = fired(psp, pods, label, target, mode, val_subst);
            let want: BTreeSet<String> = pods
                .iter()
                .filter(|p| {
                    let fires = match (target, p.legacy) {
                        (Target::Legacy, Some(l)) => l,
                        _ => p.fires,
                    };
                    fires.contains(letter)
                })
                .map(|p| p.name.to_string())
                .collect();
            assert_eq!(got, want, "{label}: target {target:?}, mode {mode:?}");
        }
    }
    for (mode, letter) in MODES {
        for p in pods {
            let doc: Value = serde_yaml::from_str(&manifest(p)).unwrap();
            let got = native::violated_by_pod(psp, mode, &doc).contains(&label.to_string());
            assert_eq!(
                got,
                p.fires.contains(letter),
                "native {label}: {}, mode {mode:?}",
                p.name
            );
        }
    }
}

/// Whether `check` evaluates `val()` (field-to-field comparisons), which the current-Falco
/// rules for read-only host paths and AppArmor use. Until it does, [`rules_for`] stands in the
/// values `val()` would read.
fn check_supports_val() -> bool {
    let rules = "- rule: r\n  desc: d\n  condition: json.value[/a]=val(json.value[/b])\n  output: o\n  priority: WARNING\n  source: k8s_audit\n";
    check::load(rules, "val.yaml", Target::Falco).is_ok()
}

const ALL: &str = "ADS";
const NONE: &str = "";

fn psp(spec: &str) -> String {
    psp_annotated("", spec)
}

/// The host-namespace properties are allowed so that only the property under test fires.
fn psp_annotated(annotations: &str, spec: &str) -> String {
    let allowed = "  privileged: true\n  hostPID: true\n  hostIPC: true\n  hostNetwork: true\n";
    common::policy_yaml("p", annotations, &format!("{allowed}{spec}"))
}

fn vol(v: Value) -> Value {
    json!({"containers": [c("a", Value::Null)], "volumes": [v]})
}

#[test]
fn volumes_listed() {
    let p = psp("  volumes: [secret, cephFS]\n");
    assert_fires(
        &p,
        "volumes",
        &[
            pod("none", NONE, json!({"containers": [c("a", Value::Null)]})),
            pod(
                "secret",
                NONE,
                vol(json!({"name": "s", "secret": {"secretName": "x"}})),
            ),
            pod(
                "cephfs",
                NONE,
                vol(json!({"name": "s", "cephfs": {"monitors": ["m"]}})),
            ),
            pod(
                "second-hostpath",
                ALL,
                json!({"containers": [c("a", Value::Null)], "volumes": [
                    {"name": "s", "secret": {"secretName": "x"}},
                    {"name": "h", "hostPath": {"path": "/etc"}}]}),
            ),
        ],
    );
}

#[test]
fn volumes_empty_absent_and_wildcard() {
    let pods = || {
        vec![
            pod("none", NONE, json!({"containers": [c("a", Value::Null)]})),
            pod("emptydir", ALL, vol(json!({"name": "e", "emptyDir": {}}))),
        ]
    };
    assert_fires(&psp("  volumes: []\n"), "volumes", &pods());
    let mut absent = pods();
    absent[1].fires = "AS";
    assert_fires(&psp(""), "volumes", &absent);
    let mut wildcard = pods();
    wildcard[1].fires = NONE;
    assert_fires(&psp("  volumes: ['*']\n"), "volumes", &wildcard);
}

fn host_path_pod(name: &'static str, fires: &'static str, path: &str, mounts: Value) -> Pod {
    pod(
        name,
        fires,
        json!({"initContainers": mounts["init"].clone(), "containers": mounts["main"].clone(),
               "volumes": [{"name": "other", "emptyDir": {}}, {"name": "h", "hostPath": {"path": path}}]}),
    )
}

fn mounts(init: Value, main: Value) -> Value {
    let ctr = |name: &str, ms: &Value| {
        let mut v = c(name, Value::Null);
        if !ms.is_null() {
            v["volumeMounts"] = ms.clone();
        }
        v
    };
    json!({"init": [ctr("i", &init)], "main": [ctr("a", &Value::Null), ctr("b", &main)]})
}

#[test]
fn allowed_host_paths() {
    let p = psp(
        "  volumes: ['*']\n  allowedHostPaths:\n  - {pathPrefix: /usr, readOnly: true}\n  - {pathPrefix: /usr/local/}\n  - {pathPrefix: /var/log, readOnly: false}\n",
    );
    let ro = json!([{"name": "h", "mountPath": "/h", "readOnly": true}]);
    let rw = json!([{"name": "other", "mountPath": "/o"}, {"name": "h", "mountPath": "/h"}]);
    assert_fires_val(
        &p,
        "allowedHostPaths",
        &[
            host_path_pod("etc", ALL, "/etc", mounts(Value::Null, ro.clone())),
            host_path_pod(
                "var-logs",
                ALL,
                "/var/logs",
                mounts(Value::Null, Value::Null),
            ),
            host_path_pod(
                "var-log-pods",
                NONE,
                "/var/log/pods",
                mounts(Value::Null, rw.clone()),
            ),
            host_path_pod(
                "var-log-slash",
                NONE,
                "/var/log/",
                mounts(Value::Null, rw.clone()),
            ),
            host_path_pod(
                "usr-local-rw",
                NONE,
                "/usr/local/bin",
                mounts(rw.clone(), rw.clone()),
            ),
            host_path_pod("usr-ro", NONE, "/usr/share", mounts(ro.clone(), ro.clone())),
            host_path_pod(
                "usr-unmounted",
                NONE,
                "/usr",
                mounts(Value::Null, Value::Null),
            ),
            // Legacy Falco cannot match mounts to volumes by name: documented limit.
            host_path_pod(
                "usr-rw-2nd",
                ALL,
                "/usr/share",
                mounts(ro.clone(), rw.clone()),
            )
            .legacy(NONE),
            host_path_pod("usr-rw-init", ALL, "/usr", mounts(rw.clone(), ro.clone())).legacy(NONE),
            pod(
                "no-host-path",
                NONE,
                vol(json!({"name": "e", "emptyDir": {}})),
            ),
        ],
        &[
            ("json.value[/requestObject/spec/volumes/0/name]", "other"),
            ("json.value[/requestObject/spec/volumes/1/name]", "h"),
        ],
    );
}

#[test]
fn allowed_host_paths_root_prefix() {
    let p = psp("  volumes: ['*']\n  allowedHostPaths:\n  - {pathPrefix: /}\n");
    assert_fires(
        &p,
        "allowedHostPaths",
        &[host_path_pod(
            "etc",
            NONE,
            "/etc",
            mounts(Value::Null, Value::Null),
        )],
    );
}

#[test]
fn flex_and_csi_drivers() {
    let p = psp("  volumes: ['*']\n  allowedFlexVolumes: [{driver: example/lvm}]\n  allowedCSIDrivers: [{name: csi.example.com}]\n");
    let two = |v: Value| json!({"containers": [c("a", Value::Null)], "volumes": [{"name": "e", "emptyDir": {}}, v]});
    let flex = |d: &str| two(json!({"name": "f", "flexVolume": {"driver": d}}));
    let csi = |d: &str| two(json!({"name": "f", "csi": {"driver": d}}));
    assert_fires(
        &p,
        "allowedFlexVolumes",
        &[
            pod("lvm", NONE, flex("example/lvm")),
            pod("dummy", ALL, flex("dummy/dummy")),
            pod("no-flex", NONE, csi("other")),
        ],
    );
    assert_fires(
        &p,
        "allowedCSIDrivers",
        &[
            pod("listed", NONE, csi("csi.example.com")),
            pod("other", ALL, csi("other.example.com")),
            pod("no-csi", NONE, flex("dummy/dummy")),
        ],
    );
}

fn sysctls(names: &[&str]) -> Value {
    let list: Vec<Value> = names
        .iter()
        .map(|n| json!({"name": n, "value": "1"}))
        .collect();
    json!({"containers": [c("a", Value::Null)], "securityContext": {"sysctls": list}})
}

#[test]
fn sysctls_patterns() {
    let p = psp("  volumes: ['*']\n  forbiddenSysctls: [kernel.shm_rmid_forced, net.core.*]\n  allowedUnsafeSysctls: [net.*, kernel.msgmax]\n");
    assert_fires(
        &p,
        "sysctls",
        &[
            pod("none", NONE, json!({"containers": [c("a", Value::Null)]})),
            pod("forbidden-safe", ALL, sysctls(&["kernel.shm_rmid_forced"])),
            pod(
                "forbidden-prefix",
                ALL,
                sysctls(&["net.ipv4.ip_forward", "net.core.somaxconn"]),
            ),
            pod("safe", NONE, sysctls(&["net.ipv4.tcp_syncookies"])),
            pod(
                "allowed",
                NONE,
                sysctls(&["net.ipv4.ip_forward", "kernel.msgmax"]),
            ),
            pod("unsafe", ALL, sysctls(&["kernel.msgmax", "kernel.sem"])),
        ],
    );
}

#[test]
fn sysctls_unstated() {
    let pods = [
        pod("safe", NONE, sysctls(&["kernel.shm_rmid_forced"])),
        pod("unsafe", "AS", sysctls(&["kernel.sem"])),
    ];
    assert_fires(&psp("  volumes: ['*']\n"), "sysctls", &pods);
    let forbid_all = [
        pod("safe", ALL, sysctls(&["kernel.shm_rmid_forced"])),
        pod("none", NONE, json!({"containers": [c("a", Value::Null)]})),
    ];
    assert_fires(&psp("  forbiddenSysctls: ['*']\n"), "sysctls", &forbid_all);
}

fn ctrs(init: Value, main: Vec<Value>) -> Value {
    if init.is_null() {
        json!({"containers": main})
    } else {
        json!({"initContainers": [init], "containers": main})
    }
}

#[test]
fn proc_mount_types() {
    let pm = |t: &str| json!({"procMount": t});
    let pods = |default_listed: bool| {
        vec![
            pod(
                "unset",
                if default_listed { NONE } else { ALL },
                ctrs(Value::Null, vec![c("a", Value::Null)]),
            ),
            pod(
                "init-unmasked",
                if default_listed { ALL } else { NONE },
                ctrs(c("i", pm("Unmasked")), vec![c("a", pm("Unmasked"))]),
            ),
            // One of the two containers is always outside a one-type list.
            pod(
                "mixed",
                ALL,
                ctrs(
                    Value::Null,
                    vec![c("a", pm("Unmasked")), c("b", pm("Default"))],
                ),
            ),
            pod(
                "2nd-unset",
                if default_listed { NONE } else { ALL },
                ctrs(
                    Value::Null,
                    vec![c("a", pm("Default")), c("b", Value::Null)],
                ),
            ),
        ]
    };
    assert_fires(
        &psp("  volumes: ['*']\n  allowedProcMountTypes: [Default]\n"),
        "allowedProcMountTypes",
        &pods(true),
    );
    assert_fires(
        &psp("  volumes: ['*']\n  allowedProcMountTypes: []\n"),
        "allowedProcMountTypes",
        &pods(true),
    );
    assert_fires(
        &psp("  volumes: ['*']\n  allowedProcMountTypes: [Unmasked]\n"),
        "allowedProcMountTypes",
        &pods(false),
    );
    let mut absent = pods(true);
    absent[1].fires = "AS";
    absent[2].fires = "AS";
    assert_fires(&psp("  volumes: ['*']\n"), "allowedProcMountTypes", &absent);
}

#[test]
fn runtime_class() {
    let rc = |n: Option<&str>| {
        let mut s = json!({"containers": [c("a", Value::Null)]});
        if let Some(n) = n {
            s["runtimeClassName"] = json!(n);
        }
        s
    };
    let p = psp("  volumes: ['*']\n  runtimeClass:\n    allowedRuntimeClassNames: [gvisor]\n    defaultRuntimeClassName: gvisor\n");
    assert_fires(
        &p,
        "runtimeClass",
        &[
            pod("unset", NONE, rc(None)),
            pod("gvisor", NONE, rc(Some("gvisor"))),
            pod("runc", ALL, rc(Some("runc"))),
        ],
    );
    let any = psp("  volumes: ['*']\n  runtimeClass:\n    allowedRuntimeClassNames: ['*']\n");
    assert_fires(&any, "runtimeClass", &[pod("runc", NONE, rc(Some("runc")))]);
}

#[test]
fn allow_privilege_escalation() {
    let ape = |v: bool| json!({"allowPrivilegeEscalation": v});
    let p = psp("  volumes: ['*']\n  allowPrivilegeEscalation: false\n");
    assert_fires(
        &p,
        "allowPrivilegeEscalation",
        &[
            pod(
                "explicit-false",
                NONE,
                ctrs(c("i", ape(false)), vec![c("a", ape(false))]),
            ),
            pod(
                "2nd-unset",
                "DS",
                ctrs(Value::Null, vec![c("a", ape(false)), c("b", Value::Null)]),
            ),
            pod(
                "init-unset",
                "DS",
                ctrs(c("i", Value::Null), vec![c("a", ape(false))]),
            ),
            pod(
                "init-true",
                ALL,
                ctrs(c("i", ape(true)), vec![c("a", ape(false))]),
            ),
            pod(
                "2nd-true",
                ALL,
                ctrs(Value::Null, vec![c("a", ape(false)), c("b", ape(true))]),
            ),
        ],
    );
    let allowed = psp("  volumes: ['*']\n  allowPrivilegeEscalation: true\n");
    assert_fires(
        &allowed,
        "allowPrivilegeEscalation",
        &[pod(
            "true",
            NONE,
            ctrs(Value::Null, vec![c("a", ape(true))]),
        )],
    );
}

#[test]
fn se_linux_must_run_as() {
    let p = psp("  volumes: ['*']\n  seLinux:\n    rule: MustRunAs\n    seLinuxOptions: {type: container_t, level: 's0:c6,c0'}\n");
    let se = |o: Value| json!({"seLinuxOptions": o});
    let good = json!({"type": "container_t", "level": "s0:c0,c6"});
    let with_pod = |pod_opts: Value, main: Vec<Value>| {
        let mut s = json!({"containers": main});
        if !pod_opts.is_null() {
            s["securityContext"] = se(pod_opts);
        }
        s
    };
    assert_fires(
        &p,
        "seLinux=MustRunAs",
        &[
            pod(
                "pod-level-ok",
                NONE,
                with_pod(good.clone(), vec![c("a", Value::Null)]),
            ),
            pod(
                "literal-level",
                NONE,
                with_pod(
                    json!({"type": "container_t", "level": "s0:c6,c0"}),
                    vec![c("a", Value::Null)],
                ),
            ),
            pod(
                "pod-level-type",
                ALL,
                with_pod(
                    json!({"type": "spc_t", "level": "s0:c0,c6"}),
                    vec![c("a", Value::Null)],
                ),
            ),
            pod(
                "pod-level-level",
                ALL,
                with_pod(
                    json!({"type": "container_t", "level": "s0:c0"}),
                    vec![c("a", Value::Null)],
                ),
            ),
            pod(
                "2nd-role",
                ALL,
                with_pod(
                    good.clone(),
                    vec![
                        c("a", Value::Null),
                        c(
                            "b",
                            se(json!({"type": "container_t", "level": "s0:c6,c0", "role": "r"})),
                        ),
                    ],
                ),
            ),
            pod(
                "unset",
                "DS",
                with_pod(Value::Null, vec![c("a", Value::Null)]),
            ),
            pod(
                "2nd-unset",
                "DS",
                with_pod(
                    Value::Null,
                    vec![c("a", se(good.clone())), c("b", Value::Null)],
                ),
            ),
            pod(
                "containers-set",
                NONE,
                with_pod(
                    Value::Null,
                    vec![c("a", se(good.clone())), c("b", se(good))],
                ),
            ),
        ],
    );
}

fn seccomp_pods() -> Vec<Pod> {
    let sp = |t: &str| json!({"seccompProfile": {"type": t}});
    let local = |p: &str| json!({"seccompProfile": {"type": "Localhost", "localhostProfile": p}});
    let pod_sc = |sc: Value, main: Vec<Value>| json!({"securityContext": sc, "containers": main});
    let plain = || vec![c("a", Value::Null)];
    vec![
        pod("unset", NONE, pod_sc(json!({}), plain())),
        pod("ann-runtime", NONE, pod_sc(json!({}), plain()))
            .annotated(json!({"seccomp.security.alpha.kubernetes.io/pod": "runtime/default"})),
        pod("ann-docker", NONE, pod_sc(json!({}), plain()))
            .annotated(json!({"seccomp.security.alpha.kubernetes.io/pod": "docker/default"})),
        pod("ann-unconfined", NONE, pod_sc(json!({}), plain()))
            .annotated(json!({"seccomp.security.alpha.kubernetes.io/pod": "unconfined"})),
        pod("field-runtime", NONE, pod_sc(sp("RuntimeDefault"), plain())),
        pod(
            "2nd-unconfined",
            NONE,
            pod_sc(
                sp("RuntimeDefault"),
                vec![c("a", Value::Null), c("b", sp("Unconfined"))],
            ),
        ),
        pod(
            "init-unconfined",
            NONE,
            json!({"securityContext": sp("RuntimeDefault"),
                   "initContainers": [c("i", sp("Unconfined"))], "containers": plain()}),
        ),
        pod(
            "local-ok",
            NONE,
            pod_sc(json!({}), vec![c("a", local("audit.json"))]),
        ),
        pod(
            "local-other",
            NONE,
            pod_sc(json!({}), vec![c("a", local("other.json"))]),
        ),
    ]
}

fn with_fires(mut pods: Vec<Pod>, fires: &[(&str, &'static str)]) -> Vec<Pod> {
    for p in &mut pods {
        if let Some((_, f)) = fires.iter().find(|(n, _)| *n == p.name) {
            p.fires = f;
        }
    }
    pods
}

#[test]
fn seccomp_allowed_with_unset() {
    let p = psp_annotated(
        "seccomp.security.alpha.kubernetes.io/allowedProfileNames: 'docker/default,localhost/audit.json,'",
        "  volumes: ['*']\n",
    );
    let pods = with_fires(
        seccomp_pods(),
        &[
            ("ann-unconfined", ALL),
            ("2nd-unconfined", ALL),
            ("init-unconfined", ALL),
            ("local-other", ALL),
        ],
    );
    assert_fires(&p, "seccomp", &pods);
}

#[test]
fn seccomp_allowed_without_unset() {
    let p = psp_annotated(
        "seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default",
        "  volumes: ['*']\n",
    );
    let pods = with_fires(
        seccomp_pods(),
        &[
            ("unset", ALL),
            ("ann-unconfined", ALL),
            ("2nd-unconfined", ALL),
            ("init-unconfined", ALL),
            ("local-ok", ALL),
            ("local-other", ALL),
        ],
    );
    assert_fires(&p, "seccomp", &pods);
    // With a default, PSP injects it into an unset pod: only admission lets that pass.
    let p = psp_annotated(
        "seccomp.security.alpha.kubernetes.io/allowedProfileNames: runtime/default, seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default",
        "  volumes: ['*']\n",
    );
    let pods = with_fires(
        seccomp_pods(),
        &[
            ("unset", "DS"),
            ("ann-unconfined", ALL),
            ("2nd-unconfined", ALL),
            ("init-unconfined", ALL),
            ("local-ok", ALL),
            ("local-other", ALL),
        ],
    );
    assert_fires(&p, "seccomp", &pods);
}

#[test]
fn seccomp_without_annotations() {
    // admission: no allowed list means no profile may be set; declared: nothing stated.
    let every_set: Vec<(&str, &'static str)> = [
        "ann-runtime",
        "ann-docker",
        "ann-unconfined",
        "field-runtime",
        "2nd-unconfined",
        "init-unconfined",
        "local-ok",
        "local-other",
    ]
    .into_iter()
    .map(|n| (n, "AS"))
    .collect();
    assert_fires(
        &psp("  volumes: ['*']\n"),
        "seccomp",
        &with_fires(seccomp_pods(), &every_set),
    );
    let mut all = every_set.clone();
    all.push(("unset", "AS"));
    let p = psp_annotated(
        "seccomp.security.alpha.kubernetes.io/defaultProfileName: runtime/default",
        "  volumes: ['*']\n",
    );
    assert_fires(&p, "seccomp", &with_fires(seccomp_pods(), &all));
    let any = psp_annotated(
        "seccomp.security.alpha.kubernetes.io/allowedProfileNames: '*'",
        "  volumes: ['*']\n",
    );
    assert_fires(&any, "seccomp", &seccomp_pods());
}

#[test]
fn apparmor_unset_profiles() {
    let key = |n: &str| format!("container.apparmor.security.beta.kubernetes.io/{n}");
    let two = || {
        ctrs(
            Value::Null,
            vec![c("app", Value::Null), c("sidecar", Value::Null)],
        )
    };
    let pods = |unset: &'static str| {
        vec![
            pod("no-annotations", unset, two()),
            pod("both-set", NONE, two()).annotated(
                json!({key("app"): "runtime/default", key("sidecar"): "runtime/default"}),
            ),
            // Current Falco: the sidecar's name occurs nowhere in the annotations.
            pod("sidecar-unset", unset, two())
                .annotated(json!({key("app"): "runtime/default"}))
                .legacy(NONE),
        ]
    };
    let p = psp_annotated(
        "apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default",
        "  volumes: ['*']\n",
    );
    let names = [
        ("json.value[/requestObject/spec/containers/0/name]", "app"),
        (
            "json.value[/requestObject/spec/containers/1/name]",
            "sidecar",
        ),
    ];
    assert_fires_val(&p, "apparmor", &pods(ALL), &names);
    let with_default = psp_annotated(
        "apparmor.security.beta.kubernetes.io/allowedProfileNames: runtime/default, apparmor.security.beta.kubernetes.io/defaultProfileName: runtime/default",
        "  volumes: ['*']\n",
    );
    assert_fires_val(&with_default, "apparmor", &pods("DS"), &names);
}

/// Rule-name parts of the properties these tests cover.
const MINE: [&str; 11] = [
    "(volumes)",
    "(allowedHostPaths)",
    "(allowedFlexVolumes)",
    "(allowedCSIDrivers)",
    "(sysctls)",
    "(allowedProcMountTypes)",
    "(runtimeClass)",
    "(allowPrivilegeEscalation)",
    "(seLinux=MustRunAs)",
    "(seccomp)",
    "(apparmor)",
];

/// Falco's own PSP suite (every K8s audit case of `falco_tests_psp.yaml`), in `declared` and
/// `strict`, both targets: where the suite expects one of these properties' rules, it fires
/// exactly once; where it expects no alert at all, none of these rules fires. Other detect
/// cases may see these rules too (strict adds what admission forbids, such as a volume under a
/// policy without `volumes`), as Falco's harness, which only counts the expected rules, allows.
#[test]
fn falco_psp_suite() {
    const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/falco-psp-tests");
    let matrix: serde_yaml::Value = serde_yaml::from_str(
        &std::fs::read_to_string(format!("{DIR}/falco_tests_psp.yaml")).unwrap(),
    )
    .unwrap();
    let serde_yaml::Value::Tagged(cases) = &matrix["trace_files"] else {
        panic!("trace_files is a !mux map");
    };
    let mut checked = 0;
    for (name, case) in cases.value.as_mapping().unwrap() {
        let trace = case["trace_file"].as_str().unwrap();
        if !trace.ends_with(".json") {
            continue;
        }
        let expected: Vec<String> = case["detect_counts"]
            .as_sequence()
            .map(|s| {
                s.iter()
                    .flat_map(|m| m.as_mapping().unwrap().keys())
                    .map(|k| k.as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        let detect = case["detect"].as_bool().unwrap();
        let psp = std::fs::read_to_string(format!("{DIR}/{}", case["psp_file"].as_str().unwrap()))
            .unwrap();
        let event = std::fs::read_to_string(format!("{DIR}/{trace}")).unwrap();
        for target in [Target::Falco, Target::Legacy] {
            for mode in [Mode::Declared, Mode::Strict] {
                // The one hostPath trace mounts its volume 0, named etc.
                let names = [("json.value[/requestObject/spec/volumes/0/name]", "etc")];
                let set = rules_for(&psp, target, mode, &names);
                let copts = CheckOptions {
                    target,
                    json: false,
                    rule_matching: RuleMatching::All,
                };
                let summary = check::run(
                    &set,
                    event.as_bytes(),
                    &copts,
                    &mut Vec::new(),
                    &mut Vec::new(),
                )
                .unwrap();
                let mine: Vec<&(String, u64)> = summary
                    .per_rule
                    .iter()
                    .filter(|(rule, n)| *n > 0 && MINE.iter().any(|m| rule.contains(m)))
                    .collect();
                let ctx = format!("{name:?} {target:?} {mode:?}: fired {mine:?}");
                if !detect {
                    assert!(mine.is_empty(), "{ctx}");
                }
                for rule in expected
                    .iter()
                    .filter(|r| MINE.iter().any(|m| r.contains(m)))
                {
                    // The suite names some rules without the " K8s Audit" suffix (falcoctl did).
                    let same = |r: &str| r == rule || r.strip_suffix(" K8s Audit") == Some(rule);
                    assert!(
                        mine.iter().any(|(r, n)| same(r) && *n == 1),
                        "{ctx}, want {rule}"
                    );
                    checked += 1;
                }
            }
        }
    }
    // volumes, allowedHostPaths, allowedFlexVolumes, allowedProcMountTypes, allowPrivilegeEscalation.
    assert_eq!(checked, 5 * 4);
}

/// Current Falco: a pod whose read-only host path lies past the pairwise window gets the
/// NOTICE rule instead of a silent pass; other pods do not.
#[test]
fn allowed_host_paths_window() {
    let p = psp("  volumes: ['*']\n  allowedHostPaths:\n  - {pathPrefix: /usr, readOnly: true}\n");
    let empties = |n: usize| -> Vec<Value> {
        (0..n)
            .map(|i| json!({"name": format!("e{i}"), "emptyDir": {}}))
            .collect()
    };
    let mut late = empties(9);
    late.push(json!({"name": "h", "hostPath": {"path": "/usr/share"}}));
    let mut many_mounts: Vec<Value> = (0..9)
        .map(|i| json!({"name": format!("e{i}"), "mountPath": format!("/e{i}")}))
        .collect();
    many_mounts.push(json!({"name": "h", "mountPath": "/h"}));
    let mut with_host = empties(9);
    with_host.insert(0, json!({"name": "h", "hostPath": {"path": "/usr/share"}}));
    let mut ctr = c("a", Value::Null);
    ctr["volumeMounts"] = json!(many_mounts);
    let pods = [
        pod(
            "late-volume",
            NONE,
            json!({"containers": [c("a", Value::Null)], "volumes": late}),
        ),
        pod(
            "many-mounts",
            NONE,
            json!({"containers": [ctr.clone()], "volumes": with_host}),
        ),
        pod(
            "no-host-path",
            NONE,
            json!({"containers": [ctr], "volumes": empties(10)}),
        ),
    ];
    let set = rules_for(&p, Target::Falco, Mode::Strict, &[]);
    let events: Vec<String> = pods.iter().map(manifest).collect();
    let copts = CheckOptions {
        target: Target::Falco,
        json: true,
        rule_matching: RuleMatching::All,
    };
    let mut out = Vec::new();
    check::run(
        &set,
        events.join("---\n").as_bytes(),
        &copts,
        &mut out,
        &mut Vec::new(),
    )
    .unwrap();
    let too_large: BTreeSet<String> = String::from_utf8(out)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["rule"] == "PSP p Pod Too Large To Check (allowedHostPaths) K8s Audit")
        .map(|v| {
            v["output_fields"]["ka.resp.name"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    let want: BTreeSet<String> = ["late-volume", "many-mounts"].map(String::from).into();
    assert_eq!(too_large, want);
}
