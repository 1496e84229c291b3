//! Lesson 5: a TCP echo server that serves many clients at once.
//!
//! The lesson-1 server serves one client at a time: while it talks to one,
//! the next waits. This server runs in one of two modes the lesson compares:
//!
//! - `--mode thread-per-connection` starts a new thread for each client. It
//!   is simple, but each thread costs memory.
//! - `--mode pool` starts `--workers` threads once. The main thread accepts
//!   connections and passes them to the workers through a bounded
//!   `crossbeam-channel` queue. A worker serves a client while the client
//!   has something to say; a client that goes quiet is set aside, so that
//!   silent clients cannot keep the workers from the others.
//!
//! Either way at most `--max-clients` clients are open at once; a client
//! beyond that is refused: its connection is closed at once.
//!
//! In both modes a client silent for `--idle-timeout` seconds is dropped,
//! and every line says which thread printed it.
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
//! The lesson text is `lessons/5-threaded-server.md`.

use std::io::{self, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, Scope};
use std::time::{Duration, Instant};

use anyhow::Context;
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

    /// Drop a client that stays silent this many seconds
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
    let listener = TcpListener::bind(&addresses[..])
        .with_context(|| format!("cannot listen on {}", args.address))?;
    let mode = match args.mode {
        Mode::ThreadPerConnection => "thread-per-connection",
        Mode::Pool => "pool",
    };
    say.result(format_args!("listening on {} ({mode} mode)", listener.local_addr()?));

    // How many clients are open: being served, waiting, or set aside. Only
    // the main thread adds to it, and a client's last handler subtracts, so
    // checking and then adding cannot overshoot.
    let open = &AtomicUsize::new(0);
    let max_clients = usize::from(args.max_clients);
    // Set when the server stops accepting; the pool's threads then leave
    // once no client is open.
    let stopping = &AtomicBool::new(false);

    // A scope lets the threads borrow `args` and `open`, and waits for all
    // of them before it ends, so no client is cut off when we exit.
    thread::scope(|scope| {
        // In pool mode the workers start first and wait on a queue.
        let pool = match args.mode {
            Mode::Pool => Some(Pool::start(scope, args, open, stopping, say)?),
            Mode::ThreadPerConnection => None,
        };

        let mut accepted = 0;
        while args.max_connections != Some(accepted) {
            let (stream, peer) = accept(&listener, say);
            accepted += 1;
            if open.load(Ordering::SeqCst) >= max_clients {
                // Dropping the stream closes the connection at once.
                say.problem(format_args!(
                    "[main] refusing {peer}: {max_clients} clients already open"
                ));
                continue;
            }
            open.fetch_add(1, Ordering::SeqCst);

            match &pool {
                Some(pool) => {
                    say.step(format_args!("[main] connection from {peer}, queued for a worker"));
                    pool.add(stream, peer)?;
                }
                None => {
                    let name = format!("thread-{accepted}");
                    say.step(format_args!("[main] connection from {peer}, starting {name}"));
                    let started =
                        thread::Builder::new().name(name).spawn_scoped(scope, move || {
                            handle_connection(stream, peer, args, open, say)
                        });
                    if let Err(error) = started {
                        // The system can refuse a new thread; then refuse the client.
                        say.problem(format_args!(
                            "[main] refusing {peer}: cannot start a thread: {error}"
                        ));
                        open.fetch_sub(1, Ordering::SeqCst);
                    }
                }
            }
        }

        // Shut down in order: no more clients come in; the pool's threads
        // stop once its last client is gone, and the end of the scope waits
        // for every thread.
        say.step("[main] accepted enough connections, waiting for the clients to finish");
        if let Some(pool) = pool {
            pool.finish();
        }
        Ok(())
    })
}

/// Waits for the next client. Accept errors (a client that gave up during
/// the handshake, too many open files) are reported and waited out.
fn accept(listener: &TcpListener, say: Narrator) -> (TcpStream, SocketAddr) {
    loop {
        match listener.accept() {
            Ok(connection) => return connection,
            Err(error) => {
                say.problem(format_args!("[main] cannot accept a connection: {error}"));
                thread::sleep(Duration::from_millis(100));
            }
        }
    }
}

// Thread per connection.

