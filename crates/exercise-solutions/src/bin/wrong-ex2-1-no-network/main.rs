// Wrong: it fakes the result, copying standard input to standard output without any networking.
//! A wrong answer to exercise 2.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let _ = Args::parse();
    io::copy(&mut io::stdin().lock(), &mut io::stdout().lock())?;
    Ok(())
}
