//! Cost of a 5-policy set's `falco` rules in `check` (ignored by default; run with
//! `cargo test --release --test policy_set_bench -- --ignored --nocapture`): rules size and CPU
//! per event, pod creations and other audit events apart, against the same five policies
//! converted one by one.

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::convert::{convert, Mode, Options, PolicySetOptions, Sources};
use pspconv::psp::load_policy_set;
use pspconv::rbac::{load_rbac, UsePermissions};
use pspconv::Target;
use std::time::Instant;

const PSP: &str = include_str!("data/cluster/psp.yaml");
const RBAC: &str = include_str!("data/cluster/rbac.yaml");
const EVENTS: &str = include_str!("data/cluster/events.jsonl");

/// Two more policies of a typical cluster: an ingress controller's, and a read-only variant of
/// `restricted` for an auditors' group.
const MORE_PSP: &str = r#"
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: ingress}
spec:
  hostNetwork: true
  hostPorts: [{min: 80, max: 80}, {min: 443, max: 443}]
  allowedCapabilities: [NET_BIND_SERVICE]
  requiredDropCapabilities: [ALL]
  volumes: [configMap, secret, projected]
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: RunAsAny}
  fsGroup: {rule: RunAsAny}
---
apiVersion: policy/v1beta1
kind: PodSecurityPolicy
metadata: {name: restricted-readonly}
spec:
  allowPrivilegeEscalation: false
  requiredDropCapabilities: [ALL]
  readOnlyRootFilesystem: true
  volumes: [configMap, emptyDir, projected, secret, downwardAPI]
  runAsUser: {rule: MustRunAsNonRoot}
  seLinux: {rule: RunAsAny}
  supplementalGroups: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
  fsGroup: {rule: MustRunAs, ranges: [{min: 1, max: 65535}]}
"#;

const MORE_RBAC: &str = r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: psp:ingress}
rules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [ingress]}]
---
kind: RoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: psp:ingress, namespace: ingress-nginx}
roleRef: {kind: ClusterRole, name: psp:ingress, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: ServiceAccount, name: ingress-nginx}]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: psp:restricted-readonly}
rules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [restricted-readonly]}]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: psp:restricted-readonly}
roleRef: {kind: ClusterRole, name: psp:restricted-readonly, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: Group, name: auditors, apiGroup: rbac.authorization.k8s.io}]
"#;

const OTHER: &str = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b5c1f4e-8a1d-4c1e-9a57-2d3f8c3e6b1a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/configmaps/kube-proxy","verb":"get","user":{"username":"system:node:node-1","groups":["system:nodes","system:authenticated"]},"sourceIPs":["10.0.0.12"],"userAgent":"kubelet/v1.24.3","objectRef":{"resource":"configmaps","namespace":"kube-system","name":"kube-proxy","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2022-08-01T10:00:00.000000Z","stageTimestamp":"2022-08-01T10:00:00.001000Z"}"#;

fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

/// CPU seconds per event of `rules` over `n` copies of `lines`.
fn per_event(rules: &check::RuleSet, target: Target, lines: &[&str], n: usize) -> f64 {
    let mut log = String::new();
    for i in 0..n {
        log.push_str(lines[i % lines.len()]);
        log.push('\n');
    }
    let opts = CheckOptions {
        target,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let cpu = cpu_secs();
    let wall = Instant::now();
    check::run(
        rules,
        log.as_bytes(),
        &opts,
        &mut std::io::sink(),
        &mut Vec::new(),
    )
    .unwrap();
    let (cpu, wall) = (cpu_secs() - cpu, wall.elapsed().as_secs_f64());
    // CPU time counts in 10 ms ticks: fall back on wall time for short runs.
    if cpu >= 0.5 {
        cpu / n as f64
    } else {
        wall / n as f64
    }
}

#[test]
#[ignore]
fn five_policy_set_cost() {
    let psp = format!("{PSP}\n---\n{MORE_PSP}");
    let loaded = load_policy_set(&psp, "psp.yaml").unwrap();
    assert_eq!(loaded.policies.len(), 5);
    let mut objects = load_rbac(RBAC, "rbac.yaml").unwrap().objects;
    objects.extend(load_rbac(MORE_RBAC, "more.yaml").unwrap().objects);
    let (perms, _) = UsePermissions::resolve(&objects);
    let pods: Vec<&str> = EVENTS.lines().collect();
    for (label, target, set) in [
        ("falco, per-policy rules", Target::Falco, None),
        ("falco, policy set", Target::Falco, Some(perms.clone())),
        ("plugin, policy set", Target::Plugin, Some(perms.clone())),
    ] {
        let opts = Options {
            target,
            mode: Mode::Strict,
            sources: Sources::K8sAudit,
            policy_set: set.map(|rbac| PolicySetOptions { rbac: Some(rbac) }),
            ..Options::default()
        };
        let text = convert(&loaded.policies, &opts).unwrap().text;
        let mut rules = check::load(&text, "bench", target).unwrap();
        if target == Target::Plugin {
            let settings = pspconv::plugin_config::PluginSettings {
                mode: Mode::Strict,
                ..Default::default()
            };
            let mut state =
                pspconv::plugin_config::plugin_state(&loaded.policies, &settings).unwrap();
            state.set.rbac = Some(perms.clone());
            rules.attach_plugin(std::sync::Arc::new(state));
        }
        let pod = per_event(&rules, target, &pods, 20_000);
        let other = per_event(&rules, target, &[OTHER], 200_000);
        println!(
            "{label}: {} bytes, {} rules; check: {:.1} µs per pod creation, {:.2} µs per other event",
            text.len(),
            rules.rules.len(),
            pod * 1e6,
            other * 1e6
        );
    }
}
