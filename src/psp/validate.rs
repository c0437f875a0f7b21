//! Value types that validate themselves while they are read, so that an invalid value is reported
//! with the position serde_yaml is at (file:line:col) and the field path.

use serde::Deserialize;

/// An inclusive range of user or group IDs (`min <= max`, both non-negative).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRange")]
pub struct IdRange {
    pub min: i64,
    pub max: i64,
}

/// An inclusive range of host ports (`0 <= min <= max <= 65536`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(try_from = "RawRange")]
pub struct HostPortRange {
    pub min: i64,
    pub max: i64,
}

#[derive(Deserialize)]
struct RawRange {
    min: i64,
    max: i64,
}

impl TryFrom<RawRange> for IdRange {
    type Error = String;
    fn try_from(r: RawRange) -> Result<Self, String> {
        check_range(r.min, r.max, i64::from(u32::MAX))?;
        Ok(IdRange {
            min: r.min,
            max: r.max,
        })
    }
}

impl TryFrom<RawRange> for HostPortRange {
    type Error = String;
    fn try_from(r: RawRange) -> Result<Self, String> {
        // The API type is int32; Kubernetes' own examples write `max: 65536`.
        check_range(r.min, r.max, 65536)?;
        Ok(HostPortRange {
            min: r.min,
            max: r.max,
        })
    }
}

fn check_range(min: i64, max: i64, limit: i64) -> Result<(), String> {
    if min < 0 || max < 0 {
        return Err(format!(
            "invalid range {min}-{max}: values must not be negative"
        ));
    }
    if min > max {
        return Err(format!(
            "invalid range: min {min} is greater than max {max}"
        ));
    }
    if max > limit {
        return Err(format!(
            "invalid range {min}-{max}: max must be at most {limit}"
        ));
    }
    Ok(())
}

/// Checks that need the whole spec (a rule and its ranges), run after deserialization.
/// Returns `(field path, message)` pairs: the strategies PSP could not build first, then the
/// other problems.
pub fn spec_problems(spec: &super::PspSpec) -> Vec<(String, String)> {
    let mut out = unbuildable_strategies(spec);
    if let Some(paths) = &spec.allowed_host_paths {
        for (i, p) in paths.iter().enumerate() {
            if p.path_prefix.is_empty() {
                out.push((
                    format!("spec.allowedHostPaths[{i}].pathPrefix"),
                    "pathPrefix must not be empty".into(),
                ));
            } else if p.path_prefix.split('/').any(|seg| seg == "..") {
                out.push((
                    format!("spec.allowedHostPaths[{i}].pathPrefix"),
                    format!("pathPrefix {:?} must not contain '..'", p.path_prefix),
                ));
            }
        }
    }
    out
}

/// Strategies the PSP admission controller could not build (`MustRunAs`/`MayRunAs` without
/// ranges, SELinux `MustRunAs` without options): it skipped such a policy as if absent.
pub fn unbuildable_strategies(spec: &super::PspSpec) -> Vec<(String, String)> {
    use super::model::{GroupRule, RunAsUserRule, SeLinuxRule};
    let mut out = Vec::new();
    if let Some(s) = &spec.run_as_user {
        if s.rule == RunAsUserRule::MustRunAs && s.ranges.is_empty() {
            out.push((
                "spec.runAsUser.ranges".into(),
                "rule MustRunAs needs at least one range".into(),
            ));
        }
    }
    for (name, strategy) in [
        ("runAsGroup", &spec.run_as_group),
        ("supplementalGroups", &spec.supplemental_groups),
        ("fsGroup", &spec.fs_group),
    ] {
        if let Some(s) = strategy {
            if matches!(s.rule(), GroupRule::MustRunAs | GroupRule::MayRunAs) && s.ranges.is_empty()
            {
                out.push((
                    format!("spec.{name}.ranges"),
                    format!("rule {:?} needs at least one range", s.rule()),
                ));
            }
        }
    }
    if let Some(s) = &spec.se_linux {
        if s.rule == SeLinuxRule::MustRunAs && s.se_linux_options.is_none() {
            out.push((
                "spec.seLinux.seLinuxOptions".into(),
                "rule MustRunAs needs seLinuxOptions".into(),
            ));
        }
    }
    out
}
