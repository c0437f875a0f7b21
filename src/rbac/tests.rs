use super::*;

fn perms(text: &str) -> (UsePermissions, Vec<String>) {
    let loaded = load_rbac(text, "rbac.yaml").expect("loads");
    UsePermissions::resolve(&loaded.objects)
}

const CLUSTER: &str = r#"
apiVersion: v1
kind: List
items:
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRole
  metadata: {name: psp-restricted, resourceVersion: "1"}
  rules:
  - apiGroups: [policy]
    resources: [podsecuritypolicies]
    verbs: [use]
    resourceNames: [restricted]
- apiVersion: rbac.authorization.k8s.io/v1
  kind: ClusterRoleBinding
  metadata: {name: all-authenticated}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: psp-restricted}
  subjects:
  - {apiGroup: rbac.authorization.k8s.io, kind: Group, name: "system:authenticated"}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: Role
  metadata: {name: psp-baseline, namespace: team-a}
  rules:
  - {apiGroups: [extensions], resources: ["*"], verbs: ["*"], resourceNames: [baseline]}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: team-a-baseline, namespace: team-a}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: psp-baseline}
  subjects:
  - {kind: ServiceAccount, name: builder}
  - {kind: User, name: alice}
  - {kind: Robot, name: r2d2}
- apiVersion: rbac.authorization.k8s.io/v1
  kind: RoleBinding
  metadata: {name: dangling, namespace: team-a}
  roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: missing}
  subjects: [{kind: User, name: bob}]
- apiVersion: v1
  kind: ConfigMap
  metadata: {name: x}
"#;

#[test]
fn cluster_and_namespace_bindings_resolve() {
    let (p, warnings) = perms(CLUSTER);
    let authenticated = vec!["system:authenticated".to_string()];
    assert!(p.may_use("restricted", "anywhere", "carol", &authenticated));
    assert!(!p.may_use("baseline", "anywhere", "carol", &authenticated));
    assert!(p.may_use("baseline", "team-a", "alice", &[]));
    assert!(!p.may_use("baseline", "team-b", "alice", &[]));
    assert!(p.may_use(
        "baseline",
        "team-a",
        "system:serviceaccount:team-a:builder",
        &[]
    ));
    assert!(!p.may_use("baseline", "team-a", "bob", &[]));
    assert!(p.may_use("anything", "x", "root", &[MASTERS_GROUP.to_string()]));
    assert!(warnings
        .iter()
        .any(|w| w.contains("\"Robot\"") && w.contains("team-a-baseline")));
    assert!(warnings
        .iter()
        .any(|w| w.contains("\"dangling\"") && w.contains("\"missing\"")));
}

#[test]
fn the_pod_service_account_counts_without_system_authenticated() {
    let (p, _) = perms(CLUSTER);
    let controller = PodRequest {
        namespace: "team-a",
        user: "system:serviceaccount:kube-system:replicaset-controller",
        groups: &[],
        service_account: Some("builder"),
    };
    assert!(p.usable("baseline", &controller));
    // The service account never carries system:authenticated (SPEC §9).
    assert!(!p.usable("restricted", &controller));
    let default_sa = PodRequest {
        service_account: None,
        ..controller
    };
    assert!(!p.usable("baseline", &default_sa));
}

#[test]
fn aggregated_cluster_roles_gather_matching_roles() {
    let text = r#"
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: psp-aggregate}
aggregationRule:
  clusterRoleSelectors:
  - matchLabels: {psp.example.com/aggregate: "true"}
  - matchExpressions: [{key: tier, operator: In, values: [gold]}]
rules: null
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: one, labels: {psp.example.com/aggregate: "true"}}
rules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [p1]}]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: two, labels: {tier: gold}}
rules: [{apiGroups: ["*"], resources: [podsecuritypolicies], verbs: [use], resourceNames: [p2]}]
---
kind: ClusterRole
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: three, labels: {tier: silver}}
rules: [{apiGroups: [policy], resources: [podsecuritypolicies], verbs: [use], resourceNames: [p3]}]
---
kind: ClusterRoleBinding
apiVersion: rbac.authorization.k8s.io/v1
metadata: {name: b}
roleRef: {kind: ClusterRole, name: psp-aggregate, apiGroup: rbac.authorization.k8s.io}
subjects: [{kind: ServiceAccount, name: agent, namespace: ops}]
"#;
    let (p, warnings) = perms(text);
    assert!(warnings.is_empty(), "{warnings:?}");
    let sa = "system:serviceaccount:ops:agent";
    assert!(p.may_use("p1", "x", sa, &[]));
    assert!(p.may_use("p2", "x", sa, &[]));
    assert!(!p.may_use("p3", "x", sa, &[]));
}

#[test]
fn rules_for_other_verbs_or_resources_grant_nothing() {
    let text = r#"{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"r"},
 "rules":[{"apiGroups":["policy"],"resources":["podsecuritypolicies"],"verbs":["get","list"]},
          {"apiGroups":[""],"resources":["podsecuritypolicies"],"verbs":["use"]},
          {"apiGroups":["policy"],"resources":["pods"],"verbs":["use"]}]}
{"kind":"ClusterRoleBinding","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"b"},
 "roleRef":{"kind":"ClusterRole","name":"r"},"subjects":[{"kind":"User","name":"u"}]}
"#;
    let (p, _) = perms(text);
    assert!(!p.may_use("any", "x", "u", &[]));
}

#[test]
fn bad_input_names_file_line_and_field() {
    let text = "kind: RoleBinding\nmetadata: {name: b, namespace: n}\nroleRef: {kind: Role, name: r}\nsubjects:\n- kind: User\n  name: [not, a, string]\n";
    let e = load_rbac(text, "rbac.yaml").unwrap_err();
    let shown = e.to_string();
    assert!(shown.starts_with("rbac.yaml:6:"), "{shown}");
    assert!(shown.contains("subjects[0].name"), "{shown}");
    let e = load_rbac("kind: Role\nrules: [\n", "r.yaml").unwrap_err();
    assert!(e.to_string().starts_with("r.yaml:"), "{e}");
    assert!(e.line.is_some());
}

#[test]
fn other_kinds_are_skipped_with_a_note() {
    let loaded = load_rbac(CLUSTER, "rbac.yaml").unwrap();
    assert!(loaded
        .warnings
        .iter()
        .any(|w| w.starts_with("note: rbac.yaml: document 1, item 6: skipping kind ConfigMap")));
    assert_eq!(loaded.objects.len(), 5);
}
