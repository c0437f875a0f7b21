//! A plain Rust picture of a PSP and of a pod, with only the fields SPEC §5 reads, and their
//! rendering to the JSON `pspconv` and `check` consume. Every optional field keeps "absent"
//! apart from "explicitly empty" or "explicitly false", since SPEC §5 gives them different
//! meanings.

use serde_json::{json, Map, Value};

/// Inclusive `{min, max}` ranges (IDs or host ports).
pub type Ranges = Vec<(i64, i64)>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserRule {
    MustRunAs,
    MustRunAsNonRoot,
    RunAsAny,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRule {
    MustRunAs,
    MayRunAs,
    RunAsAny,
}

#[derive(Debug, Clone)]
pub struct UserStrategy {
    pub rule: UserRule,
    pub ranges: Ranges,
}

/// `runAsGroup`, `supplementalGroups`, `fsGroup`; an absent rule counts as `RunAsAny`.
#[derive(Debug, Clone)]
pub struct GroupStrategy {
    pub rule: Option<GroupRule>,
    pub ranges: Ranges,
}

/// `seLinuxOptions`; an unset sub-field is left out of the JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SeLinux {
    pub user: Option<&'static str>,
    pub role: Option<&'static str>,
    pub type_: Option<&'static str>,
    pub level: Option<&'static str>,
}

/// `seLinux`: `MustRunAs` always carries options (the loader refuses it without).
#[derive(Debug, Clone)]
pub enum SeLinuxStrategy {
    MustRunAs(SeLinux),
    RunAsAny,
}

#[derive(Debug, Clone)]
pub struct HostPathRule {
    pub prefix: &'static str,
    /// `readOnly`; absent means false.
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone)]
pub struct RuntimeClass {
    pub allowed: Vec<&'static str>,
    pub default: Option<&'static str>,
}

#[derive(Debug, Clone, Default)]
pub struct Psp {
    pub privileged: Option<bool>,
    pub host_pid: Option<bool>,
    pub host_ipc: Option<bool>,
    pub host_network: Option<bool>,
    pub host_ports: Option<Ranges>,
    /// PSP `FSType` names (`cephFS`, `*`...).
    pub volumes: Option<Vec<&'static str>>,
    pub allowed_host_paths: Option<Vec<HostPathRule>>,
    pub allowed_flex_volumes: Option<Vec<&'static str>>,
    pub allowed_csi_drivers: Option<Vec<&'static str>>,
    pub allowed_capabilities: Option<Vec<&'static str>>,
    pub default_add_capabilities: Option<Vec<&'static str>>,
    pub required_drop_capabilities: Option<Vec<&'static str>>,
    pub run_as_user: Option<UserStrategy>,
    pub run_as_group: Option<GroupStrategy>,
    pub supplemental_groups: Option<GroupStrategy>,
    pub fs_group: Option<GroupStrategy>,
    pub se_linux: Option<SeLinuxStrategy>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub default_allow_privilege_escalation: Option<bool>,
    pub allowed_unsafe_sysctls: Option<Vec<&'static str>>,
    pub forbidden_sysctls: Option<Vec<&'static str>>,
    pub allowed_proc_mount_types: Option<Vec<&'static str>>,
    pub runtime_class: Option<RuntimeClass>,
    /// The raw `seccomp.security.alpha.kubernetes.io/allowedProfileNames` annotation.
    pub seccomp_allowed: Option<String>,
    pub seccomp_default: Option<&'static str>,
    /// The raw `apparmor.security.beta.kubernetes.io/allowedProfileNames` annotation.
    pub apparmor_allowed: Option<String>,
    pub apparmor_default: Option<&'static str>,
}

/// A seccomp profile in annotation spelling (`runtime/default`, `localhost/prof.json`...).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seccomp {
    /// Only the annotation: `seccomp.security.alpha.kubernetes.io/pod` or the container key.
    Annotation(&'static str),
    /// Only the `securityContext.seccompProfile` field.
    Field(&'static str),
    /// Both, agreeing (the API server refuses a pod where they disagree).
    Both(&'static str),
}

impl Seccomp {
    pub fn profile(self) -> &'static str {
        match self {
            Seccomp::Annotation(p) | Seccomp::Field(p) | Seccomp::Both(p) => p,
        }
    }
    pub fn annotation(self) -> Option<&'static str> {
        match self {
            Seccomp::Annotation(p) | Seccomp::Both(p) => Some(p),
            Seccomp::Field(_) => None,
        }
    }
    pub fn field(self) -> Option<&'static str> {
        match self {
            Seccomp::Field(p) | Seccomp::Both(p) => Some(p),
            Seccomp::Annotation(_) => None,
        }
    }
}

