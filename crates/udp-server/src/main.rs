//! Lesson 3: a UDP echo server.
//!
//! UDP has no connections. The server binds a socket to an address and
//! port; from then on every datagram that arrives there lands in the
//! socket's queue (or is dropped, when the queue is full), labelled with its
//! sender's address. The server takes one datagram at a time and sends it
//! straight back to whoever sent it.
//!
//! Try it by hand. In one terminal:
//!
//! ```text
//! cargo run -p udp-server
//! ```
//!
//! In another, with our client or with netcat in UDP mode:
//!
//! ```text
//! cargo run -p udp-client
//! nc -u 127.0.0.1 65432
//! ```
//!
//! The lesson text is `lessons/3-udp-server.md`.

use std::io;
use std::net::UdpSocket;
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;
use netlessons::{Narrator, cli, show};

/// A UDP echo server (lesson 3)
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// Bytes to receive at a time. A datagram larger than this is cut to
    /// fit, so the default has room for any UDP payload (at most 65,507
    /// bytes over IPv4, 65,527 over IPv6 without jumbograms)
    #[arg(long, default_value = "65535", value_parser = cli::buffer_size)]
    buffer_size: usize,

    /// Exit after echoing this many datagrams [default: serve forever]
    #[arg(long)]
    max_datagrams: Option<u64>,

    #[command(flatten)]
    output: cli::Output,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(serve(&args))
}

fn serve(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);

    // Bind. There is no listen() and no accept(): a UDP socket is ready to
    // receive as soon as it has an address.
    let addresses = args.address.resolve()?;
    let socket = UdpSocket::bind(&addresses[..])
        .with_context(|| format!("cannot listen on {}", args.address))?;
    say.result(format_args!("listening on {} (UDP)", socket.local_addr()?));

    let mut buffer = vec![0; args.buffer_size];
    let mut echoed = 0;
    while args.max_datagrams != Some(echoed) {
        say.step("waiting for a datagram");
        // recv_from() blocks until a datagram arrives and returns it whole
        // (or cut to the buffer's size), with the address of its sender.
        // One call, one datagram: unlike TCP, message boundaries are kept.
        let (count, peer) = match socket.recv_from(&mut buffer) {
            Ok(datagram) => datagram,
            // Interrupted by a signal before a datagram came: wait again.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if datagram_was_cut(&error) => {
                // Windows only: the datagram was cut to fit, as elsewhere,
                // but reported as an error, which carries no sender address.
                // With nobody to send it back to, report it and go on.
                say.problem(format_args!(
                    "a datagram larger than the {}-byte buffer was cut to fit and not echoed, \
                     because its sender is unknown: {}",
                    buffer.len(),
                    show::bytes(&buffer)
                ));
                continue;
            }
            Err(error) => {
                // On Windows, a datagram we sent earlier to a client that
                // has gone shows up here as "connection reset". It concerns
                // that client only: keep serving.
                say.problem(format_args!("cannot receive a datagram: {error}"));
                continue;
            }
        };
        let datagram = &buffer[..count];
        say.step(format_args!("received {count} bytes from {peer}: {}", show::bytes(datagram)));

        // send_to() sends one whole datagram, or fails; there is no partial
        // send to loop over. Nothing tells us whether it arrives.
        match socket.send_to(datagram, peer) {
            Ok(sent) => say.step(format_args!("sent {sent} bytes back to {peer}")),
            Err(error) => say.problem(format_args!("cannot send to {peer}: {error}")),
        }
        echoed += 1;
    }
    say.result(format_args!("reached --max-datagrams {echoed}, exiting"));
    Ok(())
}

/// Whether a failed `recv_from` still received a datagram, cut to fit the
/// buffer. Linux and macOS cut such a datagram silently and return its first
/// part as a success. Windows fills the buffer the same way but fails with
/// WSAEMSGSIZE (10040), which std passes on as an error, without the
/// sender's address.
fn datagram_was_cut(error: &io::Error) -> bool {
    const WSAEMSGSIZE: i32 = 10040;
    cfg!(windows) && error.raw_os_error() == Some(WSAEMSGSIZE)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Windows' "message too long" (10040) means a cut datagram there, and
    /// nothing on other systems, where 10040 is no error number at all.
    #[test]
    fn message_too_long_means_cut_on_windows_only() {
        let error = io::Error::from_raw_os_error(10040);
        assert_eq!(datagram_was_cut(&error), cfg!(windows));
    }

    /// Other receive errors, such as a reset, are not taken for a cut datagram.
    #[test]
    fn other_errors_are_not_a_cut_datagram() {
        for kind in [io::ErrorKind::ConnectionReset, io::ErrorKind::Interrupted] {
            assert!(!datagram_was_cut(&io::Error::from(kind)));
        }
        // WSAECONNRESET, the reset Windows reports for an earlier datagram.
        assert!(!datagram_was_cut(&io::Error::from_raw_os_error(10054)));
    }
}
