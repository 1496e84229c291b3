//! Reference solution of exercise 7.3, messages over TCP.

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
        let mut length = [0; 4];
        stream.read_exact(&mut length)?;
        let mut message = vec![0; u32::from_be_bytes(length) as usize];
        stream.read_exact(&mut message)?;
        println!("{}", String::from_utf8_lossy(&message));
    }
    Ok(())
}
