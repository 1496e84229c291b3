//! Exercise 0.2, two protocols, one port number (lessons/0-concepts.md).
//!
//! Bind a TCP listener to a free port, then a UDP socket to the same port
//! number, and print both addresses: `tcp 127.0.0.1:PORT` and
//! `udp 127.0.0.1:PORT`.
//!
//! Run it: `cargo run -p exercises --bin ex0-2-two-protocols`
//! Check it: `just exercise 0.2`. Stuck? `just hint 0.2`.

use std::net::TcpListener;

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let tcp_address = listener.local_addr()?;
    println!("tcp {tcp_address}");
    // TODO: bind a UdpSocket to the same address and port, and print
    // `udp ADDRESS` with the address it got.
    Ok(())
}
