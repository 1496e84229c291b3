// Wrong: it sends each message once and moves on when the echo does not come.
//! A wrong answer to exercise 7.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use clap::Parser;
use netlessons::cli;

/// Tries per message before giving up.

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// How many messages to deliver
    #[arg(long, default_value_t = 5)]
    count: u32,
    /// Seconds to wait for each echo before sending again
    #[arg(long, default_value = "0.3", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    let mut delivered = 0;
    for number in 1..=args.count {
        for _ in 0..1 {
            socket.send_to(format!("{number} hello").as_bytes(), server)?;
            if echo_of(&socket, server, number, args.timeout) {
                delivered += 1;
                break;
            }
        }
    }
    println!("delivered {delivered} of {}", args.count);
    Ok(if delivered == args.count { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Waits until `timeout` for the echo of message `number`, ignoring late
/// echoes of earlier messages and anything not from the server.
fn echo_of(socket: &UdpSocket, server: SocketAddr, number: u32, timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut buffer = [0; 1500];
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || socket.set_read_timeout(Some(left)).is_err() {
            return false;
        }
        let Ok((count, sender)) = socket.recv_from(&mut buffer) else { return false };
        let echo = String::from_utf8_lossy(&buffer[..count]);
        let echoed = echo.split(' ').next().and_then(|word| word.parse::<u32>().ok());
        if sender == server && echoed == Some(number) {
            return true;
        }
    }
}
