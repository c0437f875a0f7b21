//! # seccomp
//!
//! **Property.** The policy annotations `seccomp.security.alpha.kubernetes.io/allowedProfileNames`
//! (comma-separated, not trimmed; `*`: any; an empty item, e.g. from a trailing comma, allows an
//! unset profile) and `.../defaultProfileName`. A pod's profile is its annotation
//! `seccomp.security.alpha.kubernetes.io/pod`, else its `securityContext.seccompProfile`
//! (`RuntimeDefault` → `runtime/default`, `Unconfined` → `unconfined`, `Localhost` →
//! `localhost/<localhostProfile>`). A container's profile is its own `seccompProfile`, else its
//! annotation `container.seccomp.security.alpha.kubernetes.io/<name>`, else the pod's.
//! `docker/default` and `runtime/default` allow each other.
//!
//! **Violation.** `declared` (only when `allowedProfileNames` is set): the pod's or a
//! container's profile is not allowed; unset is allowed only when the empty item is listed.
//! `admission`: the same, except that an unset pod profile becomes `defaultProfileName` when there
//! is one (PSP injects it), which must then be allowed; and without `allowedProfileNames` no
//! profile may be set at all, so a `defaultProfileName` alone makes every pod violate, and every
//! policy (even one without seccomp annotations) reports pods that set a profile. `strict`:
//! either. `*` in the list: no rule.
//!
//! **K8s audit rule.** `json.value` pointers (`jevt.value` in legacy Falco) on the pod annotation
//! (`~1` escapes the `/` of its key), the pod's `seccompProfile` and each container index's
//! `seccompProfile`: `=`/`in` against the allowed names, field types translated at conversion
//! time. A container without its own field inherits the pod's profile, which the pod-level
//! check already covers.
//!
//! **Limits.** Container annotations (`container.seccomp.security.alpha.kubernetes.io/<name>`)
//! are keyed by the container's name, and a Falco condition cannot turn a field value into a
//! lookup key: a container that takes a disallowed profile from such an annotation (and has no
//! `seccompProfile` field) is not reported. The output says so in a comment.

use super::context::{spec_field, Ctx, CONTAINER_KINDS};
use super::names_and_paths::{eq_str, out_field, pod_annotation, strs};
use super::{Generator, Mode};
use crate::falco::expr::{Expr, Field, Op};
use crate::falco::rules::Item;

pub const GENERATOR: Generator = Generator {
    property: "seccomp",
    doc: include_str!("seccomp.rs"),
    generate,
};

pub use crate::psp::annotations::{
    SECCOMP_ALLOWED as ALLOWED_KEY, SECCOMP_DEFAULT as DEFAULT_KEY, SECCOMP_POD as POD_KEY,
};

/// The allowed profiles as PSP parsed them; `None` when the annotation is absent (then only an
/// unset profile is allowed).
struct Allowed(Option<Vec<String>>);

impl Allowed {
    fn permits(&self, profile: &str) -> bool {
        match &self.0 {
            None => profile.is_empty(),
            Some(list) => list.iter().any(|p| p == profile),
        }
    }

    fn names(&self) -> Vec<String> {
        self.0.clone().unwrap_or_default()
    }
}

fn generate(ctx: &Ctx) -> Vec<Item> {
    let ann = &ctx.policy.psp.metadata.annotations;
    // Present but empty is the list `[""]` (PSP splits the value on `,` whatever it holds):
    // only an unset profile is allowed. Absent is `None`.
    let raw = ann.get(ALLOWED_KEY);
    let mut list: Option<Vec<String>> = raw.map(|a| a.split(',').map(str::to_string).collect());
    if list.as_ref().is_some_and(|l| l.iter().any(|p| p == "*")) || !ctx.opts.sources.k8s_audit() {
        return Vec::new();
    }
    if let Some(l) = &mut list {
        for (a, b) in [
            ("docker/default", "runtime/default"),
            ("runtime/default", "docker/default"),
        ] {
            if l.iter().any(|p| p == a) && !l.iter().any(|p| p == b) {
                l.push(b.to_string());
            }
        }
    }
    let allowed = Allowed(list);
    let default = ann.get(DEFAULT_KEY).cloned().unwrap_or_default();
    let pod = PodProfile::new(&allowed);
    // The two modes differ only in whether an unset profile passes: PSP injects the default in
    // `admission`; `declared` checks only a policy that lists allowed profiles.
    let admission_ok = allowed.permits(&default);
    let declared_ok = allowed.permits("");
    let unset_ok = match (ctx.mode(), allowed.0.is_some()) {
        (Mode::Admission, _) | (Mode::Strict, false) => admission_ok,
        (Mode::Declared, true) => declared_ok,
        (Mode::Declared, false) => return Vec::new(),
        (Mode::Strict, true) => admission_ok && declared_ok,
    };
    let violation = pod.violation(unset_ok, ctx);
    let what = match ctx.mode() {
        Mode::Declared => "pod with a seccomp profile that is not allowed",
        _ => "pod with a seccomp profile that is not allowed or may not be set",
    };
    let fields = format!(
        "{} {}",
        out_field(ctx, "annotations", "/requestObject/metadata/annotations"),
        out_field(
            ctx,
            "pod_seccomp",
            "/requestObject/spec/securityContext/seccompProfile"
        )
    );
    vec![
        ctx.banner("seccomp"),
        Item::Comment {
            lines: vec!["Container annotations container.seccomp.security.alpha.kubernetes.io/<name> are keyed by container name and not checked (see `pspconv explain seccomp`).".into()],
            banner: false,
        },
        ctx.k8s_rule("seccomp", what, violation, &fields),
    ]
}

