//! The parts of a rules file that are not one property's rules: the header, each policy's lists
//! and scope macros, and (for the current Falco target) pruning of unused lists and macros.

use std::collections::{BTreeSet, HashMap};

use super::context::{Ctx, CONTAINER_KINDS};
use super::{Options, Sources};
use crate::falco::expr::{Expr, Field, FieldArg, Op, Value};
use crate::falco::rules::{EngineVersion, Item, PluginRequirement, RulesFile, Source};
use crate::Target;

/// Lists and macros of one policy, before its rules.
pub fn policy_items(ctx: &Ctx) -> Vec<Item> {
    let mut items = vec![Item::Comment {
        lines: vec![format!(
            "Policy {} ({})",
            ctx.policy.name, ctx.policy.source
        )],
        banner: true,
    }];
    let images: Vec<Value> = ctx
        .scope
        .images
        .iter()
        .map(|i| Value::Str(i.clone()))
        .collect();
    let namespaces: Vec<Value> = ctx
        .scope
        .namespaces
        .iter()
        .map(|n| Value::Str(n.clone()))
        .collect();
    if !images.is_empty() {
        items.push(Item::List {
            name: ctx.name("images"),
            items: images,
        });
    }
    if !namespaces.is_empty() {
        items.push(Item::List {
            name: ctx.name("namespaces"),
            items: namespaces,
        });
    }
    if ctx.legacy() {
        items.extend(legacy_macros(ctx));
    } else {
        items.extend(current_macros(ctx));
    }
    items
}

fn mac(name: String, condition: Expr) -> Item {
    Item::Macro { name, condition }
}

/// The seed's macros, unused helpers included (SPEC §3: the legacy target keeps its shape).
fn legacy_macros(ctx: &Ctx) -> Vec<Item> {
    let f = Field::new;
    let rawtime = Field::new("json.rawtime");
    let stage = Field {
        name: "json.value",
        arg: Some(FieldArg::Pointer(vec!["stage".into()])),
    };
    let mut ka = vec![
        Expr::macro_ref(ctx.name("ka_enabled")),
        Expr::macro_ref(ctx.name("kevt")),
        Expr::macro_ref(ctx.name("ka_pod")),
        Expr::eq(f("ka.verb"), Value::Word("create")),
    ];
    if !ctx.scope.images.is_empty() {
        ka.push(Expr::list(
            f("ka.req.pod.containers.image.repository"),
            Op::In,
            vec![Value::ListRef(ctx.name("images"))],
        ));
    }
    if !ctx.scope.namespaces.is_empty() {
        ka.push(Expr::list(
            f("ka.target.namespace"),
            Op::In,
            vec![Value::ListRef(ctx.name("namespaces"))],
        ));
    }
    let mut sys = vec![Expr::macro_ref(ctx.name("enabled"))];
    if ctx.scope.images.is_empty() {
        sys.push(Expr::cmp(f("container.id"), Op::Ne, Value::Word("host")));
    } else {
        sys.push(Expr::list(
            f("container.image.repository"),
            Op::In,
            vec![Value::ListRef(ctx.name("images"))],
        ));
    }
    let open_write = Expr::and([
        Expr::group(Expr::or([
            Expr::eq(f("evt.type"), Value::Word("open")),
            Expr::eq(f("evt.type"), Value::Word("openat")),
        ])),
        Expr::eq(f("evt.is_open_write"), Value::Word("true")),
        Expr::eq(f("fd.typechar"), Value::SeedQuoted("f", '\'')),
        Expr::cmp(f("fd.num"), Op::Ge, Value::Int(0)),
    ]);
    vec![
        Item::Comment {
            lines: vec!["K8s audit specific macros here".into()],
            banner: false,
        },
        mac(
            ctx.name("ka_always_true"),
            Expr::group(Expr::exists(rawtime.clone())),
        ),
        mac(
            ctx.name("ka_never_true"),
            Expr::group(Expr::eq(rawtime, Value::Int(0))),
        ),
        mac(
            ctx.name("ka_enabled"),
            Expr::group(Expr::macro_ref(ctx.name("ka_always_true"))),
        ),
        mac(
            ctx.name("kevt"),
            Expr::group(Expr::list(
                stage,
                Op::In,
                vec![Value::SeedQuoted("ResponseComplete", '"')],
            )),
        ),
        mac(
            ctx.name("ka_pod"),
            Expr::group(Expr::and([
                Expr::eq(f("ka.target.resource"), Value::Word("pods")),
                Expr::not(Expr::exists(f("ka.target.subresource"))),
            ])),
        ),
        mac(ctx.name("ka_container"), Expr::group(Expr::and(ka))),
        Item::Comment {
            lines: vec!["syscall audit specific macros here".into()],
            banner: false,
        },
        mac(
            ctx.name("always_true"),
            Expr::group(Expr::cmp(f("evt.num"), Op::Ge, Value::Int(0))),
        ),
        mac(
            ctx.name("never_true"),
            Expr::group(Expr::eq(f("evt.num"), Value::Int(0))),
        ),
        mac(
            ctx.name("enabled"),
            Expr::group(Expr::macro_ref(ctx.name("always_true"))),
        ),
        mac(ctx.name("container"), Expr::group(Expr::and(sys))),
        mac(ctx.name("open_write"), open_write),
    ]
}

