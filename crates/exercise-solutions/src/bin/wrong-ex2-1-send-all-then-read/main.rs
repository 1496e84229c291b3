// Wrong: it sends all of standard input before it reads any of the echo, which deadlocks on large input.
//! A wrong answer to exercise 2.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    let mut sending = &stream;
    io::copy(&mut io::stdin().lock(), &mut sending)?;
    stream.shutdown(Shutdown::Write)?;
    let mut reading = &stream;
    io::copy(&mut reading, &mut io::stdout().lock())?;
    io::stdout().flush()?;
    Ok(())
}
