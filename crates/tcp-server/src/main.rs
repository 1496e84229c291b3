//! Lesson 1: a TCP echo server.
//!
//! The server binds a listening socket, accepts one client at a time, reads
//! what the client sends in small chunks and writes each chunk straight
//! back. When the client says it has nothing more to send, the server closes
//! that connection and waits for the next client.
//!
//! Try it by hand. In one terminal:
//!
//! ```text
//! cargo run -p tcp-server
//! ```
//!
//! In another, with our client or with netcat (`-N`: tell the server when
//! your input ends; on macOS leave it out, as its nc does that by itself):
//!
//! ```text
//! cargo run -p tcp-client
//! nc -N 127.0.0.1 65432
//! ```
//!
//! The lesson text is `lessons/1-tcp-server.md`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use netlessons::{Narrator, cli, is_timeout, show};

/// A TCP echo server that serves one client at a time (lesson 1)
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// Bytes to read at a time: small on purpose, so you can see that TCP
    /// carries a stream of bytes, not messages
    #[arg(long, default_value = "16", value_parser = cli::buffer_size)]
    buffer_size: usize,

    /// Close a connection whose client stays silent this many seconds
    #[arg(long, default_value = "30", value_parser = cli::seconds)]
    idle_timeout: Duration,

    /// Leave Nagle's algorithm on, as TCP does by default, to see the delay it
    /// adds to each echo (lesson 1)
    #[arg(long)]
    nagle: bool,

    /// Exit after serving this many connections [default: serve forever]
    #[arg(long)]
    max_connections: Option<u64>,

    #[command(flatten)]
    output: cli::Output,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(serve(&args))
}

fn serve(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);

    // Bind and listen. `TcpListener::bind` creates the socket, binds it to
    // the address and port, and tells the operating system to queue clients
    // that connect, all in one call.
    let addresses = args.address.resolve()?;
    let listener = TcpListener::bind(&addresses[..])
        .with_context(|| format!("cannot listen on {}", args.address))?;

    // Print the address we really got: with --port 0 the operating system
    // picks the port, and this line is how the user (or a test) learns it.
    say.result(format_args!("listening on {}", listener.local_addr()?));

    let mut served = 0;
    while args.max_connections != Some(served) {
        say.step("waiting for a connection");
        // accept() blocks until a client has finished the TCP handshake.
        // It returns a new socket for talking to that client; the listener
        // stays as it is, ready for the next one.
        let (stream, peer) = loop {
            match listener.accept() {
                Ok(connection) => break connection,
                // No `Interrupted` case, unlike the read loop below: on Unix,
                // std's accept() itself retries when a signal interrupts it.
                Err(error) => {
                    // Most likely the process has run out of file handles
                    // (EMFILE), or the system out of memory or handles. It
                    // may pass, so it is no reason to stop serving; the pause
                    // keeps a lasting error from spinning the processor.
                    say.problem(format_args!("cannot accept a connection: {error}"));
                    thread::sleep(Duration::from_millis(100));
                }
            }
        };
        served += 1;
        say.step(format_args!("connection from {peer}"));

        // One client's trouble ends that client's connection, not the server.
        if let Err(error) = handle_connection(stream, peer, args, say) {
            say.problem(format_args!("connection from {peer} failed: {error:#}"));
        }
    }
    say.result(format_args!("reached --max-connections {served}, exiting"));
    Ok(())
}

/// Echoes everything `peer` sends until it stops sending.
fn handle_connection(
    mut stream: TcpStream,
    peer: SocketAddr,
    args: &Args,
    say: Narrator,
) -> anyhow::Result<()> {
    // A client that goes quiet must not hold the server forever: reads and
    // writes give up after the idle timeout.
    stream.set_read_timeout(Some(args.idle_timeout))?;
    stream.set_write_timeout(Some(args.idle_timeout))?;
    // Send each piece of the echo at once. With Nagle's algorithm, TCP's
    // default, a small write waits while earlier data is unacknowledged. We
    // echo a message in small writes (41 bytes as 16 + 16 + 9), and a client
    // waiting for the whole echo has nothing to send back, so it delays its
    // acknowledgement: the second write would wait for that delay (40 ms or
    // more on Linux) on nearly every echo. `--nagle` leaves it on.
    stream.set_nodelay(!args.nagle)?;

    let mut buffer = vec![0; args.buffer_size];
    loop {
        // read() returns as soon as some bytes have arrived: maybe fewer than
        // the buffer holds, never more. It returns 0 once the client has
        // closed its sending side: there will be no more data.
        let count = match stream.read(&mut buffer) {
            Ok(count) => count,
            // On Linux, a read with a timeout fails with `Interrupted` when
            // the process is stopped and continued (Ctrl-Z, then `fg`).
            // Nothing is lost: read again.
            Err(error) if error.kind() == ErrorKind::Interrupted => continue,
            Err(error) if is_timeout(&error) => {
                bail!("client silent for {:?}, giving up", args.idle_timeout)
            }
            Err(error) => return Err(error).context("cannot read from the client"),
        };
        if count == 0 {
            say.step(format_args!("no more data from {peer}"));
            break;
        }
        let chunk = &buffer[..count];
        say.step(format_args!("received {count} bytes: {}", show::bytes(chunk)));

        // write_all() loops until the operating system has taken every byte
        // (retrying after `Interrupted` too): a single write() may take only
        // some of them when a signal or the write timeout cuts it short.
        stream.write_all(chunk).context("cannot send to the client")?;
        say.step("sent them back");
    }

    say.step(format_args!("closing the connection from {peer}"));
    // Dropping the stream closes the socket. We have read everything the
    // client sent, so it sees an orderly end of data. (Leaving through an
    // error above with bytes still unread makes the system send a reset
    // instead: RFC 1122, section 4.2.2.13.)
    Ok(())
}
