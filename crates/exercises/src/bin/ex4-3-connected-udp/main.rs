//! Exercise 4.3, a connected UDP socket (lessons/4-udp-client.md).
//!
//! Send one datagram and wait for the echo, using `UdpSocket::connect` and
//! `send`/`recv`. When nothing listens on the server's port, the system
//! tells a connected socket so: print `nothing is listening on ADDRESS` on
//! standard error at once and exit with status 1, instead of waiting for
//! the whole timeout. An echo is printed and the program exits with 0.
//!
//! Run it: `cargo run -p exercises --bin ex4-3-connected-udp` with and
//! without `cargo run -p udp-server` running.
//! Check it: `just exercise 4.3`. Stuck? `just hint 4.3`.

use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// Seconds to wait for the echo
    #[arg(long, default_value = "5", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    socket.set_read_timeout(Some(args.timeout))?;
    // TODO: connect the socket to the server, use send and recv, and tell
    // "nothing is listening" apart from "no reply in time".
    socket.send_to(b"hello", server)?;
    let mut buffer = [0; 1500];
    match socket.recv_from(&mut buffer) {
        Ok((count, _)) => {
            println!("echo: {}", String::from_utf8_lossy(&buffer[..count]));
            Ok(ExitCode::SUCCESS)
        }
        Err(error) => {
            eprintln!("error: no reply: {error}");
            Ok(ExitCode::FAILURE)
        }
    }
}
