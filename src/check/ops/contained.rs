//! A faster exact form of RE2 full matches of `.*R.*` (generated spec prefilters such as
//! `.*"hostPort":(…)[^0-9].*` over a pod spec's compact JSON text).
//!
//! Anchored at both ends, the regex engine must run its automaton over the whole text. On a
//! text without `\n`, the outer `.*` match any prefix and suffix, so the full match holds
//! exactly when `R` matches somewhere: an unanchored search for `R`, which the regex crate
//! starts from `R`'s leading literal (memchr) instead of stepping through every byte. A text
//! with `\n` (`.` does not match it) keeps the anchored regex.

use regex::Regex;
use regex_syntax::ast::{parse::Parser, Ast, RepetitionKind, RepetitionOp};

/// A full-match regex with, when its pattern is `.*R.*`, the unanchored search for `R`
/// (clones share the compiled programs).
#[derive(Clone)]
pub struct FullMatch {
    anchored: Regex,
    contained: Option<Regex>,
}

impl FullMatch {
    /// `pattern` is the RE2 pattern after `re2_ascii_classes`; `anchored` its full-match form.
    pub fn new(pattern: &str, anchored: Regex) -> Self {
        let contained = inner_of_dot_stars(pattern).and_then(|r| Regex::new(r).ok());
        FullMatch {
            anchored,
            contained,
        }
    }

    pub fn is_match(&self, text: &str) -> bool {
        match &self.contained {
            Some(r) if !text.contains('\n') => r.is_match(text),
            _ => self.anchored.is_match(text),
        }
    }
}

/// `R` when `pattern` is the concatenation `.*`, `R`, `.*` at its top level (no top-level
/// alternation, no flag setting that could change what the outer `.` match).
fn inner_of_dot_stars(pattern: &str) -> Option<&str> {
    let ast = Parser::new().parse(pattern).ok()?;
    let Ast::Concat(c) = &ast else {
        return None;
    };
    let n = c.asts.len();
    if n < 3 || !is_dot_star(&c.asts[0]) || !is_dot_star(&c.asts[n - 1]) {
        return None;
    }
    let inner = &c.asts[1..n - 1];
    if inner.iter().any(|a| matches!(a, Ast::Flags(_))) {
        return None;
    }
    pattern.get(inner[0].span().start.offset..inner[inner.len() - 1].span().end.offset)
}

fn is_dot_star(a: &Ast) -> bool {
    matches!(a, Ast::Repetition(r)
        if matches!(r.op, RepetitionOp { kind: RepetitionKind::ZeroOrMore, .. })
            && matches!(*r.ast, Ast::Dot(_)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn full(p: &str) -> FullMatch {
        FullMatch::new(p, Regex::new(&format!("^(?:{p})$")).unwrap())
    }

    #[test]
    fn only_a_top_level_dot_star_concatenation_has_an_inner_search() {
        assert_eq!(
            inner_of_dot_stars(r#".*"a":(1|2)[^0-9].*"#),
            Some(r#""a":(1|2)[^0-9]"#)
        );
        assert_eq!(inner_of_dot_stars(".*a|b.*"), None);
        assert_eq!(inner_of_dot_stars(".*(?s)a.*"), None);
        assert_eq!(inner_of_dot_stars(".*.*"), None);
        assert_eq!(inner_of_dot_stars("(.|.*,)a(,.*|.)"), None);
    }

    #[test]
    fn agrees_with_the_anchored_match_with_and_without_newlines() {
        let p = full(r#".*"hostPort":(8|9)[^0-9].*"#);
        assert!(p.is_match(r#"{"x":1,"hostPort":8,"y":2}"#));
        assert!(!p.is_match(r#"{"hostPort":80}"#));
        // `[^0-9]` matches a newline but `.` does not: anchored semantics kept.
        assert!(p.is_match("\"hostPort\":8\n"));
        assert!(!p.is_match("a\n\"hostPort\":8,"));
        assert!(!p.is_match("\"hostPort\":8,\nb"));
    }
}
