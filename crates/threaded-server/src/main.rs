//! Lesson 5: a TCP echo server that serves many clients at once.
//!
//! The lesson-1 server serves one client at a time: while it talks to one,
//! the next waits. This server runs in one of two modes the lesson compares:
//!
//! - `--mode thread-per-connection` starts a new thread for each client. It
//!   is simple, but each thread costs memory.
//! - `--mode pool` starts `--workers` threads once, and one more, the
//!   watcher. Clients wait with the watcher until they send something; a
//!   worker then echoes it without ever waiting, and sets the client aside
//!   again when it has nothing more to say or does not read its echo. So
//!   silent, slow and stuck clients cannot keep the workers from the others.
//!
//! Either way at most `--max-clients` clients are open at once; a client
//! beyond that is refused: its connection is closed at once.
//!
//! In both modes a client silent for `--idle-timeout` seconds, or one that
//! does not read its echo for that long, is dropped, and every line says
//! which thread printed it.
//!
//! Try it by hand. In one terminal:
//!
//! ```text
//! cargo run -p threaded-server -- --mode pool --workers 2
//! ```
//!
//! In two or three others, at the same time:
//!
//! ```text
//! cargo run -p tcp-client
//! ```
//!
//! The lesson texts are `lessons/5-threaded-server.md` and
//! `lessons/5b-pool-in-depth.md`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, Scope};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow};
use clap::{Parser, ValueEnum};
use crossbeam_channel::{Receiver, RecvTimeoutError, Sender};
use netlessons::{Narrator, cli, is_timeout};

/// A TCP echo server for many clients at once (lesson 5)
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// How to serve clients at the same time
    #[arg(long, value_enum, default_value = "pool")]
    mode: Mode,

    /// Worker threads in pool mode
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    workers: u16,

    /// Most clients open at once; more are refused
    #[arg(long, default_value_t = 1024, value_parser = clap::value_parser!(u16).range(1..=10_000))]
    max_clients: u16,

    /// Bytes to read at a time, per client
    #[arg(long, default_value = "16384", value_parser = cli::buffer_size)]
    buffer_size: usize,

    /// Drop a client that stays silent, or leaves its echo unread, this many seconds
    #[arg(long, default_value = "10", value_parser = cli::seconds)]
    idle_timeout: Duration,

    /// Exit after accepting this many connections [default: serve forever]
    #[arg(long)]
    max_connections: Option<u64>,

    #[command(flatten)]
    output: cli::Output,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Mode {
    /// A new thread for every client
    ThreadPerConnection,
    /// A fixed set of worker threads fed by a queue
    Pool,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(serve(&args))
}

fn serve(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);
    let addresses = args.address.resolve()?;
    // std asks the system for a listen backlog of 128 connections.
    let listener = TcpListener::bind(&addresses[..])
        .with_context(|| format!("cannot listen on {}", args.address))?;
    let mode = match args.mode {
        Mode::ThreadPerConnection => "thread-per-connection",
        Mode::Pool => "pool",
    };
    say.result(format_args!("listening on {} ({mode} mode)", listener.local_addr()?));

    // How many clients are open: being served, waiting, or set aside.
    let open = &AtomicUsize::new(0);
    let max_clients = usize::from(args.max_clients);
    // Set when the server stops accepting; the pool's threads then leave
    // once no client is open.
    let stopping = &AtomicBool::new(false);

    // A scope lets the threads borrow `args` and `open`, and waits for all
    // of them before it ends, so no client is cut off when we exit.
    thread::scope(|scope| {
        // In pool mode the workers and the watcher start first.
        let pool = match args.mode {
            Mode::Pool => Some(Pool::start(scope, args, open, stopping, say)?),
            Mode::ThreadPerConnection => None,
        };

        let mut accepted = 0;
        while args.max_connections != Some(accepted) {
            let (stream, peer) = accept(&listener, say);
            accepted += 1;
            let Some(seat) = Seat::take(open, max_clients) else {
                // Dropping the stream closes the connection at once.
                say.problem(format_args!(
                    "[main] refusing {peer}: {max_clients} clients already open"
                ));
                continue;
            };

            match &pool {
                Some(pool) => pool.add(stream, peer, seat, say)?,
                None => {
                    let name = format!("thread-{accepted}");
                    say.step(format_args!("[main] connection from {peer}, starting {name}"));
                    let started =
                        thread::Builder::new().name(name).spawn_scoped(scope, move || {
                            handle_connection(stream, peer, seat, args, say)
                        });
                    if let Err(error) = started {
                        // The system can refuse a new thread. The closure,
                        // with the stream and the seat, is dropped: the
                        // client is refused and its seat is free again.
                        say.problem(format_args!(
                            "[main] refusing {peer}: cannot start a thread: {error}"
                        ));
                    }
                }
            }
        }

        say.step("[main] accepted enough connections, waiting for the clients to finish");
        Ok(())
        // Here `pool` is dropped, which tells its threads to stop once the
        // last client is gone; the end of the scope waits for every thread.
        // An early return with `?` drops it too, so no path leaves them
        // running forever.
    })
}

