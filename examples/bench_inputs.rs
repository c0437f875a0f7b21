//! Deterministic inputs for the benchmarks in `bench/` (see README "Performance").
//!
//!     cargo run --release --example bench_inputs -- psps <count> <out.yaml>
//!     cargo run --release --example bench_inputs -- psp-list <count> <out.yaml>
//!     cargo run --release --example bench_inputs -- audit-log <megabytes> <out.jsonl>
//!     cargo run --release --example bench_inputs -- audit-log-no-pods <megabytes> <out.jsonl>
//!
//! `audit-log`: one event in ten creates a pod (1 to 3 containers, sometimes an init
//! container; six pods in ten hardened), the others get, list, watch, update... other
//! resources or pods. `audit-log-no-pods`: the same without pod creations, which no PSP rule
//! can match.

use std::io::{BufWriter, Write};

/// A small linear congruential generator: the same seed gives the same files everywhere.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const VOLUMES: &[&str] = &[
    "configMap",
    "secret",
    "emptyDir",
    "projected",
    "downwardAPI",
    "persistentVolumeClaim",
    "hostPath",
    "csi",
];
const CAPS: &[&str] = &[
    "NET_ADMIN",
    "SYS_TIME",
    "NET_BIND_SERVICE",
    "CHOWN",
    "SYS_PTRACE",
    "NET_RAW",
];
const IMAGES: &[&str] = &[
    "nginx:1.25",
    "busybox",
    "registry.local:5000/team/app:1.2",
    "redis:7@sha256:0123abcd",
    "quay.io/prometheus/node-exporter:v1.7.0",
];

fn psp(rng: &mut Lcg, i: usize, indent: &str) -> String {
    let mut s = String::new();
    let w = |s: &mut String, line: &str| {
        s.push_str(indent);
        s.push_str(line);
        s.push('\n');
    };
    w(&mut s, "apiVersion: policy/v1beta1");
    w(&mut s, "kind: PodSecurityPolicy");
    w(&mut s, "metadata:");
    w(&mut s, &format!("  name: bench-policy-{i}"));
    if rng.below(2) == 0 {
        w(&mut s, "  annotations:");
        w(
            &mut s,
            "    falco-rules-psp-images: \"[nginx, busybox, registry.local:5000/team/app]\"",
        );
        w(&mut s, "    seccomp.security.alpha.kubernetes.io/allowedProfileNames: \"runtime/default,docker/default\"");
    }
    w(&mut s, "spec:");
    w(&mut s, &format!("  privileged: {}", rng.below(4) == 0));
    w(&mut s, &format!("  hostNetwork: {}", rng.below(3) == 0));
    w(&mut s, "  hostPorts:");
    w(
        &mut s,
        &format!(
            "  - min: {}\n{indent}    max: {}",
            1000 + rng.below(1000),
            5000 + rng.below(5000)
        ),
    );
    w(&mut s, "  readOnlyRootFilesystem: true");
    w(&mut s, "  allowPrivilegeEscalation: false");
    w(&mut s, "  requiredDropCapabilities: [ALL]");
    w(
        &mut s,
        &format!("  allowedCapabilities: [{}]", rng.pick(CAPS)),
    );
    w(
        &mut s,
        &format!(
            "  volumes: [{}, {}, {}]",
            rng.pick(VOLUMES),
            rng.pick(VOLUMES),
            rng.pick(VOLUMES)
        ),
    );
    w(&mut s, "  runAsUser:");
    w(&mut s, "    rule: MustRunAs");
    w(&mut s, "    ranges:");
    w(
        &mut s,
        &format!(
            "    - min: {}\n{indent}      max: {}",
            1 + rng.below(1000),
            10000 + rng.below(60000)
        ),
    );
    w(&mut s, "  runAsGroup:");
    w(&mut s, "    rule: MayRunAs");
    w(&mut s, "    ranges: [{min: 1, max: 65535}]");
    w(&mut s, "  fsGroup:");
    w(
        &mut s,
        &format!(
            "    rule: {}",
            if rng.below(2) == 0 {
                "MustRunAs"
            } else {
                "RunAsAny"
            }
        ),
    );
    w(&mut s, "    ranges: [{min: 1, max: 65535}]");
    w(&mut s, "  supplementalGroups:");
    w(&mut s, "    rule: RunAsAny");
    w(&mut s, "  seLinux:");
    w(&mut s, "    rule: RunAsAny");
    s
}

