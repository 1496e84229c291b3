//! Exercise 0.2, two protocols, one port number (lessons/0-concepts.md).
//!
//! Bind a TCP listener to a free port, then a UDP socket to the same port
//! number, and print both addresses: `tcp 127.0.0.1:PORT` and
//! `udp 127.0.0.1:PORT`. The program then keeps both sockets open until
//! its standard input ends (Ctrl-D in a terminal; Ctrl-Z then Enter on
//! Windows); that part is written already.
//!
//! Run it: `cargo run -p exercises --bin ex0-2-two-protocols`
//! While it waits, look at its sockets from a second terminal:
//! `ss -tuln | grep PORT` on Linux, `netstat -an | grep PORT` on macOS,
//! `netstat -an | findstr PORT` on Windows.
//! Check it: `just exercise 0.2`. Stuck? `just hint 0.2`.

use std::net::TcpListener;

fn main() -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0")?;
    let tcp_address = listener.local_addr()?;
    println!("tcp {tcp_address}");
    // TODO: bind a UdpSocket to the same address and port, and print
    // `udp ADDRESS` with the address it got.

    // Read standard input to its end, throwing the bytes away. Meanwhile
    // the sockets stay open, and you can look at them: a socket closes when
    // its variable is dropped, and `listener` lives until `main` returns.
    std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())?;
    Ok(())
}
