//! `pspconv check`, free of clap: get rules (converted on the fly from `--psp-path`, or an
//! existing file from `--rules-path`), stream the events through [`crate::check`], print alerts
//! on stdout and the summary on stderr. Exit 1 when anything fired (SPEC §1, §6).

use std::io::{BufRead, BufReader, Write};
use std::process::ExitCode;

use anyhow::{Context, Result};

use crate::app::{Input, Reporter};
use crate::check::{self, CheckOptions, RuleMatching};
use crate::convert::{self, Options};
use crate::psp::load_policies;

/// Where the rules come from.
pub enum RulesSource {
    /// Convert these PSPs with the options of the check.
    Psp(Input),
    /// Load an existing Falco rules file.
    Rules(Input),
}

pub struct CheckConfig {
    pub rules: RulesSource,
    pub events: Input,
    /// Target, mode, scope and bounds for the conversion (the target also for evaluation).
    pub options: Options,
    pub json: bool,
    pub rule_matching: RuleMatching,
    /// Also count Falco's field extractions (`check::run_with_stats`).
    pub stats: bool,
}

pub fn run_check(cfg: &CheckConfig, reporter: &Reporter) -> Result<ExitCode> {
    let target = cfg.options.target;
    let (text, origin) = match &cfg.rules {
        RulesSource::Psp(input) => {
            let psp_text = input.read_text()?;
            let loaded = load_policies(&psp_text, &input.origin())?;
            for w in &loaded.warnings {
                reporter.diag(w);
            }
            let conversion = convert::convert(&loaded.policies, &cfg.options)?;
            for w in &conversion.warnings {
                reporter.diag(w);
            }
            (
                conversion.text,
                format!("rules converted from {}", input.origin()),
            )
        }
        RulesSource::Rules(input) => (input.read_text()?, input.origin()),
    };
    let rules = check::load(&text, &origin, target)?;
    for w in &rules.warnings {
        reporter.diag(&format!("warning: {origin}: {w}"));
    }
    let opts = CheckOptions {
        target,
        json: cfg.json,
        rule_matching: cfg.rule_matching,
    };
    let events: Box<dyn BufRead> = match &cfg.events {
        Input::Stdin => Box::new(BufReader::with_capacity(1 << 16, std::io::stdin())),
        Input::File(p) => Box::new(BufReader::with_capacity(
            1 << 16,
            std::fs::File::open(p).with_context(|| format!("cannot open {}", p.display()))?,
        )),
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::with_capacity(1 << 16, stdout.lock());
    let mut diag: Box<dyn Write> = if reporter.is_quiet() {
        Box::new(std::io::sink())
    } else {
        Box::new(std::io::stderr())
    };
    let run = if cfg.stats {
        check::run_with_stats
    } else {
        check::run
    };
    let summary = match run(&rules, events, &opts, &mut out, &mut diag) {
        Ok(s) => s,
        // The reader of our alerts went away (`pspconv check ... | head`): a normal end.
        Err(check::CheckError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {
            return Ok(ExitCode::SUCCESS)
        }
        Err(e) => return Err(e).with_context(|| format!("cannot check {}", cfg.events.origin())),
    };
    match out.flush() {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        other => other.context("cannot write alerts")?,
    }
    if !reporter.is_quiet() {
        summary.print(&mut std::io::stderr())?;
    }
    Ok(if summary.fired() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
