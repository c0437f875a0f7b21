//! The `plugin` target (SPEC §8): small rules that read the pspconv Falco plugin's verdict
//! fields instead of encoding the policy in conditions.
//!
//! Per policy: one rule `PSP <name> Violation K8s Audit` (`psp.violated[<policy>]=true`), firing
//! once per violating pod with the violated properties and the reasons in its output; or, with
//! `--rule-per property`, one rule per property named as in the `falco` target
//! (`psp.violations[<policy>] intersects ("<property>")`) plus one for any property outside
//! those; and one out-of-sync guard (`psp.loaded[<policy>]=false and psp.evaluated=true`), at
//! priority ERROR, for a plugin configured without the policy. Falco evaluates every audit rule
//! on every audit event and each rule costs at least one extraction (SPEC §10), so every
//! condition starts with the one extraction that is false on almost every event. Syscall rules
//! are the `falco` target's.

use std::collections::BTreeSet;

use super::context::Ctx;
use super::preamble;
use super::writer::{checked_scope, RulesWriter};
use super::{naming, Conversion, ConvertError, Options, RulePer, Sources, GENERATORS};
use crate::falco::expr::{Expr, Field, FieldArg, Op, Value};
use crate::falco::render::policy_arg;
use crate::falco::rules::{Item, Rule, Source};
use crate::psp::LoadedPolicy;
use crate::Target;

/// Converts every policy into one rules file for Falco with the pspconv plugin.
pub fn convert(policies: &[LoadedPolicy], opts: &Options) -> Result<Conversion, ConvertError> {
    let prefixes = naming::unique_prefixes(policies)?;
    let mut writer = RulesWriter::default();
    for (policy, prefix) in policies.iter().zip(prefixes) {
        // The plugin applies the scope; its annotations are still checked here, as the plugin
        // would refuse them at start.
        checked_scope(policy, opts)?;
        let arg = if policy_arg(&policy.name).is_ok() {
            policy.name.clone()
        } else {
            prefix.clone()
        };
        let names = PolicyNames {
            policy,
            prefix: &prefix,
            arg: &arg,
        };
        let mut section = vec![Item::Comment {
            lines: vec![format!("Policy {} ({})", policy.name, policy.source)],
            banner: true,
        }];
        if opts.sources.k8s_audit() {
            match opts.rule_per {
                RulePer::Policy => section.push(names.policy_rule(opts)),
                RulePer::Property => {
                    let labels = property_labels(policy, &prefix, opts)?;
                    section.extend(names.property_rules(&labels, opts));
                }
            }
            section.push(names.guard_rule());
        }
        if opts.sources.syscall() {
            let (items, notes) = syscall_items(policy, &prefix, opts)?;
            section.extend(items);
            writer.warn(notes);
        }
        writer.section(policy, section, opts)?;
    }
    writer.finish(policies, opts, falco_yaml_snippet(opts))
}

/// How one policy is named in rule names (its safe prefix, as the `falco` target), in outputs
/// (its name) and in field arguments (its name, or its prefix when the name has characters a
/// bare field argument cannot hold; the plugin accepts both).
struct PolicyNames<'a> {
    policy: &'a LoadedPolicy,
    prefix: &'a str,
    arg: &'a str,
}

impl PolicyNames<'_> {
    fn field(&self, name: &'static str) -> Field {
        Field {
            name,
            arg: Some(FieldArg::Policy(self.arg.to_string())),
        }
    }

    /// `%psp...[<policy>]` for outputs.
    fn out(&self, name: &str) -> String {
        format!("%{name}[{}]", self.arg)
    }

    fn output(&self, what: &str) -> String {
        format!(
            "Pod Security Policy {} validation failure--{what} (reason={} user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace images=%ka.req.pod.containers.image mode=%psp.mode)",
            self.policy.name,
            self.out("psp.reason")
        )
    }

    fn rule(&self, name: String, desc: String, condition: Expr, output: String) -> Item {
        Item::Rule(Rule {
            name,
            desc,
            condition,
            output,
            priority: "WARNING",
            source: Source::K8sAudit,
            tags: vec!["k8s-psp".into()],
            skip_if_unknown_filter: false,
        })
    }

    /// One rule for the whole policy: one extraction per event.
    fn policy_rule(&self, opts: &Options) -> Item {
        self.rule(
            format!("PSP {} Violation K8s Audit", self.prefix),
            format!(
                "Detect a pod creation that violates policy {} (evaluated by the pspconv plugin; rules generated for {} mode)",
                self.policy.name,
                opts.mode.name()
            ),
            Expr::eq(self.field("psp.violated"), Value::Word("true")),
            self.output(&self.out("psp.violations")),
        )
    }

    /// One rule per property the `falco` target has a rule for, plus one for any other
    /// property the plugin reports, so that nothing the plugin finds goes unreported.
    fn property_rules(&self, labels: &[String], opts: &Options) -> Vec<Item> {
        let violations = || self.field("psp.violations");
        let mut rules: Vec<Item> = labels
            .iter()
            .map(|label| {
                self.rule(
                    format!("PSP {} Violation ({label}) K8s Audit", self.prefix),
                    format!(
                        "Detect a psp validation failure for {label} (policy {}, evaluated by the pspconv plugin; rules generated for {} mode)",
                        self.policy.name,
                        opts.mode.name()
                    ),
                    Expr::list(violations(), Op::Intersects, vec![Value::Str(label.clone())]),
                    self.output(label),
                )
            })
            .collect();
        let violated = Expr::eq(self.field("psp.violated"), Value::Word("true"));
        let other = if labels.is_empty() {
            violated
        } else {
            let listed = labels.iter().map(|l| Value::Str(l.clone())).collect();
            Expr::and([
                violated,
                Expr::not(Expr::list(violations(), Op::In, listed)),
            ])
        };
        rules.push(self.rule(
            format!("PSP {} Violation (other) K8s Audit", self.prefix),
            format!(
                "Detect a violation of policy {} in a property without a rule of its own above (evaluated by the pspconv plugin)",
                self.policy.name
            ),
            other,
            self.output(&self.out("psp.violations")),
        ));
        rules
    }

    /// Fires on every evaluated pod when the plugin does not have the policy: the rules and the
    /// plugin's configuration are out of sync, and pods go unchecked against it.
    fn guard_rule(&self) -> Item {
        Item::Rule(Rule {
            name: format!("PSP {} Not Loaded In pspconv Plugin K8s Audit", self.prefix),
            desc: format!(
                "The pspconv plugin has no policy {}: these rules and the plugin's policies are out of sync, and pods are not checked against it",
                self.policy.name
            ),
            condition: Expr::and([
                Expr::eq(self.field("psp.loaded"), Value::Word("false")),
                Expr::eq(Field::new("psp.evaluated"), Value::Word("true")),
            ]),
            output: format!(
                "Pod not checked against Pod Security Policy {}: the pspconv plugin has not loaded it (loaded=%psp.policies); configure the plugin with the policies these rules were generated from (pod=%ka.resp.name ns=%ka.target.namespace)",
                self.policy.name
            ),
            priority: "ERROR",
            source: Source::K8sAudit,
            tags: vec!["k8s-psp".into(), "pspconv-config".into()],
            skip_if_unknown_filter: false,
        })
    }
}

