//! What a generator sees: the policy, the options, and helpers that build rules the same way
//! for every property (names, scope guard, outputs, per-container pointers, bounds).

use std::cell::RefCell;
use std::collections::BTreeSet;

use super::{Mode, Options};
use crate::falco::expr::{json_pointer, Expr, Field, Op, Value};
use crate::falco::index_gates;
use crate::falco::rules::{Item, Rule, Source};
use crate::psp::scope::Scope;
use crate::psp::{LoadedPolicy, PspSpec};
use crate::Target;

/// Pod-spec arrays holding containers, in the order PSP admission visits them.
pub const CONTAINER_KINDS: [&str; 3] = ["initContainers", "containers", "ephemeralContainers"];

/// How many array elements per-index checks look at; a pod with more is reported by the
/// "too large" rule, so nothing goes silently unchecked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bounds {
    /// Containers per kind (init, regular, ephemeral).
    pub containers: usize,
    pub volumes: usize,
    /// Ports, capabilities, volume mounts... per container.
    pub per_container: usize,
}

impl Default for Bounds {
    fn default() -> Self {
        Bounds {
            containers: 8,
            volumes: 32,
            per_container: 8,
        }
    }
}

/// An array whose size per-index checks bound.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Bounded {
    /// `spec.<kind>` (one of [`CONTAINER_KINDS`]).
    Containers(&'static str),
    Volumes,
    /// An array inside each container, e.g. `["ports"]` or `["securityContext","capabilities","add"]`.
    PerContainer(Vec<&'static str>),
    /// A pod-level array, e.g. `["securityContext","supplementalGroups"]`.
    PodList(Vec<&'static str>),
}

/// One container slot: `spec.<kind>[index]`.
#[derive(Debug, Clone, Copy)]
pub struct ContainerRef {
    pub kind: &'static str,
    pub index: usize,
}

impl ContainerRef {
    /// `json.value[/requestObject/spec/<kind>/<index>/<path...>]`.
    pub fn field(&self, path: &[&str]) -> Field {
        let mut rest = vec![self.index.to_string()];
        rest.extend(path.iter().map(|s| s.to_string()));
        json_pointer("json.value", &["requestObject", "spec", self.kind], &rest)
    }

    /// True when this slot holds a container.
    pub fn present(&self) -> Expr {
        Expr::exists(self.field(&[]))
    }
}

/// `json.value[/requestObject/spec/<path...>]`.
pub fn spec_field(path: &[&str]) -> Field {
    json_pointer(
        "json.value",
        &["requestObject", "spec"],
        &path.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
    )
}

pub struct Ctx<'a> {
    pub policy: &'a LoadedPolicy,
    pub spec: &'a PspSpec,
    /// Safe identifier prefix (`no_privileged`).
    pub prefix: String,
    pub scope: Scope,
    pub opts: &'a Options,
    warnings: RefCell<Vec<String>>,
    bounded: RefCell<BTreeSet<Bounded>>,
}

impl<'a> Ctx<'a> {
    pub fn new(policy: &'a LoadedPolicy, prefix: String, scope: Scope, opts: &'a Options) -> Self {
        Ctx {
            policy,
            spec: &policy.psp.spec,
            prefix,
            scope,
            opts,
            warnings: RefCell::new(Vec::new()),
            bounded: RefCell::new(BTreeSet::new()),
        }
    }

    pub fn target(&self) -> Target {
        self.opts.target
    }

    pub fn mode(&self) -> Mode {
        self.opts.mode
    }

    pub fn legacy(&self) -> bool {
        self.opts.target == Target::Legacy
    }

    /// `<prefix>_psp_<suffix>`: the name of a list or macro of this policy.
    pub fn name(&self, suffix: &str) -> String {
        format!("{}_psp_{suffix}", self.prefix)
    }

    pub fn warn(&self, message: String) {
        self.warnings
            .borrow_mut()
            .push(format!("warning: policy {:?}: {message}", self.policy.name));
    }

    pub fn take_warnings(&self) -> Vec<String> {
        std::mem::take(&mut self.warnings.borrow_mut())
    }

    pub fn bounded(&self) -> Vec<Bounded> {
        self.bounded.borrow().iter().cloned().collect()
    }

    pub fn note_bounded(&self, b: Bounded) {
        self.bounded.borrow_mut().insert(b);
    }

    /// The violation for the chosen mode: `strict` is the union of the other two. A `None`
    /// side means "never violated in that mode".
    pub fn by_mode(&self, admission: Option<Expr>, declared: Option<Expr>) -> Option<Expr> {
        match self.mode() {
            Mode::Admission => admission,
            Mode::Declared => declared,
            Mode::Strict => match (admission, declared) {
                (Some(a), Some(d)) if a == d => Some(a),
                (Some(a), Some(d)) => Some(Expr::or([a, d])),
                (a, d) => a.or(d),
            },
        }
    }

    /// Every container slot of the given kinds, within the bound (and noted as bounded).
    pub fn containers(&self, kinds: &[&'static str]) -> Vec<ContainerRef> {
        let mut out = Vec::new();
        for kind in kinds {
            self.note_bounded(Bounded::Containers(kind));
            for index in 0..self.opts.bounds.containers {
                out.push(ContainerRef { kind, index });
            }
        }
        out
    }

    /// `pred` holds for some container of the given kinds.
    pub fn any_container(
        &self,
        kinds: &[&'static str],
        pred: impl Fn(&ContainerRef) -> Expr,
    ) -> Expr {
        Expr::or(self.containers(kinds).iter().map(pred))
    }

    /// The condition of a K8s audit rule: the pod-creation and scope macro and `violation`.
    ///
    /// Current Falco evaluates every `k8s_audit` rule on every audit event and pays each field
    /// extraction (SPEC §10), so the `falco` target orders the conjuncts by cost: `ka.verb`
    /// first (one extraction rejects the reads and watches that make most of an audit log),
    /// then the violation with its per-index checks gated ([`index_gates`]), and the full
    /// macro last, evaluated only for a pod that violates. Conjuncts without side effects
    /// commute, so the order changes the cost and never the result. Legacy keeps the seed's.
    pub fn k8s_condition(&self, violation: Expr) -> Expr {
        let guard = Expr::macro_ref(self.name("ka_container"));
        if self.legacy() {
            return Expr::and([guard, violation]);
        }
        let violation = index_gates::gate(violation);
        // A violation that opens with one comparison of the request object (a prefilter such
        // as [`Ctx::spec_mentions`], or `ka.req.pod.host_pid=true`) rejects the other events
        // by itself, and most pods too: it goes first.
        let leading = match &violation {
            Expr::And(v) => v.first(),
            other => Some(other),
        };
        let request = ["requestObject".to_string()];
        let selective = leading.is_some_and(|l| {
            matches!(l, Expr::Cmp(..) | Expr::List(..) | Expr::Exists(_))
                && index_gates::when_absent(l, &request) == Some(false)
        });
        if selective {
            return Expr::and([violation, guard]);
        }
        Expr::and([
            Expr::eq(Field::new("ka.verb"), Value::Word("create")),
            violation,
            guard,
        ])
    }

    /// Current Falco: the pod spec's compact JSON text contains `token` (such as
    /// `"privileged":true`), one extraction that is necessary for a violation and false for
    /// most pods, put before per-index checks that then run only for a pod that may violate.
    /// Exact as a superset: the API server writes the request object with Go's encoding/json
    /// (no spaces, a key always as `"key":`), the json plugin prints it compact, and a quote
    /// inside a string is escaped, so the token is present whenever the field is set.
    /// `violation` is returned unchanged for legacy.
    pub fn spec_mentions(&self, token: &str, violation: Expr) -> Expr {
        self.spec_prefilter(Op::Contains, token, violation)
    }

    /// As [`Ctx::spec_mentions`], with a full-match `regex` on the spec's compact JSON text.
    pub fn spec_matches(&self, regex: &str, violation: Expr) -> Expr {
        self.spec_prefilter(Op::Regex, regex, violation)
    }

    fn spec_prefilter(&self, op: Op, value: &str, violation: Expr) -> Expr {
        if self.legacy() {
            return violation;
        }
        Expr::and([
            Expr::cmp(spec_field(&[]), op, Value::Str(value.to_string())),
            violation,
        ])
    }

    /// A K8s audit rule `PSP <prefix> Violation (<label>) K8s Audit`, guarded by the scope macro.
    pub fn k8s_rule(&self, label: &str, what: &str, violation: Expr, fields: &str) -> Item {
        let condition = self.k8s_condition(violation);
        let spec_field = if self.legacy() {
            "%jevt.value[/requestObject/spec]"
        } else {
            "%json.value[/requestObject/spec]"
        };
        let extra = if fields.is_empty() {
            String::new()
        } else {
            format!(" {fields}")
        };
        Item::Rule(Rule {
            name: format!("PSP {} Violation ({label}) K8s Audit", self.prefix),
            desc: if self.legacy() {
                // The seed's template, to the letter (its `desc: >` keeps a final newline).
                format!("Detect a psp validation failure for a {label} pod using k8s audit logs\n")
            } else {
                format!(
                    "Detect a psp validation failure for {what} using k8s audit logs ({} mode)",
                    self.mode().name()
                )
            },
            condition,
            output: format!(
                "Pod Security Policy {} validation failure--{what}{extra} (user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace images=%ka.req.pod.containers.image spec={spec_field})",
                self.policy.name
            ),
            priority: "WARNING",
            source: Source::K8sAudit,
            tags: vec!["k8s-psp".into()],
            skip_if_unknown_filter: false,
        })
    }

    /// A syscall rule `PSP <prefix> Violation (<label>) System Activity`. `event` restricts the
    /// event types and comes first, as Falco recommends.
    pub fn syscall_rule(&self, label: &str, what: &str, event: Expr, violation: Expr) -> Item {
        let scope = Expr::macro_ref(self.name("container"));
        // The seed writes the scope first; current Falco prefers the event type first.
        let condition = if self.legacy() {
            Expr::and([scope, event, violation])
        } else {
            Expr::and([event, scope, violation])
        };
        let output = if self.legacy() {
            format!(
                "Pod Security Policy {} validation failure--{what} (user=%user.name command=%proc.cmdline %container.info images=%container.image.repository:%container.image.tag)",
                self.policy.name
            )
        } else {
            format!(
                "Pod Security Policy {} validation failure--{what} (user=%user.name uid=%user.uid gid=%group.gid command=%proc.cmdline pid=%proc.pid parent=%proc.pname container_id=%container.id container_name=%container.name image=%container.image.repository:%container.image.tag)",
                self.policy.name
            )
        };
        Item::Rule(Rule {
            name: format!("PSP {} Violation ({label}) System Activity", self.prefix),
            desc: if self.legacy() {
                format!("Detect a psp validation failure for a {label} pod using syscalls")
            } else {
                format!("Detect a psp validation failure for {what} using syscalls")
            },
            condition,
            output,
            priority: "WARNING",
            source: Source::Syscall,
            tags: vec!["k8s-psp".into()],
            skip_if_unknown_filter: !self.legacy(),
        })
    }

    /// A banner comment naming the property, as the seed has before each property's rules.
    pub fn banner(&self, property: &str) -> Item {
        Item::Comment {
            lines: vec![format!("Rule(s) for PSP {property} property")],
            banner: true,
        }
    }

    /// A comment in the output plus a warning on stderr: the property cannot be expressed.
    /// A runtime (syscall) rule the target cannot carry, for a property whose audit rule exists:
    /// a comment in the output and one note on stderr per conversion (not a warning: the
    /// property itself is checked, and `--fail-on-warning` must not fail every legacy run).
    pub fn no_syscall_rule(&self, property: &str, why: &str) -> Item {
        let line = format!(
            "{property} (syscall): no rule for target {}: {why}",
            self.target().name()
        );
        self.warnings.borrow_mut().push(format!("note: {line}"));
        Item::Comment {
            lines: vec![line],
            banner: false,
        }
    }

    pub fn cannot_express(&self, property: &str, why: &str) -> Item {
        self.warn(format!(
            "{property}: no rule for target {}: {why}",
            self.target().name()
        ));
        Item::Comment {
            lines: vec![format!(
                "{property}: no rule for target {}: {why}",
                self.target().name()
            )],
            banner: false,
        }
    }
}

/// `field = true` in the idiom of each target (`intersects (true)` for legacy list fields).
pub fn is_true(field: Field) -> Expr {
    Expr::eq(field, Value::Word("true"))
}

/// `field intersects (values)`.
pub fn intersects(field: Field, values: Vec<Value>) -> Expr {
    Expr::list(field, Op::Intersects, values)
}
