//! Throughput check (ignored by default; run with
//! `cargo test --release --test check_bench -- --ignored --nocapture`).
//! 20 policies × 20 rules, a log where 90% of events are not pod creations.

use pspconv::check::{self, CheckOptions, RuleMatching};
use pspconv::Target;
use std::fmt::Write as _;
use std::time::Instant;

fn rules() -> String {
    let img = std::env::var("BENCH_IMG").unwrap_or_else(|_| "nginx".into());
    let mut s = String::from("- required_engine_version: 15\n");
    for p in 0..20 {
        write!(
            s,
            "- list: p{p}_images\n  items: [{img}]\n- macro: p{p}_ka_container\n  condition: ka.verb=create and ka.target.resource=pods and not ka.target.subresource exists and json.value[/stage]=ResponseComplete and ka.req.pod.containers.image.repository in (p{p}_images)\n"
        )
        .unwrap();
        for r in 0..20 {
            let cond = match r % 5 {
                0 => "ka.req.pod.containers.privileged intersects (true)".to_string(),
                1 => format!("json.value[/requestObject/spec/containers/0/securityContext/runAsUser] exists and not json.value[/requestObject/spec/containers/0/securityContext/runAsUser] regex '3[0-9]|{r}'"),
                2 => "ka.req.pod.volumes.hostpath exists and not json.value[/requestObject/spec/volumes/0/hostPath/path] pmatch (/usr, /var/log)".to_string(),
                3 => "ka.req.pod.host_network intersects (true)".to_string(),
                _ => "ka.req.pod.containers.add_capabilities exists and not ka.req.pod.containers.add_capabilities in ('[\"SYS_NICE\"]')".to_string(),
            };
            write!(
                s,
                "- rule: PSP p{p} Violation ({r}) K8s Audit\n  desc: d\n  condition: p{p}_ka_container and {cond}\n  output: violation (user=%ka.user.name pod=%ka.resp.name images=%ka.req.pod.containers.image)\n  priority: WARNING\n  source: k8s_audit\n  tags: [k8s-psp]\n"
            )
            .unwrap();
        }
    }
    s
}

fn log(target_bytes: usize) -> String {
    let pod = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/falco-psp-tests/trace_files/psp/privileged.json"
    ))
    .unwrap();
    let pod = pod.trim();
    let other = r#"{"kind":"Event","apiVersion":"audit.k8s.io/v1","level":"Metadata","auditID":"0b5c1f4e-8a1d-4c1e-9a57-2d3f8c3e6b1a","stage":"ResponseComplete","requestURI":"/api/v1/namespaces/kube-system/configmaps/kube-proxy","verb":"get","user":{"username":"system:node:node-1","groups":["system:nodes","system:authenticated"]},"sourceIPs":["10.0.0.12"],"userAgent":"kubelet/v1.24.3 (linux/amd64) kubernetes/aef86a9","objectRef":{"resource":"configmaps","namespace":"kube-system","name":"kube-proxy","apiVersion":"v1"},"responseStatus":{"metadata":{},"code":200},"requestReceivedTimestamp":"2022-08-01T10:00:00.000000Z","stageTimestamp":"2022-08-01T10:00:00.001000Z","annotations":{"authorization.k8s.io/decision":"allow","authorization.k8s.io/reason":""}}"#;
    let mut s = String::with_capacity(target_bytes + 10_000);
    let mut i = 0;
    while s.len() < target_bytes {
        s.push_str(if i % 10 == 0 { pod } else { other });
        s.push('\n');
        i += 1;
    }
    s
}

/// This thread's CPU time in seconds (utime + stime from /proc, clock ticks of 1/100 s),
/// so the figure holds on a shared machine.
fn cpu_secs() -> f64 {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").unwrap_or_default();
    let after = stat.rsplit(')').next().unwrap_or("");
    let f: Vec<&str> = after.split_whitespace().collect();
    let t = |i: usize| f.get(i).and_then(|x| x.parse::<f64>().ok()).unwrap_or(0.0);
    (t(11) + t(12)) / 100.0
}

#[test]
#[ignore]
fn throughput() {
    let rs = check::load(&rules(), "bench", Target::Falco).unwrap();
    assert_eq!(rs.rules.len(), 400);
    let data = log(200 << 20);
    let opts = CheckOptions {
        target: Target::Falco,
        json: false,
        rule_matching: RuleMatching::All,
    };
    let mut out = std::io::sink();
    let mut diag = Vec::new();
    let t = Instant::now();
    let cpu = cpu_secs();
    let s = check::run(&rs, data.as_bytes(), &opts, &mut out, &mut diag).unwrap();
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_secs() - cpu;
    let mb = data.len() as f64 / 1e6;
    println!(
        "{} events, {} alerts, {:.1} MB/s wall, {:.1} MB/s cpu",
        s.events,
        s.alerts,
        mb / secs,
        mb / cpu.max(0.01)
    );
}
