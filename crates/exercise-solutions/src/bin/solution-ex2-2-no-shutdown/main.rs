//! Reference solution of exercise 2.2, no shutdown.

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
    // The echo is exactly as long as the message: read that much, no more.
    let mut echo = vec![0; args.message.len()];
    stream.read_exact(&mut echo)?;
    io::stdout().write_all(&echo)?;
    Ok(())
}
