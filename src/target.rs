//! The Falco generations and set-ups pspconv writes rules for and evaluates rules as.

/// Which Falco a rules file is written for (SPEC §4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Target {
    /// Current Falco: k8saudit + json plugins (`k8s_audit`), container plugin (`syscall`).
    #[default]
    Falco,
    /// Falco 0.18–0.31 with built-in K8s audit support (`jevt.*`, `<NA>`).
    Legacy,
    /// Current Falco with pspconv's own plugin loaded beside k8saudit (SPEC §8).
    Plugin,
}

impl Target {
    pub fn name(self) -> &'static str {
        match self {
            Target::Falco => "falco",
            Target::Legacy => "legacy",
            Target::Plugin => "plugin",
        }
    }

    /// Current Falco (plugins and their semantics): `falco` and `plugin`.
    pub fn is_current(self) -> bool {
        self != Target::Legacy
    }
}
