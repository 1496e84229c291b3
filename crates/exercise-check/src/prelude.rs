//! What every check uses: starting the learner's program, talking to it
//! over loopback with timeouts, and saying clearly what went wrong.
//!
//! Every function here gives up after a bounded time, so a check always
//! ends, even against a program that hangs.

pub use std::io::{Read, Write};
pub use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
pub use std::thread;
pub use std::time::{Duration, Instant};

pub use harness::lossy::LossyRelay;
pub use harness::{Finished, Process, Server};
pub use netlessons::show;

pub use crate::Outcome;

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// How long a socket of a check waits for the learner's program.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// How long a learner's program may run when a check runs it to the end.
pub const RUN_LIMIT: Duration = Duration::from_secs(20);

/// The most a check keeps of what a program prints on one output; the rest
/// is read and counted, so that a program printing without end cannot
/// fill the checker's memory.
pub const OUTPUT_CAP: usize = harness::OUTPUT_CAP;

/// The most characters of a program's output a failure message shows.
pub const SHOWN_CHARACTERS: usize = 600;

/// The most a check reads from a connection before it gives up: a program
/// that sends without end cannot fill the checker's memory.
pub const REPLY_CAP: usize = 16 << 20;

/// The longest line a check reads.
pub const LINE_CAP: usize = 64 * 1024;

/// The learner's program, built and ready to run.
pub struct Program {
    pub path: PathBuf,
}

/// What a program printed when it ran to the end.
pub struct Ran {
    /// Its exit code; `None` when it was stopped for running too long, or
    /// by a signal.
    pub code: Option<i32>,
    /// Standard output, at most [`OUTPUT_CAP`] bytes of it.
    pub stdout: Vec<u8>,
    /// How many bytes the program wrote on standard output in all.
    pub stdout_length: usize,
    /// With [`Program::run_expecting`]: where standard output first
    /// differed from what was expected, or `None` when it never did.
    pub first_difference: Option<usize>,
    pub stderr: String,
}

impl Ran {
    /// Standard output as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).to_string()
    }

    /// Standard output's lines.
    pub fn lines(&self) -> Vec<String> {
        self.text().lines().map(str::to_string).collect()
    }

    /// Everything the program printed, cut short for a message.
    pub fn printed(&self) -> String {
        format!("{}{}", clip(&self.text()), clip(&self.stderr))
    }
}

/// Cuts `text` after [`SHOWN_CHARACTERS`] characters, saying how much was
/// left out, so that a failure message stays readable.
pub fn clip(text: &str) -> String {
    match text.char_indices().nth(SHOWN_CHARACTERS) {
        None => text.to_string(),
        Some((end, _)) => {
            format!("{}… ({} more bytes not shown)\n", &text[..end], text.len() - end)
        }
    }
}

/// Where two byte strings first differ, within the shorter one's length.
/// Comparing slices first is fast even in a debug build.
pub fn first_difference(got: &[u8], wanted: &[u8]) -> Option<usize> {
    let length = got.len().min(wanted.len());
    if got[..length] == wanted[..length] {
        return None;
    }
    got.iter().zip(wanted).position(|(got, want)| got != want)
}

/// What the reader of a program's standard output does with the bytes.
enum Sink {
    /// Keeps the first [`OUTPUT_CAP`] bytes.
    Keep,
    /// Compares them with these bytes as they come, keeping only the first
    /// [`SHOWN_CHARACTERS`].
    Compare(Arc<Vec<u8>>),
}

/// Bytes read from an output: the first ones, the count, and where they
/// first differed from the expected bytes.
struct Drained {
    kept: Vec<u8>,
    length: usize,
    first_difference: Option<usize>,
}