/// Echoes everything `peer` sends, on the current thread, and reports how
/// it went. Errors end this connection only.
fn handle_connection(
    stream: TcpStream,
    peer: SocketAddr,
    args: &Args,
    open: &AtomicUsize,
    say: Narrator,
) {
    let me = thread::current().name().unwrap_or("unnamed").to_string();
    say.step(format_args!("[{me}] serving {peer}"));
    let outcome = echo(&stream, args);

    // Close the connection and make room for the next client, then report.
    drop(stream);
    open.fetch_sub(1, Ordering::SeqCst);
    match outcome {
        Ok(total) => say.step(format_args!("[{me}] {peer} is done: echoed {total} bytes")),
        Err(error) if is_timeout(&error) => {
            say.problem(format_args!("[{me}] dropping {peer}: silent for {:?}", args.idle_timeout))
        }
        Err(error) => say.problem(format_args!("[{me}] connection from {peer} failed: {error}")),
    }
}

/// The lesson-1 echo loop in one call: `io::copy` reads into the
/// `BufReader`'s buffer of `--buffer-size` bytes and writes each piece back
/// with `write_all`, until the client stops sending.
fn echo(mut stream: &TcpStream, args: &Args) -> io::Result<u64> {
    stream.set_read_timeout(Some(args.idle_timeout))?;
    stream.set_write_timeout(Some(args.idle_timeout))?;
    stream.set_nodelay(true)?;
    let mut reader = BufReader::with_capacity(args.buffer_size, stream);
    io::copy(&mut reader, &mut stream)
}

// The pool.

/// How long a worker waits for a client to say more before setting it
/// aside. Short, so a worker is never stuck on a silent client.
const QUIET_AFTER: Duration = Duration::from_millis(5);

/// How often the watcher looks at the clients set aside.
const WATCH_EVERY: Duration = Duration::from_millis(10);

/// How many bytes a worker echoes for one client before it lets the next
/// client have a turn, so one busy client cannot starve the others.
const TURN: u64 = 1024 * 1024;

/// A client of the pool: its connection, and what we know about it.
struct Client {
    stream: TcpStream,
    peer: SocketAddr,
    /// When it last sent something; silent too long, and it is dropped.
    last_heard: Instant,
    /// How many turns a worker has given it so far.
    turns: u32,
    echoed: u64,
}

/// The workers, the watcher, and the queue that feeds them.
struct Pool<'scope> {
    /// Clients with something to say, and new clients, wait here.
    ready: Sender<Client>,
    stopping: &'scope AtomicBool,
    args: &'scope Args,
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
        // putting a client in never waits: `ready` for clients to serve,
        // `quiet` for clients a worker has set aside.
        let capacity = usize::from(args.max_clients);
        let (ready, ready_clients) = crossbeam_channel::bounded::<Client>(capacity);
        let (set_aside, quiet_clients) = crossbeam_channel::bounded::<Client>(capacity);

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
        let ready_again = ready.clone();
        thread::Builder::new()
            .name("watcher".to_string())
            .spawn_scoped(scope, move || {
                watch(&quiet_clients, &ready_again, args, open, stopping, say)
            })
            .context("cannot start the watcher thread")?;
        Ok(Pool { ready, stopping, args })
    }

    /// Queues a new client for the workers.
    fn add(&self, stream: TcpStream, peer: SocketAddr) -> anyhow::Result<()> {
        // A worker waits only briefly for a client to speak; writes may take
        // up to the idle timeout, for a client slow to read its echo.
        stream.set_read_timeout(Some(QUIET_AFTER))?;
        stream.set_write_timeout(Some(self.args.idle_timeout))?;
        stream.set_nodelay(true)?;
        let client = Client { stream, peer, last_heard: Instant::now(), turns: 0, echoed: 0 };
        // The queue has room for every open client, so this never waits.
        self.ready.send(client).context("every worker thread has stopped")
    }

    /// Tells the pool's threads to stop once the last client is gone.
    fn finish(self) {
        self.stopping.store(true, Ordering::SeqCst);
    }
}

/// What happened during a worker's turn with a client.
enum Turn {
    /// The client went quiet: set it aside.
    Quiet(Client),
    /// The client used up its turn: it goes to the back of the queue.
    Again(Client),
    /// The client is gone: it finished, or its connection failed.
    Over(Client, io::Result<()>),
}