/// Macros for current Falco: only what rules use survives [`prune`].
fn current_macros(ctx: &Ctx) -> Vec<Item> {
    let f = Field::new;
    let mut ka = pod_creation_guard();
    if !ctx.scope.namespaces.is_empty() {
        ka.push(Expr::list(
            f("ka.target.namespace"),
            Op::In,
            vec![Value::ListRef(ctx.name("namespaces"))],
        ));
    }
    let mut items = Vec::new();
    if !ctx.scope.images.is_empty() {
        ka.push(Expr::macro_ref(ctx.name("ka_match_image")));
        // Gated like rule conditions: Falco stops at the first absent container slot.
        let scope = crate::falco::index_gates::gate(image_scope(ctx));
        items.push(mac(ctx.name("ka_match_image"), scope));
    }
    items.push(mac(ctx.name("ka_container"), Expr::and(ka)));
    let mut sys = vec![Expr::cmp(f("container.id"), Op::Ne, Value::Word("host"))];
    if !ctx.scope.images.is_empty() {
        sys.push(Expr::list(
            f("container.image.repository"),
            Op::In,
            vec![Value::ListRef(ctx.name("images"))],
        ));
    }
    if !ctx.scope.namespaces.is_empty() {
        let ns = Field {
            name: "container.label",
            arg: Some(FieldArg::Key("io.kubernetes.pod.namespace")),
        };
        sys.push(Expr::list(
            ns,
            Op::In,
            vec![Value::ListRef(ctx.name("namespaces"))],
        ));
    }
    items.push(mac(ctx.name("container"), Expr::and(sys)));
    items
}

/// A successful pod creation (current Falco): the guard every K8s audit rule starts with.
pub fn pod_creation_guard() -> Vec<Expr> {
    let f = Field::new;
    vec![
        Expr::eq(f("ka.verb"), Value::Word("create")),
        Expr::eq(f("ka.target.resource"), Value::Word("pods")),
        Expr::not(Expr::exists(f("ka.target.subresource"))),
        Expr::eq(f("ka.stage"), Value::Word("ResponseComplete")),
        // A pod the API server refused never ran: only successful creations count.
        Expr::cmp(f("ka.response.code"), Op::StartsWith, Value::Int(2)),
    ]
}

/// Every container (init, regular, ephemeral) has a listed image repository. The plugin's
/// `image.repository` cuts at the first `:` (wrong for `registry:5000/...`), so each image is
/// matched by a regex over the full reference: repository, optional tag, optional digest.
fn image_scope(ctx: &Ctx) -> Expr {
    let patterns = image_regexes(&ctx.scope.images);
    Expr::and(ctx.containers(&CONTAINER_KINDS).iter().map(|c| {
        let image = c.field(&["image"]);
        let matches = Expr::or(
            patterns
                .iter()
                .map(|p| Expr::cmp(image.clone(), Op::Regex, Value::Str(p.clone()))),
        );
        Expr::or([Expr::not(c.present()), matches])
    }))
}