fn drain(mut pipe: impl Read, sink: Sink) -> Drained {
    let (cap, expected) = match sink {
        Sink::Keep => (OUTPUT_CAP, None),
        Sink::Compare(expected) => (SHOWN_CHARACTERS, Some(expected)),
    };
    let mut drained = Drained { kept: Vec::new(), length: 0, first_difference: None };
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let count = match pipe.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => count,
        };
        let chunk = &buffer[..count];
        if drained.kept.len() < cap {
            let room = cap - drained.kept.len();
            drained.kept.extend_from_slice(&chunk[..count.min(room)]);
        }
        if let Some(expected) = &expected
            && drained.first_difference.is_none()
        {
            let start = drained.length.min(expected.len());
            let end = (drained.length + count).min(expected.len());
            let wanted = &expected[start..end];
            let differs = first_difference(chunk, wanted);
            drained.first_difference = match differs {
                Some(offset) => Some(drained.length + offset),
                // Bytes beyond the expected ones differ too.
                None if count > wanted.len() => Some(drained.length + wanted.len()),
                None => None,
            };
        }
        drained.length += count;
    }
    if let Some(expected) = &expected
        && drained.first_difference.is_none()
        && drained.length < expected.len()
    {
        drained.first_difference = Some(drained.length);
    }
    if expected.is_none() && drained.length > drained.kept.len() {
        drained.kept.extend_from_slice(format!("\n{}\n", harness::OUTPUT_CUT).as_bytes());
    }
    drained
}

impl Program {
    /// Starts the program as a server on a free port (`--port 0` is added)
    /// and waits for its first line, which must be `listening on ADDRESS`.
    /// A first line that says something else fails at once.
    pub fn server(&self, args: &[&str]) -> Result<YourServer, String> {
        let mut all_args = args.to_vec();
        all_args.extend(["--port", "0"]);
        let process = Process::start_path(&self.path, "your program", &all_args, None)
            .map_err(|error| format!("cannot start your program: {error:#}"))?;
        let arrived = process.wait_for_line_count(1, harness::START_TIMEOUT);
        let first = process.stdout().into_iter().next();
        let Some(first) = first else {
            let finished = process.stop();
            let why = if arrived || finished.status.is_some() {
                "it ended without printing anything".to_string()
            } else {
                format!("it printed nothing within {:?}", harness::START_TIMEOUT)
            };
            return Err(format!(
                "your server should print `listening on ADDRESS` as its first line, but {why}. \
                 Its errors:\n{}",
                clip(&finished.stderr.join("\n"))
            ));
        };
        match harness::announced_address(&first) {
            Some(address) => Ok(YourServer { process, address }),
            None => Err(format!(
                "your server's first line should be `listening on ADDRESS` (the address it \
                 bound, from local_addr()), but it was {:?}",
                clip(&first)
            )),
        }
    }

    /// Starts the program with `args` and its standard input held open: it
    /// runs until the check calls [`Process::close_input`] (its input then
    /// ends, as with Ctrl-D in a terminal) or drops the process, which
    /// stops it.
    pub fn start_holding_input(&self, args: &[&str]) -> Result<Process, String> {
        Process::start_holding_input(&self.path, "your program", args)
            .map_err(|error| format!("cannot start your program: {error:#}"))
    }

    /// Runs the program with `args` and, if given, `input` on its standard
    /// input, and waits for it to end (at most [`RUN_LIMIT`]).
    pub fn run(&self, args: &[&str], input: Option<&[u8]>) -> Result<Ran, String> {
        self.run_within(args, input, RUN_LIMIT)
    }

    /// Like [`run`](Self::run), stopping the program after `limit`.
    pub fn run_within(
        &self,
        args: &[&str],
        input: Option<&[u8]>,
        limit: Duration,
    ) -> Result<Ran, String> {
        self.run_with(args, input.map(|input| Arc::new(input.to_vec())), Sink::Keep, limit)
    }

    /// Runs the program with `input` on standard input, comparing its
    /// standard output with `expected` as it comes, so that a large output
    /// is never held in memory: see [`Ran::first_difference`].
    pub fn run_expecting(
        &self,
        args: &[&str],
        input: Arc<Vec<u8>>,
        expected: Arc<Vec<u8>>,
        limit: Duration,
    ) -> Result<Ran, String> {
        self.run_with(args, Some(input), Sink::Compare(expected), limit)
    }

