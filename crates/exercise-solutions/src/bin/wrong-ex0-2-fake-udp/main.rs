// Wrong: a fake. It prints the TCP listener's address a second time as the UDP address, with no UDP socket at all.
//! A wrong answer to exercise 0.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::TcpListener;

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let tcp_address = listener.local_addr()?;
    println!("tcp {tcp_address}");
    println!("udp {tcp_address}");
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    Ok(())
}
