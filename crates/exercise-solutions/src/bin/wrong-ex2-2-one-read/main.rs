// Wrong: one read is taken for the whole echo, which may come back in pieces.
//! A wrong answer to exercise 2.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{self, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// The text to send
    #[arg(long, default_value = "hello")]
    message: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    stream.write_all(args.message.as_bytes())?;
    let mut echo = vec![0; args.message.len()];
    let count = stream.read(&mut echo)?;
    io::stdout().write_all(&echo[..count])?;
    Ok(())
}
