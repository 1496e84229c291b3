// Wrong: lines are only queued for the other clients, waiting for a "writable" event that edge-triggered readiness never sends again.
//! A wrong solution of exercise 8.3, kept to prove the check rejects it.

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

/// The longest line we keep, without its `\n`.
const MAX_LINE: usize = 1024;

/// The most we keep for a client that does not read: past it, it is
/// disconnected, so that it cannot hold up the room or fill our memory.
const MAX_PENDING: usize = 64 * 1024;

struct Client {
    stream: TcpStream,
    /// The part of a line that has arrived so far.
    partial: Vec<u8>,
    /// Lines not yet written to this client.
    pending: Vec<u8>,
    /// The client has left, or is to be disconnected.
    gone: bool,
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
                            let mut client = Client {
                                stream,
                                partial: Vec::new(),
                                pending: b"welcome\n".to_vec(),
                                gone: false,
                            };
                            client.gone = write_pending(&mut client).is_err();
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
                continue;
            }
            let from = event.token();
            while let Some(client) = clients.get_mut(&from) {
                let (lines, more) = serve(client);
                // Queue each complete line for every other client; the
                // writing is left to their next "writable" event.
                for (&token, other) in clients.iter_mut() {
                    if token == from || other.gone || lines.is_empty() {
                        continue;
                    }
                    other.pending.extend_from_slice(&lines);
                    other.gone = other.pending.len() > MAX_PENDING;
                }
                if !more {
                    break;
                }
            }
        }
        // Close the clients that left or were too slow.
        let gone: Vec<Token> =
            clients.iter().filter(|(_, client)| client.gone).map(|(&token, _)| token).collect();
        for token in gone {
            if let Some(mut client) = clients.remove(&token) {
                let _ = poll.registry().deregister(&mut client.stream);
            }
        }
    }
}

/// Writes what is pending and reads until the socket would block. Returns
/// the complete lines that arrived, each with its `\n`, and whether there
/// may be more to read: reading stops after `MAX_PENDING` bytes of lines,
/// so that a fast sender cannot make us hold more than that at once.
fn serve(client: &mut Client) -> (Vec<u8>, bool) {
    let mut lines = Vec::new();
    let mut buffer = [0; 4096];
    if write_pending(client).is_err() {
        client.gone = true;
    }
    while !client.gone {
        if lines.len() >= MAX_PENDING {
            return (lines, true);
        }
        match client.stream.read(&mut buffer) {
            Ok(0) => client.gone = true,
            Ok(count) => {
                client.partial.extend_from_slice(&buffer[..count]);
                if let Some(end) = client.partial.iter().rposition(|&byte| byte == b'\n') {
                    lines.extend(client.partial.drain(..=end));
                }
                if client.partial.len() > MAX_LINE {
                    client.gone = true;
                }
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => client.gone = true,
        }
    }
    (lines, false)
}

/// Writes pending lines until they are all written or the socket would block.
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
