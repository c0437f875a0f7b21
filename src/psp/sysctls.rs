//! Sysctl names and patterns as PSP read them (research §2.7), shared by the `sysctls` rule
//! generator and the native evaluator.

/// The sysctls PSP always allowed (Kubernetes 1.24's safe list).
pub const SAFE_SYSCTLS: [&str; 5] = [
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start",
];

/// Whether `name` is one of [`SAFE_SYSCTLS`].
pub fn is_safe(name: &str) -> bool {
    SAFE_SYSCTLS.contains(&name)
}

/// Whether `name` matches a `forbiddenSysctls`/`allowedUnsafeSysctls` pattern: an exact name,
/// a plain string prefix ending in `*` (`kernel.shm*` matches `kernel.shmmax`, `net.*` does not
/// match `net`), or `*` alone for every name. Names are compared raw, as PSP did.
pub fn sysctl_matches(pattern: &str, name: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => name.starts_with(prefix),
        None => pattern == name,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_exact_prefix_or_everything() {
        assert!(sysctl_matches("*", "kernel.msgmax"));
        assert!(sysctl_matches("kernel.shm*", "kernel.shmmax"));
        assert!(!sysctl_matches("net.*", "net"));
        assert!(sysctl_matches("net.core.somaxconn", "net.core.somaxconn"));
        assert!(!sysctl_matches("net.core.somaxconn", "net.core.somaxconn2"));
        assert!(is_safe("net.ipv4.tcp_syncookies"));
        assert!(!is_safe("kernel.msgmax"));
    }
}
