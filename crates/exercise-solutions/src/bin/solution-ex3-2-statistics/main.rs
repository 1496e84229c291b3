//! Reference solution of exercise 3.2, statistics.

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
        if datagram == b"STATS" {
            let answer = format!("datagrams: {datagrams}, bytes: {bytes}");
            let _ = socket.send_to(answer.as_bytes(), peer);
        } else if socket.send_to(datagram, peer).is_ok() {
            datagrams += 1;
            bytes += count;
        }
    }
}
