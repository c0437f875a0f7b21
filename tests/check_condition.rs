//! Condition parser: normalization, libsinsp lexing quirks, errors, and a render→parse
//! round-trip property over random ASTs.

use proptest::prelude::*;
use pspconv::check::condition::{parse, render, Expr, FieldRef, Op, Rhs, UnaryOp};

fn cmp(name: &str, arg: Option<&str>, op: Op, rhs: Rhs) -> Expr {
    Expr::Cmp {
        field: FieldRef::new(name, arg),
        op,
        rhs,
    }
}

fn v(s: &str) -> Rhs {
    Rhs::Value(s.to_string())
}

#[test]
fn and_or_flatten_and_parentheses_vanish() {
    assert_eq!(
        parse("a and (b and c)").unwrap(),
        parse("(a and b) and c").unwrap()
    );
    assert_eq!(
        parse("a and (b and c)").unwrap(),
        Expr::And(vec![
            Expr::Ident("a".into()),
            Expr::Ident("b".into()),
            Expr::Ident("c".into())
        ])
    );
    assert_eq!(parse("((a))").unwrap(), Expr::Ident("a".into()));
    assert_eq!(
        parse("a or b or (c or d)").unwrap(),
        parse("a or b or c or d").unwrap()
    );
}

#[test]
fn precedence_not_and_or() {
    let e = parse("not a and b or c").unwrap();
    assert_eq!(
        e,
        Expr::Or(vec![
            Expr::And(vec![
                Expr::Not(Box::new(Expr::Ident("a".into()))),
                Expr::Ident("b".into())
            ]),
            Expr::Ident("c".into())
        ])
    );
    // libsinsp toggles repeated `not`s away.
    assert_eq!(parse("not not a").unwrap(), Expr::Ident("a".into()));
    assert_eq!(
        parse("not(a)").unwrap(),
        Expr::Not(Box::new(Expr::Ident("a".into())))
    );
    assert_eq!(parse("a and(b)").unwrap(), parse("a and b").unwrap());
}