    fn run_with(
        &self,
        args: &[&str],
        input: Option<Arc<Vec<u8>>>,
        sink: Sink,
        limit: Duration,
    ) -> Result<Ran, String> {
        // In a process group of its own, which is killed when it ends:
        // what it leaves behind goes with it (see harness::Contained).
        let (program, pipes) = harness::Contained::spawn(
            Command::new(&self.path)
                .args(args)
                .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
                .stdout(Stdio::piped())
                .stderr(Stdio::piped()),
        )
        .map_err(|error| format!("cannot start your program: {error}"))?;
        if let (Some(mut pipe), Some(input)) = (pipes.stdin, input) {
            thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let stdout = pipes.stdout.map(|pipe| thread::spawn(move || drain(pipe, sink)));
        let stderr = pipes.stderr.map(|pipe| thread::spawn(move || drain(pipe, Sink::Keep)));
        let status = program.wait_or_stop(limit);
        // The pipes close once the group is gone; a program outside it
        // could keep them open, so they are read for a moment only.
        let grace = harness::OUTPUT_GRACE;
        let stdout = stdout.and_then(|reader| harness::join_within(reader, grace));
        let stderr = stderr.and_then(|reader| harness::join_within(reader, grace));
        if status.is_none() {
            return Err(format!(
                "your program was still running after {limit:?}, so it was stopped. Does it wait \
                 for something that never comes?"
            ));
        }
        let (stdout, stdout_length, first_difference) = match stdout {
            Some(drained) => (drained.kept, drained.length, drained.first_difference),
            None => (Vec::new(), 0, None),
        };
        Ok(Ran {
            code: status.and_then(|status| status.code()),
            stdout,
            stdout_length,
            first_difference,
            stderr: stderr
                .map(|drained| String::from_utf8_lossy(&drained.kept).to_string())
                .unwrap_or_default(),
        })
    }
}

/// The learner's server, started by [`Program::server`]. Dropping it
/// stops the program.
pub struct YourServer {
    process: Process,
    address: SocketAddr,
}

impl YourServer {
    /// The address the server announced.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The running program, for checks that look at it from outside (its
    /// thread count, say).
    pub fn process(&self) -> &Process {
        &self.process
    }

    /// Connects to the server, like [`connect`]; when that fails because
    /// the server has exited, says so.
    pub fn connect(&self) -> Result<TcpStream, String> {
        connect(self.address).map_err(|error| self.blame(error))
    }

    /// Sends `data` and reads the reply, like [`tcp_exchange`]; when that
    /// fails because the server has exited, says so.
    pub fn exchange(&self, data: &[u8]) -> Result<Vec<u8>, String> {
        tcp_exchange(self.address, data).map_err(|error| self.blame(error))
    }

    /// Replaces `error` with the cause when the server has exited: a
    /// refused or reset connection is then only the symptom. A server that
    /// is exiting closes its sockets first, so it is given a moment.
    fn blame(&self, error: String) -> String {
        match self.exited() {
            Some(status) => format!(
                "your server exited ({status}) after its first clients, so the next one \
                     found nobody: a server accepts clients in a loop, and one client's end or \
                     error must not end it.{}",
                printed_errors(&self.process.stderr())
            ),
            None => error,
        }
    }

