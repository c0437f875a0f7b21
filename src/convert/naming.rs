//! Names: the policy-name prefix of every list, macro and rule (SPEC §3).

use std::collections::HashMap;

use super::ConvertError;
use crate::psp::LoadedPolicy;

/// Makes a policy name safe as an identifier prefix: every character other than an ASCII letter,
/// digit or `_` becomes `_` (`no-privileged` → `no_privileged`); a name that would not start
/// with a letter gets `psp_` in front (`00-rook` → `psp_00_rook`), since Falco's condition
/// grammar reads an identifier only from a letter.
pub fn safe_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) {
        out.insert_str(0, "psp_");
    }
    out
}

/// The prefix of each policy, refusing two policies that would share one.
pub fn unique_prefixes(policies: &[LoadedPolicy]) -> Result<Vec<String>, ConvertError> {
    // Indexed by prefix: a linear search per policy is quadratic on a List of 10 000 policies.
    let mut first_with: HashMap<String, &LoadedPolicy> = HashMap::with_capacity(policies.len());
    let mut prefixes = Vec::with_capacity(policies.len());
    for p in policies {
        let prefix = safe_name(&p.name);
        if let Some(first) = first_with.get(&prefix) {
            return Err(ConvertError::NameCollision {
                first: first.name.clone(),
                first_doc: first.source.clone(),
                second: p.name.clone(),
                second_doc: p.source.clone(),
                prefix,
            });
        }
        first_with.insert(prefix.clone(), p);
        prefixes.push(prefix);
    }
    Ok(prefixes)
}

/// The policy name as it may appear in rule names and outputs (the loader checks it first, with
/// the name's position; see [`crate::psp::load::check_name`]).
pub fn check_display_name(name: &str) -> Result<(), String> {
    crate::psp::load::check_name(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn safe_names() {
        assert_eq!(safe_name("no-privileged"), "no_privileged");
        assert_eq!(safe_name("no privileged"), "no_privileged");
        assert_eq!(
            safe_name("psp.flannel.unprivileged"),
            "psp_flannel_unprivileged"
        );
        assert_eq!(safe_name("00-rook-privileged"), "psp_00_rook_privileged");
        assert_eq!(safe_name("-x"), "psp__x");
    }
}
