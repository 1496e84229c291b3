// Wrong: it counts every datagram, STATS requests included.
//! A wrong answer to exercise 3.2, kept so that `just verify-exercises`
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
    let mut datagrams = 0;
    let mut bytes = 0;
    loop {
        let Ok((count, peer)) = socket.recv_from(&mut buffer) else { continue };
        let datagram = &buffer[..count];
        datagrams += 1;
        bytes += count;
        if datagram == b"STATS" {
            let answer = format!("datagrams: {datagrams}, bytes: {bytes}");
            let _ = socket.send_to(answer.as_bytes(), peer);
        } else {
            let _ = socket.send_to(datagram, peer);
        }
    }
}