    /// How the server ended, if it has ended or ends within half a second:
    /// a server that is exiting closes its sockets first, so a client may
    /// notice a moment before the exit status is there.
    pub fn exited(&self) -> Option<std::process::ExitStatus> {
        let deadline = Instant::now() + Duration::from_millis(500);
        loop {
            let status = self.process.exit_status();
            if status.is_some() || Instant::now() >= deadline {
                return status;
            }
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Waits for the server to end by itself, for at most `timeout`.
    pub fn wait(self, timeout: Duration) -> Result<Finished, String> {
        self.process.wait(timeout).map_err(|error| format!("{error:#}"))
    }
}

/// A program's standard error lines, clipped, after a line saying so;
/// nothing when there are none.
fn printed_errors(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!(" It printed on standard error:\n{}", clip(&lines.join("\n")))
    }
}

/// Starts one of the course's own servers (`tcp-server`, `udp-server`),
/// for checks of client exercises.
pub fn lesson_server(name: &str, args: &[&str]) -> Result<Server, String> {
    Server::start(name, args)
        .map_err(|error| format!("the check could not start {name}: {error:#}"))
}

/// Whether an error means the other side closed or reset the connection.
fn closed_by_peer(error: &std::io::Error) -> bool {
    use std::io::ErrorKind::{BrokenPipe, ConnectionAborted, ConnectionReset};
    matches!(error.kind(), BrokenPipe | ConnectionReset | ConnectionAborted)
}

/// Connects to the learner's server, with timeouts on every read and write.
pub fn connect(address: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect_timeout(&address, PATIENCE).map_err(|error| {
        if error.kind() == std::io::ErrorKind::ConnectionRefused {
            format!(
                "could not connect to your server at {address}: nothing listens there any more. \
                 Your server probably exited after its first client; a server accepts clients \
                 in a loop"
            )
        } else {
            format!("could not connect to your server at {address}: {error}")
        }
    })?;
    stream.set_read_timeout(Some(PATIENCE)).map_err(|error| error.to_string())?;
    stream.set_write_timeout(Some(PATIENCE)).map_err(|error| error.to_string())?;
    Ok(stream)
}

/// Sends `data`, says "no more data", and returns everything the server
/// sends back until it closes the connection.
pub fn tcp_exchange(address: SocketAddr, data: &[u8]) -> Result<Vec<u8>, String> {
    let stream = connect(address)?;
    let mut writer = stream.try_clone().map_err(|error| error.to_string())?;
    let data = data.to_vec();
    let total = data.len();
    // Send on a thread while reading, so that large data cannot deadlock.
    let sender = thread::spawn(move || -> (usize, std::io::Result<()>) {
        let mut sent = 0;
        for chunk in data.chunks(64 * 1024) {
            if let Err(error) = writer.write_all(chunk) {
                return (sent, Err(error));
            }
            sent += chunk.len();
        }
        (sent, writer.shutdown(Shutdown::Write))
    });
    let mut reply = Vec::new();
    let read = (&stream).take(REPLY_CAP as u64 + 1).read_to_end(&mut reply);
    if reply.len() > REPLY_CAP {
        return Err(format!(
            "sent {total} bytes, and your server sent back more than {REPLY_CAP} without closing \
             the connection"
        ));
    }
    let (sent, result) =
        sender.join().map_err(|_| "the check's sending thread failed".to_string())?;
    let reset = matches!(&read, Err(error) if closed_by_peer(error));
    if reset || matches!(&result, Err(error) if closed_by_peer(error)) {
        return Err(format!(
            "your server closed the connection before reading everything the check sent, so \
             the connection was reset (the check had sent {sent} of {total} bytes by then); your \
             server had sent back {}. Read until the client has finished sending (read returns \
             0) before you close",
            show::bytes(&reply)
        ));
    }
    match read {
        Ok(_) => {}
        Err(error) if netlessons::is_timeout(&error) => {
            return Err(format!(
                "your program did not close the connection within {PATIENCE:?}; it had sent {}",
                show::bytes(&reply)
            ));
        }
        Err(error) => return Err(read_failed(&error)),
    }
    result.map_err(|error| format!("could not send to your server: {error}"))?;
    Ok(reply)
}

/// Says why reading from the learner's program failed: a reset means
/// the program closed its socket with data it had not read.
fn read_failed(error: &std::io::Error) -> String {
    if closed_by_peer(error) {
        "your program reset the connection: it closed its socket before reading everything \
         the check had sent"
            .to_string()
    } else {
        format!("reading from your program failed: {error}")
    }
}

/// Reads until the other side closes the connection.
pub fn read_to_close(stream: &TcpStream) -> Result<Vec<u8>, String> {
    let mut reply = Vec::new();
    match stream.take(REPLY_CAP as u64 + 1).read_to_end(&mut reply) {
        Ok(_) if reply.len() > REPLY_CAP => Err(format!(
            "your program sent more than {REPLY_CAP} bytes without closing the connection"
        )),
        Ok(_) => Ok(reply),
        Err(error) if netlessons::is_timeout(&error) => Err(format!(
            "your program did not close the connection within {PATIENCE:?}; it had sent {}",
            show::bytes(&reply)
        )),
        Err(error) => Err(read_failed(&error)),
    }
}

/// Reads one line (up to and including `\n`) from a stream.
pub fn read_line(mut stream: &TcpStream) -> Result<String, String> {
    let mut line = Vec::new();
    let mut byte = [0; 1];
    while !line.ends_with(b"\n") {
        if line.len() > LINE_CAP {
            return Err(format!(
                "expected a line ending in \\n, but got more than {LINE_CAP} bytes without one: {}",
                show::bytes(&line)
            ));
        }
        match stream.read(&mut byte) {
            Ok(0) => {
                return Err(format!(
                    "expected a line ending in \\n, but the connection closed after {}",
                    show::bytes(&line)
                ));
            }
            Ok(_) => line.push(byte[0]),
            Err(error) if netlessons::is_timeout(&error) => {
                return Err(format!(
                    "expected a line ending in \\n within {PATIENCE:?}, but got only {}",
                    show::bytes(&line)
                ));
            }
            Err(error) => return Err(read_failed(&error)),
        }
    }
    Ok(String::from_utf8_lossy(&line).to_string())
}

/// A UDP socket of the check's own on the loopback address.
pub fn udp_socket() -> Result<UdpSocket, String> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    socket.set_read_timeout(Some(PATIENCE)).map_err(|error| error.to_string())?;
    Ok(socket)
}

/// Sends one datagram to the learner's server and returns the reply.
pub fn udp_round_trip(address: SocketAddr, data: &[u8]) -> Result<Vec<u8>, String> {
    let socket = udp_socket()?;
    socket.send_to(data, address).map_err(|error| error.to_string())?;
    let mut reply = vec![0; 65_535];
    match socket.recv_from(&mut reply) {
        Ok((count, _)) => Ok(reply[..count].to_vec()),
        Err(_) => Err(format!(
            "sent {} to your server and got no reply within {PATIENCE:?}",
            show::bytes(data)
        )),
    }
}

/// The address of a TCP port where nothing listens any more: a listener
/// was bound there a moment ago and closed.
pub fn closed_tcp_port() -> Result<SocketAddr, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    listener.local_addr().map_err(|error| error.to_string())
}

