// Wrong: it tries again at once, without pausing between attempts.
//! A wrong answer to exercise 6.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

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
    let attempts = args.retries + 1;
    let mut pause = Duration::from_millis(100);
    for attempt in 1..=attempts {
        match TcpStream::connect(&addresses[..]) {
            Ok(stream) => {
                println!("connected to {}", stream.peer_addr()?);
                return Ok(ExitCode::SUCCESS);
            }
            Err(error) => println!("attempt {attempt} failed: {error}"),
        }
        let _ = &mut pause;
    }
    eprintln!("error: cannot connect to {} after {attempts} attempts", args.address);
    Ok(ExitCode::FAILURE)
}