/// A pod volume: which source key it sets, with the value the model reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VolumeSource {
    /// A source whose content does not matter (`emptyDir`, `secret`, `cephfs`...), by pod key.
    Plain(&'static str),
    HostPath(&'static str),
    Flex(&'static str),
    Csi(&'static str),
}

impl VolumeSource {
    /// The key of `spec.volumes[i]` that selects the volume type.
    pub fn key(&self) -> &'static str {
        match self {
            VolumeSource::Plain(k) => k,
            VolumeSource::HostPath(_) => "hostPath",
            VolumeSource::Flex(_) => "flexVolume",
            VolumeSource::Csi(_) => "csi",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Port {
    pub container_port: i64,
    pub host_port: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct Mount {
    /// Index into the pod's volumes (taken modulo their number).
    pub volume: usize,
    pub read_only: Option<bool>,
}

#[derive(Debug, Clone, Default)]
pub struct Container {
    /// Set by [`Pod::name_containers`].
    pub name: String,
    pub privileged: Option<bool>,
    pub read_only_root_filesystem: Option<bool>,
    pub allow_privilege_escalation: Option<bool>,
    pub proc_mount: Option<&'static str>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub se_linux: Option<SeLinux>,
    pub add: Option<Vec<&'static str>>,
    pub drop: Option<Vec<&'static str>>,
    pub ports: Vec<Port>,
    pub mounts: Vec<Mount>,
    pub seccomp: Option<Seccomp>,
    /// The value of `container.apparmor.security.beta.kubernetes.io/<name>`.
    pub apparmor: Option<&'static str>,
    /// Write `securityContext: {}` even when no field of it is set.
    pub empty_security_context: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Pod {
    pub host_network: Option<bool>,
    pub host_pid: Option<bool>,
    pub host_ipc: Option<bool>,
    pub run_as_user: Option<i64>,
    pub run_as_group: Option<i64>,
    pub run_as_non_root: Option<bool>,
    pub fs_group: Option<i64>,
    pub supplemental_groups: Option<Vec<i64>>,
    pub se_linux: Option<SeLinux>,
    pub sysctls: Option<Vec<&'static str>>,
    pub seccomp: Option<Seccomp>,
    pub runtime_class_name: Option<&'static str>,
    pub volumes: Vec<VolumeSource>,
    pub init: Vec<Container>,
    pub containers: Vec<Container>,
    pub ephemeral: Vec<Container>,
    /// Write empty arrays and objects (`volumes: []`, `securityContext: {}`, `annotations: {}`,
    /// `ports: []`...) where there is nothing to say, instead of leaving the key out.
    pub explicit_empty: bool,
}

/// Which container array a container belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Init,
    Regular,
    Ephemeral,
}

impl Pod {
    /// Init, regular and ephemeral containers, in the order PSP visits them.
    pub fn all_containers(&self) -> impl Iterator<Item = (Kind, &Container)> {
        let init = self.init.iter().map(|c| (Kind::Init, c));
        let regular = self.containers.iter().map(|c| (Kind::Regular, c));
        let ephemeral = self.ephemeral.iter().map(|c| (Kind::Ephemeral, c));
        init.chain(regular).chain(ephemeral)
    }

    /// Names the containers `init-0`, `app-0`, `debug-0`..., or (`nested`) `c`, `c1`, `c11`...:
    /// each name inside the next and inside every `container.` annotation key, which is what
    /// trips a rule that looks a container's name up in the annotations' text.
    pub fn name_containers(&mut self, nested: bool) {
        let mut n = 0;
        for (prefix, list) in [
            ("init", &mut self.init),
            ("app", &mut self.containers),
            ("debug", &mut self.ephemeral),
        ] {
            for (i, c) in list.iter_mut().enumerate() {
                c.name = if nested {
                    format!("c{}", "1".repeat(n))
                } else {
                    format!("{prefix}-{i}")
                };
                n += 1;
            }
        }
    }

    pub fn volume_name(i: usize) -> String {
        format!("vol-{i}")
    }

    /// The name of the volume a mount refers to.
    pub fn mounted(&self, m: &Mount) -> Option<usize> {
        (!self.volumes.is_empty()).then(|| m.volume % self.volumes.len())
    }

    /// `spec` of the pod, as JSON.
    pub fn spec_json(&self) -> Value {
        let mut spec = Map::new();
        put_bool(&mut spec, "hostNetwork", self.host_network);
        put_bool(&mut spec, "hostPID", self.host_pid);
        put_bool(&mut spec, "hostIPC", self.host_ipc);
        if let Some(n) = self.runtime_class_name {
            spec.insert("runtimeClassName".into(), json!(n));
        }
        let mut sc = Map::new();
        put_num(&mut sc, "runAsUser", self.run_as_user);
        put_num(&mut sc, "runAsGroup", self.run_as_group);
        put_bool(&mut sc, "runAsNonRoot", self.run_as_non_root);
        put_num(&mut sc, "fsGroup", self.fs_group);
        if let Some(g) = &self.supplemental_groups {
            sc.insert("supplementalGroups".into(), json!(g));
        }
        if let Some(o) = &self.se_linux {
            sc.insert("seLinuxOptions".into(), se_linux_json(o));
        }
        if let Some(s) = &self.sysctls {
            let items: Vec<Value> = s.iter().map(|n| json!({"name": n, "value": "1"})).collect();
            sc.insert("sysctls".into(), Value::Array(items));
        }
        if let Some(p) = self.seccomp.and_then(Seccomp::field) {
            sc.insert("seccompProfile".into(), seccomp_field_json(p));
        }
        if !sc.is_empty() || self.explicit_empty {
            spec.insert("securityContext".into(), Value::Object(sc));
        }
        for (key, list) in [
            ("initContainers", &self.init),
            ("containers", &self.containers),
            ("ephemeralContainers", &self.ephemeral),
        ] {
            if !list.is_empty() || self.explicit_empty {
                let items = list.iter().map(|c| self.container_json(c)).collect();
                spec.insert(key.into(), Value::Array(items));
            }
        }
        if !self.volumes.is_empty() || self.explicit_empty {
            let items = self
                .volumes
                .iter()
                .enumerate()
                .map(|(i, v)| volume_json(&Pod::volume_name(i), v))
                .collect();
            spec.insert("volumes".into(), Value::Array(items));
        }
        Value::Object(spec)
    }

    /// `metadata` of the pod beyond name and namespace: the seccomp and AppArmor annotations.
    pub fn metadata_json(&self) -> Value {
        let annotations = self.annotations();
        if annotations.is_empty() && !self.explicit_empty {
            json!({})
        } else {
            json!({ "annotations": annotations })
        }
    }

    pub fn annotations(&self) -> Map<String, Value> {
        let mut a = Map::new();
        if let Some(p) = self.seccomp.and_then(Seccomp::annotation) {
            a.insert("seccomp.security.alpha.kubernetes.io/pod".into(), json!(p));
        }
        for (_, c) in self.all_containers() {
            if let Some(p) = c.seccomp.and_then(Seccomp::annotation) {
                let key = format!("container.seccomp.security.alpha.kubernetes.io/{}", c.name);
                a.insert(key, json!(p));
            }
            if let Some(p) = c.apparmor {
                let key = format!("container.apparmor.security.beta.kubernetes.io/{}", c.name);
                a.insert(key, json!(p));
            }
        }
        a
    }

    fn container_json(&self, c: &Container) -> Value {
        let mut o = Map::new();
        o.insert("name".into(), json!(c.name));
        o.insert("image".into(), json!("nginx"));
        let mut sc = Map::new();
        put_bool(&mut sc, "privileged", c.privileged);
        put_bool(
            &mut sc,
            "readOnlyRootFilesystem",
            c.read_only_root_filesystem,
        );
        put_bool(
            &mut sc,
            "allowPrivilegeEscalation",
            c.allow_privilege_escalation,
        );
        if let Some(p) = c.proc_mount {
            sc.insert("procMount".into(), json!(p));
        }
        put_num(&mut sc, "runAsUser", c.run_as_user);
        put_num(&mut sc, "runAsGroup", c.run_as_group);
        put_bool(&mut sc, "runAsNonRoot", c.run_as_non_root);
        if let Some(o) = &c.se_linux {
            sc.insert("seLinuxOptions".into(), se_linux_json(o));
        }
        if c.add.is_some() || c.drop.is_some() {
            let mut caps = Map::new();
            if let Some(a) = &c.add {
                caps.insert("add".into(), json!(a));
            }
            if let Some(d) = &c.drop {
                caps.insert("drop".into(), json!(d));
            }
            sc.insert("capabilities".into(), Value::Object(caps));
        }
        if let Some(p) = c.seccomp.and_then(Seccomp::field) {
            sc.insert("seccompProfile".into(), seccomp_field_json(p));
        }
        if !sc.is_empty() || c.empty_security_context || self.explicit_empty {
            o.insert("securityContext".into(), Value::Object(sc));
        }
        if !c.ports.is_empty() || self.explicit_empty {
            let ports = c
                .ports
                .iter()
                .map(|p| {
                    let mut m = Map::new();
                    m.insert("containerPort".into(), json!(p.container_port));
                    put_num(&mut m, "hostPort", p.host_port);
                    Value::Object(m)
                })
                .collect();
            o.insert("ports".into(), Value::Array(ports));
        }
        let mounts: Vec<Value> = c
            .mounts
            .iter()
            .filter_map(|m| {
                let v = self.mounted(m)?;
                let mut o = Map::new();
                o.insert("name".into(), json!(Pod::volume_name(v)));
                o.insert("mountPath".into(), json!(format!("/mnt/{v}")));
                put_bool(&mut o, "readOnly", m.read_only);
                Some(Value::Object(o))
            })
            .collect();
        if !mounts.is_empty() || self.explicit_empty {
            o.insert("volumeMounts".into(), Value::Array(mounts));
        }
        Value::Object(o)
    }
}

impl Psp {
    /// The policy as a JSON document (JSON is YAML), named `model`.
    pub fn to_json(&self) -> Value {
        let mut s = Map::new();
        put_bool(&mut s, "privileged", self.privileged);
        put_bool(&mut s, "hostPID", self.host_pid);
        put_bool(&mut s, "hostIPC", self.host_ipc);
        put_bool(&mut s, "hostNetwork", self.host_network);
        if let Some(r) = &self.host_ports {
            s.insert("hostPorts".into(), ranges_json(r));
        }
        put_list(&mut s, "volumes", &self.volumes);
        if let Some(paths) = &self.allowed_host_paths {
            let items = paths
                .iter()
                .map(|p| {
                    let mut o = Map::new();
                    o.insert("pathPrefix".into(), json!(p.prefix));
                    put_bool(&mut o, "readOnly", p.read_only);
                    Value::Object(o)
                })
                .collect();
            s.insert("allowedHostPaths".into(), Value::Array(items));
        }
        if let Some(d) = &self.allowed_flex_volumes {
            let items = d.iter().map(|d| json!({ "driver": d })).collect();
            s.insert("allowedFlexVolumes".into(), Value::Array(items));
        }
        if let Some(d) = &self.allowed_csi_drivers {
            let items = d.iter().map(|d| json!({ "name": d })).collect();
            s.insert("allowedCSIDrivers".into(), Value::Array(items));
        }
        put_list(&mut s, "allowedCapabilities", &self.allowed_capabilities);
        put_list(
            &mut s,
            "defaultAddCapabilities",
            &self.default_add_capabilities,
        );
        put_list(
            &mut s,
            "requiredDropCapabilities",
            &self.required_drop_capabilities,
        );
        if let Some(u) = &self.run_as_user {
            let rule = match u.rule {
                UserRule::MustRunAs => "MustRunAs",
                UserRule::MustRunAsNonRoot => "MustRunAsNonRoot",
                UserRule::RunAsAny => "RunAsAny",
            };
            s.insert("runAsUser".into(), strategy_json(Some(rule), &u.ranges));
        }
        for (key, g) in [
            ("runAsGroup", &self.run_as_group),
            ("supplementalGroups", &self.supplemental_groups),
            ("fsGroup", &self.fs_group),
        ] {
            if let Some(g) = g {
                s.insert(
                    key.into(),
                    strategy_json(g.rule.map(group_rule_name), &g.ranges),
                );
            }
        }
        match &self.se_linux {
            Some(SeLinuxStrategy::MustRunAs(o)) => {
                let v = json!({"rule": "MustRunAs", "seLinuxOptions": se_linux_json(o)});
                s.insert("seLinux".into(), v);
            }
            Some(SeLinuxStrategy::RunAsAny) => {
                s.insert("seLinux".into(), json!({"rule": "RunAsAny"}));
            }
            None => {}
        }
        put_bool(
            &mut s,
            "readOnlyRootFilesystem",
            self.read_only_root_filesystem,
        );
        put_bool(
            &mut s,
            "allowPrivilegeEscalation",
            self.allow_privilege_escalation,
        );
        put_bool(
            &mut s,
            "defaultAllowPrivilegeEscalation",
            self.default_allow_privilege_escalation,
        );
        put_list(&mut s, "allowedUnsafeSysctls", &self.allowed_unsafe_sysctls);
        put_list(&mut s, "forbiddenSysctls", &self.forbidden_sysctls);
        put_list(
            &mut s,
            "allowedProcMountTypes",
            &self.allowed_proc_mount_types,
        );
        if let Some(rc) = &self.runtime_class {
            let mut o = Map::new();
            o.insert("allowedRuntimeClassNames".into(), json!(rc.allowed));
            if let Some(d) = rc.default {
                o.insert("defaultRuntimeClassName".into(), json!(d));
            }
            s.insert("runtimeClass".into(), Value::Object(o));
        }
        let mut annotations = Map::new();
        let seccomp = "seccomp.security.alpha.kubernetes.io";
        let apparmor = "apparmor.security.beta.kubernetes.io";
        for (key, value) in [
            (
                format!("{seccomp}/allowedProfileNames"),
                self.seccomp_allowed.as_deref(),
            ),
            (
                format!("{seccomp}/defaultProfileName"),
                self.seccomp_default,
            ),
            (
                format!("{apparmor}/allowedProfileNames"),
                self.apparmor_allowed.as_deref(),
            ),
            (
                format!("{apparmor}/defaultProfileName"),
                self.apparmor_default,
            ),
        ] {
            if let Some(v) = value {
                annotations.insert(key, json!(v));
            }
        }
        json!({
            "apiVersion": "policy/v1beta1",
            "kind": "PodSecurityPolicy",
            "metadata": {"name": "model", "annotations": annotations},
            "spec": s,
        })
    }
}

pub fn group_rule_name(r: GroupRule) -> &'static str {
    match r {
        GroupRule::MustRunAs => "MustRunAs",
        GroupRule::MayRunAs => "MayRunAs",
        GroupRule::RunAsAny => "RunAsAny",
    }
}

fn put_bool(m: &mut Map<String, Value>, key: &str, v: Option<bool>) {
    if let Some(v) = v {
        m.insert(key.into(), json!(v));
    }
}

fn put_num(m: &mut Map<String, Value>, key: &str, v: Option<i64>) {
    if let Some(v) = v {
        m.insert(key.into(), json!(v));
    }
}

fn put_list(m: &mut Map<String, Value>, key: &str, v: &Option<Vec<&'static str>>) {
    if let Some(v) = v {
        m.insert(key.into(), json!(v));
    }
}

fn ranges_json(r: &Ranges) -> Value {
    r.iter()
        .map(|(min, max)| json!({"min": min, "max": max}))
        .collect()
}

fn strategy_json(rule: Option<&str>, ranges: &Ranges) -> Value {
    let mut o = Map::new();
    if let Some(r) = rule {
        o.insert("rule".into(), json!(r));
    }
    if !ranges.is_empty() {
        o.insert("ranges".into(), ranges_json(ranges));
    }
    Value::Object(o)
}

fn se_linux_json(o: &SeLinux) -> Value {
    let mut m = Map::new();
    for (k, v) in [
        ("user", o.user),
        ("role", o.role),
        ("type", o.type_),
        ("level", o.level),
    ] {
        if let Some(v) = v {
            m.insert(k.into(), json!(v));
        }
    }
    Value::Object(m)
}

/// `securityContext.seccompProfile` for a profile in annotation spelling.
fn seccomp_field_json(profile: &str) -> Value {
    match profile {
        "runtime/default" => json!({"type": "RuntimeDefault"}),
        "unconfined" => json!({"type": "Unconfined"}),
        p => match p.strip_prefix("localhost/") {
            Some(file) => json!({"type": "Localhost", "localhostProfile": file}),
            None => panic!("no seccompProfile field spells {p:?}"),
        },
    }
}

fn volume_json(name: &str, v: &VolumeSource) -> Value {
    let source = match v {
        VolumeSource::Plain("emptyDir") => json!({}),
        VolumeSource::Plain("secret") => json!({"secretName": "s"}),
        VolumeSource::Plain("configMap") => json!({"name": "cm"}),
        VolumeSource::Plain("cephfs") => json!({"monitors": ["10.0.0.1:6789"]}),
        VolumeSource::Plain("projected") => json!({"sources": [{"configMap": {"name": "cm"}}]}),
        VolumeSource::Plain("persistentVolumeClaim") => json!({"claimName": "claim"}),
        VolumeSource::Plain("ephemeral") => json!({"volumeClaimTemplate": {"spec": {
            "accessModes": ["ReadWriteOnce"],
            "resources": {"requests": {"storage": "1Gi"}}
        }}}),
        VolumeSource::Plain("image") => json!({"reference": "registry:5000/data:1"}),
        VolumeSource::Plain("nfs") => json!({"server": "nfs.example.com", "path": "/export"}),
        VolumeSource::Plain(k) => panic!("no sample source for volume type {k:?}"),
        VolumeSource::HostPath(p) => json!({ "path": p }),
        VolumeSource::Flex(d) | VolumeSource::Csi(d) => json!({ "driver": d }),
    };
    json!({ "name": name, v.key(): source })
}
