//! Exercise 4.1, ping (lessons/4-udp-client.md).
//!
//! Send `--count` datagrams to a UDP echo server, one after another, each
//! waiting up to `--timeout` seconds for its echo. Print one line per
//! datagram, `reply N: TIME` or `no reply to N`, then a summary:
//! `sent 3, received 2, lost 1`.
//!
//! Run it: start `cargo run -p udp-server -- --quiet`, then
//! `cargo run -p exercises --bin ex4-1-ping -- --count 5`.
//! Check it: `just exercise 4.1`. Stuck? `just hint 4.1`.

use std::net::UdpSocket;
use std::time::Duration;

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
    for number in 1..=args.count {
        socket.send_to(format!("ping {number}").as_bytes(), server)?;
        // TODO: wait up to args.timeout for the echo, and time the round trip.
    }
    let received = 0;
    println!("sent {}, received {received}, lost {}", args.count, args.count - received);
    Ok(())
}
