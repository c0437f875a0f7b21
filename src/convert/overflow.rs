//! The "too large to check" rule: per-index checks look at a bounded number of containers,
//! volumes and per-container items (`--max-containers`, `--max-volumes`, `--max-items`); a pod
//! with more gets this rule's alert, so no part of it goes silently unchecked.

use super::context::{spec_field, Bounded, ContainerRef, Ctx};
use crate::falco::expr::Expr;
use crate::falco::rules::{Item, Rule, Source};

pub fn rule(ctx: &Ctx) -> Option<Item> {
    let bounded = ctx.bounded();
    if bounded.is_empty() || !ctx.opts.sources.k8s_audit() {
        return None;
    }
    let b = ctx.opts.bounds;
    let mut beyond = Vec::new();
    for dim in &bounded {
        match dim {
            Bounded::Containers(kind) => {
                beyond.push(Expr::exists(
                    ContainerRef {
                        kind,
                        index: b.containers,
                    }
                    .field(&[]),
                ));
            }
            Bounded::Volumes => beyond.push(Expr::exists(spec_field(&[
                "volumes",
                &b.volumes.to_string(),
            ]))),
            Bounded::PodList(path) => {
                let mut p = path.clone();
                let idx = b.per_container.to_string();
                p.push(&idx);
                beyond.push(Expr::exists(spec_field(&p)));
            }
            Bounded::PerContainer(path) => {
                let idx = b.per_container.to_string();
                for kind in super::CONTAINER_KINDS {
                    for index in 0..b.containers {
                        let mut p = path.clone();
                        p.push(&idx);
                        beyond.push(Expr::exists(ContainerRef { kind, index }.field(&p)));
                    }
                }
            }
        }
    }
    let base = if ctx.legacy() {
        "%jevt.value[/requestObject/spec]"
    } else {
        "%json.value[/requestObject/spec]"
    };
    Some(Item::Rule(Rule {
        name: format!("PSP {} Pod Too Large To Check K8s Audit", ctx.prefix),
        desc: format!(
            "A pod has more containers (>{}), volumes (>{}) or per-container items (>{}) than pspconv's rules check one by one; raise the bounds with --max-containers, --max-volumes, --max-items",
            b.containers, b.volumes, b.per_container
        ),
        condition: ctx.k8s_condition(Expr::or(beyond)),
        output: format!(
            "Pod Security Policy {} could not be fully checked--pod exceeds pspconv's per-index bounds (user=%ka.user.name pod=%ka.resp.name ns=%ka.target.namespace spec={base})",
            ctx.policy.name
        ),
        priority: "NOTICE",
        source: Source::K8sAudit,
        tags: vec!["k8s-psp".into()],
        skip_if_unknown_filter: false,
    }))
}
