//! The PodSecurityPolicy object, typed as in Kubernetes 1.24 (`policy/v1beta1`).
//!
//! Every list and optional field is an `Option` so that "absent" and "explicitly empty" stay
//! distinct: SPEC §5 gives them different meanings in `declared` mode.

use serde::Deserialize;
use std::collections::BTreeMap;

use super::validate::{HostPortRange, IdRange};

/// A PSP document as read from the input.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PodSecurityPolicy {
    pub api_version: Option<String>,
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ObjectMeta,
    #[serde(default)]
    pub spec: PspSpec,
}

/// The parts of `metadata` pspconv reads; the other standard fields are accepted and ignored.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct ObjectMeta {
    pub name: Option<String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
    pub namespace: Option<String>,
    pub generate_name: Option<String>,
    pub uid: Option<serde_yaml::Value>,
    pub resource_version: Option<serde_yaml::Value>,
    pub generation: Option<serde_yaml::Value>,
    pub creation_timestamp: Option<serde_yaml::Value>,
    pub deletion_timestamp: Option<serde_yaml::Value>,
    pub deletion_grace_period_seconds: Option<serde_yaml::Value>,
    pub owner_references: Option<serde_yaml::Value>,
    pub finalizers: Option<serde_yaml::Value>,
    pub managed_fields: Option<serde_yaml::Value>,
    pub self_link: Option<serde_yaml::Value>,
    pub cluster_name: Option<serde_yaml::Value>,
}

/// `PodSecurityPolicySpec`, Kubernetes 1.24.
#[derive(Debug, Clone, Deserialize, Default)]
#[serde(rename_all = "camelCase")]
pub struct PspSpec {
    pub privileged: Option<bool>,
    pub default_add_capabilities: Option<Vec<String>>,
    pub required_drop_capabilities: Option<Vec<String>>,
    pub allowed_capabilities: Option<Vec<String>>,
    pub volumes: Option<Vec<FsType>>,
    pub host_network: Option<bool>,
    pub host_ports: Option<Vec<HostPortRange>>,
    #[serde(rename = "hostPID")]
    pub host_pid: Option<bool>,
    #[serde(rename = "hostIPC")]
    pub host_ipc: Option<bool>,
    #[serde(rename = "seLinux")]
    pub se_linux: Option<SeLinuxStrategy>,
    pub run_as_user: Option<RunAsUserStrategy>,
    pub run_as_group: Option<GroupStrategy>,
    pub supplemental_groups: Option<GroupStrategy>,
    pub fs_group: Option<GroupStrategy>,
    pub read_only_root_filesystem: Option<bool>,
    pub default_allow_privilege_escalation: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub allowed_host_paths: Option<Vec<AllowedHostPath>>,
    pub allowed_flex_volumes: Option<Vec<AllowedFlexVolume>>,
    #[serde(rename = "allowedCSIDrivers")]
    pub allowed_csi_drivers: Option<Vec<AllowedCsiDriver>>,
    pub allowed_unsafe_sysctls: Option<Vec<String>>,
    pub forbidden_sysctls: Option<Vec<String>>,
    pub allowed_proc_mount_types: Option<Vec<ProcMountType>>,
    pub runtime_class: Option<RuntimeClassStrategy>,
}

/// `FSType`: the volume kinds a PSP can allow. The pod-side JSON key is [`FsType::pod_key`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
pub enum FsType {
    #[serde(rename = "azureFile")]
    AzureFile,
    #[serde(rename = "flocker")]
    Flocker,
    #[serde(rename = "flexVolume")]
    FlexVolume,
    #[serde(rename = "hostPath")]
    HostPath,
    #[serde(rename = "emptyDir")]
    EmptyDir,
    #[serde(rename = "gcePersistentDisk")]
    GcePersistentDisk,
    #[serde(rename = "awsElasticBlockStore")]
    AwsElasticBlockStore,
    #[serde(rename = "gitRepo")]
    GitRepo,
    #[serde(rename = "secret")]
    Secret,
    #[serde(rename = "nfs")]
    Nfs,
    #[serde(rename = "iscsi")]
    Iscsi,
    #[serde(rename = "glusterfs")]
    Glusterfs,
    #[serde(rename = "persistentVolumeClaim")]
    PersistentVolumeClaim,
    #[serde(rename = "rbd")]
    Rbd,
    #[serde(rename = "cinder")]
    Cinder,
    #[serde(rename = "cephFS")]
    CephFs,
    #[serde(rename = "downwardAPI")]
    DownwardApi,
    #[serde(rename = "fc")]
    Fc,
    #[serde(rename = "configMap")]
    ConfigMap,
    #[serde(rename = "vsphereVolume")]
    VsphereVolume,
    #[serde(rename = "quobyte")]
    Quobyte,
    #[serde(rename = "azureDisk")]
    AzureDisk,
    #[serde(rename = "photonPersistentDisk")]
    PhotonPersistentDisk,
    #[serde(rename = "storageos")]
    Storageos,
    #[serde(rename = "projected")]
    Projected,
    #[serde(rename = "portworxVolume")]
    PortworxVolume,
    #[serde(rename = "scaleIO")]
    ScaleIo,
    #[serde(rename = "csi")]
    Csi,
    #[serde(rename = "ephemeral")]
    Ephemeral,
    #[serde(rename = "*")]
    All,
}

