//! # readOnlyRootFilesystem
//!
//! **Property.** `spec.readOnlyRootFilesystem: true`: containers must run with a read-only root
//! file system.
//!
//! **Violation.** `admission`: a container sets `readOnlyRootFilesystem: false` explicitly (PSP
//! turns an unset field into `true`). `declared`: a container does not set it to `true`.
//! `strict`: either, which is the same as `declared`.
//!
//! **K8s audit rule.** Current Falco: per-index `json.value` pointers over init, regular and
//! ephemeral containers (`exists` and `not ...=true`), because the plugin's
//! `ka.req.pod.containers.read_only_fs` drops unset values: a pod whose first container sets
//! `true` and whose second leaves it unset would look compliant. `admission` uses
//! `ka.req.pod.containers.read_only_fs intersects (false)` plus per-index pointers for init and
//! ephemeral containers. Legacy Falco: the seed's `not ka.req.pod.containers.read_only_fs in
//! (true)` (unset is `<NA>` there) and `intersects (false)` for `admission`.
//!
//! **Syscall rule.** A file opened for writing (`open`, `openat`, `openat2`) in a scoped
//! container. Writes to mounted volumes (emptyDir, hostPath...) match too: the container plugin
//! does not tell whether a path lies on the root file system.
//!
//! **Limits.** The legacy target checks regular containers only, through the seed's
//! `ka.req.pod.containers.read_only_fs` list field, as the original converter did.

use super::context::{intersects, Ctx, CONTAINER_KINDS};
use super::Generator;
use crate::falco::expr::{Expr, Field, Op, Value};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "readOnlyRootFilesystem",
    doc: include_str!("read_only_root_filesystem.rs"),
    generate,
};

const LIST_FIELD: &str = "ka.req.pod.containers.read_only_fs";

fn generate(ctx: &Ctx) -> Vec<Item> {
    if ctx.spec.read_only_root_filesystem != Some(true) {
        return Vec::new();
    }
    let mut items = vec![ctx.banner("readOnlyRootFilesystem")];
    if ctx.opts.sources.k8s_audit() {
        let explicit_false = || {
            let listed = intersects(Field::new(LIST_FIELD), vec![Value::Word("false")]);
            if ctx.legacy() {
                listed
            } else {
                Expr::or([
                    listed,
                    ctx.any_container(&["initContainers", "ephemeralContainers"], |c| {
                        Expr::eq(
                            c.field(&["securityContext", "readOnlyRootFilesystem"]),
                            Value::Word("false"),
                        )
                    }),
                ])
            }
        };
        let not_true = || {
            if ctx.legacy() {
                Expr::not(Expr::list(
                    Field::new(LIST_FIELD),
                    Op::In,
                    vec![Value::Word("true")],
                ))
            } else {
                ctx.any_container(&CONTAINER_KINDS, |c| {
                    Expr::and([
                        c.present(),
                        Expr::not(Expr::eq(
                            c.field(&["securityContext", "readOnlyRootFilesystem"]),
                            Value::Word("true"),
                        )),
                    ])
                })
            }
        };
        let violation = match ctx.mode() {
            super::Mode::Admission => explicit_false(),
            // declared ⊇ admission, so strict is declared.
            super::Mode::Declared | super::Mode::Strict => not_true(),
        };
        let what = match ctx.mode() {
            super::Mode::Admission => "pod with readOnlyRootFilesystem=false",
            _ => "pod without readOnlyRootFilesystem=true",
        };
        let fields = if ctx.legacy() {
            ""
        } else {
            "read_only_fs=%ka.req.pod.containers.read_only_fs"
        };
        items.push(ctx.k8s_rule("readOnlyRootFilesystem", what, violation, fields));
    }
    if ctx.opts.sources.syscall() {
        items.push(if ctx.legacy() {
            // The seed: `psp_container and psp_open_write`, the open-write macro in the preamble.
            let item = ctx.syscall_rule(
                "readOnlyRootFilesystem",
                "write in container with readOnlyRootFilesystem=true",
                Expr::macro_ref(ctx.name("open_write")),
                Expr::And(vec![]),
            );
            seed_shape(item, ctx)
        } else {
            let f = Field::new;
            ctx.syscall_rule(
                "readOnlyRootFilesystem",
                "write in container with readOnlyRootFilesystem=true",
                Expr::list(
                    f("evt.type"),
                    Op::In,
                    vec![
                        Value::Word("open"),
                        Value::Word("openat"),
                        Value::Word("openat2"),
                    ],
                ),
                Expr::and([
                    Expr::eq(f("evt.is_open_write"), Value::Word("true")),
                    Expr::eq(f("fd.typechar"), Value::Str("f".into())),
                    Expr::cmp(f("fd.num"), Op::Ge, Value::Int(0)),
                ]),
            )
        });
    }
    items
}

/// The seed writes this rule as `<scope> and <open_write>` with its own output text.
fn seed_shape(item: Item, ctx: &Ctx) -> Item {
    match item {
        Item::Rule(mut r) => {
            r.condition = Expr::and([
                Expr::macro_ref(ctx.name("container")),
                Expr::macro_ref(ctx.name("open_write")),
            ]);
            // The seed writes this rule's desc and output as `>` blocks: a final newline each.
            r.desc.push('\n');
            r.output = format!(
                "Pod Security Policy {} validation failure--write in container with readOnlyRootFilesystem=true (user=%user.name command=%proc.cmdline file=%fd.name parent=%proc.pname container_id=%container.id images=%container.image.repository)\n",
                ctx.policy.name
            );
            Item::Rule(r)
        }
        other => other,
    }
}
