//! Reference solution of exercise 0.2, two protocols, one port number.

use std::net::{TcpListener, UdpSocket};

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let tcp_address = listener.local_addr()?;
    println!("tcp {tcp_address}");
    // TCP and UDP ports are separate, so this bind does not collide.
    let socket = UdpSocket::bind(tcp_address)?;
    println!("udp {}", socket.local_addr()?);

    // Both sockets stay open until standard input ends: `listener` and
    // `socket` are dropped, and closed, when `main` returns.
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    Ok(())
}