/// Waits for the next client.
///
/// A wait interrupted by a signal (Ctrl-Z, then `fg`) is simply retried.
/// Some errors are one client's trouble: on macOS and the BSDs, a
/// connection reset while it waited to be accepted (ECONNABORTED); on
/// Linux, accept(2) may pass on a network error already pending on the new
/// connection (such as ENETDOWN, ENETUNREACH or EHOSTUNREACH, which std
/// names), or EPERM when a firewall forbids it. (On Linux, a handshake that
/// never finishes never reaches `accept` at all.) Those are reported, and
/// the next client is accepted at once: waiting would let a client that
/// resets in a loop slow everyone's accept. The other errors are mostly
/// about the server: too many open files (EMFILE, ENFILE), no memory for
/// socket buffers (ENOBUFS, ENOMEM). They are reported and waited out for
/// a moment, since trying again at once would most likely fail the same
/// way; so are the rarer network errors std has no name for (EPROTO).
fn accept(listener: &TcpListener, say: Narrator) -> (TcpStream, SocketAddr) {
    use io::ErrorKind::*;
    loop {
        match listener.accept() {
            Ok(connection) => return connection,
            Err(error) if error.kind() == Interrupted => continue,
            Err(error)
                if matches!(
                    error.kind(),
                    ConnectionAborted
                        | ConnectionReset
                        | HostUnreachable
                        | NetworkUnreachable
                        | NetworkDown
                        | PermissionDenied
                ) =>
            {
                say.problem(format_args!(
                    "[main] a connection failed before it was accepted: {error}"
                ));
            }
            Err(error) => {
                say.problem(format_args!("[main] cannot accept a connection: {error}"));
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

/// One of the `--max-clients` places for open clients. Whoever holds a
/// client holds its seat; when the seat is dropped, on whatever path, the
/// place is free again.
struct Seat<'a> {
    open: &'a AtomicUsize,
}

impl<'a> Seat<'a> {
    /// Takes a seat, or returns `None` when every seat is taken. Only the
    /// main thread takes seats, so checking and then adding cannot overshoot.
    fn take(open: &'a AtomicUsize, max_clients: usize) -> Option<Seat<'a>> {
        if open.load(Ordering::SeqCst) >= max_clients {
            return None;
        }
        open.fetch_add(1, Ordering::SeqCst);
        Some(Seat { open })
    }
}

impl Drop for Seat<'_> {
    fn drop(&mut self) {
        self.open.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Why a connection ended before the client finished.
enum Ending {
    /// The client sent nothing for the idle timeout.
    Silent,
    /// The client did not read its echo for the idle timeout.
    DidNotRead,
    /// The connection failed.
    Failed(io::Error),
}

/// Reports how a client's connection ended.
fn report(me: &str, peer: SocketAddr, outcome: Result<u64, Ending>, args: &Args, say: Narrator) {
    let idle = args.idle_timeout;
    match outcome {
        Ok(total) => say.step(format_args!("[{me}] {peer} is done: echoed {total} bytes")),
        Err(Ending::Silent) => {
            say.problem(format_args!("[{me}] dropping {peer}: silent for {idle:?}"))
        }
        Err(Ending::DidNotRead) => {
            say.problem(format_args!("[{me}] dropping {peer}: did not read its echo for {idle:?}"))
        }
        Err(Ending::Failed(error)) => {
            say.problem(format_args!("[{me}] connection from {peer} failed: {error}"))
        }
    }
}

// Thread per connection.

/// Echoes everything `peer` sends, on the current thread, and reports how
/// it went. Errors end this connection only.
fn handle_connection(stream: TcpStream, peer: SocketAddr, seat: Seat, args: &Args, say: Narrator) {
    let me = thread::current().name().unwrap_or("unnamed").to_string();
    say.step(format_args!("[{me}] serving {peer}"));
    let outcome = echo(&stream, peer, &me, args, say);

    // Close the connection and make room for the next client, then report.
    drop(stream);
    drop(seat);
    report(&me, peer, outcome, args, say);
}

/// The lesson-1 echo loop: read into a buffer of `--buffer-size` bytes,
/// write each piece back with `write_all`, until the client stops sending.
fn echo(
    mut stream: &TcpStream,
    peer: SocketAddr,
    me: &str,
    args: &Args,
    say: Narrator,
) -> Result<u64, Ending> {
    let setup = stream
        .set_read_timeout(Some(args.idle_timeout))
        .and_then(|()| stream.set_write_timeout(Some(args.idle_timeout)))
        .and_then(|()| stream.set_nodelay(true));
    setup.map_err(Ending::Failed)?;
    let mut buffer = vec![0; args.buffer_size];
    let mut total = 0;
    loop {
        let count = match stream.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(count) => count,
            // A stop and continue (Ctrl-Z, then fg) interrupts a read that
            // has a timeout: nothing is lost, so read again.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if is_timeout(&error) => return Err(Ending::Silent),
            Err(error) => return Err(Ending::Failed(error)),
        };
        say.step(format_args!("[{me}] received {count} bytes from {peer}"));
        // write_all retries interrupted writes itself. Its timeout means the
        // client's side is full: the client is not reading its echo.
        match stream.write_all(&buffer[..count]) {
            Ok(()) => total += count as u64,
            Err(error) if is_timeout(&error) => return Err(Ending::DidNotRead),
            Err(error) => return Err(Ending::Failed(error)),
        }
    }
}

// The pool.

/// The watcher looks again at a client after FIRST_LOOK once bytes have
/// moved; each look that finds nothing, and each turn that could write
/// none of a client's echo, doubles the wait, up to WATCH_EVERY. A client
/// in a conversation answers soon, so it is noticed soon; an idle one, or
/// one that does not read its echo, costs a look every WATCH_EVERY.
const FIRST_LOOK: Duration = Duration::from_micros(100);
const WATCH_EVERY: Duration = Duration::from_millis(10);

/// A worker's turn with one client ends after this long or this many
/// bytes, whichever comes first, so one busy client cannot keep a worker
/// from the others.
const TURN_TIME: Duration = Duration::from_millis(2);
const TURN_BYTES: usize = 1024 * 1024;

/// A client of the pool: its connection, and what we know about it.
struct Client<'a> {
    stream: TcpStream,
    peer: SocketAddr,
    /// Echo bytes the client has not made room for yet. Nothing more is
    /// read from it until they are out, so this never holds more than one
    /// `--buffer-size`.
    unsent: Vec<u8>,
    /// When bytes last moved, either way; nothing for the idle timeout,
    /// and the client is dropped.
    last_progress: Instant,
    /// How long the watcher waits before it looks at this client again.
    wait: Duration,
    served: bool,
    echoed: u64,
    seat: Seat<'a>,
}

/// The pool's front door: the queue to the watcher. Dropping it tells the
/// workers and the watcher to stop once no client is open.
struct Pool<'scope> {
    set_aside: Sender<Client<'scope>>,
    stopping: &'scope AtomicBool,
}

impl Drop for Pool<'_> {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::SeqCst);
    }
}

