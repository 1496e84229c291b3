//! Reference solution of exercise 3.1, shouting datagrams.

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
        let datagram = &mut buffer[..count];
        datagram.make_ascii_uppercase();
        let _ = socket.send_to(datagram, peer);
    }
}