/// A container; `hardened` ones look like what a restricted policy asks for (non-root, no
/// privilege escalation, read-only root, all capabilities dropped, runtime seccomp profile),
/// as most pods of a cluster running PSPs would.
fn container(rng: &mut Lcg, name: &str, hardened: bool) -> String {
    let mut sc = Vec::new();
    if hardened {
        sc.push(format!(
            "\"allowPrivilegeEscalation\":false,\"readOnlyRootFilesystem\":true,\"runAsNonRoot\":true,\"runAsUser\":{},\"runAsGroup\":{},\"capabilities\":{{\"drop\":[\"ALL\"]}},\"seccompProfile\":{{\"type\":\"RuntimeDefault\"}}",
            1000 + rng.below(1000),
            1000 + rng.below(1000)
        ));
    } else if rng.below(3) == 0 {
        sc.push(format!("\"runAsUser\":{}", rng.below(70000)));
    }
    if !hardened && rng.below(2) == 0 {
        sc.push(format!("\"readOnlyRootFilesystem\":{}", rng.below(2) == 0));
    }
    if !hardened && rng.below(5) == 0 {
        sc.push("\"privileged\":true".into());
    }
    if !hardened && rng.below(4) == 0 {
        sc.push(format!(
            "\"capabilities\":{{\"add\":[\"{}\"],\"drop\":[\"ALL\"]}}",
            rng.pick(CAPS)
        ));
    }
    let ports = if !hardened && rng.below(3) == 0 {
        format!(
            ",\"ports\":[{{\"containerPort\":{},\"hostPort\":{}}}]",
            8080,
            1000 + rng.below(9000)
        )
    } else {
        ",\"ports\":[{\"containerPort\":8080,\"protocol\":\"TCP\"}]".into()
    };
    format!(
        "{{\"name\":\"{name}\",\"image\":\"{}\",\"resources\":{{\"limits\":{{\"cpu\":\"500m\",\"memory\":\"128Mi\"}}}},\"volumeMounts\":[{{\"name\":\"data\",\"mountPath\":\"/data\"}}],\"terminationMessagePath\":\"/dev/termination-log\",\"imagePullPolicy\":\"IfNotPresent\",\"securityContext\":{{{}}}{ports}}}",
        rng.pick(IMAGES),
        sc.join(",")
    )
}

fn pod_create(rng: &mut Lcg, n: u64) -> String {
    // Six pods in ten are hardened; the others carry random settings that many policies flag.
    let hardened = rng.below(10) < 6;
    let containers: Vec<String> = (0..1 + rng.below(3))
        .map(|i| container(rng, &format!("c{i}"), hardened))
        .collect();
    let init = if rng.below(4) == 0 {
        format!("\"initContainers\":[{}],", container(rng, "init", hardened))
    } else {
        String::new()
    };
    let volume = rng.pick(VOLUMES);
    let vol = if volume == "hostPath" {
        "{\"path\":\"/var/log\"}"
    } else {
        "{}"
    };
    let spec = format!(
        "{{{init}\"containers\":[{}],\"volumes\":[{{\"name\":\"data\",\"{volume}\":{vol}}}],\"securityContext\":{{\"runAsNonRoot\":true,\"fsGroup\":{}}},\"restartPolicy\":\"Always\",\"serviceAccountName\":\"default\",\"hostNetwork\":{}}}",
        containers.join(","),
        rng.below(3000),
        rng.below(10) == 0
    );
    format!(
        "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\",\"auditID\":\"bench-{n}\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/ns{ns}/pods\",\"verb\":\"create\",\"user\":{{\"username\":\"system:serviceaccount:kube-system:replicaset-controller\",\"groups\":[\"system:serviceaccounts\",\"system:authenticated\"]}},\"sourceIPs\":[\"10.0.0.1\"],\"userAgent\":\"kube-controller-manager/v1.24.0\",\"objectRef\":{{\"resource\":\"pods\",\"namespace\":\"ns{ns}\",\"apiVersion\":\"v1\"}},\"responseStatus\":{{\"metadata\":{{}},\"code\":201}},\"requestObject\":{{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{{\"generateName\":\"app-{n}-\",\"labels\":{{\"app\":\"app{ns}\"}}}},\"spec\":{spec}}},\"responseObject\":{{\"kind\":\"Pod\",\"apiVersion\":\"v1\",\"metadata\":{{\"name\":\"app-{n}-x\",\"namespace\":\"ns{ns}\"}},\"spec\":{spec}}},\"requestReceivedTimestamp\":\"2024-05-01T10:00:00.000000Z\",\"stageTimestamp\":\"2024-05-01T10:00:00.{ms:06}Z\"}}",
        ns = rng.below(20),
        ms = n % 1_000_000
    )
}

