//! Development stand-in for `pspconv check --rules-path R --events LOG` (bench only):
//!
//!     cargo run --release --example check_file -- <rules.yaml> <events> [falco|legacy]

use pspconv::check::{self, CheckOptions};
use pspconv::Target;
use std::io::{BufReader, BufWriter, Write};

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    if args.len() < 3 {
        eprintln!("usage: check_file <rules.yaml> <events> [falco|legacy]");
        std::process::exit(2);
    }
    let target = match args.get(3).map(String::as_str) {
        Some("legacy") => Target::Legacy,
        _ => Target::Falco,
    };
    let text = std::fs::read_to_string(&args[1])?;
    let rules = check::load(&text, &args[1], target)?;
    let events = BufReader::with_capacity(1 << 16, std::fs::File::open(&args[2])?);
    let opts = CheckOptions {
        target,
        ..CheckOptions::default()
    };
    let stdout = std::io::stdout();
    let mut out = BufWriter::with_capacity(1 << 16, stdout.lock());
    let summary = check::run(&rules, events, &opts, &mut out, &mut std::io::stderr())?;
    out.flush()?;
    summary.print(&mut std::io::stderr())?;
    std::process::exit(i32::from(summary.fired()));
}