/// The address of a UDP port where nothing listens any more.
pub fn closed_udp_port() -> Result<SocketAddr, String> {
    let socket = UdpSocket::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    socket.local_addr().map_err(|error| error.to_string())
}

/// `--host H --port P` for a client aimed at `address`.
pub fn aim(address: SocketAddr) -> Vec<String> {
    vec!["--host".into(), address.ip().to_string(), "--port".into(), address.port().to_string()]
}

/// Borrows a list of strings as the `&[&str]` that `run` takes.
pub fn strs(words: &[String]) -> Vec<&str> {
    words.iter().map(String::as_str).collect()
}

/// Passes when `got` equals `expected`; otherwise explains both, and where
/// they first differ when that is far in.
pub fn expect_bytes(what: &str, expected: &[u8], got: &[u8]) -> Outcome {
    if expected == got {
        return Ok(());
    }
    let first =
        expected.iter().zip(got).position(|(a, b)| a != b).unwrap_or(expected.len().min(got.len()));
    if first < show::SHOWN_BYTES {
        Err(format!("{what}: expected {}, but got {}", show::bytes(expected), show::bytes(got)))
    } else {
        Err(format!(
            "{what}: expected {} bytes and got {}; they first differ at byte {first}, where \
             {} was expected and {} came (16 bytes shown)",
            expected.len(),
            got.len(),
            show::bytes(window(expected, first)),
            show::bytes(window(got, first))
        ))
    }
}

/// Up to 16 bytes of `data` from `start`, to show where data differ.
fn window(data: &[u8], start: usize) -> &[u8] {
    let start = start.min(data.len());
    &data[start..(start + 16).min(data.len())]
}

/// Passes when `condition` holds; otherwise fails with `message`.
pub fn expect(condition: bool, message: impl Into<String>) -> Outcome {
    if condition { Ok(()) } else { Err(message.into()) }
}

/// Passes when the program exited with `code`.
pub fn expect_exit(ran: &Ran, code: i32, why: &str) -> Outcome {
    match ran.code {
        Some(actual) if actual == code => Ok(()),
        Some(actual) => Err(format!(
            "{why}: expected exit status {code}, but your program exited with {actual}. It printed:\n{}",
            ran.printed()
        )),
        None => Err(format!("{why}: your program was stopped by a signal")),
    }
}

/// A TCP peer of the check's own, for checks of clients: it listens on a
/// loopback port, serves the first connection with `serve` on a thread,
/// and so sees on the wire what the learner's program sent.
pub struct TcpPeer<T> {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    worker: thread::JoinHandle<Option<T>>,
}