impl FsType {
    /// Every concrete volume type (not `*`), in the order of the Kubernetes API.
    pub const CONCRETE: [FsType; 29] = [
        FsType::AzureFile,
        FsType::Flocker,
        FsType::FlexVolume,
        FsType::HostPath,
        FsType::EmptyDir,
        FsType::GcePersistentDisk,
        FsType::AwsElasticBlockStore,
        FsType::GitRepo,
        FsType::Secret,
        FsType::Nfs,
        FsType::Iscsi,
        FsType::Glusterfs,
        FsType::PersistentVolumeClaim,
        FsType::Rbd,
        FsType::Cinder,
        FsType::CephFs,
        FsType::DownwardApi,
        FsType::Fc,
        FsType::ConfigMap,
        FsType::VsphereVolume,
        FsType::Quobyte,
        FsType::AzureDisk,
        FsType::PhotonPersistentDisk,
        FsType::Storageos,
        FsType::Projected,
        FsType::PortworxVolume,
        FsType::ScaleIo,
        FsType::Csi,
        FsType::Ephemeral,
    ];

    /// The key of `spec.volumes[i]` in a pod that selects this type (PSP `cephFS` is pod `cephfs`).
    pub fn pod_key(self) -> &'static str {
        match self {
            FsType::AzureFile => "azureFile",
            FsType::Flocker => "flocker",
            FsType::FlexVolume => "flexVolume",
            FsType::HostPath => "hostPath",
            FsType::EmptyDir => "emptyDir",
            FsType::GcePersistentDisk => "gcePersistentDisk",
            FsType::AwsElasticBlockStore => "awsElasticBlockStore",
            FsType::GitRepo => "gitRepo",
            FsType::Secret => "secret",
            FsType::Nfs => "nfs",
            FsType::Iscsi => "iscsi",
            FsType::Glusterfs => "glusterfs",
            FsType::PersistentVolumeClaim => "persistentVolumeClaim",
            FsType::Rbd => "rbd",
            FsType::Cinder => "cinder",
            FsType::CephFs => "cephfs",
            FsType::DownwardApi => "downwardAPI",
            FsType::Fc => "fc",
            FsType::ConfigMap => "configMap",
            FsType::VsphereVolume => "vsphereVolume",
            FsType::Quobyte => "quobyte",
            FsType::AzureDisk => "azureDisk",
            FsType::PhotonPersistentDisk => "photonPersistentDisk",
            FsType::Storageos => "storageos",
            FsType::Projected => "projected",
            FsType::PortworxVolume => "portworxVolume",
            FsType::ScaleIo => "scaleIO",
            FsType::Csi => "csi",
            FsType::Ephemeral => "ephemeral",
            FsType::All => "*",
        }
    }
}

/// `runAsUser.rule`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum RunAsUserRule {
    MustRunAs,
    MustRunAsNonRoot,
    RunAsAny,
}

/// `runAsGroup`, `supplementalGroups`, `fsGroup` rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum GroupRule {
    MustRunAs,
    MayRunAs,
    RunAsAny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
pub enum SeLinuxRule {
    MustRunAs,
    RunAsAny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
pub enum ProcMountType {
    Default,
    Unmasked,
}

impl ProcMountType {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcMountType::Default => "Default",
            ProcMountType::Unmasked => "Unmasked",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RunAsUserStrategy {
    pub rule: RunAsUserRule,
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupStrategy {
    pub rule: Option<GroupRule>,
    #[serde(default)]
    pub ranges: Vec<IdRange>,
}

impl GroupStrategy {
    /// An absent rule counts as `RunAsAny` (SPEC §5).
    pub fn rule(&self) -> GroupRule {
        self.rule.unwrap_or(GroupRule::RunAsAny)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SeLinuxStrategy {
    pub rule: SeLinuxRule,
    #[serde(rename = "seLinuxOptions")]
    pub se_linux_options: Option<SeLinuxOptions>,
}

#[derive(Debug, Clone, Default, Deserialize, PartialEq, Eq)]
pub struct SeLinuxOptions {
    pub user: Option<String>,
    pub role: Option<String>,
    #[serde(rename = "type")]
    pub type_: Option<String>,
    pub level: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllowedHostPath {
    pub path_prefix: String,
    #[serde(default)]
    pub read_only: bool,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AllowedFlexVolume {
    pub driver: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct AllowedCsiDriver {
    pub name: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RuntimeClassStrategy {
    #[serde(default)]
    pub allowed_runtime_class_names: Vec<String>,
    pub default_runtime_class_name: Option<String>,
}
