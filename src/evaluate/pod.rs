//! The pod as the evaluator reads it: the `requestObject` of a pod creation, typed with serde,
//! with only the fields SPEC §5 reads. Every field is optional so that "unset" stays apart from
//! "false" or "empty" (SPEC §5 gives them different meanings); unknown fields are skipped.

use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;

use crate::psp::SeLinuxOptions;

/// A pod (`requestObject`).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Pod {
    #[serde(default)]
    pub metadata: PodMeta,
    #[serde(default)]
    pub spec: PodSpec,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PodMeta {
    pub name: Option<String>,
    pub namespace: Option<String>,
    /// Holds the seccomp and AppArmor annotations (`container.<...>/<container name>`).
    #[serde(default, deserialize_with = "null_as_empty")]
    pub annotations: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSpec {
    pub host_network: Option<bool>,
    #[serde(rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    pub security_context: Option<PodSecurityContext>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub init_containers: Vec<Container>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub containers: Vec<Container>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ephemeral_containers: Vec<Container>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub volumes: Vec<Volume>,
    pub runtime_class_name: Option<String>,
    /// Whose `use` permission counts besides the requesting user's (SPEC §9).
    pub service_account_name: Option<String>,
}

/// `spec.securityContext`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityContext {
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub fs_group: Option<i64>,
    pub supplemental_groups: Option<Vec<i64>>,
    pub se_linux_options: Option<SeLinuxOptions>,
    pub sysctls: Option<Vec<Sysctl>>,
    pub seccomp_profile: Option<SeccompProfile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Sysctl {
    #[serde(default)]
    pub name: String,
}

/// `securityContext.seccompProfile`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeccompProfile {
    #[serde(rename = "type", default)]
    pub type_: String,
    pub localhost_profile: Option<String>,
}

impl SeccompProfile {
    /// The profile in annotation spelling (`RuntimeDefault` → `runtime/default`, `Unconfined` →
    /// `unconfined`, `Localhost` → `localhost/<localhostProfile>`); another type is kept as
    /// written, which no policy lists.
    pub fn annotation_form(&self) -> String {
        match self.type_.as_str() {
            "RuntimeDefault" => "runtime/default".into(),
            "Unconfined" => "unconfined".into(),
            "Localhost" => format!(
                "localhost/{}",
                self.localhost_profile.as_deref().unwrap_or("")
            ),
            other => other.into(),
        }
    }
}

/// An init, regular or ephemeral container.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Container {
    #[serde(default)]
    pub name: String,
    pub image: Option<String>,
    pub security_context: Option<SecurityContext>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub ports: Vec<ContainerPort>,
    #[serde(default, deserialize_with = "null_as_empty")]
    pub volume_mounts: Vec<VolumeMount>,
}

/// A container's `securityContext`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SecurityContext {
    pub privileged: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub proc_mount: Option<String>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub se_linux_options: Option<SeLinuxOptions>,
    pub capabilities: Option<Capabilities>,
    pub seccomp_profile: Option<SeccompProfile>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct Capabilities {
    pub add: Option<Vec<String>>,
    pub drop: Option<Vec<String>>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ContainerPort {
    pub container_port: Option<i64>,
    pub host_port: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VolumeMount {
    #[serde(default)]
    pub name: String,
    pub read_only: Option<bool>,
}

/// A pod volume: its name, the source keys it sets (normally one: `emptyDir`, `hostPath`,
/// `cephfs`...), and the few source values the policy reads.
#[derive(Debug, Clone, Default)]
pub struct Volume {
    pub name: String,
    pub sources: Vec<String>,
    pub host_path: Option<String>,
    pub flex_driver: Option<String>,
    pub csi_driver: Option<String>,
}

/// `{path}` of a hostPath source, `{driver}` of a flexVolume or csi source.
#[derive(Deserialize, Default)]
struct SourceFields {
    path: Option<String>,
    driver: Option<String>,
}

impl<'de> Deserialize<'de> for Volume {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct VolumeVisitor;
        impl<'de> Visitor<'de> for VolumeVisitor {
            type Value = Volume;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a volume object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Volume, A::Error> {
                let mut v = Volume::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "name" => v.name = map.next_value::<Option<String>>()?.unwrap_or_default(),
                        "hostPath" | "flexVolume" | "csi" => {
                            let s: Option<SourceFields> = map.next_value()?;
                            let s = s.unwrap_or_default();
                            match key.as_ref() {
                                "hostPath" => v.host_path = Some(s.path.unwrap_or_default()),
                                "flexVolume" => v.flex_driver = Some(s.driver.unwrap_or_default()),
                                _ => v.csi_driver = Some(s.driver.unwrap_or_default()),
                            }
                            v.sources.push(key.into_owned());
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                            v.sources.push(key.into_owned());
                        }
                    }
                }
                Ok(v)
            }
        }
        d.deserialize_map(VolumeVisitor)
    }
}

/// `null` reads as an empty list or map, as Kubernetes' own decoder reads it.
fn null_as_empty<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Which container array a container belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Init,
    Regular,
    Ephemeral,
}

