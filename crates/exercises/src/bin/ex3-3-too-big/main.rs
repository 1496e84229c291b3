//! Exercise 3.3, too big (lessons/3-udp-server.md).
//!
//! A UDP echo server for datagrams of at most 512 bytes. A larger datagram
//! must not be cut and echoed as if nothing happened: answer it with
//! `TOO BIG` instead.
//!
//! Run it: `cargo run -p exercises --bin ex3-3-too-big`, then
//! `cargo run -p udp-client -- --size 600 --retries 0` in another terminal.
//! Once your server answers `TOO BIG`, the client prints that reply, then
//! an error, because the reply is not an echo: here that is right.
//! Check it: `just exercise 3.3`. Stuck? `just hint 3.3`.

use std::net::UdpSocket;

use clap::Parser;
use netlessons::cli;

/// The largest datagram this server accepts.
const LIMIT: usize = 512;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let socket = UdpSocket::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", socket.local_addr()?);
    // TODO: a datagram larger than the buffer is cut silently, so this
    // server cannot tell a 600-byte datagram from a 512-byte one.
    let mut buffer = [0; LIMIT];
    loop {
        let Ok((count, peer)) = socket.recv_from(&mut buffer) else { continue };
        let _ = socket.send_to(&buffer[..count], peer);
    }
}
