// Wrong: it treats the datagram as text, so bytes that are not UTF-8 are replaced.
//! A wrong answer to exercise 3.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

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
        let text = String::from_utf8_lossy(&buffer[..count]).to_uppercase();
        let _ = socket.send_to(text.as_bytes(), peer);
    }
}
