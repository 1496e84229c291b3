// Wrong: it doubles the wait it prints, but the socket keeps the first timeout.
//! A wrong answer to exercise 4.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// Seconds to wait for the first reply
    #[arg(long, default_value = "0.1", value_parser = cli::seconds)]
    timeout: Duration,
    /// How many times to send again
    #[arg(long, default_value_t = 3)]
    retries: u32,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    let mut timeout = args.timeout;
    let mut buffer = [0; 1500];
    for _ in 0..=args.retries {
        socket.send_to(b"hello", server)?;
        socket.set_read_timeout(Some(args.timeout))?;
        if socket.recv_from(&mut buffer).is_ok() {
            println!("reply received");
            return Ok(ExitCode::SUCCESS);
        }
        println!("no reply within {} ms", timeout.as_millis());
        timeout *= 2;
    }
    eprintln!("error: no reply from {server}");
    Ok(ExitCode::FAILURE)
}
