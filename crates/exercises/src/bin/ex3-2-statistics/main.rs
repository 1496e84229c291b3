//! Exercise 3.2, statistics (lessons/3-udp-server.md).
//!
//! A UDP echo server that answers a datagram containing exactly `STATS`
//! with `datagrams: N, bytes: M`: how many datagrams it has echoed so far,
//! and how many bytes they held. Every other datagram is echoed.
//!
//! Run it: `cargo run -p exercises --bin ex3-2-statistics`, then
//! `cargo run -p udp-client` in another terminal, and then
//! `cargo run -p udp-client -- --message STATS --retries 0`. That client
//! prints the counts, then an error: it expects an exact echo, and says
//! the server is not an echo server. Here the reply should differ.
//! Check it: `just exercise 3.2`. Stuck? `just hint 3.2`.

use std::net::UdpSocket;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let socket = UdpSocket::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", socket.local_addr()?);
    let mut buffer = [0; 65_535];
    loop {
        let Ok((count, peer)) = socket.recv_from(&mut buffer) else { continue };
        // TODO: count what you echo, and answer STATS with the counts.
        let _ = socket.send_to(&buffer[..count], peer);
    }
}
