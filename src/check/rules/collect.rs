//! Applies definitions, appends and overrides in file order (falco `rule_loader_collector.cpp`):
//! a redefinition replaces in place, `append`/`override: append` concatenates condition text
//! with a space, as Falco does.

use super::reader::{find_line, Exception, Item, Items, Mode, RuleItem};
use super::{LoadError, LoadWarning, Priority};
use crate::Target;

/// A collected item. `index`: item number of its first definition; `visibility`: item number
/// of its latest definition or append. A list or macro sees lists/macros whose `index` is
/// below its `visibility` (falco `define_info`/`append_info`).
pub struct Named<T> {
    pub name: String,
    pub index: usize,
    pub visibility: usize,
    pub value: T,
}

pub struct CollectedRule {
    pub condition: String,
    pub output: String,
    pub desc: String,
    pub priority: Priority,
    pub source: String,
    pub enabled: bool,
    pub tags: Vec<String>,
    pub exceptions: Vec<Exception>,
    pub skip_if_unknown_filter: bool,
    pub warn_evttypes: bool,
}

pub struct Collected {
    pub lists: Vec<Named<Vec<String>>>,
    pub macros: Vec<Named<String>>,
    pub rules: Vec<Named<CollectedRule>>,
}

fn upsert<T>(v: &mut Vec<Named<T>>, name: &str, id: usize, value: T) {
    match v.iter_mut().find(|n| n.name == name) {
        Some(n) => {
            n.value = value;
            n.visibility = id;
        }
        None => v.push(Named {
            name: name.to_string(),
            index: id,
            visibility: id,
            value,
        }),
    }
}

pub fn collect(
    items: &Items,
    origin: &str,
    _target: Target,
    warnings: &mut Vec<LoadWarning>,
) -> Result<Collected, LoadError> {
    let mut c = Collected {
        lists: Vec::new(),
        macros: Vec::new(),
        rules: Vec::new(),
    };
    let text_err = |kind: &str, name: &str, msg: String| LoadError {
        origin: origin.to_string(),
        line: None,
        item: format!("{kind} '{name}'"),
        message: msg,
    };
    for (id, item) in items.items.iter().enumerate() {
        match item {
            Item::List(l) => {
                let mode = if l.append { Some(Mode::Append) } else { l.mode };
                match mode {
                    Some(Mode::Append) => match c.lists.iter_mut().find(|n| n.name == l.name) {
                        Some(n) => {
                            n.value.extend(l.items.iter().cloned());
                            n.visibility = id;
                        }
                        None => return Err(text_err("list", &l.name, "List has 'append' key or an append override but no list by that name already exists".into())),
                    },
                    _ => upsert(&mut c.lists, &l.name, id, l.items.clone()),
                }
            }
            Item::Macro(m) => {
                let cond = m.condition.clone().unwrap_or_default();
                let mode = if m.append { Some(Mode::Append) } else { m.mode };
                match mode {
                    Some(Mode::Append) => match c.macros.iter_mut().find(|n| n.name == m.name) {
                        Some(n) => {
                            n.value.push(' ');
                            n.value.push_str(&cond);
                            n.visibility = id;
                        }
                        None => return Err(text_err("macro", &m.name, "Macro has 'append' key or an append override but no macro by that name already exists".into())),
                    },
                    _ => upsert(&mut c.macros, &m.name, id, cond),
                }
            }
            Item::Rule(r) => collect_rule(&mut c, r, id, origin, warnings)?,
        }
    }
    Ok(c)
}

