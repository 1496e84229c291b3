//! Lesson 8: a TCP echo server that serves many clients on one thread.
//!
//! Lesson 5's servers give each busy client a thread. This one has a single
//! thread running an *event loop*: it asks the operating system which of
//! its sockets are ready (through the `mio` crate, which uses epoll on
//! Linux, kqueue on macOS and the BSDs, and IOCP on Windows), and then does
//! on each ready socket only what can be done without waiting: accept the
//! new connections, read what has arrived, write what the client can take.
//!
//! What a real event-loop server needs, and this one has:
//!
//! - an echo the client has not taken yet is kept per client, up to a cap;
//!   at the cap the server stops reading from that client (backpressure);
//! - clients idle for `--idle-timeout` are dropped, using deadlines the
//!   loop keeps itself, with no thread or timer per client;
//! - at most `--max-clients` clients are open; more are refused;
//! - each ready client gets a turn of at most `READS_PER_TURN` reads, so
//!   one client that never stops sending cannot keep the loop from others.
//!
//! Try it by hand. In one terminal:
//!
//! ```text
//! cargo run -p event-server
//! ```
//!
//! In two or three others, at the same time:
//!
//! ```text
//! cargo run -p tcp-client
//! nc 127.0.0.1 65432
//! ```
//!
//! The lesson text is `lessons/8-event-loop.md`.

use std::collections::{BTreeSet, HashMap};
use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use mio::net::{TcpListener, TcpStream};
use mio::{Events, Interest, Poll, Registry, Token};
use netlessons::{Narrator, cli, show};

/// A TCP echo server for many clients on one thread: an event loop (lesson 8)
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// Most clients open at once; more are refused
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    max_clients: u32,

    /// Bytes to read at a time (one buffer, shared by every client)
    #[arg(long, default_value = "16384", value_parser = cli::buffer_size)]
    buffer_size: usize,

    /// Drop a client when no byte has moved either way for this many seconds
    #[arg(long, default_value = "10", value_parser = cli::seconds)]
    idle_timeout: Duration,

    /// Exit after accepting this many connections [default: serve forever]
    #[arg(long)]
    max_connections: Option<u64>,

    #[command(flatten)]
    output: cli::Output,
}

/// The token the poll hands back for the listener. Clients get tokens 1, 2,
/// 3, … in the order they connect, never reused, so a token is also the
/// client's number in what the server prints.
const LISTENER: Token = Token(0);

/// The most echo a client may leave untaken (64 KiB). At this point the
/// server stops reading from that client until it takes some, so a client
/// that sends without ever reading costs at most this much memory.
const MAX_PENDING: usize = 64 * 1024;

/// The most reads a client gets in one turn. A client that sends as fast
/// as it reads its echo can keep its socket from ever running dry; without
/// a limit, the loop would serve that one client for as long as it liked.
const READS_PER_TURN: usize = 16;

/// How long to wait before accepting again after `accept` failed (for
/// example because the process ran out of file handles).
const ACCEPT_PAUSE: Duration = Duration::from_millis(100);

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(serve(&args))
}

/// How many finished handshakes the kernel may queue for `accept`. std's
/// `TcpListener::bind` (and mio's) ask for 128; a thousand clients that
/// connect at the same moment overflow that, and the ones dropped wait a
/// second to try again. One thread that accepts until `WouldBlock` can
/// empty a longer queue quickly, so this server asks for more. Linux caps
/// it at `net.core.somaxconn` (4096 by default since Linux 5.4).
const BACKLOG: i32 = 1024;

/// Binds `address` and listens with [`BACKLOG`], as `TcpListener::bind`
/// does with 128: socket2 is the safe way to make those calls one by one.
fn listen(address: std::net::SocketAddr) -> std::io::Result<std::net::TcpListener> {
    use socket2::{Domain, Socket, Type};
    let socket = Socket::new(Domain::for_address(address), Type::STREAM, None)?;
    // std does this on Unix, so that a restarted server can bind its port
    // while old connections wait in TIME_WAIT (lesson 6). On Windows the
    // option means something else (taking over a port in use): std leaves
    // it off there, and so do we.
    #[cfg(unix)]
    socket.set_reuse_address(true)?;
    socket.bind(&address.into())?;
    socket.listen(BACKLOG)?;
    Ok(socket.into())
}