/// The properties the `falco` target writes an audit rule for, for this policy and mode, in
/// generator order (the labels of `PSP <name> Violation (<label>) K8s Audit`).
fn property_labels(
    policy: &LoadedPolicy,
    prefix: &str,
    opts: &Options,
) -> Result<Vec<String>, ConvertError> {
    let falco = Options {
        target: Target::Falco,
        sources: Sources::K8sAudit,
        ..opts.clone()
    };
    let items = generated(policy, prefix, &falco)?.0;
    let head = format!("PSP {prefix} Violation (");
    let mut seen = BTreeSet::new();
    Ok(items
        .iter()
        .filter_map(|i| match i {
            Item::Rule(r) => r.name.strip_prefix(&head)?.strip_suffix(") K8s Audit"),
            _ => None,
        })
        .filter(|l| seen.insert(l.to_string()))
        .map(str::to_string)
        .collect())
}

/// The `falco` target's syscall rules for the policy, with the lists and macros they use, and
/// its notes.
fn syscall_items(
    policy: &LoadedPolicy,
    prefix: &str,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<String>), ConvertError> {
    let falco = Options {
        target: Target::Falco,
        sources: Sources::Syscall,
        ..opts.clone()
    };
    let (items, notes) = generated(policy, prefix, &falco)?;
    let items = items
        .into_iter()
        .filter(|i| match i {
            Item::Rule(r) => r.source == Source::Syscall,
            Item::List { .. } | Item::Macro { .. } => true,
            Item::Comment { banner, .. } => !banner,
            _ => false,
        })
        .collect();
    Ok((items, notes))
}

/// Every item the `falco` target's generators give for one policy with `opts`.
fn generated(
    policy: &LoadedPolicy,
    prefix: &str,
    opts: &Options,
) -> Result<(Vec<Item>, Vec<String>), ConvertError> {
    let scope = checked_scope(policy, opts)?;
    let ctx = Ctx::new(policy, prefix.to_string(), scope, opts);
    let mut items = preamble::policy_items(&ctx);
    for g in GENERATORS {
        items.extend((g.generate)(&ctx));
    }
    Ok((items, ctx.take_warnings()))
}

/// The header's falco.yaml snippet loading the plugin with the policies of these rules.
fn falco_yaml_snippet(opts: &Options) -> Vec<String> {
    let mut lines = vec![
        String::new(),
        "Load the pspconv plugin beside k8saudit, with the policies these rules were generated from".into(),
        "(falco.yaml; build the plugin with `cargo build --release -p pspconv-falco-plugin`):".into(),
        "  plugins:".into(),
        "    - name: k8saudit".into(),
        "      library_path: libk8saudit.so".into(),
        "      init_config: \"\"".into(),
        "      open_params: \"http://:9765/k8s-audit\"".into(),
        "    - name: pspconv".into(),
        "      library_path: /usr/share/falco/plugins/libpspconv_falco_plugin.so".into(),
        "      init_config:".into(),
        "        policies: /etc/falco/psp/   # the PSP file or folder converted into these rules".into(),
        format!("        mode: {}", opts.mode.name()),
    ];
    if !opts.images.is_empty() {
        lines.push(format!("        images: [{}]", opts.images.join(", ")));
    }
    if !opts.namespaces.is_empty() {
        lines.push(format!(
            "        namespaces: [{}]",
            opts.namespaces.join(", ")
        ));
    }
    lines.extend([
        "  load_plugins: [k8saudit, pspconv]".to_string(),
        "  rule_matching: all".to_string(),
        "With --source all this file needs k8saudit and pspconv; for a syscall-only Falco convert with --source syscall.".to_string(),
    ]);
    lines
}
