//! Lesson 7's demo: the same messages over TCP and over UDP, side by side.
//!
//! It talks to the real lesson servers (`tcp-server`, `udp-server`) with
//! sockets of its own, and shows four things:
//!
//! 1. TCP delivers every byte, in order, but as one stream: the boundaries
//!    between the messages are gone. The server prints each of its reads,
//!    and they cut across the messages.
//! 2. UDP delivers each message as one datagram, boundaries kept.
//! 3. Through a *simulated* lossy network ([`LossyRelay`], which drops one
//!    datagram and delays another, on purpose), UDP loses and reorders
//!    messages without a word, and only numbers inside the messages show it.
//! 4. How long a round trip takes over each, measured here and now: the
//!    median of 200, one message at a time, and for TCP how long a connect
//!    takes: the median of 20.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::RUN_TIMEOUT;
use crate::lessons::{say, start_server, wait_for_server};
use crate::lossy::LossyRelay;
use netlessons::show;

/// The messages both protocols carry.
const MESSAGES: [&str; 5] = ["message 1.", "message 2.", "message 3.", "message 4.", "message 5."];

/// How long to wait for a reply before calling it lost.
const PATIENCE: Duration = Duration::from_millis(500);

/// Round trips in the timing run: enough to average out, quick to run.
const ROUND_TRIPS: usize = 200;

/// Connects timed, one after another.
const CONNECTS: usize = 20;

pub fn lesson_7() -> anyhow::Result<()> {
    say("\n-- TCP: five messages, each written separately on one connection");
    tcp_stream()?;

    let tcp_server = start_server("tcp-server", &["--quiet"])?;
    let udp_server = start_server("udp-server", &["--quiet"])?;

    say("\n-- UDP: the same five messages, one datagram each");
    let replies = udp_exchange(udp_server.address())?;
    for reply in &replies {
        say(format_args!("reply: {}", show::bytes(reply)));
    }
    say(format_args!("{} of {} replies came back", replies.len(), MESSAGES.len()));

    say(
        "\n-- UDP through a SIMULATED lossy network: a relay in this demo drops and delays datagrams on purpose",
    );
    let relay = LossyRelay::start(udp_server.address())?;
    let replies = udp_exchange(relay.address)?;
    for line in relay.stop() {
        say(format_args!("[simulated network] {line}"));
    }
    for reply in &replies {
        say(format_args!("reply: {}", show::bytes(reply)));
    }
    say(format_args!(
        "{} of {} replies came back, one late, and UDP said nothing about the lost one",
        replies.len(),
        MESSAGES.len()
    ));

    say(format_args!(
        "\n-- timing: {ROUND_TRIPS} round trips of one 10-byte message each, one at a time"
    ));
    let tcp_time = time_tcp(tcp_server.address())?;
    let udp_time = time_udp(udp_server.address())?;
    let connect_time = time_connect(tcp_server.address())?;
    say(format_args!("TCP: median {tcp_time:?} per round trip"));
    say(format_args!("UDP: median {udp_time:?} per round trip"));
    say(format_args!(
        "TCP only: median {connect_time:?} to connect (the handshake), of {CONNECTS} connects"
    ));
    Ok(())
}

/// Five separate writes on one connection, and the reads a lesson-1
/// server makes of them. The server serves one client at a time, so a
/// first client keeps it busy while the second one writes: the five
/// messages wait together in the second connection's receive buffer, as
/// they would for a busy server, and the server's 16-byte reads then show
/// what TCP kept of them: the bytes, not the boundaries.
fn tcp_stream() -> anyhow::Result<()> {
    let server = start_server("tcp-server", &["--max-connections", "2"])?;
    say("a first client connects, so the server (one client at a time) is busy");
    let first = connect(server.address())?;
    server.process().wait_for_line(RUN_TIMEOUT, |line| line.starts_with("connection from"))?;
    let stream = connect(server.address())?;
    for message in MESSAGES {
        stream_write(&stream, message.as_bytes())?;
    }
    stream.shutdown(Shutdown::Write)?;
    say("a second client wrote the five messages; the first one now leaves");
    drop(first);
    let mut echo = Vec::new();
    (&stream).read_to_end(&mut echo).context("cannot read the TCP echo")?;
    wait_for_server(server)?;
    say(format_args!("what came back: {}", show::bytes(&echo)));
    say("every byte, in order, but one stream: nothing marks where a message ended");
    Ok(())
}

fn connect(address: SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect(address).context("cannot connect to tcp-server")?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

fn stream_write(mut stream: &TcpStream, bytes: &[u8]) -> anyhow::Result<()> {
    stream.write_all(bytes).context("cannot write to tcp-server")
}

/// A UDP socket of our own, bound to the loopback address.
fn udp_socket() -> anyhow::Result<UdpSocket> {
    let socket = UdpSocket::bind("127.0.0.1:0").context("cannot create a UDP socket")?;
    socket.set_read_timeout(Some(PATIENCE))?;
    Ok(socket)
}

/// Sends every message as a datagram to `server`, then collects replies in
/// the order they come, until none comes for a while.
fn udp_exchange(server: SocketAddr) -> anyhow::Result<Vec<Vec<u8>>> {
    let socket = udp_socket()?;
    for message in MESSAGES {
        socket.send_to(message.as_bytes(), server)?;
    }
    let mut buffer = [0; 100];
    let mut replies = Vec::new();
    // Loopback is fast: a reply that has not come within PATIENCE is lost.
    loop {
        match socket.recv_from(&mut buffer) {
            Ok((count, _)) => replies.push(buffer[..count].to_vec()),
            // Ctrl-Z and fg interrupt a wait with a timeout: wait again.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        }
    }
    Ok(replies)
}

/// The median time per round trip over TCP.
fn time_tcp(server: SocketAddr) -> anyhow::Result<Duration> {
    let mut stream = connect(server)?;
    let mut reply = [0; 10];
    let mut times = Vec::new();
    for _ in 0..ROUND_TRIPS {
        let start = Instant::now();
        stream.write_all(MESSAGES[0].as_bytes())?;
        stream.read_exact(&mut reply)?;
        times.push(start.elapsed());
        anyhow::ensure!(reply == MESSAGES[0].as_bytes(), "a timing echo differs from the message");
    }
    Ok(median(times))
}

/// The median time `TcpStream::connect` takes: the handshake, and the
/// work both systems do to set a connection up. Each connection is closed
/// at once; the server, serving one client at a time, reads its end.
fn time_connect(server: SocketAddr) -> anyhow::Result<Duration> {
    let mut times = Vec::new();
    for _ in 0..CONNECTS {
        let start = Instant::now();
        let stream = TcpStream::connect(server).context("cannot connect to tcp-server")?;
        times.push(start.elapsed());
        drop(stream);
    }
    Ok(median(times))
}

/// The median time per round trip over UDP.
fn time_udp(server: SocketAddr) -> anyhow::Result<Duration> {
    let socket = udp_socket()?;
    let mut reply = [0; 100];
    let mut times = Vec::new();
    for _ in 0..ROUND_TRIPS {
        let start = Instant::now();
        socket.send_to(MESSAGES[0].as_bytes(), server)?;
        let count = loop {
            match socket.recv_from(&mut reply) {
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                result => break result.context("a timing datagram was lost")?.0,
            }
        };
        times.push(start.elapsed());
        anyhow::ensure!(
            &reply[..count] == MESSAGES[0].as_bytes(),
            "a timing echo differs from the message"
        );
    }
    Ok(median(times))
}

/// The middle one of `times`: half the round trips were quicker. Unlike
/// the average, one round trip that waited for a busy processor does not
/// move it.
fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}