/// Regexes (each under Falco's 255-byte limit) that together match `repo`, `repo:tag`,
/// `repo@digest` and `repo:tag@digest` for the listed repositories. Characters are escaped as
/// classes (`[.]`), never with backslashes, which Falco's string quoting would treat as escapes.
pub fn image_regexes(repos: &[String]) -> Vec<String> {
    const SUFFIX: &str = "(:[^/@]+)?(@.+)?";
    let escaped: Vec<String> = repos
        .iter()
        .map(|r| {
            r.chars()
                .map(|c| {
                    if c.is_ascii_alphanumeric() || "_-/:".contains(c) {
                        c.to_string()
                    } else {
                        format!("[{c}]")
                    }
                })
                .collect()
        })
        .collect();
    let mut out = Vec::new();
    let mut group: Vec<&str> = Vec::new();
    let mut len = 0;
    for e in &escaped {
        if !group.is_empty()
            && len + e.len() + 1 + SUFFIX.len() + 2 > crate::falco::render::MAX_VALUE_BYTES
        {
            out.push(format!("({}){SUFFIX}", group.join("|")));
            group.clear();
            len = 0;
        }
        len += e.len() + 1;
        group.push(e);
    }
    if !group.is_empty() {
        out.push(format!("({}){SUFFIX}", group.join("|")));
    }
    out
}

/// What the header must declare, gathered section by section so that each section can be
/// written out (and its trees dropped) as soon as it is built.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    engine: Option<EngineVersion>,
    k8s_audit: bool,
    syscall: bool,
}

impl Needs {
    pub fn add(&mut self, items: &[Item]) {
        let v = engine_version(items);
        self.engine = Some(self.engine.map_or(v, |e| e.max(v)));
        for i in items {
            if let Item::Rule(r) = i {
                self.k8s_audit |= r.source == Source::K8sAudit;
                self.syscall |= r.source == Source::Syscall;
            }
        }
    }
}

/// One policy's items, ready to write: for current Falco without unused lists and macros
/// (names are unique per policy, so a policy's rules use only its own). `roots` are macros
/// kept as if a rule used them (the policy-set rules come later, in their own section).
pub fn finish_section(items: Vec<Item>, opts: &Options, roots: &[String]) -> Vec<Item> {
    if opts.target.is_current() {
        prune(items, roots)
    } else {
        items
    }
}

/// The head of the file: a comment saying what generated it, then the engine and plugin
/// requirements of everything in it.
pub fn header(names: &[&str], opts: &Options, needs: Needs) -> RulesFile {
    let from = if names.len() <= 5 {
        format!("policy {}", names.join(", "))
    } else {
        format!("{} policies ({}, ...)", names.len(), names[..3].join(", "))
    };
    let mut header = vec![
        format!("Falco rules generated by pspconv {} from {from}.", env!("CARGO_PKG_VERSION")),
        format!(
            "target: {}, mode: {}, sources: {}. A dry run of the policy: these rules detect, never block.",
            opts.target.name(),
            opts.mode.name(),
            match opts.sources {
                Sources::All => "k8s_audit and syscall",
                Sources::K8sAudit => "k8s_audit",
                Sources::Syscall => "syscall",
            }
        ),
        "Run Falco with `rule_matching: all` so that every violated property is reported.".into(),
    ];
    if let Some(set) = &opts.policy_set {
        header[2] = format!(
            "Policy set: a pod violates the set when no usable policy admits it ({}).",
            if set.rbac.is_some() {
                "usable per the RBAC objects given with --rbac"
            } else {
                "RBAC not considered: every policy is usable"
            }
        );
    }
    let mut items = Vec::new();
    match opts.target {
        Target::Legacy => items.push(Item::EngineVersion(EngineVersion::Int(5))),
        Target::Plugin => {
            items.push(Item::EngineVersion(
                needs.engine.unwrap_or(EngineVersion::Semver(0, 15, 0)),
            ));
            if needs.k8s_audit {
                items.push(Item::PluginVersions(pspconv_plugin_requirements()));
            }
        }
        Target::Falco => {
            items.push(Item::EngineVersion(
                needs.engine.unwrap_or(EngineVersion::Semver(0, 15, 0)),
            ));
            let reqs = plugin_requirements(needs, opts.sources);
            if opts.sources == Sources::All {
                header.push(
                    "No required_plugin_versions: with both sources this file must load on a Falco that has only".into(),
                );
                header.push(
                    "the k8saudit+json plugins or only the container plugin (syscall rules are skipped there).".into(),
                );
            }
            if !reqs.is_empty() {
                items.push(Item::PluginVersions(reqs));
            }
        }
    }
    RulesFile { header, items }
}