fn serve(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);
    // Bind, then hand the socket to mio. mio needs it in non-blocking mode:
    // from now on no call on it waits; a call that would have to wait fails
    // with `WouldBlock` instead.
    let addresses = args.address.resolve()?;
    // Like `TcpListener::bind`, try each address until one works.
    let mut listened = Err(std::io::Error::other("the host has no address"));
    for address in addresses {
        listened = listen(address);
        if listened.is_ok() {
            break;
        }
    }
    let listener = listened.with_context(|| format!("cannot listen on {}", args.address))?;
    listener.set_nonblocking(true).context("cannot make the listener non-blocking")?;
    let mut listener = TcpListener::from_std(listener);
    say.result(format_args!("listening on {}", listener.local_addr()?));

    // The poll is the operating system's list of sockets this thread
    // watches, and what it watches each for. Readable, for a listener,
    // means "a connection is waiting to be accepted".
    let mut poll = Poll::new().context("cannot create the poll")?;
    poll.registry()
        .register(&mut listener, LISTENER, Interest::READABLE)
        .context("cannot register the listener")?;
    let mut listener = Some(listener);

    let mut clients = Clients::new(args, say);
    let mut events = Events::with_capacity(1024);
    loop {
        if listener.is_some() && args.max_connections == Some(clients.accepted) {
            say.step(format_args!(
                "accepted {} connections (--max-connections): closing the listener",
                clients.accepted
            ));
            if let Some(mut socket) = listener.take() {
                let _ = poll.registry().deregister(&mut socket);
            }
        }
        if listener.is_none() && clients.is_empty() {
            break;
        }
        // Sleep until a socket is ready or the nearest deadline comes, but
        // not at all while a client is still ready from the last round.
        let timeout = if clients.ready.is_empty() {
            clients.next_deadline().map(|at| at.saturating_duration_since(Instant::now()))
        } else {
            Some(Duration::ZERO)
        };
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            // A signal (Ctrl-Z, then `fg`) interrupted the wait: wait again.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).context("cannot wait for events"),
        }
        for event in events.iter() {
            match (event.token(), &mut listener) {
                (LISTENER, Some(socket)) => clients.accept_all(socket, poll.registry()),
                (LISTENER, None) => {}
                // A client: note that it is ready, and serve it below.
                (token, _) => {
                    clients.ready.insert(token);
                }
            }
        }
        clients.serve_ready(poll.registry());
        // After `accept` failed, try again once the pause is over.
        if let Some(socket) = &mut listener
            && clients.accept_again.is_some_and(|at| at <= Instant::now())
        {
            clients.accept_all(socket, poll.registry());
        }
        clients.drop_idle(poll.registry());
    }
    say.result(format_args!("reached --max-connections {}, exiting", clients.accepted));
    Ok(())
}

/// Every open client, and the deadlines by which each must show a sign of
/// life.
struct Clients<'a> {
    open: HashMap<Token, Client>,
    /// Clients to serve in this round: those the poll reported, and those
    /// whose last turn ended at `READS_PER_TURN` with more maybe waiting.
    ready: BTreeSet<Token>,
    /// (deadline, client) pairs, earliest first: the loop's only timer.
    deadlines: BTreeSet<(Instant, Token)>,
    /// When to try `accept` again after it failed, if it did.
    accept_again: Option<Instant>,
    /// Connections accepted so far, refused ones included.
    accepted: u64,
    /// One read buffer for everybody: the loop serves one client at a time.
    buffer: Vec<u8>,
    args: &'a Args,
    say: Narrator,
}

impl<'a> Clients<'a> {
    fn new(args: &'a Args, say: Narrator) -> Self {
        Clients {
            open: HashMap::new(),
            ready: BTreeSet::new(),
            deadlines: BTreeSet::new(),
            accept_again: None,
            accepted: 0,
            buffer: vec![0; args.buffer_size],
            args,
            say,
        }
    }

    fn is_empty(&self) -> bool {
        self.open.is_empty()
    }

    /// The earliest moment the loop must wake up even if no socket is ready.
    fn next_deadline(&self) -> Option<Instant> {
        let idle = self.deadlines.first().map(|&(at, _)| at);
        idle.into_iter().chain(self.accept_again).min()
    }

