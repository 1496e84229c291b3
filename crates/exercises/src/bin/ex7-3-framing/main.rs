//! Exercise 7.3, messages over TCP (lessons/7-tcp-or-udp.md).
//!
//! TCP keeps no message boundaries, so put them back: send each
//! `--message` with its length in front, as 4 bytes in big-endian order,
//! through an echo server, and read the echo back as messages: 4 bytes of
//! length, then exactly that many bytes. Print each message on its own
//! line. It must work however the server cuts the stream.
//!
//! Run it: start `cargo run -p tcp-server -- --buffer-size 1`, then
//! `cargo run -p exercises --bin ex7-3-framing -- --message one --message two`.
//! Check it: `just exercise 7.3`. Stuck? `just hint 7.3`.

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
    // TODO: put each message's length in front of it, and read the echo
    // back message by message.
    for message in &args.message {
        stream.write_all(message.as_bytes())?;
    }
    stream.shutdown(Shutdown::Write)?;
    let mut echo = String::new();
    stream.read_to_string(&mut echo)?;
    println!("{echo}");
    Ok(())
}
