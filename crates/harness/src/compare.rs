//! Lesson 7's demo: the same messages over TCP and over UDP, side by side.
//!
//! It talks to the real lesson servers (`tcp-server`, `udp-server`) with
//! sockets of its own, and shows four things:
//!
//! 1. TCP delivers every byte, in order, but as one stream: the boundaries
//!    between the messages are gone.
//! 2. UDP delivers each message as one datagram, boundaries kept.
//! 3. Through a *simulated* lossy network ([`LossyRelay`], which drops one
//!    datagram and delays another, on purpose), UDP loses and reorders
//!    messages without a word, and only numbers inside the messages show it.
//! 4. How long a round trip takes over each, measured here and now.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::time::{Duration, Instant};

use anyhow::Context;

use crate::lessons::{say, start_server};
use crate::lossy::LossyRelay;
use netlessons::show;

/// The messages both protocols carry.
const MESSAGES: [&str; 5] = ["message 1.", "message 2.", "message 3.", "message 4.", "message 5."];

/// How long to wait for a reply before calling it lost.
const PATIENCE: Duration = Duration::from_millis(500);

/// Round trips in the timing run: enough to average out, quick to run.
const ROUND_TRIPS: u32 = 200;

pub fn lesson_7() -> anyhow::Result<()> {
    let tcp_server = start_server("tcp-server", &["--quiet"])?;
    let udp_server = start_server("udp-server", &["--quiet"])?;

    say("\n-- TCP: five messages, each written separately on one connection");
    let stream = connect(tcp_server.address())?;
    for message in MESSAGES {
        stream_write(&stream, message.as_bytes())?;
    }
    stream.shutdown(Shutdown::Write)?;
    let mut echo = Vec::new();
    (&stream).read_to_end(&mut echo).context("cannot read the TCP echo")?;
    say(format_args!("what came back: {}", show::bytes(&echo)));
    say("every byte, in order, but one stream: nothing marks where a message ended");

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

    say(format_args!("\n-- timing: {ROUND_TRIPS} round trips of one 10-byte message each"));
    let tcp_time = time_tcp(tcp_server.address())?;
    let udp_time = time_udp(udp_server.address())?;
    say(format_args!("TCP: {:?} per round trip, plus {:?} to connect", tcp_time.0, tcp_time.1));
    say(format_args!("UDP: {udp_time:?} per round trip, nothing to connect"));
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
    while let Ok((count, _)) = socket.recv_from(&mut buffer) {
        replies.push(buffer[..count].to_vec());
    }
    Ok(replies)
}

/// Average time per round trip over TCP, and the time to connect.
fn time_tcp(server: SocketAddr) -> anyhow::Result<(Duration, Duration)> {
    let start = Instant::now();
    let mut stream = connect(server)?;
    let connected = start.elapsed();
    let mut reply = [0; 10];
    let start = Instant::now();
    for _ in 0..ROUND_TRIPS {
        stream.write_all(MESSAGES[0].as_bytes())?;
        stream.read_exact(&mut reply)?;
    }
    Ok((start.elapsed() / ROUND_TRIPS, connected))
}

/// Average time per round trip over UDP.
fn time_udp(server: SocketAddr) -> anyhow::Result<Duration> {
    let socket = udp_socket()?;
    let mut reply = [0; 100];
    let start = Instant::now();
    for _ in 0..ROUND_TRIPS {
        socket.send_to(MESSAGES[0].as_bytes(), server)?;
        socket.recv_from(&mut reply).context("a timing datagram was lost")?;
    }
    Ok(start.elapsed() / ROUND_TRIPS)
}
