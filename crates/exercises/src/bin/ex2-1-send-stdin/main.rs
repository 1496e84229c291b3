//! Exercise 2.1, send standard input (lessons/2-tcp-client.md).
//!
//! A TCP client that sends what it reads on standard input, instead of a
//! fixed message, and writes the echo to standard output as raw bytes, so
//! that `cat photo.jpg | ex2-1-send-stdin > copy.jpg` makes an identical
//! copy through any echo server.
//!
//! Run it: start `cargo run -p tcp-server -- --quiet`, then
//! `echo hello | cargo run -q -p exercises --bin ex2-1-send-stdin`.
//! Check it: `just exercise 2.1`. Stuck? `just hint 2.1`.

use std::io::{self, Read, Write};
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
    let mut stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    // TODO: send standard input instead of this fixed message. Mind the
    // deadlock of lesson 2: the input may be large.
    stream.write_all(b"hello")?;
    stream.shutdown(Shutdown::Write)?;
    let mut echo = Vec::new();
    stream.read_to_end(&mut echo)?;
    io::stdout().write_all(&echo)?;
    Ok(())
}
