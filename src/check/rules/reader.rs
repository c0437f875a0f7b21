//! Reads the YAML of a rules file into typed items (falco `rule_loader_reader.cpp`): checks
//! item shapes and key types, warns on unknown keys, enforces version requirements.

use super::{versions, LoadError, LoadWarning};
use crate::yaml::{Mapping, Value};
use crate::Target;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Append,
    Replace,
}

#[derive(Debug, Clone)]
pub struct ListItem {
    pub name: String,
    pub items: Vec<String>,
    pub append: bool,
    pub mode: Option<Mode>,
}

#[derive(Debug, Clone)]
pub struct MacroItem {
    pub name: String,
    pub condition: Option<String>,
    pub append: bool,
    pub mode: Option<Mode>,
}

#[derive(Debug, Clone)]
pub struct Exception {
    pub name: String,
    /// `None`: no fields; `Ok(field)`: single-field form; `Err(fields)`: tuple form.
    pub fields: Option<Result<String, Vec<String>>>,
    pub comps: Option<Result<String, Vec<String>>>,
    pub values: Vec<Value>,
}

#[derive(Debug, Clone, Default)]
pub struct RuleItem {
    pub name: String,
    pub condition: Option<String>,
    pub output: Option<String>,
    pub desc: Option<String>,
    pub priority: Option<String>,
    pub source: Option<String>,
    pub enabled: Option<bool>,
    pub tags: Option<Vec<String>>,
    pub exceptions: Option<Vec<Exception>>,
    pub skip_if_unknown_filter: Option<bool>,
    pub warn_evttypes: Option<bool>,
    pub append: bool,
    /// `override: {key: append|replace}`.
    pub overrides: Vec<(String, Mode)>,
}

#[derive(Debug, Clone)]
pub enum Item {
    List(ListItem),
    Macro(MacroItem),
    Rule(RuleItem),
}

#[derive(Debug, Clone, Default)]
pub struct Items {
    pub items: Vec<Item>,
    pub warnings: Vec<LoadWarning>,
    pub engine_version: Option<String>,
}

struct Ctx<'a> {
    origin: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn err(&self, item: String, line: Option<usize>, message: impl Into<String>) -> LoadError {
        LoadError {
            origin: self.origin.to_string(),
            line,
            item,
            message: message.into(),
        }
    }
}

/// Finds the line of `- <kind>: <name>` in the text (best effort; YAML values carry no positions).
pub fn find_line(text: &str, kind: &str, name: &str) -> Option<usize> {
    text.lines()
        .position(|l| {
            let t = l.trim_start().trim_start_matches('-').trim_start();
            t.strip_prefix(kind)
                .and_then(|r| r.strip_prefix(':'))
                .map(|r| r.trim().trim_matches(|c| c == '"' || c == '\''))
                .is_some_and(|r| r == name)
        })
        .map(|i| i + 1)
}

pub fn read(text: &str, origin: &str, target: Target) -> Result<Items, LoadError> {
    let cx = Ctx { origin, text };
    let docs = crate::yaml::load_all(text).map_err(|e| {
        cx.err(
            "file".into(),
            e.line,
            format!("invalid YAML: {}", e.message),
        )
    })?;
    let mut out = Items::default();
    let mut index = 0;
    for doc in docs {
        let seq = match doc {
            Value::Null => continue,
            Value::Sequence(s) => s,
            _ => {
                return Err(cx.err(
                    "file".into(),
                    None,
                    "rules content is not yaml array of objects",
                ))
            }
        };
        for v in seq {
            index += 1;
            let Value::Mapping(m) = v else {
                return Err(cx.err(
                    format!("item {index}"),
                    None,
                    "unexpected element type: each element must be a map",
                ));
            };
            read_item(&cx, &m, index, target, &mut out)?;
        }
    }
    Ok(out)
}

fn str_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

fn get<'a>(m: &'a Mapping, k: &str) -> Option<&'a Value> {
    m.get(Value::String(k.to_string()))
}

