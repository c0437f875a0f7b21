//! Lists, resolved the way Falco does it (falco `rule_loader_compiler.cpp`): a list item naming
//! an earlier list is replaced by that list's items (one level, `compile_list_infos`), and
//! list names are substituted into condition *text* before parsing (`resolve_list`), wherever
//! they stand between delimiters. So a quoted `"my_list"` is not expanded, and an item with
//! a space is quoted (`quote_item`) while other characters pass through unescaped.

use super::collect::Named;
use std::collections::HashSet;

/// A list after `compile_list_infos`.
pub struct List {
    pub name: String,
    pub items: Vec<String>,
}

/// Expands list references one level, honouring definition order (visibility).
pub fn compile(lists: &[Named<Vec<String>>], used: &mut HashSet<String>) -> Vec<List> {
    lists
        .iter()
        .map(|l| {
            let mut items = Vec::new();
            for it in &l.value {
                match lists
                    .iter()
                    .find(|r| r.name == *it && r.index < l.visibility)
                {
                    Some(r) => {
                        used.insert(r.name.clone());
                        items.extend(r.value.iter().cloned());
                    }
                    None => items.push(it.clone()),
                }
            }
            List {
                name: l.name.clone(),
                items,
            }
        })
        .collect()
}

/// `quote_item`: double-quotes an item holding a space, unless it starts with a quote.
pub fn quote_item(v: &str) -> String {
    if v.contains(' ') && !v.starts_with('"') && !v.starts_with('\'') {
        format!("\"{v}\"")
    } else {
        v.to_string()
    }
}

fn find_from(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let h = hay.as_bytes();
    let n = needle.as_bytes();
    if from > h.len() || n.is_empty() || n.len() > h.len() - from {
        return None;
    }
    h[from..]
        .windows(n.len())
        .position(|w| w == n)
        .map(|p| p + from)
}

/// Substitutes every delimited occurrence of the list's name in `cnd`; true if any.
pub fn resolve(cnd: &mut String, list: &List) -> bool {
    const BLANKS: &[u8] = b" \t\n\r";
    let is_delim = |b: u8| BLANKS.contains(&b) || b"(),=".contains(&b);
    let name = list.name.as_str();
    let mut used = false;
    let mut start = find_from(cnd, name, 0);
    while let Some(found) = start {
        let mut st = found;
        let mut end = st + name.len();
        let b = cnd.as_bytes();
        let mut next = st + 1;
        if (st == 0 || is_delim(b[st - 1])) && (end >= b.len() || is_delim(b[end])) {
            while st > 0 && BLANKS.contains(&b[st - 1]) {
                st -= 1;
            }
            while end < b.len() && BLANKS.contains(&b[end]) {
                end += 1;
            }
            let sub = list
                .items
                .iter()
                .map(|v| quote_item(v))
                .collect::<Vec<_>>()
                .join(", ");
            if sub.is_empty() {
                if st > 0 && b[st - 1] == b',' {
                    st -= 1;
                } else if end < b.len() && b[end] == b',' {
                    end += 1;
                }
            }
            let mut new = String::with_capacity(cnd.len() + sub.len() + 2);
            if st > 0 {
                new.push_str(&cnd[..st]);
                new.push(' ');
            }
            new.push_str(&sub);
            new.push(' ');
            new.push_str(&cnd[end.min(cnd.len())..]);
            *cnd = new;
            st += sub.len() + 1;
            next = st + 1;
            used = true;
        }
        start = find_from(cnd, name, next);
    }
    used
}

/// Resolves every list, in definition order, marking the ones substituted.
pub fn resolve_all(cond: &str, lists: &[List], used: &mut HashSet<String>) -> String {
    let mut c = cond.to_string();
    // A name free of delimiters occurs delimited exactly when it is one of the condition's
    // delimiter-separated tokens, so most lists are ruled out by one set lookup instead of a
    // scan of the text (the tokens are looked at again after each substitution).
    let names: HashSet<&str> = lists.iter().map(|l| l.name.as_str()).collect();
    let mut present = named_tokens(&c, &names);
    for l in lists {
        let plain = !l.name.bytes().any(is_delimiter);
        if plain && !present.contains(l.name.as_str()) {
            continue;
        }
        if resolve(&mut c, l) {
            used.insert(l.name.clone());
            present = named_tokens(&c, &names);
        }
    }
    c
}

fn is_delimiter(b: u8) -> bool {
    b" \t\n\r(),=".contains(&b)
}

/// The tokens of `c` that are list names.
fn named_tokens(c: &str, names: &HashSet<&str>) -> HashSet<String> {
    c.split(|ch: char| ch.is_ascii() && is_delimiter(ch as u8))
        .filter(|t| names.contains(t))
        .map(str::to_string)
        .collect()
}
