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

/// Builds the scope of one policy: a flag wins over the annotation.
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
    let mut scope = Scope {
        images: from(images_flag, IMAGES_ANNOTATION)?,
        namespaces: from(namespaces_flag, NAMESPACES_ANNOTATION)?,
    };
    scope.images = scope
        .images
        .iter()
        .map(|i| image_repository(i).to_string())
        .collect();
    scope.images.dedup();
    Ok(scope)
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
    }
}