fn read_item(
    cx: &Ctx,
    m: &Mapping,
    index: usize,
    target: Target,
    out: &mut Items,
) -> Result<(), LoadError> {
    if let Some(v) = get(m, "required_engine_version") {
        let semver = versions::engine_version(v, target)
            .map_err(|msg| cx.err("required_engine_version".into(), None, msg))?;
        out.engine_version = Some(semver);
        return Ok(());
    }
    if let Some(v) = get(m, "required_plugin_versions") {
        if target.is_current() {
            versions::check_plugins(v, target)
                .map_err(|msg| cx.err("required_plugin_versions".into(), None, msg))?;
        }
        return Ok(());
    }
    let kinds = ["list", "macro", "rule"];
    let Some(kind) = kinds.iter().find(|k| get(m, k).is_some()) else {
        return Err(cx.err(format!("item {index}"), None, "unknown top level object"));
    };
    let name = str_of(get(m, kind).unwrap_or(&Value::Null))
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            cx.err(
                format!("item {index}"),
                None,
                format!("{kind} name must be a non-empty string"),
            )
        })?;
    let item = format!("{kind} '{name}'");
    // The line is looked up only for an error: scanning the text per item is quadratic.
    let line_name = name.clone();
    let err = |msg: String| cx.err(item.clone(), find_line(cx.text, kind, &line_name), msg);
    let allowed: &[&str] = match *kind {
        "list" => &["list", "items", "append", "override"],
        "macro" => &["macro", "condition", "append", "override"],
        _ => &[
            "rule",
            "condition",
            "output",
            "desc",
            "priority",
            "source",
            "enabled",
            "capture",
            "capture_duration",
            "warn_evttypes",
            "skip-if-unknown-filter",
            "tags",
            "exceptions",
            "override",
            "append",
        ],
    };
    for k in m.keys() {
        let ks = str_of(k).unwrap_or_default();
        if !allowed.contains(&ks.as_str()) {
            out.warnings.push(LoadWarning {
                code: "LOAD_UNKNOWN_KEY",
                item: item.clone(),
                message: format!("Unknown key '{ks}'. The key will be ignored."),
            });
        }
    }
    let string = |k: &str| -> Result<Option<String>, LoadError> {
        match get(m, k) {
            None => Ok(None),
            Some(v) => str_of(v)
                .map(Some)
                .ok_or_else(|| err(format!("key '{k}' must be a string"))),
        }
    };
    let boolean = |k: &str| -> Result<Option<bool>, LoadError> {
        match get(m, k) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(_) => Err(err(format!("key '{k}' must be a boolean"))),
        }
    };
    let append = boolean("append")?.unwrap_or(false);
    let overrides = read_overrides(get(m, "override"), &err)?;
    if append && !overrides.is_empty() {
        return Err(err(
            "keys 'override' and 'append: true' cannot be used together".into(),
        ));
    }
    if append && target.is_current() {
        out.warnings.push(LoadWarning {
            code: "LOAD_DEPRECATED_ITEM",
            item: item.clone(),
            message: "'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under 'override' instead.".into(),
        });
    }
    let mode_of = |key: &str| overrides.iter().find(|(k, _)| k == key).map(|(_, m)| *m);
    match *kind {
        "list" => {
            let items = match get(m, "items") {
                Some(Value::Sequence(s)) => s
                    .iter()
                    .map(|v| str_of(v).ok_or_else(|| err("list items must be strings".into())))
                    .collect::<Result<_, _>>()?,
                Some(Value::Null) | None => Vec::new(),
                Some(_) => return Err(err("key 'items' must be a sequence".into())),
            };
            out.items.push(Item::List(ListItem {
                name,
                items,
                append,
                mode: mode_of("items"),
            }));
        }
        "macro" => {
            let condition = string("condition")?;
            if condition.is_none() {
                return Err(err("item has no mapping for key 'condition'".into()));
            }
            out.items.push(Item::Macro(MacroItem {
                name,
                condition,
                append,
                mode: mode_of("condition"),
            }));
        }
        _ => {
            let tags = match get(m, "tags") {
                None => None,
                Some(Value::Sequence(s)) => Some(
                    s.iter()
                        .map(|v| str_of(v).ok_or_else(|| err("tags must be strings".into())))
                        .collect::<Result<_, _>>()?,
                ),
                Some(_) => return Err(err("key 'tags' must be a sequence".into())),
            };
            let exceptions = match get(m, "exceptions") {
                None => None,
                Some(Value::Sequence(s)) => Some(
                    s.iter()
                        .map(|e| read_exception(e, &err))
                        .collect::<Result<_, _>>()?,
                ),
                Some(_) => return Err(err("key 'exceptions' must be a sequence".into())),
            };
            out.items.push(Item::Rule(RuleItem {
                name,
                condition: string("condition")?,
                output: string("output")?,
                desc: string("desc")?,
                priority: string("priority")?,
                source: string("source")?,
                enabled: boolean("enabled")?,
                tags,
                exceptions,
                skip_if_unknown_filter: boolean("skip-if-unknown-filter")?,
                warn_evttypes: boolean("warn_evttypes")?,
                append,
                overrides,
            }));
        }
    }
    Ok(())
}

fn read_overrides(
    v: Option<&Value>,
    err: &dyn Fn(String) -> LoadError,
) -> Result<Vec<(String, Mode)>, LoadError> {
    let Some(v) = v else { return Ok(Vec::new()) };
    let Value::Mapping(m) = v else {
        return Err(err("key 'override' must be a map".into()));
    };
    m.iter()
        .map(|(k, v)| {
            let mode = match str_of(v).as_deref() {
                Some("append") => Mode::Append,
                Some("replace") => Mode::Replace,
                _ => return Err(err("override values must be 'append' or 'replace'".into())),
            };
            Ok((str_of(k).unwrap_or_default(), mode))
        })
        .collect()
}

fn str_or_seq(v: Option<&Value>) -> Option<Result<String, Vec<String>>> {
    match v? {
        Value::Sequence(s) => Some(Err(s.iter().filter_map(str_of).collect())),
        other => str_of(other).map(Ok),
    }
}

fn read_exception(v: &Value, err: &dyn Fn(String) -> LoadError) -> Result<Exception, LoadError> {
    let Value::Mapping(m) = v else {
        return Err(err("each exception must be a map".into()));
    };
    let name = get(m, "name")
        .and_then(str_of)
        .ok_or_else(|| err("exception without a name".into()))?;
    let values = match get(m, "values") {
        Some(Value::Sequence(s)) => s.clone(),
        None | Some(Value::Null) => Vec::new(),
        Some(_) => {
            return Err(err(format!(
                "exception '{name}': values must be a sequence"
            )))
        }
    };
    Ok(Exception {
        name,
        fields: str_or_seq(get(m, "fields")),
        comps: str_or_seq(get(m, "comps")),
        values,
    })
}