/// The engine version the constructs in use need (SPEC §4: computed, not hard-coded).
fn engine_version(items: &[Item]) -> EngineVersion {
    // k8saudit-plugin rules: engine 0.15.0 (Falco 0.33), as the plugin's own rules declare.
    let mut v = (0, 15, 0);
    for item in items {
        let (cond, source) = match item {
            Item::Macro { condition, .. } => (condition, None),
            Item::Rule(r) => (&r.condition, Some(r.source)),
            _ => continue,
        };
        if source == Some(Source::Syscall) {
            // container.* fields come from the container plugin, bundled since Falco 0.41
            // (engine 0.50.0); the rules leave out `evt.dir`, deprecated since Falco 0.42
            // (engine 0.57.0), where only exit events reach rules. On 0.41 an exec rule without
            // `evt.dir=<` would also match enter events, before the process fields are set.
            v = v.max((0, 57, 0));
        }
        cond.walk(&mut |e| {
            if let Expr::Cmp(_, Op::Regex, _) = e {
                // The `regex` operator arrived in Falco 0.39 (engine 0.43.0).
                v = v.max((0, 43, 0));
            }
            if let Expr::Cmp(_, _, Value::FieldRef(_)) = e {
                // Field-to-field comparisons, `val(...)`, arrived in Falco 0.38 (engine 0.40.0).
                v = v.max((0, 40, 0));
            }
        });
    }
    EngineVersion::Semver(v.0, v.1, v.2)
}

/// The `plugin` target's audit rules read k8saudit's `ka.*` fields (in outputs) and the pspconv
/// plugin's `psp.*` fields, whose version is pspconv's own.
fn pspconv_plugin_requirements() -> Vec<PluginRequirement> {
    vec![
        k8saudit_requirement(),
        PluginRequirement {
            name: "pspconv",
            version: env!("CARGO_PKG_VERSION"),
            alternatives: vec![],
        },
    ]
}

fn k8saudit_requirement() -> PluginRequirement {
    PluginRequirement {
        name: "k8saudit",
        version: "0.7.0",
        alternatives: vec![
            ("k8saudit-eks", "0.4.0"),
            ("k8saudit-gke", "0.1.0"),
            ("k8saudit-aks", "0.1.0"),
            ("k8saudit-ovh", "0.1.0"),
        ],
    }
}

fn plugin_requirements(needs: Needs, sources: Sources) -> Vec<PluginRequirement> {
    let mut reqs = Vec::new();
    if sources == Sources::K8sAudit && needs.k8s_audit {
        reqs.push(k8saudit_requirement());
        reqs.push(PluginRequirement {
            name: "json",
            version: "0.7.0",
            alternatives: vec![],
        });
    }
    if sources == Sources::Syscall && needs.syscall {
        reqs.push(PluginRequirement {
            name: "container",
            version: "0.4.0",
            alternatives: vec![],
        });
    }
    reqs
}

/// Drops lists and macros no rule uses (Falco warns about them), keeping comments and order.
fn prune(items: Vec<Item>, roots: &[String]) -> Vec<Item> {
    let macros: HashMap<&str, &Expr> = items
        .iter()
        .filter_map(|i| match i {
            Item::Macro { name, condition } => Some((name.as_str(), condition)),
            _ => None,
        })
        .collect();
    let mut used: BTreeSet<String> = BTreeSet::new();
    let mut stack: Vec<&Expr> = items
        .iter()
        .filter_map(|i| match i {
            Item::Rule(r) => Some(&r.condition),
            Item::Macro { name, condition } if roots.contains(name) => {
                used.insert(name.clone());
                Some(condition)
            }
            _ => None,
        })
        .collect();
    while let Some(e) = stack.pop() {
        e.walk(&mut |node| match node {
            Expr::Macro(m) if !used.contains(m) => {
                used.insert(m.clone());
                if let Some(c) = macros.get(m.as_str()) {
                    stack.push(c);
                }
            }
            Expr::List(_, _, values) => {
                for v in values {
                    if let Value::ListRef(l) = v {
                        used.insert(l.clone());
                    }
                }
            }
            _ => {}
        });
    }
    items
        .into_iter()
        .filter(|i| match i {
            Item::Macro { name, .. } | Item::List { name, .. } => used.contains(name),
            _ => true,
        })
        .collect()
}
