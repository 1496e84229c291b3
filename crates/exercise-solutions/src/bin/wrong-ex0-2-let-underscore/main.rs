// Wrong: `let _ = UdpSocket::bind(...)` drops the socket at once, so the UDP port is free again while the program waits.
//! A wrong answer to exercise 0.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::{TcpListener, UdpSocket};

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let tcp_address = listener.local_addr()?;
    println!("tcp {tcp_address}");
    // The bind succeeds, so the address is right; but `_` is not a
    // variable, and the socket is closed at the end of this statement.
    let _ = UdpSocket::bind(tcp_address)?;
    println!("udp {tcp_address}");
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    Ok(())
}
