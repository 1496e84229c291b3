//! Lesson 2: a TCP echo client.
//!
//! The client connects to an echo server, sends a message, tells the server
//! it has finished sending, and reads until the whole echo is back: TCP may
//! deliver it in several pieces. Then it checks that the echo is exactly
//! what it sent, and closes the socket.
//!
//! Try it by hand. In one terminal:
//!
//! ```text
//! cargo run -p tcp-server
//! ```
//!
//! In another:
//!
//! ```text
//! cargo run -p tcp-client -- --message "hello, echo"
//! ```
//!
//! The lesson text is `lessons/2-tcp-client.md`.

use std::io::{ErrorKind, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use netlessons::{Narrator, cli, is_timeout, show};

/// A TCP echo client (lesson 2)
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    #[command(flatten)]
    payload: cli::Payload,

    /// Bytes to read at a time
    #[arg(long, default_value = "16", value_parser = cli::buffer_size)]
    buffer_size: usize,

    /// Give up unless the whole exchange (connecting, sending, and getting
    /// the echo back) is over within this many seconds
    #[arg(long, default_value = "5", value_parser = cli::seconds)]
    timeout: Duration,

    #[command(flatten)]
    output: cli::Output,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(run(&args))
}

fn run(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);
    let message = args.payload.bytes();

    // Never wait forever: the whole exchange has one deadline. A server that
    // stops answering, or answers one byte at a time, becomes an error.
    let deadline = Instant::now() + args.timeout;

    say.step(format_args!("connecting to {}", args.address));
    let stream = connect(&args.address.resolve_server()?, deadline, args.timeout, say)?;
    say.step(format_args!("connected from {}", stream.local_addr()?));
    // The reads below wait only until the deadline. A write that blocks (a
    // server that stops reading) is ended on Linux by the shutdown further
    // down; this write timeout is the guard where the shutdown does not.
    stream.set_write_timeout(Some(args.timeout))?;
    // Send what we write at once, without waiting to merge it with more
    // (Nagle's algorithm, lesson 1).
    stream.set_nodelay(true)?;

    // Send on a second thread while this one reads the echo. Sending
    // everything first would be simpler, but with a large message both
    // sides' buffers fill up: the server blocks writing the echo to us while
    // we block writing the rest of the message to it, and neither moves.
    say.step(format_args!(
        "sending {} bytes, then shutting down our sending side: {}",
        message.len(),
        show::bytes(&message)
    ));
    let sending_half = stream.try_clone().context("cannot clone the socket")?;
    thread::scope(|scope| {
        let sender = scope.spawn(|| send_all(sending_half, &message));
        let received = receive_echo(&stream, &message, deadline, args, say);
        if received.is_err() {
            // Stop the sending thread too, in case it is stuck in a write:
            // the deadline covers it this way.
            let _ = stream.shutdown(Shutdown::Both);
        }
        let sent = sender.join().expect("the sending thread does not panic");
        received.and(sent)
    })?;

    say.result(format_args!("echo complete: all {} bytes came back unchanged", message.len()));
    say.step("closing the socket");
    Ok(())
}

/// Connects to the first address that accepts, before `deadline`. A host
/// name can stand for several addresses: `localhost` is often both `::1`
/// and `127.0.0.1`, and the server may listen on only one of them.
fn connect(
    addresses: &[SocketAddr],
    deadline: Instant,
    timeout: Duration,
    say: Narrator,
) -> anyhow::Result<TcpStream> {
    let mut last_error = None;
    for address in addresses {
        // `connect_timeout` takes one address, so we try each in turn, each
        // with what is left of the time.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("cannot connect to {address}: no answer within {timeout:?}");
        }
        match TcpStream::connect_timeout(address, left) {
            Ok(stream) => return Ok(stream),
            Err(error) => {
                if addresses.len() > 1 {
                    say.step(format_args!("cannot connect to {address}: {error}"));
                }
                last_error = Some((address, error));
            }
        }
    }
    let (address, error) = last_error.expect("resolving gives at least one address");
    if is_timeout(&error) {
        bail!("cannot connect to {address}: no answer within {timeout:?}");
    }
    Err(error).with_context(|| format!("cannot connect to {address}"))
}

/// Sends the whole message, then shuts down our sending side. That is how a
/// TCP program says "no more data": the server's next read returns 0.
fn send_all(mut stream: TcpStream, message: &[u8]) -> anyhow::Result<()> {
    stream.write_all(message).context("cannot send the message")?;
    stream.shutdown(Shutdown::Write).context("cannot shut down the sending side")?;
    Ok(())
}

/// Reads until as many bytes have come back as were sent, checking each
/// piece against the message as it arrives. Gives up at `deadline`.
fn receive_echo(
    mut stream: &TcpStream,
    message: &[u8],
    deadline: Instant,
    args: &Args,
    say: Narrator,
) -> anyhow::Result<()> {
    let mut buffer = vec![0; args.buffer_size];
    let mut received = 0;
    while received < message.len() {
        // Each read may wait only for what is left until the deadline, so a
        // server that trickles the echo cannot keep us here forever.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            bail!("no echo within {:?}: got {received} of {} bytes", args.timeout, message.len());
        }
        stream.set_read_timeout(Some(left))?;
        let count = match stream.read(&mut buffer) {
            Ok(count) => count,
            // On Linux, a read with a timeout fails with `Interrupted` when
            // the process is stopped and continued (Ctrl-Z, then `fg`).
            // Nothing is lost: read again. After a timeout, the check above
            // finds the deadline passed.
            Err(error) if error.kind() == ErrorKind::Interrupted || is_timeout(&error) => continue,
            Err(error) => return Err(error).context("cannot read the echo"),
        };
        if count == 0 {
            bail!(
                "the echo ended early: the server closed the connection after {received} of {} bytes",
                message.len()
            );
        }
        let chunk = &buffer[..count];
        say.step(format_args!("received {count} bytes: {}", show::bytes(chunk)));

        let expected = &message[received..message.len().min(received + count)];
        if chunk.len() > expected.len() {
            bail!("the server sent back more than the {} bytes we sent", message.len());
        }
        if let Some(offset) = chunk.iter().zip(expected).position(|(got, sent)| got != sent) {
            bail!("the echo differs from the message at byte {}", received + offset);
        }
        received += count;
    }
    Ok(())
}