impl ContainerKind {
    /// The `spec` key of the array.
    pub fn field(self) -> &'static str {
        match self {
            ContainerKind::Init => "initContainers",
            ContainerKind::Regular => "containers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }
}

/// A container with where it sits in the pod, for reasons.
#[derive(Debug, Clone, Copy)]
pub struct ContainerAt<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub container: &'a Container,
}

impl std::fmt::Display for ContainerAt<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "container {:?} ({}[{}])",
            self.container.name,
            self.kind.field(),
            self.index
        )
    }
}

impl Pod {
    /// Init, regular and ephemeral containers, in the order PSP visited them.
    pub fn all_containers(&self) -> impl Iterator<Item = ContainerAt<'_>> {
        let s = &self.spec;
        [
            (ContainerKind::Init, &s.init_containers),
            (ContainerKind::Regular, &s.containers),
            (ContainerKind::Ephemeral, &s.ephemeral_containers),
        ]
        .into_iter()
        .flat_map(|(kind, list)| {
            list.iter()
                .enumerate()
                .map(move |(index, container)| ContainerAt {
                    kind,
                    index,
                    container,
                })
        })
    }

    /// The pod-level security context, empty when unset.
    pub fn security(&self) -> &PodSecurityContext {
        static EMPTY: PodSecurityContext = PodSecurityContext {
            run_as_user: None,
            run_as_group: None,
            run_as_non_root: None,
            fs_group: None,
            supplemental_groups: None,
            se_linux_options: None,
            sysctls: None,
            seccomp_profile: None,
        };
        self.spec.security_context.as_ref().unwrap_or(&EMPTY)
    }

    /// A pod annotation; an empty value counts as unset, as PSP read it.
    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.metadata
            .annotations
            .get(key)
            .map(String::as_str)
            .filter(|v| !v.is_empty())
    }
}

impl Container {
    /// The container's own security context, empty when unset.
    pub fn security(&self) -> &SecurityContext {
        static EMPTY: SecurityContext = SecurityContext {
            privileged: None,
            read_only_root_filesystem: None,
            allow_privilege_escalation: None,
            proc_mount: None,
            run_as_user: None,
            run_as_group: None,
            run_as_non_root: None,
            se_linux_options: None,
            capabilities: None,
            seccomp_profile: None,
        };
        self.security_context.as_ref().unwrap_or(&EMPTY)
    }

    /// `capabilities.add`, empty when unset.
    pub fn added_capabilities(&self) -> &[String] {
        self.security()
            .capabilities
            .as_ref()
            .and_then(|c| c.add.as_deref())
            .unwrap_or(&[])
    }

    /// `capabilities.drop`, empty when unset.
    pub fn dropped_capabilities(&self) -> &[String] {
        self.security()
            .capabilities
            .as_ref()
            .and_then(|c| c.drop.as_deref())
            .unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes_keep_every_source_key_and_the_values_policies_read() {
        let pod: Pod = serde_json::from_str(
            r#"{"spec": {"volumes": [
                {"name": "h", "hostPath": {"path": "/var/log", "type": "Directory"}},
                {"name": "f", "flexVolume": {"driver": "example/lvm"}},
                {"name": "c", "csi": {"driver": "inline.csi"}},
                {"name": "two", "emptyDir": {}, "cephfs": {"monitors": []}},
                {"name": "none"}
            ]}}"#,
        )
        .unwrap();
        let v = &pod.spec.volumes;
        assert_eq!(v[0].host_path.as_deref(), Some("/var/log"));
        assert_eq!(v[1].flex_driver.as_deref(), Some("example/lvm"));
        assert_eq!(v[2].csi_driver.as_deref(), Some("inline.csi"));
        assert_eq!(v[3].sources, ["emptyDir", "cephfs"]);
        assert!(v[4].sources.is_empty());
    }

    #[test]
    fn seccomp_fields_read_in_annotation_spelling() {
        let p = |t: &str, l: Option<&str>| SeccompProfile {
            type_: t.into(),
            localhost_profile: l.map(str::to_owned),
        };
        assert_eq!(
            p("RuntimeDefault", None).annotation_form(),
            "runtime/default"
        );
        assert_eq!(p("Unconfined", None).annotation_form(), "unconfined");
        assert_eq!(
            p("Localhost", Some("audit.json")).annotation_form(),
            "localhost/audit.json"
        );
    }

    #[test]
    fn containers_are_visited_init_regular_ephemeral_and_named_for_reasons() {
        let pod: Pod = serde_json::from_str(
            r#"{"spec": {"ephemeralContainers": [{"name": "dbg"}], "containers": [{"name": "a"}, {"name": "b"}], "initContainers": [{"name": "i"}]}}"#,
        )
        .unwrap();
        let names: Vec<String> = pod.all_containers().map(|c| c.to_string()).collect();
        assert_eq!(
            names,
            [
                "container \"i\" (initContainers[0])",
                "container \"a\" (containers[0])",
                "container \"b\" (containers[1])",
                "container \"dbg\" (ephemeralContainers[0])",
            ]
        );
    }
}
