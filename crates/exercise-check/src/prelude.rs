//! What every check uses: starting the learner's program, talking to it
//! over loopback with timeouts, and saying clearly what went wrong.
//!
//! Every function here gives up after a bounded time, so a check always
//! ends, even against a program that hangs.

pub use std::io::{Read, Write};
pub use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, UdpSocket};
pub use std::thread;
pub use std::time::{Duration, Instant};

pub use harness::Server;
pub use harness::lossy::LossyRelay;
pub use netlessons::show;

pub use crate::Outcome;

use std::path::PathBuf;
use std::process::{Command, Stdio};

/// How long a socket of a check waits for the learner's program.
pub const PATIENCE: Duration = Duration::from_secs(5);

/// How long a learner's program may run when a check runs it to the end.
pub const RUN_LIMIT: Duration = Duration::from_secs(20);

/// The learner's program, built and ready to run.
pub struct Program {
    pub path: PathBuf,
}

/// What a program printed when it ran to the end.
pub struct Ran {
    /// Its exit code; `None` when it was stopped for running too long, or
    /// by a signal.
    pub code: Option<i32>,
    pub stdout: Vec<u8>,
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
}

impl Program {
    /// Starts the program as a server on a free port (`--port 0` is added)
    /// and waits for its `listening on ADDRESS` line.
    pub fn server(&self, args: &[&str]) -> Result<Server, String> {
        Server::start_path(&self.path, "your program", args, None).map_err(|error| {
            format!(
                "your server did not start as expected. It must accept --port 0 and print \
                 `listening on ADDRESS` (the address it bound) as its first line.\n{error:#}"
            )
        })
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
            let input = input.to_vec();
            thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let stdout = pipes.stdout.map(|pipe| thread::spawn(move || read_capped(pipe)));
        let stderr = pipes.stderr.map(|pipe| thread::spawn(move || read_capped(pipe)));
        let status = program.wait_or_stop(limit);
        // The pipes close once the group is gone; a program outside it
        // could keep them open, so they are read for a moment only.
        let grace = harness::OUTPUT_GRACE;
        let stdout =
            stdout.and_then(|reader| harness::join_within(reader, grace)).unwrap_or_default();
        let stderr =
            stderr.and_then(|reader| harness::join_within(reader, grace)).unwrap_or_default();
        if status.is_none() {
            return Err(format!(
                "your program was still running after {limit:?}, so it was stopped. Does it wait \
                 for something that never comes?"
            ));
        }
        Ok(Ran {
            code: status.and_then(|status| status.code()),
            stdout,
            stderr: String::from_utf8_lossy(&stderr).to_string(),
        })
    }
}

/// Reads a pipe to its end, keeping the first [`harness::OUTPUT_CAP`]
/// bytes and a note that the rest was cut; the rest is read and dropped, so
/// that the program is not blocked on a full pipe.
fn read_capped(mut pipe: impl Read) -> Vec<u8> {
    let mut bytes = Vec::new();
    let _ = (&mut pipe).take(harness::OUTPUT_CAP as u64).read_to_end(&mut bytes);
    if std::io::copy(&mut pipe, &mut std::io::sink()).is_ok_and(|rest| rest > 0) {
        bytes.extend_from_slice(format!("\n{}\n", harness::OUTPUT_CUT).as_bytes());
    }
    bytes
}

/// Starts one of the course's own servers (`tcp-server`, `udp-server`),
/// for checks of client exercises.
pub fn lesson_server(name: &str, args: &[&str]) -> Result<Server, String> {
    Server::start(name, args)
        .map_err(|error| format!("the check could not start {name}: {error:#}"))
}

/// Connects to the learner's server, with timeouts on every read and write.
pub fn connect(address: SocketAddr) -> Result<TcpStream, String> {
    let stream = TcpStream::connect_timeout(&address, PATIENCE)
        .map_err(|error| format!("could not connect to your server at {address}: {error}"))?;
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
    // Send on a thread while reading, so that large data cannot deadlock.
    let sender = thread::spawn(move || {
        writer.write_all(&data)?;
        writer.shutdown(Shutdown::Write)
    });
    let reply = read_to_close(&stream);
    let sent = sender.join().map_err(|_| "the check's sending thread failed".to_string())?;
    let reply = reply?;
    sent.map_err(|error| format!("could not send to your server: {error}"))?;
    Ok(reply)
}

/// Reads until the other side closes the connection.
pub fn read_to_close(mut stream: &TcpStream) -> Result<Vec<u8>, String> {
    let mut reply = Vec::new();
    match stream.read_to_end(&mut reply) {
        Ok(_) => Ok(reply),
        Err(error) if netlessons::is_timeout(&error) => Err(format!(
            "your program did not close the connection within {PATIENCE:?}; it had sent {}",
            show::bytes(&reply)
        )),
        Err(error) => Err(format!("reading from your program failed: {error}")),
    }
}

/// Reads one line (up to and including `\n`) from a stream.
pub fn read_line(mut stream: &TcpStream) -> Result<String, String> {
    let mut line = Vec::new();
    let mut byte = [0; 1];
    while !line.ends_with(b"\n") {
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
            Err(error) => return Err(format!("reading from your program failed: {error}")),
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

/// Passes when `got` equals `expected`; otherwise explains both.
pub fn expect_bytes(what: &str, expected: &[u8], got: &[u8]) -> Outcome {
    if expected == got {
        Ok(())
    } else {
        Err(format!("{what}: expected {}, but got {}", show::bytes(expected), show::bytes(got)))
    }
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
            "{why}: expected exit status {code}, but your program exited with {actual}. It printed:\n{}{}",
            ran.text(),
            ran.stderr
        )),
        None => Err(format!("{why}: your program was stopped by a signal")),
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
