// Wrong: poll wakes every 50 ms to look at the clock, instead of sleeping until the nearest deadline: on time, but never idle.
//! A wrong solution of exercise 8.2, kept to prove the check rejects it.

use std::collections::HashMap;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

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
    /// The client is dropped if it sends nothing before then.
    deadline: Instant,
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
        // Wake often enough to notice any deadline that has passed.
        let timeout = Some(Duration::from_millis(50));
        match poll.poll(&mut events, timeout) {
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
                            let deadline = Instant::now() + args.idle_timeout;
                            let client =
                                Client { stream, pending: Vec::new(), done: false, deadline };
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
                let open = serve(client, args.idle_timeout).unwrap_or(false);
                if !open && let Some(mut client) = clients.remove(&event.token()) {
                    let _ = poll.registry().deregister(&mut client.stream);
                }
            }
        }
        // Drop every client whose deadline has passed.
        let now = Instant::now();
        let idle: Vec<Token> = clients
            .iter()
            .filter(|(_, client)| client.deadline <= now)
            .map(|(&token, _)| token)
            .collect();
        for token in idle {
            if let Some(mut client) = clients.remove(&token) {
                println!("dropping client {}: idle for {:?}", token.0, args.idle_timeout);
                let _ = poll.registry().deregister(&mut client.stream);
            }
        }
    }
}

/// Writes what is pending and echoes what has arrived, until the socket
/// would block. Returns whether the connection stays open.
fn serve(client: &mut Client, idle_timeout: Duration) -> io::Result<bool> {
    let mut buffer = [0; 4096];
    write_pending(client)?;
    while !client.done && client.pending.len() < MAX_PENDING {
        match client.stream.read(&mut buffer) {
            Ok(0) => client.done = true,
            Ok(count) => {
                // The client said something: it has another full timeout.
                client.deadline = Instant::now() + idle_timeout;
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
