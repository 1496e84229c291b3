//! A small HTTP/1.1 load generator: clients that each send `GET` requests
//! for one file over a kept-alive connection, one request at a time, and
//! check every response (status 200, a `Content-Length` body equal to the
//! file). A server that closes the connection after a response (HTTP/1.0,
//! `Connection: close`) is reconnected to, and that is counted.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::measure::connect;

/// The most a status line and headers may take, in bytes.
const MAX_HEAD: usize = 16 * 1024;

/// At most this many failed requests per client before it gives up.
const MAX_FAILURES: usize = 100;

/// Requests answered, and how.
#[derive(Default)]
pub struct Load {
    pub per_second: f64,
    pub requests: usize,
    pub failures: usize,
    pub connections: usize,
    pub first_error: Option<String>,
}

/// `clients` clients request `path` again and again for `duration` (at
/// most a million requests each), expecting `body` every time.
pub fn load(
    address: SocketAddr,
    path: &str,
    body: &[u8],
    clients: usize,
    duration: Duration,
) -> anyhow::Result<Load> {
    let request = format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n\r\n");
    let stop = AtomicBool::new(false);
    let started = Instant::now();
    let results = thread::scope(|scope| {
        let mut threads = Vec::new();
        for _ in 0..clients {
            let (request, stop) = (request.as_bytes(), &stop);
            let thread =
                thread::Builder::new().stack_size(256 * 1024).spawn_scoped(scope, move || {
                    client(address, request, body, started, duration, stop)
                });
            match thread {
                Ok(thread) => threads.push(thread),
                Err(error) => {
                    // Those already running stop at once; the scope waits for them.
                    stop.store(true, Ordering::SeqCst);
                    return Err(error).context("cannot start an HTTP client thread");
                }
            }
        }
        Ok(threads.into_iter().map(|thread| thread.join()).collect::<Vec<_>>())
    })?;
    let elapsed = started.elapsed();
    let mut total = Load::default();
    for result in results {
        let Ok(one) = result else {
            total.failures += 1;
            continue;
        };
        total.requests += one.requests;
        total.failures += one.failures;
        total.connections += one.connections;
        if total.first_error.is_none() {
            total.first_error = one.first_error;
        }
    }
    total.per_second = total.requests as f64 / elapsed.as_secs_f64();
    Ok(total)
}

/// One client's loop.
fn client(
    address: SocketAddr,
    request: &[u8],
    body: &[u8],
    started: Instant,
    duration: Duration,
    stop: &AtomicBool,
) -> Load {
    let mut counts = Load::default();
    let mut connection: Option<BufReader<TcpStream>> = None;
    while started.elapsed() < duration
        && !stop.load(Ordering::SeqCst)
        && counts.requests < 1_000_000
        && counts.failures < MAX_FAILURES
    {
        let reader = match connection.as_mut() {
            Some(reader) => reader,
            None => match connect(address) {
                Ok((stream, _)) => {
                    counts.connections += 1;
                    connection.insert(BufReader::new(stream))
                }
                Err(error) => {
                    counts.failures += 1;
                    counts.first_error.get_or_insert(format!("{error:#}"));
                    continue;
                }
            },
        };
        match exchange(reader, request, body) {
            Ok(keep_alive) => {
                counts.requests += 1;
                if !keep_alive {
                    connection = None;
                }
            }
            Err(error) => {
                counts.failures += 1;
                counts.first_error.get_or_insert(format!("{error:#}"));
                connection = None;
            }
        }
    }
    counts
}

/// Sends one request and reads its response; says whether the server
/// keeps the connection open (RFC 9112, section 9.3).
fn exchange(
    reader: &mut BufReader<TcpStream>,
    request: &[u8],
    body: &[u8],
) -> anyhow::Result<bool> {
    reader.get_mut().write_all(request).context("cannot send the request")?;
    let mut head = Vec::new();
    let mut lines = Vec::new();
    loop {
        let start = head.len();
        let count = reader
            .by_ref()
            .take((MAX_HEAD - start) as u64)
            .read_until(b'\n', &mut head)
            .context("cannot read the response")?;
        if count == 0 {
            bail!("the connection closed before the response was complete");
        }
        if !head.ends_with(b"\n") {
            bail!("the response head is longer than {MAX_HEAD} bytes");
        }
        let line = String::from_utf8_lossy(&head[start..]).trim_end().to_string();
        if line.is_empty() {
            break;
        }
        lines.push(line);
    }
    let status = lines.first().context("an empty response")?;
    let mut words = status.split_whitespace();
    let version = words.next().unwrap_or_default();
    if words.next() != Some("200") {
        bail!("the response is {status:?}, not 200");
    }
    let header = |name: &str| {
        lines[1..].iter().find_map(|line| {
            let (key, value) = line.split_once(':')?;
            key.trim().eq_ignore_ascii_case(name).then(|| value.trim().to_ascii_lowercase())
        })
    };
    let length: usize = header("content-length")
        .context("the response has no Content-Length")?
        .parse()
        .context("the Content-Length is not a number")?;
    if length != body.len() {
        bail!("the body is {length} bytes, not {}", body.len());
    }
    let mut received = vec![0; length];
    reader.read_exact(&mut received).context("the body was cut short")?;
    if received != body {
        bail!("the body differs from the file");
    }
    let connection = header("connection").unwrap_or_default();
    let keep_alive = if version == "HTTP/1.0" {
        connection.contains("keep-alive")
    } else {
        !connection.contains("close")
    };
    Ok(keep_alive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// A tiny server in the test: answers `responses` on each connection
    /// in turn, then closes it.
    fn serve(responses: Vec<&'static str>) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().take(50) {
                let Ok(stream) = stream else { break };
                let mut reader = BufReader::new(stream);
                'requests: for response in &responses {
                    // Read one request head, up to its blank line.
                    loop {
                        let mut line = String::new();
                        match reader.read_line(&mut line) {
                            Ok(0) | Err(_) => break 'requests,
                            Ok(_) if line == "\r\n" => break,
                            Ok(_) => {}
                        }
                    }
                    if reader.get_mut().write_all(response.as_bytes()).is_err() {
                        break 'requests;
                    }
                }
            }
        });
        address
    }

    /// Kept-alive and closed connections are both followed; a body cut
    /// short or a 404 counts as a failure.
    #[test]
    fn responses_are_checked() {
        let ok = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        let address = serve(vec![ok, ok]);
        let (stream, _) = connect(address).unwrap();
        let mut reader = BufReader::new(stream);
        assert!(exchange(&mut reader, b"GET / HTTP/1.1\r\n\r\n", b"hi").unwrap());

        let closing = "HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nhi";
        let address = serve(vec![closing]);
        let (stream, _) = connect(address).unwrap();
        let mut reader = BufReader::new(stream);
        assert!(!exchange(&mut reader, b"GET / HTTP/1.1\r\n\r\n", b"hi").unwrap());

        for wrong in [
            "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nhi",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nh",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nho",
        ] {
            let address = serve(vec![wrong]);
            let (stream, _) = connect(address).unwrap();
            let mut reader = BufReader::new(stream);
            assert!(exchange(&mut reader, b"GET / HTTP/1.1\r\n\r\n", b"hi").is_err(), "{wrong}");
        }
    }
}
