//! Lesson 5: a TCP echo server that serves many clients at once.
//!
//! The lesson-1 server serves one client at a time: while it talks to one,
//! the next waits. This server runs in one of two modes the lesson compares:
//!
//! - `--mode thread-per-connection` starts a new thread for each client. It
//!   is simple, but each thread costs memory.
//! - `--mode pool` starts `--workers` threads once. The main thread accepts
//!   connections and passes them to the workers through a bounded
//!   `crossbeam-channel` queue, where clients wait until a worker is free.
//!
//! Either way at most `--max-clients` clients are open at once, counting
//! those waiting in the queue; a client beyond that is refused: its
//! connection is closed at once.
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

use std::io;
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::Context;
use clap::{Parser, ValueEnum};
use crossbeam_channel::Sender;
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

    /// Most clients served or waiting at once; more are refused
    #[arg(long, default_value_t = 64, value_parser = clap::value_parser!(u16).range(1..=10_000))]
    max_clients: u16,

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

    // How many clients are being served or waiting for a worker. Only the
    // main thread adds to it, and each client's thread subtracts when that
    // client is done, so checking and then adding cannot overshoot.
    let open = &AtomicUsize::new(0);
    let max_clients = usize::from(args.max_clients);

    // A scope lets the threads borrow `args` and `open`, and waits for all
    // of them before it ends, so no client is cut off when we exit.
    thread::scope(|scope| {
        // In pool mode the workers start first and wait on a queue.
        let queue = match args.mode {
            Mode::Pool => Some(start_workers(scope, args, open, say)?),
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

            match &queue {
                Some(queue) => {
                    say.step(format_args!("[main] connection from {peer}, queued for a worker"));
                    // The queue has room for every open client, so this
                    // never waits; it fails only if every worker has died.
                    queue.send((stream, peer)).context("every worker thread has stopped")?;
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

        // Shut down in order: dropping the queue's sender tells the workers
        // no more clients are coming; they finish the queued ones and stop,
        // and the end of the scope waits for every thread.
        say.step("[main] accepted enough connections, waiting for the clients to finish");
        drop(queue);
        Ok(())
    })
}

/// A client waiting for a worker: its connection and its address.
type Job = (TcpStream, SocketAddr);

/// Starts `--workers` threads that take clients from a queue, one at a
/// time, and returns the sending end of that queue.
fn start_workers<'scope>(
    scope: &'scope thread::Scope<'scope, '_>,
    args: &'scope Args,
    open: &'scope AtomicUsize,
    say: Narrator,
) -> anyhow::Result<Sender<Job>> {
    // A bounded channel: it can never hold more than --max-clients jobs.
    let (sender, receiver) = crossbeam_channel::bounded::<Job>(usize::from(args.max_clients));
    for number in 1..=args.workers {
        let receiver = receiver.clone();
        thread::Builder::new()
            .name(format!("worker-{number}"))
            .spawn_scoped(scope, move || {
                // The loop ends once the sender is dropped and the queue is
                // empty: that is how a worker learns to stop.
                for (stream, peer) in receiver {
                    handle_connection(stream, peer, args, open, say);
                }
            })
            .context("cannot start a worker thread")?;
    }
    Ok(sender)
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
    let outcome = echo(&stream, args.idle_timeout);

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

/// The lesson-1 echo loop in one call: `io::copy` reads into a buffer and
/// writes each piece back with `write_all`, until the client stops sending.
fn echo(mut stream: &TcpStream, idle_timeout: Duration) -> io::Result<u64> {
    stream.set_read_timeout(Some(idle_timeout))?;
    stream.set_write_timeout(Some(idle_timeout))?;
    stream.set_nodelay(true)?;
    let mut reader = stream;
    io::copy(&mut reader, &mut stream)
}