fn collect_rule(
    c: &mut Collected,
    r: &RuleItem,
    id: usize,
    origin: &str,
    warnings: &mut Vec<LoadWarning>,
) -> Result<(), LoadError> {
    let err = |msg: String| LoadError {
        origin: origin.to_string(),
        line: None,
        item: format!("rule '{}'", r.name),
        message: msg,
    };
    let is_update = r.append || !r.overrides.is_empty();
    let only_enabled = r.condition.is_none()
        && r.output.is_none()
        && r.desc.is_none()
        && r.priority.is_none()
        && r.enabled.is_some();
    if is_update || only_enabled {
        let Some(existing) = c.rules.iter_mut().find(|n| n.name == r.name) else {
            return Err(err(
                "Rule has 'append' key or an override but no rule by that name already exists"
                    .into(),
            ));
        };
        if only_enabled && !is_update {
            warnings.push(LoadWarning {
                code: "LOAD_DEPRECATED_ITEM",
                item: format!("rule '{}'", r.name),
                message: "The standalone 'enabled' key usage is deprecated. The correct approach requires also a 'replace' entry under the 'override' key (i.e. 'enabled: replace').".into(),
            });
        }
        return apply_update(&mut existing.value, r, &err);
    }
    let need = |v: &Option<String>, k: &str| {
        v.clone()
            .ok_or_else(|| err(format!("Item has no mapping for key '{k}'")))
    };
    let priority_s = need(&r.priority, "priority")?;
    let priority = Priority::parse(&priority_s)
        .ok_or_else(|| err(format!("Invalid priority '{priority_s}'")))?;
    let rule = CollectedRule {
        condition: need(&r.condition, "condition")?,
        // The reader trims the output of a new rule (falco `rule_loader_reader.cpp`).
        output: need(&r.output, "output")?.trim().to_string(),
        desc: need(&r.desc, "desc")?,
        priority,
        source: r.source.clone().unwrap_or_else(|| "syscall".into()),
        enabled: r.enabled.unwrap_or(true),
        tags: r.tags.clone().unwrap_or_default(),
        exceptions: r.exceptions.clone().unwrap_or_default(),
        skip_if_unknown_filter: r.skip_if_unknown_filter.unwrap_or(false),
        warn_evttypes: r.warn_evttypes.unwrap_or(true),
    };
    upsert(&mut c.rules, &r.name, id, rule);
    Ok(())
}

fn apply_update(
    rule: &mut CollectedRule,
    r: &RuleItem,
    err: &dyn Fn(String) -> LoadError,
) -> Result<(), LoadError> {
    let mode = |key: &str| -> Option<Mode> {
        if r.append {
            return Some(Mode::Append);
        }
        r.overrides.iter().find(|(k, _)| k == key).map(|(_, m)| *m)
    };
    let text = |field: &mut String, new: &Option<String>, key: &str| {
        if let (Some(m), Some(v)) = (mode(key), new) {
            if m == Mode::Append {
                field.push(' ');
                field.push_str(v);
            } else {
                *field = v.clone();
            }
        }
    };
    text(&mut rule.condition, &r.condition, "condition");
    text(&mut rule.output, &r.output, "output");
    text(&mut rule.desc, &r.desc, "desc");
    if let Some(tags) = &r.tags {
        match mode("tags") {
            Some(Mode::Append) => rule.tags.extend(tags.iter().cloned()),
            Some(Mode::Replace) => rule.tags = tags.clone(),
            None => {}
        }
    }
    if let Some(excs) = &r.exceptions {
        match mode("exceptions") {
            Some(Mode::Append) => {
                for e in excs {
                    match rule.exceptions.iter_mut().find(|x| x.name == e.name) {
                        Some(x) => x.values.extend(e.values.iter().cloned()),
                        None => rule.exceptions.push(e.clone()),
                    }
                }
            }
            Some(Mode::Replace) => rule.exceptions = excs.clone(),
            None => {}
        }
    }
    let replace_only = |key: &str| {
        r.overrides
            .iter()
            .any(|(k, m)| k == key && *m == Mode::Replace)
    };
    if let Some(p) = &r.priority {
        if replace_only("priority") {
            rule.priority =
                Priority::parse(p).ok_or_else(|| err(format!("Invalid priority '{p}'")))?;
        }
    }
    if let Some(e) = r.enabled {
        if replace_only("enabled") || r.overrides.is_empty() {
            rule.enabled = e;
        }
    }
    if let Some(s) = r.skip_if_unknown_filter {
        if replace_only("skip-if-unknown-filter") {
            rule.skip_if_unknown_filter = s;
        }
    }
    if let Some(w) = r.warn_evttypes {
        if replace_only("warn_evttypes") {
            rule.warn_evttypes = w;
        }
    }
    Ok(())
}

/// Locates an item for error messages.
pub fn line_of(text: &str, kind: &str, name: &str) -> Option<usize> {
    find_line(text, kind, name)
}
