//! PSP's `hasPathPrefix` (research §2.3), shared by the `allowedHostPaths` rule generator and
//! the native evaluator, so that both decide path matches the same way.

/// True when a `hostPath.path` value lies under `prefix` the way PSP decided: one trailing `/`
/// trimmed from both, then a string prefix ending at a path-segment boundary (`/foo` covers
/// `/foo`, `/foo/` and `/foo/bar`, not `/food`; `/` covers every absolute path). No cleaning of
/// `//` or `/./`: PSP compared the raw strings.
pub fn has_path_prefix(path: &str, prefix: &str) -> bool {
    let s = path.strip_suffix('/').unwrap_or(path);
    let p = prefix.strip_suffix('/').unwrap_or(prefix);
    s.starts_with(p) && (s.len() == p.len() || s.as_bytes()[p.len()] == b'/')
}

#[cfg(test)]
mod tests {
    use super::has_path_prefix;

    #[test]
    fn prefixes_follow_path_segments() {
        assert!(has_path_prefix("/foo", "/foo"));
        assert!(has_path_prefix("/foo/", "/foo"));
        assert!(has_path_prefix("/foo/bar", "/foo/"));
        assert!(!has_path_prefix("/food", "/foo"));
        assert!(has_path_prefix("/anything", "/"));
        assert!(!has_path_prefix("/foo/", "/foo//"));
        assert!(has_path_prefix("/foo//x", "/foo//"));
    }
}