fn other_event(rng: &mut Lcg, n: u64) -> String {
    let verb = rng.pick(&[
        "get", "list", "watch", "update", "patch", "delete", "get", "get",
    ]);
    let resource = rng.pick(&[
        "configmaps",
        "secrets",
        "leases",
        "endpoints",
        "deployments",
        "nodes",
        "pods",
        "events",
    ]);
    let body = if matches!(verb, "update" | "patch") {
        format!(",\"requestObject\":{{\"kind\":\"Lease\",\"metadata\":{{\"name\":\"lease-{n}\",\"resourceVersion\":\"{n}\"}},\"spec\":{{\"holderIdentity\":\"node-{}\",\"leaseDurationSeconds\":40}}}}", rng.below(50))
    } else {
        String::new()
    };
    format!(
        "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Request\",\"auditID\":\"bench-{n}\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/ns{ns}/{resource}/obj-{n}\",\"verb\":\"{verb}\",\"user\":{{\"username\":\"system:node:node-{node}\",\"groups\":[\"system:nodes\",\"system:authenticated\"]}},\"sourceIPs\":[\"10.0.1.{node}\"],\"userAgent\":\"kubelet/v1.24.0\",\"objectRef\":{{\"resource\":\"{resource}\",\"namespace\":\"ns{ns}\",\"name\":\"obj-{n}\",\"apiVersion\":\"v1\"}},\"responseStatus\":{{\"metadata\":{{}},\"code\":200}}{body},\"requestReceivedTimestamp\":\"2024-05-01T10:00:00.000000Z\",\"stageTimestamp\":\"2024-05-01T10:00:00.{ms:06}Z\"}}",
        ns = rng.below(20),
        node = rng.below(50),
        ms = n % 1_000_000
    )
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: bench_inputs (psps|psp-list) <count> <out> | (audit-log|audit-log-no-pods) <megabytes> <out>";
    if args.len() != 4 {
        eprintln!("{usage}");
        std::process::exit(2);
    }
    let n: u64 = args[2].parse().expect("a number");
    let mut out = BufWriter::new(std::fs::File::create(&args[3])?);
    let mut rng = Lcg(42);
    match args[1].as_str() {
        "psps" => {
            for i in 0..n as usize {
                writeln!(out, "---\n{}", psp(&mut rng, i, ""))?;
            }
        }
        "psp-list" => {
            writeln!(out, "apiVersion: v1\nkind: List\nitems:")?;
            for i in 0..n as usize {
                let doc = psp(&mut rng, i, "  ");
                writeln!(out, "- {}", doc.trim_start())?;
            }
        }
        kind @ ("audit-log" | "audit-log-no-pods") => {
            let pods = kind == "audit-log";
            let limit = n * 1024 * 1024;
            let (mut written, mut i) = (0u64, 0u64);
            while written < limit {
                let line = if rng.below(10) == 0 && pods {
                    pod_create(&mut rng, i)
                } else {
                    other_event(&mut rng, i)
                };
                writeln!(out, "{line}")?;
                written += line.len() as u64 + 1;
                i += 1;
            }
        }
        _ => {
            eprintln!("{usage}");
            std::process::exit(2);
        }
    }
    out.flush()
}
