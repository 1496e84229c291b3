//! `just transcripts`: reruns every transcript in `lessons/` and writes what
//! the programs print today back into the lesson, keeping the lines of each
//! command whose output still compares equal (ports and durations aside).
//!
//! `--check` only reports; it changes nothing and fails when a transcript is
//! stale. The transcripts show Linux's wording of OS errors: regenerate them
//! on Linux.

use std::fs;
use std::path::PathBuf;

use clap::Parser;
use harness::transcripts::{lesson_files, regenerate, replay};
use netlessons::cli;

#[derive(Parser)]
#[command(about = "Rerun the lessons' transcripts and write what the programs print today")]
struct Args {
    /// Only report the transcripts that no longer match; change nothing.
    #[arg(long)]
    check: bool,
    /// Lesson files to update (default: every lesson in lessons/).
    files: Vec<PathBuf>,
}

fn main() -> std::process::ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(run(args))
}

fn run(args: Args) -> anyhow::Result<()> {
    let files = if args.files.is_empty() { lesson_files() } else { args.files };
    let mut stale = 0;
    for file in files {
        let text = fs::read_to_string(&file)
            .map_err(|error| anyhow::anyhow!("cannot read {}: {error}", file.display()))?;
        if args.check {
            for problem in replay(&file, &text).into_iter().filter_map(|one| one.outcome.err()) {
                println!("{problem}\n");
                stale += 1;
            }
            continue;
        }
        let (updated, changed) = regenerate(&file, &text).map_err(anyhow::Error::msg)?;
        if changed > 0 {
            fs::write(&file, updated)
                .map_err(|error| anyhow::anyhow!("cannot write {}: {error}", file.display()))?;
            println!(
                "{}: {changed} command(s) updated",
                file.file_name().unwrap_or_default().to_string_lossy()
            );
        }
    }
    if stale > 0 {
        anyhow::bail!("{stale} transcript command(s) no longer match; run `just transcripts`");
    }
    Ok(())
}
