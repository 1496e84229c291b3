// Wrong: a buffer of exactly 512 bytes: a bigger datagram is cut to 512 and looks fine.
//! A wrong answer to exercise 3.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

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
    let mut buffer = [0; LIMIT];
    loop {
        let Ok((count, peer)) = socket.recv_from(&mut buffer) else { continue };
        let reply: &[u8] = if count > LIMIT { b"TOO BIG" } else { &buffer[..count] };
        let _ = socket.send_to(reply, peer);
    }
}
