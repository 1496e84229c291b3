// Wrong: the length is checked only on what is left after the complete lines, so a long line whose `\n` comes in the same read is answered.
//! A wrong solution of exercise 8.1, kept to prove the check rejects it.

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

/// The most replies we keep for a client that does not read them.
const MAX_PENDING: usize = 64 * 1024;

struct Client {
    stream: TcpStream,
    /// The part of a line that has arrived so far.
    partial: Vec<u8>,
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
                            let client = Client {
                                stream,
                                partial: Vec::new(),
                                pending: Vec::new(),
                                done: false,
                            };
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

/// Writes what is pending, reads what has arrived and answers every
/// complete line, until the socket would block. Returns whether the
/// connection stays open.
fn serve(client: &mut Client) -> io::Result<bool> {
    let mut buffer = [0; 4096];
    write_pending(client)?;
    while !client.done && client.pending.len() < MAX_PENDING {
        match client.stream.read(&mut buffer) {
            Ok(0) => client.done = true,
            Ok(count) => {
                client.partial.extend_from_slice(&buffer[..count]);
                // Answer every complete line; keep the rest for later.
                while let Some(end) = client.partial.iter().position(|&byte| byte == b'\n') {
                    let mut line: Vec<u8> = client.partial.drain(..=end).collect();
                    line.pop();
                    line.reverse();
                    line.push(b'\n');
                    client.pending.extend_from_slice(&line);
                }
                if client.partial.len() > MAX_LINE {
                    client.pending.extend_from_slice(b"ERROR line too long\n");
                    client.partial.clear();
                    client.done = true;
                }
                write_pending(client)?;
            }
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
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
