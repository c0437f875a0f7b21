//! What the binary does, free of clap: read input, convert or check, write output, report.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};

use crate::convert::{self, Options, GENERATORS};
use crate::output::{write_atomic, write_stdout};
use crate::psp::load_policies;

#[derive(Debug, Clone)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    /// How messages name this input.
    pub fn origin(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".into(),
            Input::File(p) => p.display().to_string(),
        }
    }

    /// Reads the whole input as UTF-8, refusing more than the loader accepts.
    pub fn read_text(&self) -> Result<String> {
        let limit = crate::psp::load::MAX_INPUT_BYTES as u64 + 1;
        let mut bytes = Vec::new();
        match self {
            Input::Stdin => {
                std::io::stdin()
                    .take(limit)
                    .read_to_end(&mut bytes)
                    .context("cannot read stdin")?;
            }
            Input::File(p) => {
                let f = std::fs::File::open(p)
                    .with_context(|| format!("cannot open {}", p.display()))?;
                f.take(limit)
                    .read_to_end(&mut bytes)
                    .with_context(|| format!("cannot read {}", p.display()))?;
            }
        }
        if bytes.len() as u64 >= limit {
            bail!(
                "{}: input is larger than {} bytes",
                self.origin(),
                limit - 1
            );
        }
        String::from_utf8(bytes).map_err(|e| {
            anyhow::anyhow!(
                "{}: input is not valid UTF-8 (byte {})",
                self.origin(),
                e.utf8_error().valid_up_to()
            )
        })
    }
}

#[derive(Debug, Clone)]
pub enum Output {
    Stdout,
    File(PathBuf),
}

pub struct ConvertConfig {
    pub input: Input,
    pub output: Output,
    pub options: Options,
    pub fail_on_warning: bool,
}

/// Prints diagnostics on stderr in one style; colour only on a terminal without `NO_COLOR`.
pub struct Reporter {
    quiet: bool,
    colour: bool,
}

impl Reporter {
    pub fn new(quiet: bool) -> Self {
        let colour = std::io::stderr().is_terminal()
            && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
        Reporter { quiet, colour }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.colour {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn is_quiet(&self) -> bool {
        self.quiet
    }

    /// A warning or note line (already prefixed `warning:` / `note:`).
    pub fn diag(&self, line: &str) {
        if self.quiet {
            return;
        }
        let line = if let Some(rest) = line.strip_prefix("warning:") {
            format!("{}{rest}", self.paint("33", "warning:"))
        } else {
            line.to_string()
        };
        eprintln!("{line}");
    }

    /// `error: <message>`, each cause on its own line, and a hint.
    pub fn error(&self, e: &anyhow::Error) {
        eprintln!("{} {e}", self.paint("31", "error:"));
        for cause in e.chain().skip(1) {
            eprintln!("  caused by: {cause}");
        }
        eprintln!("  hint: run `pspconv --help` for usage");
    }
}

pub fn run_convert(cfg: &ConvertConfig, reporter: &Reporter) -> Result<ExitCode> {
    if let (Input::File(i), Output::File(o)) = (&cfg.input, &cfg.output) {
        let same = i == o
            || matches!((std::fs::canonicalize(i), std::fs::canonicalize(o)), (Ok(a), Ok(b)) if a == b);
        if same {
            bail!(
                "--rules-path {} is the same file as --psp-path: refusing to overwrite the policy",
                o.display()
            );
        }
    }
    let text = cfg.input.read_text()?;
    let loaded = load_policies(&text, &cfg.input.origin())?;
    let conversion = convert::convert(&loaded.policies, &cfg.options)?;
    let warnings: Vec<&String> = loaded.warnings.iter().chain(&conversion.warnings).collect();
    for w in &warnings {
        reporter.diag(w);
    }
    if cfg.fail_on_warning && warnings.iter().any(|w| w.starts_with("warning:")) {
        bail!("warnings present and --fail-on-warning given; no rules written");
    }
    match &cfg.output {
        Output::Stdout => {
            write_stdout(&conversion.text).context("cannot write to stdout")?;
        }
        Output::File(p) => {
            write_atomic(p, &conversion.text)
                .with_context(|| format!("cannot write {}", p.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `pspconv explain [property]`: the generator's doc comment, or the list of properties.
pub fn run_explain(property: Option<&str>) -> Result<ExitCode> {
    let Some(property) = property else {
        let mut text = String::from("Properties (pspconv explain <property>):\n");
        for g in GENERATORS {
            text.push_str(&format!("  {}\n", g.property));
        }
        write_stdout(&text)?;
        return Ok(ExitCode::SUCCESS);
    };
    let Some(g) = GENERATORS
        .iter()
        .find(|g| g.property.eq_ignore_ascii_case(property))
    else {
        let known: Vec<&str> = GENERATORS.iter().map(|g| g.property).collect();
        bail!("unknown property {property:?}; known: {}", known.join(", "));
    };
    write_stdout(&doc_text(g.doc))?;
    Ok(ExitCode::SUCCESS)
}

/// The leading `//!` comment of a generator module, as plain text.
pub fn doc_text(source: &str) -> String {
    let mut out = String::new();
    for line in source.lines() {
        let Some(rest) = line.strip_prefix("//!") else {
            break;
        };
        out.push_str(rest.strip_prefix(' ').unwrap_or(rest));
        out.push('\n');
    }
    out
}
