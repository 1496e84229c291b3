//! Exercise 8.1, reverse each line, on an event loop (lessons/8-event-loop.md).
//!
//! A server on one thread, built on mio, that answers every complete line a
//! client sends with the same line reversed: `hello\n` gets `olleh\n`. A
//! line may arrive in several reads, and one read may bring several lines:
//! answer a line only once its `\n` has come. A line longer than 1024 bytes
//! (without its `\n`) gets `ERROR line too long\n`, and the connection is
//! closed once that is written.
//!
//! The loop below already accepts and writes until `WouldBlock`, and keeps
//! each client's unwritten replies. It lacks two things: the line, and a
//! read loop (it reads once per event).
//!
//! Run it: `cargo run -p exercises --bin ex8-1-reverse-lines`, then
//! `nc 127.0.0.1 65432` in another terminal, and type lines.
//! Check it: `just exercise 8.1`. Stuck? `just hint 8.1`.

use std::collections::HashMap;
use std::io::{self, Read, Write};

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

const LISTENER: Token = Token(0);

/// The most replies we keep for a client that does not read them.
const MAX_PENDING: usize = 64 * 1024;

struct Client {
    stream: TcpStream,
    // TODO: keep the part of a line that has arrived so far.
    /// Replies not yet written.
    pending: Vec<u8>,
    /// Nothing more to read: the client finished, or we gave up on it.
    done: bool,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = std::net::TcpListener::bind(&args.address.resolve()?[..])?;
    listener.set_nonblocking(true)?;
    let mut listener = TcpListener::from_std(listener);
    println!("listening on {}", listener.local_addr()?);

    let mut poll = Poll::new()?;
    poll.registry().register(&mut listener, LISTENER, Interest::READABLE)?;
    let mut clients: HashMap<Token, Client> = HashMap::new();
    let mut next = 1;
    let mut events = Events::with_capacity(256);
    loop {
        match poll.poll(&mut events, None) {
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            other => other?,
        }
        for event in events.iter() {
            if event.token() == LISTENER {
                // Edge-triggered: accept until WouldBlock.
                loop {
                    match listener.accept() {
                        Ok((mut stream, _)) => {
                            let token = Token(next);
                            next += 1;
                            let interest = Interest::READABLE | Interest::WRITABLE;
                            poll.registry().register(&mut stream, token, interest)?;
                            let client = Client { stream, pending: Vec::new(), done: false };
                            clients.insert(token, client);
                        }
                        Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                        Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                        Err(error) => {
                            eprintln!("cannot accept a connection: {error}");
                            break;
                        }
                    }
                }
            } else if let Some(client) = clients.get_mut(&event.token()) {
                let open = serve(client).unwrap_or(false);
                if !open && let Some(mut client) = clients.remove(&event.token()) {
                    let _ = poll.registry().deregister(&mut client.stream);
                }
            }
        }
    }
}

/// Writes what is pending, reads what has arrived and answers it. Returns
/// whether the connection stays open.
fn serve(client: &mut Client) -> io::Result<bool> {
    let mut buffer = [0; 4096];
    write_pending(client)?;
    // TODO: this reads once per event. Readiness is edge-triggered: the
    // poll said "readable" once, when data arrived, and will not say it
    // again for bytes already waiting. Read until `WouldBlock` (or until
    // `pending` is at its cap), as lesson 8's server does.
    if !client.done && client.pending.len() < MAX_PENDING {
        match client.stream.read(&mut buffer) {
            Ok(0) => client.done = true,
            Ok(count) => {
                // TODO: this takes each read for one line. Keep the bytes
                // until a `\n` arrives, and answer each complete line.
                let mut reply = buffer[..count].to_vec();
                reply.reverse();
                client.pending.extend_from_slice(&reply);
                write_pending(client)?;
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => {}
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(!(client.done && client.pending.is_empty()))
}

/// Writes pending replies until they are all written or the socket would block.
fn write_pending(client: &mut Client) -> io::Result<()> {
    while !client.pending.is_empty() {
        match client.stream.write(&client.pending) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(count) => {
                client.pending.drain(..count);
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(())
}
