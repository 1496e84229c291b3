//! Exercise 6.1, retry with back-off (lessons/6-errors.md).
//!
//! A TCP client that, when it cannot connect, tries again up to `--retries`
//! times, waiting 100 ms, then 200 ms, 400 ms… Each failure prints
//! `attempt N failed: REASON`. Once connected it prints `connected to
//! ADDRESS` and exits with status 0; when every attempt has failed, it
//! says so on standard error and exits with status 1.
//!
//! Run it: `cargo run -p exercises --bin ex6-1-retry -- --retries 10`, and
//! start `cargo run -p tcp-server` in another terminal while it retries.
//! Check it: `just exercise 6.1`. Stuck? `just hint 6.1`.

use std::net::TcpStream;
use std::process::ExitCode;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// How many times to try again
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let addresses = args.address.resolve_server()?;
    // TODO: try again, up to args.retries times, waiting twice as long
    // after each failure.
    match TcpStream::connect(&addresses[..]) {
        Ok(stream) => {
            println!("connected to {}", stream.peer_addr()?);
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            println!("attempt 1 failed: {error}");
            eprintln!("error: cannot connect to {}", args.address);
            Ok(ExitCode::FAILURE)
        }
    }
}