impl Client<'_> {
    /// Bytes moved: the client is in a conversation, so look again soon.
    fn moved(&mut self) {
        self.last_progress = Instant::now();
        self.wait = FIRST_LOOK;
    }

    /// Nothing to do for now: wait twice as long before the next look.
    fn nothing_moved(&mut self) {
        self.wait = (self.wait * 2).min(WATCH_EVERY);
    }
}

impl<'scope> Pool<'scope> {
    /// Starts `--workers` workers and one watcher.
    fn start(
        scope: &'scope Scope<'scope, '_>,
        args: &'scope Args,
        open: &'scope AtomicUsize,
        stopping: &'scope AtomicBool,
        say: Narrator,
    ) -> anyhow::Result<Pool<'scope>> {
        // Two bounded queues, each with room for every open client, so that
        // putting a client in never waits: `ready` for clients with
        // something to do, `set_aside` for the watcher's clients.
        let capacity = usize::from(args.max_clients);
        let (ready, ready_clients) = crossbeam_channel::bounded::<Client>(capacity);
        let (set_aside, quiet_clients) = crossbeam_channel::bounded::<Client>(capacity);
        // Made before any thread starts: if one cannot start, `?` drops the
        // pool, and the threads already running stop.
        let pool = Pool { set_aside: set_aside.clone(), stopping };