impl<T: Send + 'static> TcpPeer<T> {
    /// Listens, and calls `serve` with the first connection that comes.
    /// The stream has [`PATIENCE`] as its read and write timeouts.
    pub fn start(serve: impl FnOnce(TcpStream) -> T + Send + 'static) -> Result<Self, String> {
        let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
        let address = listener.local_addr().map_err(|error| error.to_string())?;
        listener.set_nonblocking(true).map_err(|error| error.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let worker = thread::spawn(move || {
            let deadline = Instant::now() + RUN_LIMIT;
            // Polling lets the check stop waiting once the program has
            // ended without connecting; accept itself has no timeout.
            let stream = loop {
                match listener.accept() {
                    Ok((stream, _)) => break stream,
                    Err(_) if stopped.load(Ordering::SeqCst) || Instant::now() > deadline => {
                        return None;
                    }
                    Err(_) => thread::sleep(Duration::from_millis(5)),
                }
            };
            // On some systems an accepted socket inherits non-blocking mode.
            stream.set_nonblocking(false).ok()?;
            stream.set_read_timeout(Some(PATIENCE)).ok()?;
            stream.set_write_timeout(Some(PATIENCE)).ok()?;
            Some(serve(stream))
        });
        Ok(TcpPeer { address, stop, worker })
    }

    /// Where the learner's client should connect.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Waits for the peer to finish serving (call it once the learner's
    /// program has ended) and returns what `serve` returned, or `None`
    /// when nobody connected.
    pub fn finish(self) -> Option<T> {
        self.stop.store(true, Ordering::SeqCst);
        self.worker.join().ok().flatten()
    }
}

/// The message for a client that never reached the check's own peer.
pub fn never_connected(what: &str) -> String {
    format!(
        "the check's {what} never heard from your program: it must do its work over the \
         network, not print what it expects the answer to be"
    )
}

/// One datagram a [`UdpPeer`] received: when, and what.
pub struct Arrival {
    pub at: Instant,
    pub data: Vec<u8>,
}

/// A UDP peer of the check's own: it records every datagram it receives
/// and, if asked, echoes it.
pub struct UdpPeer {
    address: SocketAddr,
    stop: Arc<AtomicBool>,
    worker: thread::JoinHandle<Vec<Arrival>>,
}

impl UdpPeer {
    /// Starts the peer; with `echo`, it sends every datagram back to its
    /// sender, otherwise it never answers.
    pub fn start(echo: bool) -> Result<UdpPeer, String> {
        let socket = UdpSocket::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
        let address = socket.local_addr().map_err(|error| error.to_string())?;
        // A short timeout, so that the thread notices when to stop.
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .map_err(|error| error.to_string())?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let worker = thread::spawn(move || {
            let mut arrivals = Vec::new();
            let mut buffer = vec![0; 65_535];
            // Bounded, as every loop of a check: at most 10,000 datagrams.
            while !stopped.load(Ordering::SeqCst) && arrivals.len() < 10_000 {
                let Ok((count, sender)) = socket.recv_from(&mut buffer) else { continue };
                arrivals.push(Arrival { at: Instant::now(), data: buffer[..count].to_vec() });
                if echo {
                    let _ = socket.send_to(&buffer[..count], sender);
                }
            }
            arrivals
        });
        Ok(UdpPeer { address, stop, worker })
    }

    /// Where the learner's client should send.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// Stops the peer and returns the datagrams it received.
    pub fn finish(self) -> Vec<Arrival> {
        self.stop.store(true, Ordering::SeqCst);
        self.worker.join().unwrap_or_default()
    }
}

/// One HTTP response, as [`read_http_response`] read it.
pub struct HttpReply {
    /// The status code: 200, 404, ...
    pub status: u16,
    /// The status line and headers, as received, up to the empty line.
    pub head: String,
    pub body: Vec<u8>,
}

impl HttpReply {
    /// The value of header `name` (any case), if the response has it.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head.lines().skip(1).find_map(|line| {
            let (found, value) = line.split_once(':')?;
            found.trim().eq_ignore_ascii_case(name).then(|| value.trim())
        })
    }
}

