//! Exercise 3.1, shouting datagrams (lessons/3-udp-server.md).
//!
//! A UDP echo server that upper-cases the ASCII letters of each datagram
//! before sending it back; every other byte stays as it was.
//!
//! Run it: `cargo run -p exercises --bin ex3-1-shouting-datagrams`, then
//! `cargo run -p udp-client -- --retries 0` in another terminal. The client
//! prints the reply, then an error: it expects an exact echo, and says the
//! server is not an echo server. Here the reply should differ.
//! Check it: `just exercise 3.1`. Stuck? `just hint 3.1`.

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
        // TODO: upper-case the letters before sending the datagram back.
        let _ = socket.send_to(&buffer[..count], peer);
    }
}
