//! Exercise 8.2, idle clients (lessons/8-event-loop.md).
//!
//! An echo server on one thread, built on mio, that drops a client that has
//! sent nothing for `--idle-timeout` seconds, with no thread and no socket
//! timeout per client: the loop keeps a deadline for each client, gives
//! `poll` the nearest one as its timeout, and after each round closes the
//! clients whose deadline has passed. A client that keeps talking stays.
//!
//! The loop below already echoes, accepting, reading and writing until
//! `WouldBlock`. What it lacks is the clock.
//!
//! Run it: `cargo run -p exercises --bin ex8-2-idle-clients -- --idle-timeout 5`,
//! then `nc 127.0.0.1 65432` in another terminal, and wait.
//! Check it: `just exercise 8.2`. Stuck? `just hint 8.2`.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::time::Duration;

use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Token};
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// Drop a client that has sent nothing for this many seconds
    #[arg(long, default_value = "10", value_parser = cli::seconds)]
    idle_timeout: Duration,
}

const LISTENER: Token = Token(0);

/// The most echo we keep for a client that does not read it.
const MAX_PENDING: usize = 64 * 1024;

struct Client {
    stream: TcpStream,
    /// Echo not yet written.
    pending: Vec<u8>,
    /// The client has finished sending.
    done: bool,
    // TODO: when this client is to be dropped unless it says something.
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
        // TODO: sleep no longer than until the nearest deadline.
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
        // TODO: drop every client whose deadline has passed.
    }
}

/// Writes what is pending and echoes what has arrived, until the socket
/// would block. Returns whether the connection stays open.
fn serve(client: &mut Client) -> io::Result<bool> {
    let mut buffer = [0; 4096];
    write_pending(client)?;
    while !client.done && client.pending.len() < MAX_PENDING {
        match client.stream.read(&mut buffer) {
            Ok(0) => client.done = true,
            Ok(count) => {
                client.pending.extend_from_slice(&buffer[..count]);
                write_pending(client)?;
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(error) => return Err(error),
        }
    }
    Ok(!(client.done && client.pending.is_empty()))
}

/// Writes pending echo until it is all written or the socket would block.
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
