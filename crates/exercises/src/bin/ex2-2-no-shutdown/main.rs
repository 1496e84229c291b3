//! Exercise 2.2, no shutdown (lessons/2-tcp-client.md).
//!
//! Some servers never close a connection, so a client cannot wait for the
//! end of the stream. This client sends `--message`, does not shut down
//! its sending side, and reads exactly as many bytes as it sent. Then it
//! prints the echo and closes.
//!
//! Run it: start `cargo run -p tcp-server`, then
//! `cargo run -p exercises --bin ex2-2-no-shutdown -- --message hello`.
//! Check it: `just exercise 2.2`. Stuck? `just hint 2.2`.

use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

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
    stream.write_all(args.message.as_bytes())?;
    // TODO: this waits for the server to close the connection, which some
    // servers never do. Read exactly as many bytes as were sent instead.
    stream.shutdown(Shutdown::Write)?;
    let mut echo = Vec::new();
    stream.read_to_end(&mut echo)?;
    io::stdout().write_all(&echo)?;
    Ok(())
}
