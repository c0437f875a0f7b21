//! `required_engine_version` and `required_plugin_versions` (falco `rule_loader_reader.h`
//! `get_implicit_engine_version`, libs `version.h` `compatible_with`): an integer N means
//! `0.N.0`; a plugin requirement holds when a loaded plugin (or an alternative) has the same
//! major version and is at least as new. Unmet requirements make Falco refuse the file.

use crate::yaml::Value;
use crate::Target;

type Version = (u64, u64, u64);

/// Engine versions pspconv evaluates as: Falco 0.44 (engine 0.62.0) and Falco 0.31 (11).
const FALCO_ENGINE: Version = (0, 62, 0);
const LEGACY_ENGINE: Version = (0, 11, 0);
/// Plugins of the Falco 0.44.1 set-up the research ran (§7).
const PLUGINS: [(&str, Version); 3] = [
    ("k8saudit", (0, 18, 0)),
    ("json", (0, 7, 4)),
    ("container", (0, 7, 1)),
];

fn parse_semver(s: &str) -> Option<Version> {
    let mut p = s.trim().split('.').map(|x| x.parse::<u64>().ok());
    let r = (p.next()??, p.next()??, p.next()??);
    p.next().is_none().then_some(r)
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn get<'a>(v: &'a Value, k: &str) -> Option<&'a Value> {
    match v {
        Value::Mapping(m) => m.get(Value::String(k.to_string())),
        _ => None,
    }
}

/// Normalizes the declared engine version to semver and checks the target's engine has it.
pub fn engine_version(v: &Value, target: Target) -> Result<String, String> {
    let semver = match v {
        Value::Number(n) if n.as_u64().is_some() => format!("0.{n}.0"),
        Value::String(s) if parse_semver(s).is_some() => s.trim().to_string(),
        Value::String(s) if s.trim().parse::<u64>().is_ok() => format!("0.{}.0", s.trim()),
        _ => {
            return Err(
                "invalid required_engine_version: expected an integer or a semver string".into(),
            )
        }
    };
    let have = if target.is_current() {
        FALCO_ENGINE
    } else {
        LEGACY_ENGINE
    };
    let need = parse_semver(&semver).unwrap_or_default();
    if need > have {
        return Err(format!(
            "rules require engine version {semver}, but engine version is {}.{}.{}",
            have.0, have.1, have.2
        ));
    }
    Ok(semver)
}

/// The pspconv plugin's version: pspconv's own (the `plugin` target loads it).
fn pspconv_plugin() -> (&'static str, Version) {
    let version = parse_semver(env!("CARGO_PKG_VERSION")).unwrap_or_default();
    ("pspconv", version)
}

/// Checks every requirement against the plugins of the target's Falco: k8saudit, json and
/// container, and for the `plugin` target pspconv's own plugin too.
pub fn check_plugins(v: &Value, target: Target) -> Result<(), String> {
    let mut plugins = PLUGINS.to_vec();
    if target == Target::Plugin {
        plugins.push(pspconv_plugin());
    }
    let Value::Sequence(reqs) = v else {
        return Err("required_plugin_versions must be a sequence".into());
    };
    for r in reqs {
        let name_ver = |m: &Value| {
            (
                get(m, "name").and_then(str_of),
                get(m, "version").and_then(str_of),
            )
        };
        let mut options = vec![name_ver(r)];
        if let Some(Value::Sequence(alts)) = get(r, "alternatives") {
            options.extend(alts.iter().map(name_ver));
        }
        let ok = options.iter().any(|(n, ver)| {
            let want = ver.as_deref().and_then(parse_semver);
            plugins.iter().any(|(pn, have)| {
                Some(*pn) == n.as_deref() && want.is_some_and(|w| w.0 == have.0 && *have >= w)
            })
        });
        if !ok {
            let names: Vec<String> = options
                .iter()
                .map(|(n, v)| {
                    format!(
                        "{}:{}",
                        n.as_deref().unwrap_or("?"),
                        v.as_deref().unwrap_or("?")
                    )
                })
                .collect();
            return Err(format!(
                "Plugin requirement not satisfied, must load one of: {}",
                names.join(", ")
            ));
        }
    }
    Ok(())
}
