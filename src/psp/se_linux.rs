//! SELinux option comparison as PSP's `MustRunAs` strategy made it (research §2.6), shared by
//! the native evaluator and the tests of the `seLinux` rule generator.

use super::model::SeLinuxOptions;

/// Whether a pod's or container's options differ from the policy's: `user`, `role`, `type` as
/// strings (unset counts as `""`), and the `level` by [`levels_equal`].
pub fn options_differ(policy: &SeLinuxOptions, pod: &SeLinuxOptions) -> bool {
    let s = |v: &Option<String>| v.as_deref().unwrap_or("").to_owned();
    s(&policy.user) != s(&pod.user)
        || s(&policy.role) != s(&pod.role)
        || s(&policy.type_) != s(&pod.type_)
        || !levels_equal(
            policy.level.as_deref().unwrap_or(""),
            pod.level.as_deref().unwrap_or(""),
        )
}

/// SELinux levels are equal when identical, or with the same sensitivity and the same set of
/// categories (`s0:c6,c0` equals `s0:c0,c6`).
pub fn levels_equal(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    match (a.split_once(':'), b.split_once(':')) {
        (Some((sa, ca)), Some((sb, cb))) => sa == sb && categories(ca) == categories(cb),
        _ => false,
    }
}

fn categories(list: &str) -> std::collections::BTreeSet<&str> {
    list.split(',').collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_compare_category_sets() {
        assert!(levels_equal("s0:c6,c0", "s0:c0,c6"));
        assert!(!levels_equal("s0:c6", "s1:c6"));
        assert!(!levels_equal("s0", "s0:c0"));
        assert!(levels_equal("", ""));
    }
}