/// Reads one HTTP response from the learner's server: the head up to its
/// empty line, then exactly `Content-Length` bytes of body. The connection
/// may stay open afterwards, for the next request.
pub fn read_http_response(reader: &mut impl std::io::BufRead) -> Result<HttpReply, String> {
    let failed = |error: std::io::Error, got: &[u8]| {
        if netlessons::is_timeout(&error) {
            format!("no complete response within {PATIENCE:?}; got only {}", show::bytes(got))
        } else {
            format!("reading the response failed: {error}")
        }
    };
    let mut head = Vec::new();
    loop {
        let start = head.len();
        match reader.read_until(b'\n', &mut head) {
            Ok(0) => {
                return Err(format!(
                    "the connection closed before a whole response head arrived; got {}",
                    show::bytes(&head)
                ));
            }
            Ok(_) => {}
            Err(error) => return Err(failed(error, &head)),
        }
        if head[start..] == *b"\r\n" || head[start..] == *b"\n" {
            break;
        }
        if head.len() > 64 * 1024 {
            return Err("the response head is longer than 64 KiB".to_string());
        }
    }
    let head = String::from_utf8_lossy(&head).to_string();
    let status_line = head.lines().next().unwrap_or("");
    let status = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| {
            format!(
                "a response starts with a status line such as \"HTTP/1.1 200 OK\", but got {}",
                show::bytes(status_line.as_bytes())
            )
        })?;
    let mut reply = HttpReply { status, head, body: Vec::new() };
    let length = reply.header("content-length").ok_or_else(|| {
        format!(
            "the response has no Content-Length header, so the client cannot tell where its \
             body ends; the head was {}",
            show::bytes(reply.head.as_bytes())
        )
    })?;
    let length: usize = length
        .parse()
        .map_err(|_| format!("Content-Length should be a number, but it is {length:?}"))?;
    let mut body = vec![0; length];
    let mut got = 0;
    while got < length {
        match reader.read(&mut body[got..]) {
            Ok(0) => {
                return Err(format!(
                    "Content-Length says {length} bytes, but the connection closed after {got}: {}",
                    show::bytes(&body[..got])
                ));
            }
            Ok(count) => got += count,
            Err(error) => return Err(failed(error, &body[..got])),
        }
    }
    reply.body = body;
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Short text is shown whole; long text is cut, saying how much is left out.
    #[test]
    fn clip_cuts_long_text() {
        assert_eq!(clip("short"), "short");
        let long = "é".repeat(SHOWN_CHARACTERS + 10);
        let clipped = clip(&long);
        assert!(clipped.starts_with(&"é".repeat(SHOWN_CHARACTERS)), "{clipped}");
        assert!(clipped.ends_with("… (20 more bytes not shown)\n"), "{clipped}");
    }

    /// A streamed output is compared with the expected bytes chunk by
    /// chunk: the first differing byte, a short output and a long one are
    /// all found, and only the first bytes are kept, with a note when cut.
    #[test]
    fn drain_compares_as_it_reads() {
        let expected = Arc::new(show::test_data(200_000));
        let same = drain(&expected[..], Sink::Compare(Arc::clone(&expected)));
        assert_eq!((same.length, same.first_difference), (200_000, None));
        assert_eq!(same.kept.len(), SHOWN_CHARACTERS);

        let mut changed = expected.to_vec();
        changed[150_000] ^= 1;
        let differs = drain(&changed[..], Sink::Compare(Arc::clone(&expected)));
        assert_eq!(differs.first_difference, Some(150_000));

        let short = drain(&expected[..1000], Sink::Compare(Arc::clone(&expected)));
        assert_eq!(short.first_difference, Some(1000));
        let mut longer = expected.to_vec();
        longer.push(0);
        let long = drain(&longer[..], Sink::Compare(Arc::clone(&expected)));
        assert_eq!(long.first_difference, Some(200_000));

        let kept = drain(&show::test_data(OUTPUT_CAP + 5)[..], Sink::Keep);
        assert_eq!(kept.length, OUTPUT_CAP + 5);
        let note = format!("\n{}\n", harness::OUTPUT_CUT);
        assert_eq!(kept.kept.len(), OUTPUT_CAP + note.len());
        assert!(kept.kept.ends_with(note.as_bytes()));
    }

    /// Long byte strings that differ far in are described by where they differ.
    #[test]
    fn expect_bytes_says_where_long_data_differs() {
        let expected = show::test_data(1000);
        let mut got = expected.clone();
        got[700] = b'!';
        let message = expect_bytes("the echo", &expected, &got).unwrap_err();
        assert!(message.contains("first differ at byte 700"), "{message}");
        assert!(message.len() < 400, "{message}");
        assert!(expect_bytes("same", b"abc", b"abc").is_ok());
    }
}
