//! Exercise 7.1, number your datagrams (lessons/7-tcp-or-udp.md).
//!
//! Send `--count` datagrams to a UDP echo server, each starting with its
//! number (`1 hello`, `2 hello`, …), all at once. Collect the echoes until
//! none has come for `--timeout` seconds, then report which numbers were
//! lost and which came back after a higher number, as two lines:
//! `lost: 2` and `out of order: 3` (numbers separated by `, `, or `none`).
//!
//! Run it: start `cargo run -p udp-server -- --quiet`, then
//! `cargo run -p exercises --bin ex7-1-numbered`. The check also runs it
//! through the lossy relay of lesson 7.
//! Check it: `just exercise 7.1`. Stuck? `just hint 7.1`.

use std::net::UdpSocket;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// How many datagrams to send
    #[arg(long, default_value_t = 5)]
    count: u32,
    /// Seconds without an echo after which the rest count as lost
    #[arg(long, default_value = "0.5", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    socket.set_read_timeout(Some(args.timeout))?;
    for number in 1..=args.count {
        socket.send_to(format!("{number} hello").as_bytes(), server)?;
    }
    let mut echoes = Vec::new();
    let mut buffer = [0; 1500];
    while let Ok((count, _)) = socket.recv_from(&mut buffer) {
        echoes.push(String::from_utf8_lossy(&buffer[..count]).to_string());
    }
    // TODO: find the lost numbers and those that came out of order.
    println!("lost: none");
    println!("out of order: none");
    Ok(())
}