/// A worker: takes clients from the queue and serves each while it talks.
fn work(
    ready_clients: &Receiver<Client>,
    ready: &Sender<Client>,
    set_aside: &Sender<Client>,
    args: &Args,
    open: &AtomicUsize,
    stopping: &AtomicBool,
    say: Narrator,
) {
    let me = thread::current().name().unwrap_or("worker").to_string();
    let mut buffer = vec![0; args.buffer_size];
    loop {
        let client = match ready_clients.recv_timeout(Duration::from_millis(100)) {
            Ok(client) => client,
            Err(RecvTimeoutError::Timeout) if done(stopping, open) => return,
            Err(RecvTimeoutError::Timeout) => continue,
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if client.turns == 0 {
            say.step(format_args!("[{me}] serving {}", client.peer));
        }
        // The queues have room for every open client: these never wait.
        match take_turn(client, &mut buffer) {
            Turn::Quiet(client) => {
                let _ = set_aside.send(client);
            }
            Turn::Again(client) => {
                let _ = ready.send(client);
            }
            Turn::Over(client, outcome) => {
                let Client { stream, peer, echoed, .. } = client;
                drop(stream);
                open.fetch_sub(1, Ordering::SeqCst);
                match outcome {
                    Ok(()) => {
                        say.step(format_args!("[{me}] {peer} is done: echoed {echoed} bytes"))
                    }
                    Err(error) => {
                        say.problem(format_args!("[{me}] connection from {peer} failed: {error}"))
                    }
                }
            }
        }
    }
}

/// Echoes what the client sends until it goes quiet, finishes, fails, or
/// has had a full turn.
fn take_turn(mut client: Client, buffer: &mut [u8]) -> Turn {
    client.turns += 1;
    let mut this_turn = 0;
    while this_turn < TURN {
        match client.stream.read(buffer) {
            Ok(0) => return Turn::Over(client, Ok(())),
            Ok(count) => {
                client.last_heard = Instant::now();
                if let Err(error) = client.stream.write_all(&buffer[..count]) {
                    return Turn::Over(client, Err(error));
                }
                client.echoed += count as u64;
                this_turn += count as u64;
            }
            // Nothing within QUIET_AFTER: the client is quiet for now.
            Err(error) if is_timeout(&error) => return Turn::Quiet(client),
            Err(error) => return Turn::Over(client, Err(error)),
        }
    }
    Turn::Again(client)
}

/// The watcher: keeps the quiet clients, and every WATCH_EVERY looks, without
/// waiting, whether any has something to say. Those go back to the
/// workers; those silent for the idle timeout are dropped.
fn watch(
    quiet_clients: &Receiver<Client>,
    ready: &Sender<Client>,
    args: &Args,
    open: &AtomicUsize,
    stopping: &AtomicBool,
    say: Narrator,
) {
    let mut waiting: Vec<Client> = Vec::new();
    loop {
        // Take in the clients set aside since the last look. With none to
        // watch, wait for one instead of looking at nothing.
        if waiting.is_empty() {
            match quiet_clients.recv_timeout(Duration::from_millis(100)) {
                Ok(client) => waiting.push(client),
                Err(RecvTimeoutError::Timeout) if done(stopping, open) => return,
                Err(RecvTimeoutError::Timeout) => continue,
                Err(RecvTimeoutError::Disconnected) => return,
            }
        }
        waiting.extend(quiet_clients.try_iter());

        let mut still_quiet = Vec::with_capacity(waiting.len());
        for client in waiting.drain(..) {
            // peek() shows whether data (or the end of the stream) has
            // arrived without taking it; non-blocking, it never waits.
            let mut byte = [0; 1];
            let looked =
                client.stream.set_nonblocking(true).and_then(|()| client.stream.peek(&mut byte));
            let _ = client.stream.set_nonblocking(false);
            match looked {
                Ok(_) => {
                    let _ = ready.send(client);
                }
                Err(error) if error.kind() == io::ErrorKind::WouldBlock => {
                    if client.last_heard.elapsed() < args.idle_timeout {
                        still_quiet.push(client);
                    } else {
                        say.problem(format_args!(
                            "[watcher] dropping {}: silent for {:?}",
                            client.peer, args.idle_timeout
                        ));
                        drop(client);
                        open.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                Err(error) => {
                    say.problem(format_args!(
                        "[watcher] connection from {} failed: {error}",
                        client.peer
                    ));
                    drop(client);
                    open.fetch_sub(1, Ordering::SeqCst);
                }
            }
        }
        waiting = still_quiet;
        thread::sleep(WATCH_EVERY);
    }
}

/// Whether the pool may stop: the server stopped accepting, and no client
/// is open any more.
fn done(stopping: &AtomicBool, open: &AtomicUsize) -> bool {
    stopping.load(Ordering::SeqCst) && open.load(Ordering::SeqCst) == 0
}
