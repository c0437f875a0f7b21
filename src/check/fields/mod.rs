//! Field tables (which fields exist per target and source, which are lists, which take an
//! argument) and the compilation of a field reference into an extractor.

mod legacy;
mod modern;
mod plugin;
mod syscall;
mod walk;

use super::condition::FieldRef;
use super::json::Json;
use crate::Target;

pub use plugin::PluginView;

/// An event as extractors see it: the parsed audit event and its time in ns since the epoch.
pub struct Event {
    pub json: Json,
    pub time_ns: u64,
    /// The pspconv plugin's view of the event (`plugin` target with policies), for `psp.*`.
    pub plugin: Option<PluginView>,
}

/// Extracted values. Modern target: empty means "no value". Legacy: `<NA>` is a real value.
pub type Values = Vec<String>;

/// A compiled extractor; resolved once at load time so nothing is parsed per event.
pub type Extractor = Box<dyn Fn(&Event) -> Values + Send + Sync>;

/// What a field accepts between brackets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    None,
    /// An optional numeric index (`ka.req.pod.containers.privileged[0]`).
    Index,
    /// A required key (`json.value[/a/b]`, `ka.uri.param[k]`).
    Key,
    /// Syscall fields: accepted as written; they are never evaluated.
    Any,
}

/// A field known for a target and source.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FieldInfo {
    /// List-typed (libsinsp `EPF_IS_LIST`): only `in`, `intersects`, `exists` allowed (modern).
    pub list: bool,
    pub arg: ArgKind,
}

/// Looks a field up; `None` means Falco would refuse it for this source.
pub fn lookup(target: Target, source: &str, name: &str) -> Option<FieldInfo> {
    match source {
        "k8s_audit" => match target {
            Target::Falco => modern::info(name),
            Target::Plugin => modern::info(name).or_else(|| plugin::info(name)),
            Target::Legacy => legacy::info(name),
        },
        "syscall" => syscall::info(target, name),
        _ => None,
    }
}

/// Validates a field reference's argument against its kind.
pub fn check_arg(info: &FieldInfo, field: &FieldRef, target: Target) -> Result<(), String> {
    match (info.arg, &field.arg) {
        (ArgKind::None, Some(_)) => {
            Err(format!("field '{}' does not take an argument", field.name))
        }
        (ArgKind::Key, None) => Err(format!("field '{}' requires an argument", field.name)),
        // The legacy engine parsed the argument as a nlohmann json_pointer at load.
        (ArgKind::Key, Some(a))
            if target == Target::Legacy && field.name == "jevt.value" && !legacy_pointer_ok(a) =>
        {
            Err(format!(
                "Could not parse filtercheck field \"jevt.value[{a}]\". Invalid json selector"
            ))
        }
        (ArgKind::Index, Some(a)) if a.parse::<usize>().is_err() => Err(format!(
            "field '{}' requires a numeric index argument, not '{a}'",
            field.name
        )),
        _ => Ok(()),
    }
}

/// A valid nlohmann json_pointer: empty, or `/`-prefixed with `~` only before `0` or `1`.
fn legacy_pointer_ok(p: &str) -> bool {
    let b = p.as_bytes();
    (p.is_empty() || p.starts_with('/'))
        && b.iter()
            .enumerate()
            .all(|(i, c)| *c != b'~' || matches!(b.get(i + 1), Some(b'0' | b'1')))
}

/// Builds the extractor of a `k8s_audit` field for a target.
pub fn extractor(target: Target, field: &FieldRef) -> Extractor {
    let index = field.arg.as_deref().and_then(|a| a.parse::<usize>().ok());
    match target {
        Target::Falco => modern::extractor(&field.name, field.arg.clone(), index),
        Target::Plugin => plugin::extractor(&field.name, field.arg.clone())
            .unwrap_or_else(|| modern::extractor(&field.name, field.arg.clone(), index)),
        Target::Legacy => legacy::extractor(&field.name, field.arg.clone(), index),
    }
}

/// Legacy only: the index that narrows a field's value *list* (`def_extract` fields honour
/// `[k]`; custom extractors ignore it). Set comparisons still use every value.
pub fn legacy_index(target: Target, field: &FieldRef) -> Option<usize> {
    let k = field.arg.as_deref()?.parse().ok()?;
    (target == Target::Legacy && legacy::honours_index(&field.name)).then_some(k)
}

/// The values list-based comparisons and outputs see (legacy `m_evalues.first`).
pub fn first_view(vals: &[String], index: Option<usize>) -> &[String] {
    match index {
        Some(k) if k < vals.len() => &vals[k..=k],
        _ => vals,
    }
}

/// Fields every plugin source has in Falco (libsinsp `sinsp_filter_check_gen_event`).
pub(crate) const GEN_EVENT_FIELDS: [&str; 9] = [
    "evt.time",
    "evt.time.s",
    "evt.time.iso8601",
    "evt.datetime",
    "evt.rawtime",
    "evt.num",
    "evt.source",
    "evt.hostname",
    "evt.pluginname",
];

/// Shared builder for the `evt.*` time fields.
pub(crate) fn gen_event_extractor(name: &str) -> Option<Extractor> {
    let f: Extractor = match name {
        "evt.time" => Box::new(|e: &Event| vec![super::time::time_hms(e.time_ns)]),
        "evt.time.iso8601" => Box::new(|e: &Event| vec![super::time::time_iso8601(e.time_ns)]),
        "evt.rawtime" => Box::new(|e: &Event| vec![e.time_ns.to_string()]),
        "evt.time.s" => Box::new(|e: &Event| vec![(e.time_ns / 1_000_000_000).to_string()]),
        "evt.source" => Box::new(|_: &Event| vec!["k8s_audit".to_string()]),
        "evt.pluginname" => Box::new(|_: &Event| vec!["k8saudit".to_string()]),
        _ => return None,
    };
    Some(f)
}

/// Splits a container image like libsinsp `split_container_image` (legacy): keeps
/// `host[:port]/`, drops `:tag` after the last `/` and any `@digest`.
pub(crate) fn legacy_repository(image: &str) -> String {
    let no_digest = image.split('@').next().unwrap_or("");
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].find(':') {
        Some(i) => no_digest[..last_slash + i].to_string(),
        None => no_digest.to_string(),
    }
}

/// Returns the first value of a URI query parameter, percent-decoded (`ka.uri.param[k]`).
pub(crate) fn uri_param(uri: &str, key: &str) -> Option<String> {
    let query = uri.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or("");
    query.split(['&', ';']).find_map(|kv| {
        let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
        (percent_decode(k) == key).then(|| percent_decode(v))
    })
}

pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                match u8::from_str_radix(std::str::from_utf8(&b[i + 1..i + 3]).unwrap_or("zz"), 16)
                {
                    Ok(v) => {
                        out.push(v);
                        i += 2;
                    }
                    Err(_) => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
