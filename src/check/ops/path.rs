//! Path and glob matching for `pmatch`, `glob` and `iglob`.

use regex::Regex;

/// A `pmatch` path (libsinsp `prefix_search.h` `path_prefix_map`): paths are compared by
/// non-empty components, so `/var/run` matches `/var/run/docker` but not `/var/runx` or `/var`,
/// `/` matches everything, and a component holding `?*[` is an fnmatch pattern.
pub struct PathPattern {
    comps: Vec<Comp>,
}

enum Comp {
    Exact(String),
    Glob(Regex),
}

fn components(p: &str) -> impl Iterator<Item = &str> {
    p.split('/').filter(|c| !c.is_empty())
}

impl PathPattern {
    pub fn new(p: &str) -> PathPattern {
        let comps = components(p)
            .map(
                |c| match c.contains(['*', '?', '[']).then(|| glob_regex(c, false)) {
                    Some(Ok(r)) => Comp::Glob(r),
                    _ => Comp::Exact(c.to_string()),
                },
            )
            .collect();
        PathPattern { comps }
    }

    pub fn matches(&self, v: &str) -> bool {
        let mut vc = components(v);
        self.comps.iter().all(|p| match (p, vc.next()) {
            (_, None) => false,
            (Comp::Exact(e), Some(c)) => e == c,
            (Comp::Glob(r), Some(c)) => r.is_match(c),
        })
    }
}

/// fnmatch-style glob (no FNM_PATHNAME: `*` also matches `/`) as an anchored regex.
pub fn glob_regex(p: &str, icase: bool) -> Result<Regex, String> {
    let mut r = String::from(if icase { "(?is)^" } else { "(?s)^" });
    let mut chars = p.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' => r.push_str(".*"),
            '?' => r.push('.'),
            '[' => {
                let mut class = String::new();
                let mut closed = false;
                if chars.peek() == Some(&'!') || chars.peek() == Some(&'^') {
                    chars.next();
                    class.push('^');
                }
                if chars.peek() == Some(&']') {
                    chars.next();
                    class.push_str("\\]");
                }
                for d in chars.by_ref() {
                    if d == ']' {
                        closed = true;
                        break;
                    }
                    if d == '\\' || d == '[' {
                        class.push('\\');
                    }
                    class.push(d);
                }
                if closed {
                    r.push('[');
                    r.push_str(&class);
                    r.push(']');
                } else {
                    r.push_str(&regex::escape("["));
                    r.push_str(&regex::escape(&class));
                }
            }
            '\\' => {
                if let Some(n) = chars.next() {
                    r.push_str(&regex::escape(&n.to_string()));
                }
            }
            c => r.push_str(&regex::escape(&c.to_string())),
        }
    }
    r.push('$');
    Regex::new(&r).map_err(|e| format!("invalid glob '{p}': {e}"))
}

/// Rewrites Perl classes to RE2's ASCII meaning (`\d` = `[0-9]`, `\w` = `[0-9A-Za-z_]`,
/// `\s` = `[\t\n\f\r ]`); the `regex` crate would read them as Unicode classes.
pub fn re2_ascii_classes(re: &str) -> String {
    let mut out = String::with_capacity(re.len());
    let mut in_class = false;
    let mut chars = re.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some(e @ ('d' | 'D' | 'w' | 'W' | 's' | 'S')) => {
                    let set = match e.to_ascii_lowercase() {
                        'd' => "0-9",
                        'w' => "0-9A-Za-z_",
                        _ => "\\t\\n\\x0C\\r ",
                    };
                    let neg = e.is_ascii_uppercase();
                    if in_class && !neg {
                        out.push_str(set);
                    } else {
                        out.push_str(if neg { "[^" } else { "[" });
                        out.push_str(set);
                        out.push(']');
                    }
                }
                Some(other) => {
                    out.push('\\');
                    out.push(other);
                }
                None => out.push('\\'),
            },
            '[' if !in_class => {
                in_class = true;
                out.push('[');
                if chars.peek() == Some(&'^') {
                    out.push('^');
                    chars.next();
                }
                if chars.peek() == Some(&']') {
                    out.push(']');
                    chars.next();
                }
            }
            '[' if chars.peek() == Some(&':') => {
                out.push('[');
                for d in chars.by_ref() {
                    out.push(d);
                    if d == ']' {
                        break;
                    }
                }
            }
            ']' if in_class => {
                in_class = false;
                out.push(']');
            }
            c => out.push(c),
        }
    }
    out
}