        for number in 1..=args.workers {
            let ready_clients = ready_clients.clone();
            let (ready, set_aside) = (ready.clone(), set_aside.clone());
            thread::Builder::new()
                .name(format!("worker-{number}"))
                .spawn_scoped(scope, move || {
                    work(&ready_clients, &ready, &set_aside, args, open, stopping, say)
                })
                .context("cannot start a worker thread")?;
        }
        thread::Builder::new()
            .name("watcher".to_string())
            .spawn_scoped(scope, move || watch(&quiet_clients, &ready, args, open, stopping, say))
            .context("cannot start the watcher thread")?;
        Ok(pool)
    }

    /// Hands a new client to the watcher, which passes it to a worker once
    /// it has sent something: a new client never keeps a worker waiting.
    fn add(
        &self,
        stream: TcpStream,
        peer: SocketAddr,
        seat: Seat<'scope>,
        say: Narrator,
    ) -> anyhow::Result<()> {
        // Non-blocking: a read or write that cannot proceed returns
        // WouldBlock at once, instead of waiting.
        if let Err(error) = stream.set_nonblocking(true).and_then(|()| stream.set_nodelay(true)) {
            // Returning drops the stream and the seat: this connection ends,
            // and the server goes on.
            say.problem(format_args!("[main] connection from {peer} failed: {error}"));
            return Ok(());
        }
        say.step(format_args!("[main] connection from {peer}, set aside until it sends something"));
        let client = Client {
            stream,
            peer,
            unsent: Vec::new(),
            last_progress: Instant::now(),
            wait: FIRST_LOOK,
            served: false,
            echoed: 0,
            seat,
        };
        // The queue has room for every open client, so this never waits.
        self.set_aside.send(client).map_err(|_| anyhow!("the watcher thread has stopped"))
    }
}

/// How a worker's turn with a client ended.
enum Turn {
    /// Nothing to read for now, or the echo cannot be written yet.
    SetAside,
    /// The turn is used up; the client goes to the back of the queue.
    Again,
    /// The client is gone: it finished, or its connection failed.
    Over(Result<u64, Ending>),
}

/// A worker: takes clients from the queue and gives each a turn.
fn work<'a>(
    ready_clients: &Receiver<Client<'a>>,
    ready: &Sender<Client<'a>>,
    set_aside: &Sender<Client<'a>>,
    args: &Args,
    open: &AtomicUsize,
    stopping: &AtomicBool,
    say: Narrator,
) {
    let me = thread::current().name().unwrap_or("worker").to_string();
    let mut buffer = vec![0; args.buffer_size];
    loop {
        let mut client = match ready_clients.recv_timeout(Duration::from_millis(100)) {
            Ok(client) => client,
            Err(RecvTimeoutError::Timeout) if done(stopping, open) => return,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if !client.served {
            client.served = true;
            say.step(format_args!("[{me}] serving {}", client.peer));
        }
        // The queues have room for every open client: these never wait.
        match take_turn(&mut client, &mut buffer, &me, say) {
            Turn::SetAside => {
                let _ = set_aside.send(client);
            }
            Turn::Again => {
                let _ = ready.send(client);
            }
            Turn::Over(outcome) => {
                let Client { stream, peer, seat, .. } = client;
                drop(stream);
                drop(seat);
                report(&me, peer, outcome, args, say);
            }
        }
    }
}

/// One turn: echoes what the client has sent, and never waits. The socket
/// is non-blocking, so a read with nothing to read, or a write the client
/// has no room for, returns at once and ends the turn.
fn take_turn(client: &mut Client, buffer: &mut [u8], me: &str, say: Narrator) -> Turn {
    // First the echo still owed from an earlier turn.
    if !client.unsent.is_empty() {
        match write_now(&client.stream, &client.unsent) {
            // Still no room: back to the watcher, which waits longer each
            // time, so a client that never reads cannot keep a worker busy.
            Ok(0) => {
                client.nothing_moved();
                return Turn::SetAside;
            }
            Ok(written) => {
                client.moved();
                client.echoed += written as u64;
                client.unsent.drain(..written);
                if !client.unsent.is_empty() {
                    return Turn::SetAside;
                }
                client.unsent = Vec::new();
            }
            Err(error) => return Turn::Over(Err(Ending::Failed(error))),
        }
    }

    let started = Instant::now();
    let mut this_turn = 0;
    while this_turn < TURN_BYTES && started.elapsed() < TURN_TIME {
        let count = match client.stream.read(buffer) {
            Ok(0) => return Turn::Over(Ok(client.echoed)),
            Ok(count) => count,
            // Nothing has arrived: the client is quiet for now.
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => return Turn::SetAside,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Turn::Over(Err(Ending::Failed(error))),
        };
        say.step(format_args!("[{me}] received {count} bytes from {}", client.peer));
        client.moved();
        this_turn += count;
        match write_now(&client.stream, &buffer[..count]) {
            Ok(written) => {
                client.echoed += written as u64;
                if written < count {
                    // The client is not reading: keep the rest, set it aside.
                    client.unsent = buffer[written..count].to_vec();
                    return Turn::SetAside;
                }
            }
            Err(error) => return Turn::Over(Err(Ending::Failed(error))),
        }
    }
    Turn::Again
}

/// Writes as much of `bytes` as the socket takes now, without waiting, and
/// returns how many it took.
fn write_now(mut stream: &TcpStream, bytes: &[u8]) -> io::Result<usize> {
    let mut written = 0;
    while written < bytes.len() {
        match stream.write(&bytes[written..]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(count) => written += count,
            Err(error) if error.kind() == io::ErrorKind::WouldBlock => break,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error),
        }
    }
    Ok(written)
}