#[test]
fn quoting_is_normalized() {
    let a = parse(r#"ka.verb = "create""#).unwrap();
    assert_eq!(a, parse("ka.verb = 'create'").unwrap());
    assert_eq!(a, parse("ka.verb=create").unwrap());
    assert_eq!(a, parse("ka.verb == create").unwrap());
    assert_eq!(a, cmp("ka.verb", None, Op::Eq, v("create")));
}

#[test]
fn lists_and_field_args() {
    let e = parse(r#"ka.req.pod.containers.image.repository in (psp_images, "a b", 'c')"#).unwrap();
    assert_eq!(
        e,
        cmp(
            "ka.req.pod.containers.image.repository",
            None,
            Op::In,
            Rhs::List(vec!["psp_images".into(), "a b".into(), "c".into()])
        )
    );
    assert_eq!(
        parse("x.y in ()").unwrap(),
        cmp("x.y", None, Op::In, Rhs::List(vec![]))
    );
    assert_eq!(
        parse("x.y in mylist").unwrap(),
        cmp("x.y", None, Op::In, v("mylist"))
    );
    let e = parse("json.value[/a/b~1c] exists").unwrap();
    assert_eq!(
        e,
        Expr::Unary {
            field: FieldRef::new("json.value", Some("/a/b~1c")),
            op: UnaryOp::Exists
        }
    );
    assert_eq!(
        parse("proc.aname[2]=bash").unwrap(),
        cmp("proc.aname", Some("2"), Op::Eq, v("bash"))
    );
    assert_eq!(
        parse(r#"json.value["/x y"] = 1"#).unwrap(),
        cmp("json.value", Some("/x y"), Op::Eq, v("1"))
    );
    assert_eq!(
        parse("ka.req.pod.containers.privileged[0] intersects (true)")
            .unwrap()
            .clone(),
        cmp(
            "ka.req.pod.containers.privileged",
            Some("0"),
            Op::Intersects,
            Rhs::List(vec!["true".into()])
        )
    );
}

#[test]
fn every_operator() {
    let ops = [
        ("=", Op::Eq),
        ("!=", Op::Ne),
        ("contains", Op::Contains),
        ("icontains", Op::IContains),
        ("bcontains", Op::BContains),
        ("startswith", Op::StartsWith),
        ("bstartswith", Op::BStartsWith),
        ("endswith", Op::EndsWith),
        ("glob", Op::Glob),
        ("iglob", Op::IGlob),
        ("regex", Op::Regex),
    ];
    for (s, op) in ops {
        assert_eq!(
            parse(&format!("a.b {s} xyz")).unwrap(),
            cmp("a.b", None, op, v("xyz")),
            "{s}"
        );
    }
    for (s, op) in [("<", Op::Lt), ("<=", Op::Le), (">", Op::Gt), (">=", Op::Ge)] {
        assert_eq!(
            parse(&format!("a.b {s} 10")).unwrap(),
            cmp("a.b", None, op, v("10")),
            "{s}"
        );
    }
    for (s, op) in [
        ("in", Op::In),
        ("intersects", Op::Intersects),
        ("pmatch", Op::PMatch),
    ] {
        assert_eq!(
            parse(&format!("a.b {s} (/x)")).unwrap(),
            cmp("a.b", None, op, Rhs::List(vec!["/x".into()])),
            "{s}"
        );
    }
}

#[test]
fn escapes_as_libsinsp_unescapes_them() {
    assert_eq!(
        parse(r#"a.b = "x\"y""#).unwrap(),
        cmp("a.b", None, Op::Eq, v("x\"y"))
    );
    assert_eq!(
        parse(r#"a.b = 'x\'y'"#).unwrap(),
        cmp("a.b", None, Op::Eq, v("x'y"))
    );
    assert!(
        parse(r#"a.b = "t\tn\nA\\""#).is_err(),
        "\\\\ before the closing quote does not close"
    );
    assert_eq!(
        parse(r#"a.b = "t\tn\nA\\ " "#).unwrap(),
        cmp("a.b", None, Op::Eq, v("t\tn\nA\\ "))
    );
    assert_eq!(
        parse(r#"a.b = "a\ b""#).unwrap(),
        cmp("a.b", None, Op::Eq, v("a\\b"))
    );
    assert!(parse(r#"a.b = "x\'y""#)
        .unwrap_err()
        .message
        .contains("invalid"));
    assert!(parse(r#"a.b = "x\qy""#)
        .unwrap_err()
        .message
        .contains("unsupported string escape"));
    // `\xHH` arrived in libs after 0.25.4: Falco 0.44.1 refuses it.
    assert!(parse(r#"a.b = "x\x41""#)
        .unwrap_err()
        .message
        .contains("unsupported string escape sequence: \\x"));
}

#[test]
fn malformed_input_is_rejected_with_a_position() {
    let cases = [
        ("", 0),
        ("a and", 5),
        ("a.b", 3),
        ("a.b = ", 6),
        ("(a", 2),
        ("a.b in (x", 9),
        ("a.b > abc", 6),
        ("a.b[x = 1", 5),
        ("a b", 2),
        ("a andb", 5),
        ("a.b = 'x", 6),
        ("a.b = tolower(c.d)", 6),
    ];
    for (src, offset) in cases {
        let e = parse(src).unwrap_err();
        assert_eq!(e.offset, offset, "{src:?}: {e}");
    }
}

#[test]
fn deep_nesting_does_not_overflow() {
    let src = format!("{}a{}", "(".repeat(5000), ")".repeat(5000));
    assert!(parse(&src).is_err());
    let src = format!("{}a{}", "(".repeat(50), ")".repeat(50));
    assert_eq!(parse(&src).unwrap(), Expr::Ident("a".into()));
}

#[test]
fn render_is_canonical() {
    let e = parse(
        "not (a or b) and c.d in (x, 'y z') and not e.f exists and (g or h.i startswith '(')",
    )
    .unwrap();
    assert_eq!(
        render(&e),
        r#"not (a or b) and c.d in (x, "y z") and not e.f exists and (g or h.i startswith "(")"#
    );
    assert_eq!(
        render(&parse(r#"a.b = "back\\slash ""#).unwrap()),
        r#"a.b = "back\\slash ""#
    );
    // A final backslash is written `\ ` (libsinsp's escape for it), never `\\"`, which
    // would not end the string; `\xHH` is refused, as libs 0.25.4 (Falco 0.44.1) does.
    assert!(parse(r#"a.b = "ends\\""#).is_err());
    assert_eq!(
        render(&parse(r#"a.b = "a b\ ""#).unwrap()),
        r#"a.b = "a b\ ""#
    );
    assert!(parse(r#"a.b = "back\x5cslash""#).is_err());
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z0-9/_.:-]{1,8}",
        "[ -~]{0,8}",
        any::<String>().prop_map(|s| s.chars().filter(|c| *c != '\0').take(6).collect()),
    ]
}

fn field() -> impl Strategy<Value = FieldRef> {
    (
        "[a-z][a-z0-9_]{0,5}(\\.[a-z][a-z0-9_]{0,5}){1,3}",
        prop::option::of(prop_oneof!["[0-9]{1,2}", "/[a-z~0-9/]{0,10}", "[ -~]{1,6}"]),
    )
        .prop_map(|(name, arg)| FieldRef { name, arg })
}

fn leaf() -> impl Strategy<Value = Expr> {
    let str_ops = prop_oneof![
        Just(Op::Eq),
        Just(Op::Ne),
        Just(Op::Contains),
        Just(Op::IContains),
        Just(Op::StartsWith),
        Just(Op::EndsWith),
        Just(Op::Glob),
        Just(Op::Regex),
        Just(Op::BContains)
    ];
    let list_ops = prop_oneof![Just(Op::In), Just(Op::Intersects), Just(Op::PMatch)];
    let num_ops = prop_oneof![Just(Op::Lt), Just(Op::Le), Just(Op::Gt), Just(Op::Ge)];
    prop_oneof![
        (field(), str_ops, value()).prop_map(|(field, op, v)| Expr::Cmp {
            field,
            op,
            rhs: Rhs::Value(v)
        }),
        (
            field(),
            list_ops.clone(),
            prop::collection::vec(value(), 0..4)
        )
            .prop_map(|(field, op, v)| Expr::Cmp {
                field,
                op,
                rhs: Rhs::List(v)
            }),
        (field(), list_ops, "[a-z][a-z0-9_]{0,6}").prop_map(|(field, op, v)| Expr::Cmp {
            field,
            op,
            rhs: Rhs::Value(v)
        }),
        (
            field(),
            num_ops,
            prop_oneof!["-?[0-9]{1,5}", "0x[0-9a-f]{1,4}", "[0-9]{1,3}\\.[0-9]{1,2}"]
        )
            .prop_map(|(field, op, v)| Expr::Cmp {
                field,
                op,
                rhs: Rhs::Value(v)
            }),
        field().prop_map(|field| Expr::Unary {
            field,
            op: UnaryOp::Exists
        }),
        "[a-z][a-z0-9_]{0,8}"
            .prop_filter("keywords", |s| !["and", "or", "not"].contains(&s.as_str()))
            .prop_map(Expr::Ident),
    ]
}

fn expr() -> impl Strategy<Value = Expr> {
    leaf().prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::and),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn render_parse_round_trip(e in expr()) {
        let text = render(&e);
        let back = parse(&text).map_err(|err| TestCaseError::fail(format!("{text:?}: {err}")))?;
        prop_assert_eq!(back, e, "{}", text);
    }

    #[test]
    fn parse_never_panics(s in "[ -~]{0,40}", u in "\\PC{0,30}") {
        let _ = parse(&s);
        let _ = parse(&u);
        let _ = parse(&format!("a.b in ({u}) and c.d[{u}] = '{u}'"));
    }
}
