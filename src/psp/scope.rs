//! Scope: which pods a policy's rules apply to (SPEC §3), from the `falco-rules-psp-images` and
//! `falco-rules-psp-namespaces` annotations or the `--images`/`--namespaces` flags.

use super::model::PodSecurityPolicy;
use crate::yaml::{self, Value};

pub const IMAGES_ANNOTATION: &str = "falco-rules-psp-images";
pub const NAMESPACES_ANNOTATION: &str = "falco-rules-psp-namespaces";

/// Image repositories and namespaces the rules are limited to; an empty list means no limit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    pub images: Vec<String>,
    pub namespaces: Vec<String>,
}

/// Builds the scope of one policy: a flag wins over the annotation. Every image repository and
/// namespace is checked here, so that later stages only ever see plain names.
pub fn scope_of(
    psp: &PodSecurityPolicy,
    images_flag: &[String],
    namespaces_flag: &[String],
) -> Result<Scope, (String, String)> {
    let from = |flag: &[String], key: &str| -> Result<Vec<String>, (String, String)> {
        if !flag.is_empty() {
            return Ok(flag.to_vec());
        }
        match psp.metadata.annotations.get(key) {
            None => Ok(Vec::new()),
            Some(text) => parse_list(text).map_err(|m| (format!("metadata.annotations.{key}"), m)),
        }
    };
    let where_ = |flag: &[String], key: &str| {
        if flag.is_empty() {
            format!("metadata.annotations.{key}")
        } else if key == IMAGES_ANNOTATION {
            "--images".to_string()
        } else {
            "--namespaces".to_string()
        }
    };
    let images = from(images_flag, IMAGES_ANNOTATION)?;
    let namespaces = from(namespaces_flag, NAMESPACES_ANNOTATION)?;
    let mut scope = Scope {
        images: Vec::new(),
        namespaces: Vec::new(),
    };
    for image in &images {
        let repo = image_repository(image);
        check_repository(repo).map_err(|m| (where_(images_flag, IMAGES_ANNOTATION), m))?;
        if !scope.images.iter().any(|r| r == repo) {
            scope.images.push(repo.to_string());
        }
    }
    for ns in &namespaces {
        check_namespace(ns).map_err(|m| (where_(namespaces_flag, NAMESPACES_ANNOTATION), m))?;
        if !scope.namespaces.contains(ns) {
            scope.namespaces.push(ns.clone());
        }
    }
    Ok(scope)
}

/// Checks the scope annotations of a policy on their own (the loader reports them with their
/// position before any conversion). Returns the annotation key and the message.
pub fn check_annotations(psp: &PodSecurityPolicy) -> Result<(), (String, String)> {
    scope_of(psp, &[], &[]).map(|_| ()).map_err(|(path, m)| {
        let key = path.trim_start_matches("metadata.annotations.").to_string();
        (key, m)
    })
}

/// An image repository as Docker references spell it: registry host and port, path components.
/// Anything else (spaces, quotes, brackets...) cannot name an image and is refused, which also
/// keeps it out of the rules' regexes and lists.
pub fn check_repository(repo: &str) -> Result<(), String> {
    let ok = !repo.is_empty()
        && repo.len() <= 255
        && repo
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/' | ':'))
        && !repo.starts_with(['/', ':', '.', '-'])
        && !repo.ends_with(['/', ':']);
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{repo:?} is not an image repository (letters, digits, '.', '_', '-', '/' and a registry port, at most 255 characters)"
        ))
    }
}

/// A namespace name: a DNS-1123 label, as Kubernetes requires.
pub fn check_namespace(ns: &str) -> Result<(), String> {
    let ok = !ns.is_empty()
        && ns.len() <= 63
        && ns
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !ns.starts_with('-')
        && !ns.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(format!(
            "{ns:?} is not a namespace name (lower-case letters, digits and '-', at most 63 characters)"
        ))
    }
}

/// Parses an annotation value: a YAML flow list (`"[nginx, busybox]"`) or a comma-separated list.
pub fn parse_list(text: &str) -> Result<Vec<String>, String> {
    let trimmed = text.trim();
    let items: Vec<String> = if trimmed.starts_with('[') {
        let docs = yaml::load_all(trimmed).map_err(|e| format!("invalid list {text:?}: {e}"))?;
        match docs.as_slice() {
            [Value::Sequence(seq)] => seq
                .iter()
                .map(|v| match v {
                    Value::String(s) => Ok(s.clone()),
                    Value::Number(n) => Ok(n.to_string()),
                    _ => Err(format!(
                        "invalid list {text:?}: items must be plain strings"
                    )),
                })
                .collect::<Result<_, _>>()?,
            _ => {
                return Err(format!(
                    "invalid list {text:?}: expected a flow list like [a, b]"
                ))
            }
        }
    } else {
        trimmed.split(',').map(|s| s.trim().to_string()).collect()
    };
    let items: Vec<String> = items.into_iter().filter(|s| !s.is_empty()).collect();
    Ok(items)
}

/// The repository of an image reference: tag and digest removed, registry host and port kept
/// (`registry:5000/team/app:1.2@sha256:…` → `registry:5000/team/app`).
pub fn image_repository(image: &str) -> &str {
    let no_digest = image.split('@').next().unwrap_or(image);
    let last_slash = no_digest.rfind('/').map_or(0, |i| i + 1);
    match no_digest[last_slash..].find(':') {
        Some(colon) => &no_digest[..last_slash + colon],
        None => no_digest,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_keeps_registry_port_and_drops_tag_and_digest() {
        assert_eq!(
            image_repository("registry:5000/team/app:1.2@sha256:abc"),
            "registry:5000/team/app"
        );
        assert_eq!(image_repository("nginx"), "nginx");
        assert_eq!(image_repository("nginx:1.25"), "nginx");
        assert_eq!(image_repository("nginx@sha256:abc"), "nginx");
        assert_eq!(image_repository("registry:5000/app"), "registry:5000/app");
    }

    #[test]
    fn lists_parse_in_flow_and_comma_forms() {
        assert_eq!(
            parse_list("[nginx, busybox]").unwrap(),
            vec!["nginx", "busybox"]
        );
        assert_eq!(
            parse_list("nginx,busybox").unwrap(),
            vec!["nginx", "busybox"]
        );
        assert_eq!(parse_list("[]").unwrap(), Vec::<String>::new());
        assert!(parse_list("[a, {b: c}]").is_err());
        assert!(parse_list("[a, *x]").is_err());
    }

    #[test]
    fn scope_values_are_checked() {
        let mut psp = PodSecurityPolicy::default();
        psp.metadata
            .annotations
            .insert(IMAGES_ANNOTATION.into(), "[nginx:1.25, \"ev il\"]".into());
        let (path, msg) = scope_of(&psp, &[], &[]).unwrap_err();
        assert_eq!(path, "metadata.annotations.falco-rules-psp-images");
        assert!(msg.contains("\"ev il\""), "{msg}");
        let scope = scope_of(
            &psp,
            &["registry:5000/a:1@sha256:0".into()],
            &["kube-system".into()],
        )
        .unwrap();
        assert_eq!(scope.images, vec!["registry:5000/a"]);
        assert!(scope_of(&psp, &["a".into()], &["Kube System".into()]).is_err());
    }
}
