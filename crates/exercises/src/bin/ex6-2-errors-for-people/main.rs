//! Exercise 6.2, errors for people (lessons/6-errors.md).
//!
//! A client that sends `hello` and a newline, and prints the line it gets
//! back. Its errors are sentences a person can act on, on standard error,
//! with exit status 1:
//!
//! - `no server is listening at ADDRESS` when the connection is refused;
//! - `no such host: NAME` when the host name does not resolve;
//! - `ADDRESS did not answer within TIME` when no reply comes in time.
//!
//! Run it: `cargo run -p exercises --bin ex6-2-errors-for-people`, with and
//! without a server, and with `--host no.such.host.invalid`.
//! Check it: `just exercise 6.2`. Stuck? `just hint 6.2`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// Seconds to wait for the connection and for the reply
    #[arg(long, default_value = "5", value_parser = cli::seconds)]
    timeout: Duration,
}

// TODO: every `?` below passes the system's error on as it is. Turn the
// three common errors into the sentences above, deciding by the error's
// kind, not its text.
fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let addresses = args.address.resolve_server()?;
    let mut stream = TcpStream::connect_timeout(&addresses[0], args.timeout)?;
    stream.set_read_timeout(Some(args.timeout))?;
    stream.write_all(b"hello\n")?;
    let mut reply = String::new();
    BufReader::new(&stream).read_line(&mut reply)?;
    print!("{reply}");
    Ok(())
}