/// Builds the violation of the pod-level and container-level profiles.
struct PodProfile<'a> {
    allowed: &'a Allowed,
}

impl<'a> PodProfile<'a> {
    fn new(allowed: &'a Allowed) -> Self {
        PodProfile { allowed }
    }

    /// `unset_ok`: whether a pod with no profile at all passes (after PSP's defaulting, in
    /// `admission`).
    fn violation(&self, unset_ok: bool, ctx: &Ctx) -> Expr {
        let pa = pod_annotation(POD_KEY);
        let pa_set = Expr::and([Expr::exists(pa.clone()), Expr::not(eq_str(pa.clone(), ""))]);
        // An empty annotation counts as unset, so "" need not be listed here.
        let names: Vec<String> = self
            .allowed
            .names()
            .into_iter()
            .filter(|n| !n.is_empty())
            .collect();
        let pa_bad = if names.is_empty() {
            pa_set.clone()
        } else {
            Expr::and([
                pa_set.clone(),
                Expr::not(Expr::list(pa, Op::In, strs(&names))),
            ])
        };
        let pf = spec_field(&["securityContext", "seccompProfile"]);
        let pf_type = sub(&pf, "type");
        let mut alts = vec![pa_bad];
        if ctx.legacy() {
            alts.push(Expr::and([
                Expr::not(pa_set.clone()),
                self.field_violation(&pf),
            ]));
            if !unset_ok {
                alts.push(Expr::and([
                    Expr::not(pa_set),
                    Expr::not(Expr::exists(pf_type)),
                ]));
            }
        } else {
            // The same, testing the annotation once (each comparison costs an extraction).
            let mut field_alts = vec![self.field_violation(&pf)];
            if !unset_ok {
                field_alts.push(Expr::not(Expr::exists(pf_type)));
            }
            alts.push(Expr::and([Expr::not(pa_set), Expr::or(field_alts)]));
        }
        let containers: Vec<Expr> = ctx
            .containers(&CONTAINER_KINDS)
            .iter()
            .map(|c| self.field_violation(&c.field(&["securityContext", "seccompProfile"])))
            .collect();
        alts.extend(containers);
        Expr::or(alts)
    }

    /// The `seccompProfile` object at `base` translates to a profile that is not allowed.
    fn field_violation(&self, base: &Field) -> Expr {
        let ty = sub(base, "type");
        let mut alts = Vec::new();
        for (kind, profile) in [
            ("RuntimeDefault", "runtime/default"),
            ("Unconfined", "unconfined"),
        ] {
            if !self.allowed.permits(profile) {
                alts.push(eq_str(ty.clone(), kind));
            }
        }
        let local: Vec<String> = self
            .allowed
            .names()
            .iter()
            .filter_map(|p| p.strip_prefix("localhost/").map(str::to_string))
            .collect();
        let is_local = eq_str(ty, "Localhost");
        alts.push(if local.is_empty() {
            is_local
        } else {
            Expr::and([
                is_local,
                Expr::not(Expr::list(
                    sub(base, "localhostProfile"),
                    Op::In,
                    strs(&local),
                )),
            ])
        });
        Expr::or(alts)
    }
}

/// `base` with one more pointer segment.
fn sub(base: &Field, name: &str) -> Field {
    let mut f = base.clone();
    if let Some(crate::falco::expr::FieldArg::Pointer(p)) = &mut f.arg {
        p.push(name.to_string());
    }
    f
}
