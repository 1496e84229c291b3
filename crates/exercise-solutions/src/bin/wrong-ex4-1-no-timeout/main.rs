// Wrong: no read timeout, so a lost echo is waited for forever.
//! A wrong answer to exercise 4.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// How many datagrams to send
    #[arg(long, default_value_t = 3)]
    count: u32,
    /// Seconds to wait for each echo
    #[arg(long, default_value = "1", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    let mut received = 0;
    let mut buffer = [0; 1500];
    for number in 1..=args.count {
        let message = format!("ping {number}");
        let started = Instant::now();
        socket.send_to(message.as_bytes(), server)?;
        if wait_for_echo(&socket, server, message.as_bytes(), &mut buffer, args.timeout) {
            received += 1;
            println!("reply {number}: {:?}", started.elapsed());
        } else {
            println!("no reply to {number}");
        }
    }
    println!("sent {}, received {received}, lost {}", args.count, args.count - received);
    Ok(())
}

/// Waits until `timeout` for the echo of `message` from `server`, ignoring
/// anything else (such as a late echo of an earlier ping).
fn wait_for_echo(
    socket: &UdpSocket,
    server: std::net::SocketAddr,
    message: &[u8],
    buffer: &mut [u8],
    timeout: Duration,
) -> bool {
    let _ = timeout;
    loop {
        match socket.recv_from(buffer) {
            Ok((count, sender)) if sender == server && &buffer[..count] == message => return true,
            Ok(_) => continue,
            Err(_) => return false,
        }
    }
}
