//! The plugin's extraction path per event, through the Falco plugin API in
//! `falco_plugin_runner` (a benchmark, not a test; see bench/RESULTS.md):
//!
//!     cargo run --release --example bench_inputs -- psps 20 psps-20.yaml
//!     cargo run --release --example bench_inputs -- audit-log 1 audit.jsonl
//!     cargo bench -p pspconv-falco-plugin --bench extraction -- psps-20.yaml audit.jsonl
//!
//! For every event it extracts what the default `plugin` rules make Falco extract: per policy
//! `psp.violated[<p>]` (the violation rule) and `psp.loaded[<p>]` (the guard rule), plus the
//! output fields of each alert. It reports the time per pod creation and per other event, the
//! first extraction of a pod creation (parse and evaluation) and a further lookup. The runner
//! adds its own work per call (field-name parsing, copies), so the figures bound the plugin's
//! cost from above.

#[path = "../tests/common/mod.rs"]
mod common;

use std::time::{Duration, Instant};

fn main() {
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let [psps, log] = args.as_slice() else {
        eprintln!("usage: extraction <psps.yaml> <audit.jsonl>");
        std::process::exit(2);
    };
    let events: Vec<String> = std::fs::read_to_string(log)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect();
    let names: Vec<String> = {
        let text = std::fs::read_to_string(psps).unwrap();
        pspconv::psp::load_policies(&text, psps)
            .unwrap()
            .policies
            .into_iter()
            .map(|p| p.name)
            .collect()
    };
    let config = common::config(std::path::Path::new(psps), "strict");
    let violated: Vec<String> = names.iter().map(|n| format!("psp.violated[{n}]")).collect();
    let loaded: Vec<String> = names.iter().map(|n| format!("psp.loaded[{n}]")).collect();
    let outputs: Vec<(String, String)> = names
        .iter()
        .map(|n| (format!("psp.violations[{n}]"), format!("psp.reason[{n}]")))
        .collect();

    let mut r = common::start(&config, &events).unwrap();
    let (mut pod_time, mut other_time) = (Duration::ZERO, Duration::ZERO);
    let (mut pods, mut others, mut alerts, mut extractions) = (0u64, 0u64, 0u64, 0u64);
    let (mut first_time, mut lookup_time) = (Duration::ZERO, Duration::ZERO);
    for _ in 0..events.len() {
        let e = r.next_event().unwrap();
        let start = Instant::now();
        let evaluated = common::value(&mut r, &e, "psp.evaluated").as_deref() == Some("true");
        let first = start.elapsed();
        extractions += 1;
        for i in 0..names.len() {
            if common::value(&mut r, &e, &violated[i]).as_deref() == Some("true") {
                alerts += 1;
                let _ = common::value(&mut r, &e, &outputs[i].0);
                let _ = common::value(&mut r, &e, &outputs[i].1);
                extractions += 2;
            }
            let _ = common::value(&mut r, &e, &loaded[i]);
            extractions += 2;
        }
        let total = start.elapsed();
        if evaluated {
            pods += 1;
            pod_time += total;
            first_time += first;
            let l = Instant::now();
            let _ = common::value(&mut r, &e, &violated[0]);
            lookup_time += l.elapsed();
        } else {
            others += 1;
            other_time += total;
        }
    }
    let per = |d: Duration, n: u64| d.as_secs_f64() * 1e6 / n.max(1) as f64;
    println!(
        "{} events ({pods} pod creations, {others} others), {} policies, {alerts} alerts, {extractions} extractions",
        events.len(),
        names.len()
    );
    println!(
        "pod creation: {:.1} µs per event (all rules' extractions, outputs of its alerts)",
        per(pod_time, pods)
    );
    println!(
        "  first extraction (parse + evaluate every policy): {:.1} µs",
        per(first_time, pods)
    );
    println!(
        "  a further extraction (lookup): {:.2} µs",
        per(lookup_time, pods)
    );
    println!(
        "other event: {:.1} µs per event ({:.2} µs per extraction)",
        per(other_time, others),
        per(other_time, others * (1 + 2 * names.len() as u64))
    );
}
