//! Lesson 9's demo: a web page fetched with `http-client`, then requests
//! written by hand on a `TcpStream`, byte for byte, and finally what
//! keeping a connection open saves, measured.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use netlessons::show;

use crate::lessons::{label, say, start_server};
use crate::{Process, RUN_TIMEOUT};

/// The demo's web site, relative to the top of the repository.
pub const SITE: &str = "crates/http-server/site";

/// How many requests each keep-alive measurement makes.
/// At most 100, the most http-server answers on one connection.
pub const TIMED_REQUESTS: u32 = 100;

/// How long the demo's own socket waits for the server.
const PATIENCE: Duration = Duration::from_secs(10);

pub fn lesson_9() -> anyhow::Result<()> {
    // Run from the top of the repository, so that the folder the server is
    // given is the one you would type.
    let top = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    std::env::set_current_dir(&top).context("cannot go to the top of the repository")?;

    let server = start_server("http-server", &["--root", SITE])?;
    let address = server.address();

    let url = format!("http://{address}/hello.txt");
    say(format_args!("\n-- running http-client -i {url}"));
    let finished =
        Process::start_labelled("http-client", &["-i", &url], Some(&label("http-client")))?
            .wait(RUN_TIMEOUT)?;
    if !finished.success() {
        bail!("http-client failed, which this demo did not expect:\n{}", finished.describe());
    }

    say("\n-- by hand: one TcpStream, two requests written byte for byte, two responses read back");
    let mut stream = TcpStream::connect(address).context("cannot connect to http-server")?;
    stream.set_read_timeout(Some(PATIENCE))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    for (path, last) in [("/hello.txt", false), ("/../Cargo.toml", true)] {
        let request = request(path, address, last);
        say("");
        for line in request.split_inclusive("\r\n") {
            say(format_args!("sent     {}", show::bytes(line.as_bytes())));
        }
        stream.write_all(request.as_bytes()).context("cannot send the request")?;
        let (head, body) = read_response(&mut reader)?;
        for line in head.split_inclusive(|&byte| byte == b'\n') {
            say(format_args!("received {}", show::bytes(line)));
        }
        say(format_args!("received {}  (the body: Content-Length bytes)", show::bytes(&body)));
    }
    // The second request said `Connection: close`: the server closes now.
    let mut rest = Vec::new();
    reader.read_to_end(&mut rest).context("the server did not close the connection")?;
    say(format_args!(
        "the server closed the connection, as asked ({} bytes after the body)",
        rest.len()
    ));
    server.stop();

    say(format_args!(
        "\n-- keep-alive, measured: {TIMED_REQUESTS} requests for hello.txt on one connection, then one connection each"
    ));
    let server = start_server("http-server", &["--quiet", "--root", SITE])?;
    let kept = time_requests(server.address(), "/hello.txt", TIMED_REQUESTS, true)?;
    let new = time_requests(server.address(), "/hello.txt", TIMED_REQUESTS, false)?;
    say(format_args!("one connection for all:    {:?} per request", kept / TIMED_REQUESTS));
    say(format_args!("a new connection for each: {:?} per request", new / TIMED_REQUESTS));
    server.stop();
    Ok(())
}

/// A GET request for `path`; with `close`, it asks the server to close the
/// connection after its answer.
pub fn request(path: &str, address: SocketAddr, close: bool) -> String {
    let connection = if close { "Connection: close\r\n" } else { "" };
    format!("GET {path} HTTP/1.1\r\nHost: {address}\r\n{connection}\r\n")
}

/// Reads one response: the head up to its empty line, then exactly as many
/// body bytes as its Content-Length says. Nothing else tells us where the
/// body ends while the connection stays open.
pub fn read_response(reader: &mut impl BufRead) -> anyhow::Result<(Vec<u8>, Vec<u8>)> {
    let mut head = Vec::new();
    let mut length = None;
    loop {
        let start = head.len();
        if reader.read_until(b'\n', &mut head)? == 0 {
            bail!("the server closed the connection inside a response head");
        }
        let line = String::from_utf8_lossy(&head[start..]).trim_end().to_string();
        if line.is_empty() {
            break;
        }
        if let Some((name, value)) = line.split_once(':')
            && name.eq_ignore_ascii_case("content-length")
        {
            length = Some(value.trim().parse::<usize>().context("a bad Content-Length")?);
        }
        if head.len() > 64 * 1024 {
            bail!("the response head is too long");
        }
    }
    let Some(length) = length else { bail!("the response has no Content-Length") };
    let mut body = vec![0; length];
    reader.read_exact(&mut body).context("the body was cut short")?;
    Ok((head, body))
}

/// The time `count` requests for `path` take: all on one connection
/// (`keep_alive`), or each on a connection of its own.
pub fn time_requests(
    address: SocketAddr,
    path: &str,
    count: u32,
    keep_alive: bool,
) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let connect = || -> anyhow::Result<(TcpStream, BufReader<TcpStream>)> {
        let stream = TcpStream::connect(address).context("cannot connect to http-server")?;
        stream.set_read_timeout(Some(PATIENCE))?;
        stream.set_nodelay(true)?;
        let reader = BufReader::new(stream.try_clone()?);
        Ok((stream, reader))
    };
    let mut connection = None;
    for _ in 0..count {
        if connection.is_none() || !keep_alive {
            connection = Some(connect()?);
        }
        let (stream, reader) = connection.as_mut().expect("connected just above");
        stream.write_all(request(path, address, !keep_alive).as_bytes())?;
        read_response(reader)?;
    }
    Ok(started.elapsed())
}
