//! Reference solution of exercise 3.3, too big.

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
    // Room for any datagram, so that none is ever cut and `count` is its
    // real size. (A buffer of LIMIT + 1 bytes would do on Linux and macOS,
    // but on Windows a datagram too big for the buffer makes `recv_from`
    // fail, without saying who sent it.)
    let mut buffer = vec![0; 65_535];
    loop {
        let Ok((count, peer)) = socket.recv_from(&mut buffer) else { continue };
        let reply: &[u8] = if count > LIMIT { b"TOO BIG" } else { &buffer[..count] };
        let _ = socket.send_to(reply, peer);
    }
}
