//! Benchmark of the native evaluator (`pspconv::evaluate`) on the benchmark's inputs: how long
//! the event guard takes on events that are not pod creations, how long a pod creation takes
//! to parse, and how long its pod takes to judge against every policy.
//!
//!     cargo run --release --example bench_inputs -- psps 20 target/bench/psps-20.yaml
//!     cargo run --release --example bench_inputs -- audit-log 2 target/bench/audit-2mb.jsonl
//!     cargo run --release --example bench_evaluate -- target/bench/psps-20.yaml target/bench/audit-2mb.jsonl [mode]
//!
//! Each figure is the median over rounds of the mean time per event in one pass over all the
//! events of its kind (events held in memory; no I/O is timed), as wall time and as the
//! thread's CPU time (Linux `schedstat`), which a busy shared machine inflates far less. Goals (issue 11): one pod
//! creation against 20 policies under 50 µs; non-pod events in a few microseconds.

use pspconv::convert::Mode;
use pspconv::evaluate::{pod_creation, PolicyEvaluator};
use pspconv::psp::load_policies;
use std::hint::black_box;
use std::time::Instant;

const ROUNDS: usize = 9;
/// A round repeats its pass for at least this long: the kernel's CPU-time counter moves in
/// scheduler ticks (a few ms), so shorter rounds would read as 0 or one tick.
const ROUND_NS: u128 = 200_000_000;

/// Nanoseconds this thread has run on a CPU (Linux `schedstat`): unlike wall time, it leaves
/// out the time other processes held the CPU, which on a shared machine is most of the noise.
fn cpu_ns() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    text.split_whitespace().next()?.parse().ok()
}

/// Per item of `pass` (which handles `items`): the median over [`ROUNDS`] of the mean wall
/// time, and of the mean CPU time.
struct Timing {
    wall: f64,
    cpu: Option<f64>,
}

fn per_item_ns(items: usize, mut pass: impl FnMut()) -> Timing {
    let start = Instant::now();
    pass();
    let once = start.elapsed().as_nanos().max(1);
    let reps = (ROUND_NS / once).max(1) as usize;
    let n = (items.max(1) * reps) as f64;
    let mut wall = Vec::new();
    let mut cpu = Vec::new();
    for _ in 0..ROUNDS {
        let (start, start_cpu) = (Instant::now(), cpu_ns());
        for _ in 0..reps {
            pass();
        }
        wall.push(start.elapsed().as_nanos() as f64 / n);
        if let (Some(a), Some(b)) = (start_cpu, cpu_ns()) {
            cpu.push(b.saturating_sub(a) as f64 / n);
        }
    }
    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        v[v.len() / 2]
    };
    Timing {
        wall: median(wall),
        cpu: (cpu.len() == ROUNDS).then(|| median(cpu)),
    }
}

impl std::fmt::Display for Timing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:.2} µs | ", self.wall / 1000.0)?;
        match self.cpu {
            Some(c) => write!(f, "{:.2} µs", c / 1000.0),
            None => f.write_str("n/a"),
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        anyhow::bail!(
            "usage: bench_evaluate <psps.yaml> <audit.jsonl> [strict|admission|declared]"
        );
    }
    let mode = match args.get(3).map(String::as_str) {
        None | Some("strict") => Mode::Strict,
        Some("admission") => Mode::Admission,
        Some("declared") => Mode::Declared,
        Some(other) => anyhow::bail!("unknown mode {other:?}"),
    };
    let psps = std::fs::read_to_string(&args[1])?;
    let loaded = load_policies(&psps, &args[1]).map_err(|e| anyhow::anyhow!("{e}"))?;
    let evaluator = PolicyEvaluator::new(&loaded.policies, mode, &[], &[])?;
    let log = std::fs::read(&args[2])?;
    let events: Vec<&[u8]> = log
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let (creations, others): (Vec<&[u8]>, Vec<&[u8]>) =
        events.iter().partition(|e| pod_creation(e).is_some());
    let pods: Vec<_> = creations.iter().filter_map(|e| pod_creation(e)).collect();
    let violations: usize = pods
        .iter()
        .flat_map(|c| evaluator.evaluate(&c.pod, &c.namespace))
        .map(|v| v.violations.len())
        .sum();

    let guard = per_item_ns(others.len(), || {
        for e in &others {
            black_box(evaluator.evaluate_event(black_box(e)));
        }
    });
    let parse = per_item_ns(creations.len(), || {
        for e in &creations {
            black_box(pod_creation(black_box(e)));
        }
    });
    let judge = per_item_ns(pods.len(), || {
        for c in &pods {
            black_box(evaluator.evaluate(black_box(&c.pod), &c.namespace));
        }
    });
    let whole = per_item_ns(creations.len(), || {
        for e in &creations {
            black_box(evaluator.evaluate_event(black_box(e)));
        }
    });
    let mixed = per_item_ns(events.len(), || {
        for e in &events {
            black_box(evaluator.evaluate_event(black_box(e)));
        }
    });
    let avg_len = |v: &[&[u8]]| v.iter().map(|e| e.len()).sum::<usize>() / v.len().max(1);

    println!(
        "native evaluator, {} policies, mode {}, {} events ({} pod creations, mean {} bytes; {} others, mean {} bytes); {} violations found",
        evaluator.policies.len(),
        mode.name(),
        events.len(),
        creations.len(),
        avg_len(&creations),
        others.len(),
        avg_len(&others),
        violations
    );
    println!("| step | wall, per event | CPU, per event |");
    println!("|---|---|---|");
    println!("| non-pod event: guard, answer None | {guard} |");
    println!("| pod creation: guard + typed parse | {parse} |");
    println!(
        "| pod creation: judge against {} policies | {judge} |",
        evaluator.policies.len()
    );
    println!("| pod creation: whole (`evaluate_event`) | {whole} |");
    println!("| mixed log, mean over all events | {mixed} |");
    let goal = |t: &Timing, limit: f64| {
        if t.cpu.unwrap_or(t.wall) < limit {
            "met"
        } else {
            "MISSED"
        }
    };
    println!(
        "goals (CPU time): pod creation against 20 policies < 50 µs: {}; non-pod events a few µs (< 5 µs): {}",
        goal(&whole, 50_000.0),
        goal(&guard, 5_000.0)
    );
    Ok(())
}
