//! Helpers shared by the integration tests.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use assert_cmd::Command;
use harness::{RUN_TIMEOUT, Server};

/// The course's TCP echo servers: the tests that run a client (ours, a
/// plain one, netcat, Python) against an echo server run against each.
pub const TCP_ECHO_SERVERS: &[&str] = &["tcp-server", "threaded-server", "event-server"];

/// How long a test's own socket waits before it calls a peer hung.
pub const SOCKET_TIMEOUT: Duration = Duration::from_secs(20);

/// A command for lesson program `name`, with a time limit.
pub fn program(name: &str) -> Command {
    let path = harness::binary(name).unwrap_or_else(|error| panic!("{error:#}"));
    let mut command = Command::new(path);
    command.timeout(RUN_TIMEOUT);
    command
}

/// A command for client program `name`, pointed at `address`.
pub fn client_for(name: &str, address: SocketAddr) -> Command {
    let mut command = program(name);
    command.args(["--host", &address.ip().to_string(), "--port", &address.port().to_string()]);
    command
}

/// A command for client program `name`, pointed at `server`.
pub fn client(name: &str, server: &Server) -> Command {
    client_for(name, server.address())
}

/// Starts server program `name`; a failure to start fails the test.
pub fn start(name: &str, args: &[&str]) -> Server {
    Server::start(name, args).unwrap_or_else(|error| panic!("{error:#}"))
}

/// Checks that a program failed the way our programs promise to: exit
/// status `code`, exactly one line on standard error, starting with
/// "error: " and containing `expected`.
pub fn assert_one_line_error(output: &std::process::Output, code: i32, expected: &str) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(output.status.code(), Some(code), "exit status; stderr was:\n{stderr}");
    assert_eq!(lines.len(), 1, "expected one line on stderr, got:\n{stderr}");
    assert!(lines[0].starts_with("error: "), "{stderr}");
    assert!(lines[0].contains(expected), "expected {expected:?} in:\n{stderr}");
}

/// Connects a plain TCP socket, with timeouts so a test never hangs.
pub fn connect(address: SocketAddr) -> TcpStream {
    let stream = TcpStream::connect_timeout(&address, SOCKET_TIMEOUT).expect("connect");
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).expect("set read timeout");
    stream.set_write_timeout(Some(SOCKET_TIMEOUT)).expect("set write timeout");
    stream
}

/// Talks to an echo server the plainest way, as netcat would: sends `data`
/// (on a second thread, so that large data cannot deadlock), shuts down the
/// sending side, and returns every byte that comes back until the server
/// closes.
pub fn plain_exchange(address: SocketAddr, data: &[u8]) -> Vec<u8> {
    let stream = connect(address);
    let mut writer = stream.try_clone().expect("clone");
    let data = data.to_vec();
    let sender = thread::spawn(move || {
        writer.write_all(&data).expect("send");
        writer.shutdown(Shutdown::Write).expect("shutdown");
    });
    let mut echo = Vec::new();
    (&stream).read_to_end(&mut echo).expect("read the echo");
    sender.join().expect("sender thread");
    echo
}

/// Starts a stand-in TCP server in the test that accepts one connection and
/// treats it with `behaviour`. It returns the address to point a client at.
pub fn stand_in_server(
    behaviour: impl FnOnce(TcpStream) -> io::Result<()> + Send + 'static,
) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("accept");
        stream.set_read_timeout(Some(SOCKET_TIMEOUT)).expect("timeout");
        let _ = behaviour(stream);
    });
    (address, handle)
}

/// A plain echo peer, like `socat TCP-LISTEN:port PIPE` or the article's
/// Python server: bytes in, the same bytes out, no framing.
pub fn plain_echo(stream: TcpStream) -> io::Result<()> {
    let mut reader = &stream;
    let mut writer = &stream;
    io::copy(&mut reader, &mut writer)?;
    Ok(())
}

/// Stops process `pid` and lets it go on again, as Ctrl-Z and `fg` do in a
/// terminal (SIGSTOP, then SIGCONT). On Linux a blocking socket call with a
/// timeout then fails with `Interrupted`, which a program must retry.
///
/// Signals are sent with the `kill` command, so the tests need no `unsafe`.
#[cfg(unix)]
pub fn stop_and_continue(pid: u32) {
    for signal in ["-STOP", "-CONT"] {
        let status = std::process::Command::new("kill")
            .args([signal, &pid.to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill {signal} {pid} failed");
        // Let the stop be seen before the continue: a stop and a continue
        // that land together may never interrupt the program at all.
        thread::sleep(Duration::from_millis(50));
    }
}
