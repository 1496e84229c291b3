//! Exercise 4.2, back off (lessons/4-udp-client.md).
//!
//! A UDP client that doubles its timeout after each unanswered attempt:
//! with `--timeout 0.1` it waits 100 ms, then 200 ms, 400 ms… Each time no
//! reply comes, it prints `no reply within 100 ms` (whole milliseconds and
//! a space: not udp-client's `{:?}` format, which prints `100ms`).
//! When every attempt has failed, it reports the loss on standard error and
//! exits with status 1; when the echo comes, it exits with status 0.
//!
//! Run it: `cargo run -p exercises --bin ex4-2-back-off` with no server
//! running, then with `cargo run -p udp-server` running.
//! Check it: `just exercise 4.2`. Stuck? `just hint 4.2`.

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
    let timeout = args.timeout;
    let mut buffer = [0; 1500];
    for _ in 0..=args.retries {
        socket.send_to(b"hello", server)?;
        socket.set_read_timeout(Some(timeout))?;
        if socket.recv_from(&mut buffer).is_ok() {
            println!("reply received");
            return Ok(ExitCode::SUCCESS);
        }
        println!("no reply within {} ms", timeout.as_millis());
        // TODO: wait twice as long next time.
    }
    eprintln!("error: no reply from {server}");
    Ok(ExitCode::FAILURE)
}
