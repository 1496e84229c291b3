//! Exercise 7.2, reliable UDP (lessons/7-tcp-or-udp.md).
//!
//! Deliver `--count` numbered messages through a network that loses
//! datagrams: send one (`1 hello`), wait up to `--timeout` seconds for its
//! echo, send it again if none comes, and move on only when the echo of
//! *that* message is back ("stop and wait"). Finally print
//! `delivered N of N`, and exit with status 0 when every message arrived.
//!
//! Run it: start `cargo run -p udp-server -- --quiet`, then
//! `cargo run -p exercises --bin ex7-2-reliable-udp`. The check runs it
//! through the lossy relay of lesson 7.
//! Check it: `just exercise 7.2`. Stuck? `just hint 7.2`.

use std::net::UdpSocket;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// How many messages to deliver
    #[arg(long, default_value_t = 5)]
    count: u32,
    /// Seconds to wait for each echo before sending again
    #[arg(long, default_value = "0.3", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    socket.set_read_timeout(Some(args.timeout))?;
    let mut delivered = 0;
    let mut buffer = [0; 1500];
    for number in 1..=args.count {
        // TODO: send again until the echo of this very message comes back.
        socket.send_to(format!("{number} hello").as_bytes(), server)?;
        if socket.recv_from(&mut buffer).is_ok() {
            delivered += 1;
        }
    }
    println!("delivered {delivered} of {}", args.count);
    Ok(())
}
