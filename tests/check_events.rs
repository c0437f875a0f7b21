//! Event input forms, invalid input handling, and alert formatting (text and JSON).

use pspconv::check::events::{read_events, InputKind, Item};
use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::Target;

const PRIV: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/falco-psp-tests/trace_files/psp/privileged.json"
);

fn priv_event() -> String {
    std::fs::read_to_string(PRIV).unwrap().trim().to_string()
}

const RULES: &str = "- rule: Privileged\n  desc: d\n  condition: ka.verb=create and ka.target.resource=pods and ka.req.pod.containers.privileged intersects (true)\n  output: priv (user=%ka.user.name pod=%ka.resp.name images=%ka.req.pod.containers.image ns=%ka.target.namespace sub=%ka.target.subresource)\n  priority: WARNING\n  source: k8s_audit\n  tags: [k8s-psp, b]\n- rule: Any pod\n  desc: d\n  condition: ka.verb=create and ka.target.resource=pods\n  output: pod %ka.resp.name\n  priority: notice\n  source: k8s_audit\n";

fn run_with(
    events: &str,
    target: Target,
    json: bool,
    m: RuleMatching,
) -> (String, String, check::Summary) {
    let rs = check::load(RULES, "t", target).unwrap();
    let opts = CheckOptions {
        target,
        json,
        rule_matching: m,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run(&rs, events.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    (
        String::from_utf8(out).unwrap(),
        String::from_utf8(diag).unwrap(),
        s,
    )
}

fn run(events: &str) -> (String, String, check::Summary) {
    run_with(events, Target::Falco, false, RuleMatching::All)
}

fn kind(input: &str) -> (InputKind, usize, Vec<usize>) {
    let mut n = 0;
    let mut bad = Vec::new();
    let k = read_events(input.as_bytes(), &mut |it| {
        match it {
            Item::Raw { .. } | Item::Parsed { .. } => n += 1,
            Item::Invalid { line, .. } => bad.push(line),
            Item::Skipped { .. } => {}
        }
        Ok(())
    })
    .unwrap();
    (k, n, bad)
}

#[test]
fn detects_every_input_form() {
    let e = priv_event();
    assert_eq!(kind(&format!("{e}\n\n{e}\n")).0, InputKind::JsonLines);
    assert_eq!(
        kind(&format!("[{e},\n {e}]")),
        (InputKind::JsonArray, 2, vec![])
    );
    assert_eq!(
        kind(&format!(
            "{{\"kind\":\"EventList\",\"items\":[{e},{e},{e}]}}"
        )),
        (InputKind::EventList, 3, vec![])
    );
    let pretty = serde_json::to_string_pretty(&serde_json::json!({"kind": "EventList", "items": [serde_json::from_str::<serde_json::Value>(&e).unwrap()]})).unwrap();
    assert_eq!(kind(&pretty), (InputKind::EventList, 1, vec![]));
    assert_eq!(kind("").0, InputKind::Empty);
    assert_eq!(kind("apiVersion: v1\nkind: Pod\nmetadata: {name: a}\nspec: {containers: [{name: c, image: nginx}]}\n---\nkind: Service\n").0, InputKind::Manifests);
    assert_eq!(
        kind(r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a"},"spec":{}}"#).0,
        InputKind::Manifests
    );
}

#[test]
fn invalid_lines_are_counted_and_skipped() {
    let e = priv_event();
    let input = format!("{e}\nnot json\n{{\"kind\":\"Event\",\"verb\":\"get\"}}\n[1,2\n{e}\n{{\"kind\":\"Event\",\"stageTimestamp\":\"yesterday\"}}\n");
    let (out, diag, s) = run(&input);
    assert_eq!((s.events, s.invalid_events), (2, 4), "{diag}");
    assert_eq!(s.alerts, 4);
    assert_eq!(out.lines().count(), 4);
    for l in [
        "line 2:",
        "line 3: invalid event: can't read stageTimestamp",
        "line 4:",
        "line 6: invalid event: invalid stageTimestamp",
    ] {
        assert!(diag.contains(l), "{l} in {diag}");
    }
    // Both engines need kind: Event, except for the items of an EventList; both need a
    // stageTimestamp (timestamp alone is not enough).
    let no_kind = e.replacen("\"kind\":\"Event\",", "", 1);
    for target in [Target::Falco, Target::Legacy] {
        let (_, _, s) = run_with(&no_kind, target, false, RuleMatching::All);
        assert_eq!((s.invalid_events, s.alerts), (1, 0));
        let list = format!("{{\"kind\":\"EventList\",\"items\":[{no_kind}]}}");
        let (_, _, s) = run_with(&list, target, false, RuleMatching::All);
        assert_eq!((s.invalid_events, s.alerts), (0, 2));
        let no_stage = e.replacen("\"stageTimestamp\"", "\"stageTimestampX\"", 1);
        assert_eq!(
            run_with(&no_stage, target, false, RuleMatching::All)
                .2
                .invalid_events,
            1
        );
    }
}

#[test]
fn pods_are_wrapped_as_create_events() {
    let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  containers:\n  - name: c\n    image: nginx\n    securityContext:\n      privileged: true\n---\napiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: plain}\n  spec: {containers: [{name: c, image: busybox}]}\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n";
    let (out, diag, s) = run(yaml);
    assert_eq!(
        (s.events, s.skipped_documents, s.alerts),
        (2, 1, 3),
        "{out}{diag}"
    );
    assert!(
        out.contains("pod=web images=(nginx) ns=prod sub=<NA>"),
        "{out}"
    );
    assert!(out.contains("Notice pod plain"), "{out}");
    assert!(diag.contains("skipped document of kind 'ConfigMap'"));
}

#[test]
fn text_alert_format() {
    let (out, _, _) = run(&priv_event());
    let first = out.lines().next().unwrap();
    assert_eq!(
        first,
        "2018-10-25T14:09:12.581541000+0000: Warning priv (user=system:serviceaccount:kube-system:replicaset-controller pod=nginx-deployment-5cdcc99dbf-rgw6z images=(nginx) ns=default sub=<NA>)"
    );
    let (out, _, _) = run_with(&priv_event(), Target::Legacy, false, RuleMatching::All);
    assert!(out.contains("images=nginx ns=default sub=<NA>"), "{out}");
}

#[test]
fn json_alert_format() {
    let (out, _, _) = run_with(&priv_event(), Target::Falco, true, RuleMatching::All);
    let v: serde_json::Value = serde_json::from_str(out.lines().next().unwrap()).unwrap();
    let keys: Vec<_> = v.as_object().unwrap().keys().cloned().collect();
    assert_eq!(
        keys,
        [
            "hostname",
            "output",
            "output_fields",
            "priority",
            "rule",
            "source",
            "tags",
            "time"
        ]
    );
    assert_eq!(v["priority"], "Warning");
    assert_eq!(v["rule"], "Privileged");
    assert_eq!(v["source"], "k8s_audit");
    assert_eq!(v["tags"], serde_json::json!(["b", "k8s-psp"]));
    assert_eq!(v["time"], "2018-10-25T14:09:12.581541000Z");
    assert_eq!(
        v["output_fields"]["ka.req.pod.containers.image"],
        serde_json::json!(["nginx"])
    );
    assert_eq!(
        v["output_fields"]["ka.target.subresource"],
        serde_json::Value::Null
    );
    assert_eq!(
        v["output_fields"]["evt.time.iso8601"],
        "2018-10-25T14:09:12.581541000+0000"
    );
    assert!(v["output"]
        .as_str()
        .unwrap()
        .starts_with("2018-10-25T14:09:12.581541000+0000: Warning priv"));
}

#[test]
fn rule_matching_first_stops_at_the_first_rule() {
    let (_, _, all) = run_with(&priv_event(), Target::Falco, false, RuleMatching::All);
    let (_, _, first) = run_with(&priv_event(), Target::Falco, false, RuleMatching::First);
    assert_eq!((all.alerts, first.alerts), (2, 1));
    assert_eq!(
        first.per_rule,
        [("Privileged".to_string(), 1), ("Any pod".to_string(), 0)]
    );
    let mut buf = Vec::new();
    all.print(&mut buf).unwrap();
    let text = String::from_utf8(buf).unwrap();
    assert!(
        text.contains("Events detected: 2") && text.contains("   Privileged: 1"),
        "{text}"
    );
}

#[test]
fn disabled_rules_and_target_mismatch() {
    let rs = check::load(
        &format!("{RULES}- rule: Privileged\n  enabled: false\n"),
        "t",
        Target::Falco,
    )
    .unwrap();
    let opts = CheckOptions {
        target: Target::Falco,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run(&rs, priv_event().as_bytes(), &opts, &mut out, &mut diag).unwrap();
    assert_eq!(s.per_rule, [("Any pod".to_string(), 1)]);
    let legacy = CheckOptions {
        target: Target::Legacy,
        ..opts
    };
    assert!(check::run(&rs, &b""[..], &legacy, &mut out, &mut diag).is_err());
}

#[test]
fn huge_logs_stream() {
    // Many lines through a small buffer: each line is handled and dropped.
    let other = r#"{"kind":"Event","auditID":"x","stage":"ResponseComplete","verb":"get","objectRef":{"resource":"configmaps"},"stageTimestamp":"2020-01-01T00:00:00Z"}"#;
    let mut input = String::new();
    for _ in 0..20_000 {
        input.push_str(other);
        input.push('\n');
    }
    input.push_str(&priv_event());
    let rs = check::load(RULES, "t", Target::Falco).unwrap();
    let opts = CheckOptions {
        target: Target::Falco,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let reader = std::io::BufReader::with_capacity(64, input.as_bytes());
    let s = check::run(&rs, reader, &opts, &mut out, &mut diag).unwrap();
    assert_eq!((s.events, s.alerts), (20_001, 2));
}

#[test]
fn array_elements_with_brackets_in_strings_and_bad_elements() {
    let e = priv_event().replace("\"nginx\"", "\"ng]i,n{x\\\"\"");
    let input = format!("[\n{e},\n  42,\n {{\"kind\":\"Event\"}},\n{e}\n]\n");
    let (k, n, bad) = kind(&input);
    assert_eq!((k, n, bad), (InputKind::JsonArray, 4, vec![]));
    let (_, diag, s) = run(&input);
    assert_eq!((s.events, s.invalid_events, s.alerts), (2, 2, 4), "{diag}");
    assert!(
        diag.contains("line 3: invalid event: not a JSON object"),
        "{diag}"
    );
    assert!(diag.contains("line 4: invalid event:"), "{diag}");
}

#[test]
fn pretty_printed_events_and_json_manifests() {
    let e: serde_json::Value = serde_json::from_str(&priv_event()).unwrap();
    let pretty = format!(
        "{}\n{}\n",
        serde_json::to_string_pretty(&e).unwrap(),
        serde_json::to_string_pretty(&e).unwrap()
    );
    let (_, _, s) = run(&pretty);
    assert_eq!((s.events, s.alerts), (2, 4));
    let pod = serde_json::to_string_pretty(&e["requestObject"]).unwrap();
    let (out, _, s) = run(&pod);
    assert_eq!((s.events, s.alerts), (1, 2), "{out}");
}

#[test]
fn non_utf8_lines_are_invalid_and_skipped() {
    let e = priv_event();
    let mut input = format!("{e}\n").into_bytes();
    input.extend_from_slice(b"{\"kind\":\"Event\",\"x\":\"\xff\xfe\"}\n");
    input.extend_from_slice(format!("{e}\n").as_bytes());
    let rs = check::load(RULES, "t", Target::Falco).unwrap();
    let opts = CheckOptions {
        target: Target::Falco,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let (mut out, mut diag) = (Vec::new(), Vec::new());
    let s = check::run(&rs, &input[..], &opts, &mut out, &mut diag).unwrap();
    let diag = String::from_utf8(diag).unwrap();
    assert_eq!((s.events, s.invalid_events), (2, 1), "{diag}");
    assert!(
        diag.contains("line 2: invalid event: line is not valid UTF-8"),
        "{diag}"
    );
}

#[test]
fn pretty_event_lists_stream_their_items() {
    let e: serde_json::Value = serde_json::from_str(&priv_event()).unwrap();
    let item = serde_json::to_string_pretty(&e)
        .unwrap()
        .replacen("\"kind\": \"Event\",", "", 1);
    let list = format!("{{\n  \"kind\": \"EventList\",\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"items\": [\n{item},\n{item}\n  ]\n}}\n");
    let (mut raw, mut parsed) = (0, 0);
    let k = read_events(list.as_bytes(), &mut |it| {
        match it {
            Item::Raw { in_list: true, .. } => raw += 1,
            Item::Parsed { in_list: true, .. } => parsed += 1,
            _ => panic!("unexpected item"),
        }
        Ok(())
    })
    .unwrap();
    assert_eq!((k, raw, parsed), (InputKind::EventList, 2, 0));
    let (_, _, s) = run(&list);
    assert_eq!((s.events, s.invalid_events, s.alerts), (2, 0, 4));
    // `items` before `kind`: collected whole, same result.
    let late = format!(
        "{{\n  \"apiVersion\": \"audit.k8s.io/v1\",\n  \"items\": [\n{item},\n{item}\n  ],\n  \"kind\": \"EventList\"\n}}\n"
    );
    let (_, _, s) = run(&late);
    assert_eq!((s.events, s.invalid_events, s.alerts), (2, 0, 4));
    // Broken pretty JSON is reported, not a crash.
    let (_, diag, s) = run("{\n  \"kind\": \"Event\",\n  oops\n}\n");
    assert_eq!(s.invalid_events, 1, "{diag}");
}