/// A client kept by the watcher, and when to look at it next.
struct Watched<'a> {
    client: Client<'a>,
    next_look: Instant,
}

/// What the watcher saw when it looked at a client.
enum Look {
    /// A worker can do something: read, or try the echo again.
    Ready,
    /// Nothing yet.
    Nothing,
    /// Over: idle too long, or the connection failed.
    Over(Ending),
}

/// The watcher: keeps the clients set aside, and looks, without waiting,
/// whether a worker can do something for each: soon after its bytes last
/// moved, then less and less often. Those with something to do go to
/// the workers; those idle for the idle timeout are dropped.
fn watch<'a>(
    quiet_clients: &Receiver<Client<'a>>,
    ready: &Sender<Client<'a>>,
    args: &Args,
    open: &AtomicUsize,
    stopping: &AtomicBool,
    say: Narrator,
) {
    let mut waiting: Vec<Watched> = Vec::new();
    let to_watch = |client: Client<'a>| Watched { next_look: Instant::now() + client.wait, client };
    loop {
        // Sleep until the next look is due, or until a client is set aside.
        let now = Instant::now();
        let due = waiting.iter().map(|watched| watched.next_look).min();
        let sleep =
            due.map_or(Duration::from_millis(100), |due| due.saturating_duration_since(now));
        match quiet_clients.recv_timeout(sleep) {
            Ok(client) => waiting.push(to_watch(client)),
            Err(RecvTimeoutError::Timeout) if waiting.is_empty() && done(stopping, open) => return,
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return,
        }
        waiting.extend(quiet_clients.try_iter().map(to_watch));

        let now = Instant::now();
        let mut still_waiting = Vec::with_capacity(waiting.len());
        for mut watched in waiting.drain(..) {
            if watched.next_look > now {
                still_waiting.push(watched);
                continue;
            }
            match look(&watched.client, args) {
                Look::Ready => {
                    let _ = ready.send(watched.client);
                }
                Look::Nothing => {
                    watched.client.nothing_moved();
                    watched.next_look = now + watched.client.wait;
                    still_waiting.push(watched);
                }
                Look::Over(ending) => {
                    let peer = watched.client.peer;
                    drop(watched);
                    report("watcher", peer, Err(ending), args, say);
                }
            }
        }
        waiting = still_waiting;
    }
}

/// Looks at a client set aside, without waiting.
fn look(client: &Client, args: &Args) -> Look {
    let idle = client.last_progress.elapsed() >= args.idle_timeout;
    if !client.unsent.is_empty() {
        // Whether the client has made room for its echo, only a write can
        // tell: a worker tries again, unless it is too late.
        return if idle { Look::Over(Ending::DidNotRead) } else { Look::Ready };
    }
    // peek() shows whether data (or the end of the stream) has arrived
    // without taking it; non-blocking, it never waits.
    match client.stream.peek(&mut [0; 1]) {
        Ok(_) => Look::Ready,
        Err(error)
            if matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) =>
        {
            if idle {
                Look::Over(Ending::Silent)
            } else {
                Look::Nothing
            }
        }
        Err(error) => Look::Over(Ending::Failed(error)),
    }
}

/// Whether the pool may stop: the server stopped accepting, and no client
/// is open any more.
fn done(stopping: &AtomicBool, open: &AtomicUsize) -> bool {
    stopping.load(Ordering::SeqCst) && open.load(Ordering::SeqCst) == 0
}
