// Wrong: it binds the UDP socket to port 0 too, so the system picks a different port.
//! A wrong answer to exercise 0.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::{TcpListener, UdpSocket};

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let tcp_address = listener.local_addr()?;
    println!("tcp {tcp_address}");
    let socket = UdpSocket::bind("127.0.0.1:0")?;
    println!("udp {}", socket.local_addr()?);
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    Ok(())
}
