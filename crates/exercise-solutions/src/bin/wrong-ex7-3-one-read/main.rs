// Wrong: one read taken for one message: it reads whatever the first read gives.
//! A wrong answer to exercise 7.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// A message to send; give it several times for several messages
    #[arg(long)]
    message: Vec<String>,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    // The messages are short, so sending all before reading cannot deadlock.
    for message in &args.message {
        let length = u32::try_from(message.len())?;
        stream.write_all(&length.to_be_bytes())?;
        stream.write_all(message.as_bytes())?;
    }
    stream.shutdown(Shutdown::Write)?;
    for _ in &args.message {
        let mut message = vec![0; 1024];
        let count = stream.read(&mut message)?;
        // Skip the 4 length bytes.
        println!("{}", String::from_utf8_lossy(message.get(4..count).unwrap_or_default()));
    }
    Ok(())
}