    /// Accepts every connection waiting in the listen backlog.
    fn accept_all(&mut self, listener: &mut TcpListener, registry: &Registry) {
        self.accept_again = None;
        while self.args.max_connections != Some(self.accepted) {
            // Edge-triggered: the poll said "readable" once, when the first
            // connection arrived. It will not say it again for connections
            // already waiting, so accept until `WouldBlock`: the backlog is
            // empty, and the next connection brings a new event.
            let (stream, peer) = match listener.accept() {
                Ok(connection) => connection,
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => return,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    // Too many open files, say: report it and try again a
                    // little later, when a client may have left.
                    self.say.problem(format_args!("cannot accept a connection: {error}"));
                    self.accept_again = Some(Instant::now() + ACCEPT_PAUSE);
                    return;
                }
            };
            self.accepted += 1;
            let token = Token(self.accepted as usize);
            if self.open.len() >= self.args.max_clients as usize {
                // Dropping the stream closes the connection at once.
                self.say.problem(format_args!(
                    "refusing client {} ({peer}): {} clients already open",
                    token.0,
                    self.open.len()
                ));
                continue;
            }
            self.add(token, stream, peer, registry);
        }
    }

    fn add(&mut self, token: Token, mut stream: TcpStream, peer: SocketAddr, registry: &Registry) {
        self.say.step(format_args!("listener: readable, accepted client {} ({peer})", token.0));
        // Send each small echo at once, not held back by Nagle's algorithm.
        let registered = stream
            .set_nodelay(true)
            .and_then(|()| registry.register(&mut stream, token, Interest::READABLE));
        if let Err(error) = registered {
            self.say.problem(format_args!("client {} ({peer}) failed: {error}", token.0));
            return;
        }
        let deadline = Instant::now() + self.args.idle_timeout;
        let client = Client {
            number: token.0,
            stream,
            peer,
            pending: Vec::new(),
            done_reading: false,
            interest: Interest::READABLE,
            deadline,
            echoed: 0,
        };
        self.deadlines.insert((deadline, token));
        self.open.insert(token, client);
    }

    /// Gives every ready client one turn, each in turn.
    fn serve_ready(&mut self, registry: &Registry) {
        // `take` leaves an empty set behind: a client whose turn is cut
        // short goes into that one, for the next round.
        for token in std::mem::take(&mut self.ready) {
            self.serve(token, registry);
        }
    }

    /// Does for one ready client whatever can be done without waiting.
    fn serve(&mut self, token: Token, registry: &Registry) {
        // The client may be gone already: dropped as idle, for example.
        let Some(client) = self.open.get_mut(&token) else { return };
        let turn = match client.take_turn(&mut self.buffer, self.say) {
            Ok(turn) => turn,
            Err(error) => {
                self.say.problem(format_args!("{client} failed: {error}"));
                return self.close(token, registry);
            }
        };
        if turn.cut_short {
            // More may be waiting, and no new event will say so: serve
            // this client again in the next round, one turn like every
            // other ready client.
            self.ready.insert(token);
        }
        if turn.moved {
            // Bytes moved: the client is alive. Push its deadline back.
            self.deadlines.remove(&(client.deadline, token));
            client.deadline = Instant::now() + self.args.idle_timeout;
            self.deadlines.insert((client.deadline, token));
        }
        match client.wanted() {
            None => {
                self.say.step(format_args!("{client}: closing, echoed {} bytes", client.echoed));
                self.close(token, registry);
            }
            Some(interest) if interest != client.interest => {
                self.say.step(format_args!(
                    "{client}: {} bytes pending, now waiting until {}",
                    client.pending.len(),
                    describe(interest)
                ));
                client.interest = interest;
                if let Err(error) = registry.reregister(&mut client.stream, token, interest) {
                    self.say.problem(format_args!("{client} failed: {error}"));
                    self.close(token, registry);
                }
            }
            Some(_) => {}
        }
    }

    /// Drops every client whose deadline has passed.
    fn drop_idle(&mut self, registry: &Registry) {
        let now = Instant::now();
        while let Some(&(deadline, token)) = self.deadlines.first() {
            if deadline > now {
                break;
            }
            if let Some(client) = self.open.get(&token) {
                let idle = self.args.idle_timeout;
                self.say.problem(format_args!("{client}: idle for {idle:?}, dropping it"));
            }
            self.close(token, registry);
        }
    }

    /// Forgets a client; dropping its stream closes the connection.
    fn close(&mut self, token: Token, registry: &Registry) {
        if let Some(mut client) = self.open.remove(&token) {
            self.deadlines.remove(&(client.deadline, token));
            let _ = registry.deregister(&mut client.stream);
        }
    }
}

/// One client: its connection, and what the loop must remember about it
/// from one event to the next.
struct Client {
    number: usize,
    stream: TcpStream,
    peer: SocketAddr,
    /// Bytes read but not yet written back: echo the client has not taken.
    pending: Vec<u8>,
    /// The client has shut down its sending side: nothing more to read.
    done_reading: bool,
    /// What the poll watches this client for.
    interest: Interest,
    /// The client is dropped if no byte moves before then.
    deadline: Instant,
    echoed: u64,
}

/// What one turn did.
struct Turn {
    /// Bytes moved, either way: the client is alive.
    moved: bool,
    /// The turn ended after `READS_PER_TURN` reads, not at `WouldBlock`.
    cut_short: bool,
}

