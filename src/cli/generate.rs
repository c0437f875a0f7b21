//! Files generated from the command-line definition: shell completions and man pages.

use std::process::ExitCode;

use super::{Cli, ShellArg};

pub fn completions(shell: ShellArg) -> anyhow::Result<ExitCode> {
    use clap::CommandFactory;
    use clap_complete::Shell;
    let shell = match shell {
        ShellArg::Bash => Shell::Bash,
        ShellArg::Zsh => Shell::Zsh,
        ShellArg::Fish => Shell::Fish,
    };
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "pspconv", &mut out);
    crate::output::write_stdout(&String::from_utf8_lossy(&out))?;
    Ok(ExitCode::SUCCESS)
}

pub fn man(dir: Option<&std::path::Path>) -> anyhow::Result<ExitCode> {
    use anyhow::Context;
    use clap::CommandFactory;
    let cmd = Cli::command();
    match dir {
        Some(dir) => clap_mangen::generate_to(cmd, dir)
            .with_context(|| format!("cannot write man pages into {}", dir.display()))?,
        None => {
            let mut out = Vec::new();
            clap_mangen::Man::new(cmd).render(&mut out)?;
            crate::output::write_stdout(&String::from_utf8_lossy(&out))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