impl Client {
    /// One turn: reads and writes until the socket would block, the client
    /// has finished, its pending echo is at the cap, or it has had
    /// `READS_PER_TURN` reads.
    fn take_turn(&mut self, buffer: &mut [u8], say: Narrator) -> io::Result<Turn> {
        let mut moved = false;
        for _ in 0..READS_PER_TURN {
            // Write first, so the oldest bytes go out before new ones come in.
            moved |= self.write_pending(say)?;
            if self.done_reading || self.pending.len() >= MAX_PENDING {
                return Ok(Turn { moved, cut_short: false });
            }
            // Read no more than fits under the cap.
            let room = buffer.len().min(MAX_PENDING - self.pending.len());
            match self.stream.read(&mut buffer[..room]) {
                Ok(0) => {
                    // The client has shut down its sending side. Its echo
                    // may not all be written yet: that still happens.
                    match self.pending.len() {
                        0 => say.step(format_args!("{self}: readable, no more data")),
                        left => say.step(format_args!(
                            "{self}: readable, no more data ({left} bytes still to echo)"
                        )),
                    }
                    self.done_reading = true;
                }
                Ok(count) => {
                    let chunk = &buffer[..count];
                    say.step(format_args!(
                        "{self}: readable, read {count} bytes: {}",
                        show::bytes(chunk)
                    ));
                    self.pending.extend_from_slice(chunk);
                    moved = true;
                }
                // Edge-triggered: "readable" was said once, when data
                // arrived. It will not be said again for data already
                // here, so read until `WouldBlock` (or until the turn is
                // used up, below): then the socket is empty, and the next
                // data brings a new event.
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    return Ok(Turn { moved, cut_short: false });
                }
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        // The turn is used up, and more may be waiting: the loop gives the
        // other ready clients their turns, then comes back to this one.
        moved |= self.write_pending(say)?;
        Ok(Turn { moved, cut_short: true })
    }

    /// Writes the pending echo until it is all written or the socket would
    /// block. Returns whether any byte moved.
    fn write_pending(&mut self, say: Narrator) -> io::Result<bool> {
        let mut moved = false;
        while !self.pending.is_empty() {
            match self.stream.write(&self.pending) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(count) => {
                    // A write may take only part of the bytes: keep the rest.
                    self.pending.drain(..count);
                    self.echoed += count as u64;
                    moved = true;
                    say.step(format_args!("{self}: wrote {count} bytes"));
                }
                // The send buffer is full: the client is not reading as fast
                // as it sends. Keep the rest; "writable" will say when there
                // is room again (edge-triggered too: write until here).
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
                Err(error) if error.kind() == io::ErrorKind::Interrupted => {}
                Err(error) => return Err(error),
            }
        }
        Ok(moved)
    }

    /// What to wait for next: readable while there is room under the cap
    /// and the client still sends, writable while echo is pending. `None`
    /// means the client is done: nothing more to read or write.
    fn wanted(&self) -> Option<Interest> {
        let read = !self.done_reading && self.pending.len() < MAX_PENDING;
        let write = !self.pending.is_empty();
        match (read, write) {
            (true, true) => Some(Interest::READABLE | Interest::WRITABLE),
            (true, false) => Some(Interest::READABLE),
            (false, true) => Some(Interest::WRITABLE),
            (false, false) => None,
        }
    }
}

impl std::fmt::Display for Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "client {} ({})", self.number, self.peer)
    }
}

fn describe(interest: Interest) -> &'static str {
    match (interest.is_readable(), interest.is_writable()) {
        (true, true) => "readable or writable",
        (false, true) => "writable",
        _ => "readable",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A client of its own over loopback, with `pending` bytes of echo
    /// waiting and its sending side finished or not.
    fn client(pending: usize, done_reading: bool) -> Client {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let peer = listener.local_addr().unwrap();
        let stream = std::net::TcpStream::connect(peer).unwrap();
        Client {
            number: 1,
            stream: TcpStream::from_std(stream),
            peer,
            pending: vec![0; pending],
            done_reading,
            interest: Interest::READABLE,
            deadline: Instant::now(),
            echoed: 0,
        }
    }

    /// Half-close: a client that has finished sending keeps its connection
    /// until its pending echo is written, and only then is done.
    #[test]
    fn a_finished_client_waits_for_its_echo() {
        assert_eq!(client(10, true).wanted(), Some(Interest::WRITABLE));
        assert_eq!(client(0, true).wanted(), None);
    }

    /// Backpressure: at the cap, the server stops reading and only writes.
    #[test]
    fn at_the_cap_only_writing_goes_on() {
        assert_eq!(client(MAX_PENDING, false).wanted(), Some(Interest::WRITABLE));
        assert_eq!(
            client(MAX_PENDING - 1, false).wanted(),
            Some(Interest::READABLE | Interest::WRITABLE)
        );
        assert_eq!(client(0, false).wanted(), Some(Interest::READABLE));
    }
}
