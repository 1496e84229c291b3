//! Lesson 9: HTTP by hand, a client on `TcpStream`.
//!
//! `http-client URL` sends one GET request (`--head`: a HEAD request),
//! reads the response's status line and headers, and writes the body to
//! standard output, byte for byte. The body ends where the response says
//! it ends: after `Content-Length` bytes, after the last chunk of a chunked
//! body, or, when the server says neither, when the server closes the
//! connection. A body cut short is an error, not a silently short file.
//!
//! `-i` (`--verbose`) shows the status line and headers on standard error.
//! `--follow` follows redirects, at most 5. A 4xx or 5xx answer prints its
//! body and exits with status 22, as `curl --fail` does; other errors exit
//! with 1 and one line on standard error. Only `http://` is spoken:
//! `https://` needs TLS, which Rust's standard library does not have.
//!
//! Try it by hand. In one terminal, from the top of the repository:
//!
//! ```text
//! cargo run -p http-server
//! ```
//!
//! In another:
//!
//! ```text
//! cargo run -p http-client -- -i http://127.0.0.1:8000/9-http.md
//! ```
//!
//! The lesson text is `lessons/9-http.md`.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use netlessons::{cli, is_timeout, show};

/// Fetch one URL over HTTP/1.1 and write its body to standard output (lesson 9)
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The URL to fetch, such as http://127.0.0.1:8000/index.html
    url: String,

    /// Send a HEAD request: only the status line and headers come back
    #[arg(long)]
    head: bool,

    /// Show the response's status line and headers on standard error
    #[arg(long, short = 'i')]
    verbose: bool,

    /// Follow redirects (3xx with a Location header), at most 5
    #[arg(long)]
    follow: bool,

    /// Seconds to wait for the connection, and for each read and write
    #[arg(long, default_value = "10", value_parser = cli::seconds)]
    timeout: Duration,
}

/// How many redirects `--follow` follows before it gives up.
const MAX_REDIRECTS: usize = 5;
/// The longest status line or header line we read.
const MAX_LINE: u64 = 8 * 1024;
/// The most header lines in a response.
const MAX_HEADERS: usize = 100;
/// The most interim (1xx) answers before the real one.
const MAX_INTERIM: usize = 10;
/// The longest chunk-size line (`1a2b;name=value`).
const MAX_CHUNK_LINE: u64 = 1024;
/// The exit status for a 4xx or 5xx answer, the one `curl --fail` uses.
const HTTP_ERROR_STATUS: u8 = 22;

fn main() -> ExitCode {
    let args: Args = cli::parse();
    match fetch(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => match error.downcast_ref::<HttpError>() {
            Some(_) => {
                let _ = writeln!(io::stderr().lock(), "error: {error}");
                ExitCode::from(HTTP_ERROR_STATUS)
            }
            None => cli::exit_status(Err(error)),
        },
    }
}

/// A 4xx or 5xx answer: the exchange worked, the server said no.
#[derive(Debug)]
struct HttpError(String);

impl std::fmt::Display for HttpError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for HttpError {}

fn fetch(args: &Args) -> anyhow::Result<()> {
    let mut url = Url::parse(&args.url)?;
    let mut method = if args.head { "HEAD" } else { "GET" };
    let mut redirects = 0;
    loop {
        let (stream, server) = connect(&url, args.timeout)?;
        // The request: a request line, headers, and an empty line. We ask
        // the server to close the connection after its answer, because we
        // have nothing more to ask.
        let request = format!(
            "{method} {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: netlessons-http-client\r\n\
             Accept: */*\r\nConnection: close\r\n\r\n",
            url.path,
            url.host_header()
        );
        (&stream).write_all(request.as_bytes()).context("cannot send the request")?;

        let mut reader = BufReader::new(&stream);
        let response = read_head(&mut reader, &server, args.timeout)?;
        if args.verbose {
            let mut stderr = io::stderr().lock();
            for line in &response.lines {
                writeln!(stderr, "{line}")?;
            }
            writeln!(stderr)?;
        }

        let redirected = matches!(response.code, 301 | 302 | 303 | 307 | 308);
        if args.follow && redirected {
            let Some(location) = response.header("location") else {
                bail!("malformed response from {server}: a redirect without a Location header");
            };
            redirects += 1;
            if redirects > MAX_REDIRECTS {
                bail!("too many redirects: more than {MAX_REDIRECTS}");
            }
            url = url.join(location)?;
            // 303 See Other means "fetch that with GET" (RFC 9110, 15.4.4).
            if response.code == 303 && method != "HEAD" {
                method = "GET";
            }
            if args.verbose {
                eprintln!("following the redirect to {}", url);
            }
            continue;
        }

        let framing = framing(&response, method, &server)?;
        let mut stdout = io::stdout().lock();
        receive_body(&mut reader, &mut stdout, framing, &server, args.timeout)?;
        stdout.flush().context("cannot write to standard output")?;
        if response.code >= 400 {
            let status = response.status_line.split_once(' ').map_or("", |(_, status)| status);
            return Err(HttpError(format!("the server answered {status}")).into());
        }
        return Ok(());
    }
}

// The URL.

/// The parts of an `http://host:port/path` URL that a request needs.
struct Url {
    host: String,
    port: u16,
    /// The path and query, as sent on the request line: `/a/b.html?x=1`.
    path: String,
}

impl Url {
    fn parse(text: &str) -> anyhow::Result<Url> {
        let lower = text.get(..8).unwrap_or(text).to_ascii_lowercase();
        if lower.starts_with("https://") {
            bail!(
                "cannot fetch {text}: https is not supported, it needs TLS, which Rust's standard library does not have"
            );
        }
        let Some(rest) = lower.starts_with("http://").then(|| &text[7..]) else {
            bail!("malformed URL {text:?}: it must start with http://");
        };
        let malformed = |why: &str| anyhow::anyhow!("malformed URL {text:?}: {why}");
        // The authority runs up to the first `/`, `?` or `#`.
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, path) = rest.split_at(end);
        // A fragment (`#part`) is for the browser; it is never sent.
        let path = path.split('#').next().unwrap_or("");
        let path = if path.starts_with('/') { path.to_string() } else { format!("/{path}") };
        if path.bytes().any(|byte| byte <= b' ' || byte == 0x7f) {
            return Err(malformed(
                "it contains a space or a control character (write a space as %20)",
            ));
        }
        if authority.contains('@') {
            return Err(malformed("user names and passwords are not supported"));
        }
        let (host, port) = match authority.strip_prefix('[') {
            // An IPv6 address: [::1]:8000
            Some(inside) => {
                let (host, after) = inside
                    .split_once(']')
                    .ok_or_else(|| malformed("no ] after the IPv6 address"))?;
                if !after.is_empty() && !after.starts_with(':') {
                    return Err(malformed("only :PORT may follow the IPv6 address"));
                }
                (host, after.strip_prefix(':'))
            }
            None => match authority.rsplit_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (authority, None),
            },
        };
        if host.is_empty() {
            return Err(malformed("it has no host"));
        }
        let port = match port {
            None => 80,
            Some(port) => port
                .parse::<u16>()
                .ok()
                .filter(|&port| port != 0)
                .ok_or_else(|| malformed("the port must be a number from 1 to 65535"))?,
        };
        // Bytes outside ASCII cannot go on a request line as they are.
        let path =
            path.bytes()
                .map(|byte| {
                    if byte.is_ascii() {
                        (byte as char).to_string()
                    } else {
                        format!("%{byte:02X}")
                    }
                })
                .collect();
        Ok(Url { host: host.to_string(), port, path })
    }

    /// What the Host header says: the host, and the port unless it is 80.
    fn host_header(&self) -> String {
        let host =
            if self.host.contains(':') { format!("[{}]", self.host) } else { self.host.clone() };
        if self.port == 80 { host } else { format!("{host}:{}", self.port) }
    }

    /// The URL a redirect's `Location` points to, which may be relative.
    fn join(&self, location: &str) -> anyhow::Result<Url> {
        // A scheme is letters, digits, `+`, `-` and `.`, before the first
        // `:` and starting with a letter (RFC 3986, section 3.1): then the
        // location is a whole URL. A `://` later on, in a query, is not.
        let scheme = location.split_once(':').map_or("", |(scheme, _)| scheme);
        if scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme.bytes().all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b))
        {
            return Url::parse(location);
        }
        if location.starts_with("//") {
            return Url::parse(&format!("http:{location}"));
        }
        let path = if location.starts_with('/') {
            location.to_string()
        } else if location.starts_with('?') {
            // Only a new query: the same path.
            let path = self.path.split('?').next().unwrap_or("/");
            format!("{path}{location}")
        } else {
            // Relative to the folder of the current path (not its query).
            let path = self.path.split('?').next().unwrap_or("/");
            let folder = &path[..path.rfind('/').map_or(0, |slash| slash + 1)];
            format!("{folder}{location}")
        };
        Url::parse(&format!("http://{}{path}", self.host_header()))
    }
}

impl std::fmt::Display for Url {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "http://{}{}", self.host_header(), self.path)
    }
}

/// Connects to the first address of the URL's host that answers.
fn connect(url: &Url, timeout: Duration) -> anyhow::Result<(TcpStream, SocketAddr)> {
    let addresses = cli::Address { host: url.host.clone(), port: url.port }.resolve_server()?;
    let mut last_error = None;
    for address in addresses {
        match TcpStream::connect_timeout(&address, timeout) {
            Ok(stream) => {
                // Never wait forever for a server that stops answering.
                stream.set_read_timeout(Some(timeout))?;
                stream.set_write_timeout(Some(timeout))?;
                return Ok((stream, address));
            }
            Err(error) => last_error = Some((address, error)),
        }
    }
    let (address, error) = last_error.expect("resolving gives at least one address");
    if is_timeout(&error) {
        bail!("cannot connect to {address}: no answer within {timeout:?}");
    }
    Err(error).with_context(|| format!("cannot connect to {address}"))
}

// The response.

/// A response's status line and headers.
struct ResponseHead {
    code: u16,
    /// `HTTP/1.1 200 OK`, as received.
    status_line: String,
    /// Every line of the head, as received, for `--verbose`.
    lines: Vec<String>,
    /// Header names in lower case, with their values.
    headers: Vec<(String, String)>,
}

impl ResponseHead {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, value)| value.as_str())
    }
}

/// Reads one line, up to `limit` bytes, without its line end. `None` when
/// the connection closed before a whole line came.
fn read_line(
    reader: &mut impl BufRead,
    limit: u64,
    server: &SocketAddr,
    timeout: Duration,
) -> anyhow::Result<Option<Vec<u8>>> {
    let mut line = Vec::new();
    match reader.take(limit + 1).read_until(b'\n', &mut line) {
        Ok(_) => {}
        Err(error) if is_timeout(&error) => bail!("no answer from {server} within {timeout:?}"),
        Err(error) => return Err(error).with_context(|| format!("cannot read from {server}")),
    }
    if !line.ends_with(b"\n") {
        if line.len() as u64 > limit {
            bail!("malformed response from {server}: a line longer than {limit} bytes");
        }
        return Ok(None);
    }
    line.pop();
    if line.ends_with(b"\r") {
        line.pop();
    }
    Ok(Some(line))
}

/// Reads the status line and the headers, skipping `100 Continue` and the
/// other interim (1xx) answers a server may send first.
fn read_head(
    reader: &mut impl BufRead,
    server: &SocketAddr,
    timeout: Duration,
) -> anyhow::Result<ResponseHead> {
    for _ in 0..=MAX_INTERIM {
        let Some(status_line) = read_line(reader, MAX_LINE, server, timeout)? else {
            bail!("malformed response from {server}: the connection closed before a status line");
        };
        let status_line = String::from_utf8_lossy(&status_line).to_string();
        // HTTP/1.1 SP 3DIGIT SP reason
        let mut parts = status_line.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let code = parts.next().unwrap_or("");
        if !version.starts_with("HTTP/1.")
            || code.len() != 3
            || !code.bytes().all(|b| b.is_ascii_digit())
        {
            bail!(
                "malformed response from {server}: the status line is {}",
                show::bytes(status_line.as_bytes())
            );
        }
        let code: u16 = code.parse()?;

        let mut lines = vec![status_line.clone()];
        let mut headers = Vec::new();
        loop {
            let Some(line) = read_line(reader, MAX_LINE, server, timeout)? else {
                bail!("malformed response from {server}: the connection closed inside the headers");
            };
            if line.is_empty() {
                break;
            }
            if headers.len() == MAX_HEADERS {
                bail!("malformed response from {server}: more than {MAX_HEADERS} headers");
            }
            let line = String::from_utf8_lossy(&line).to_string();
            let Some((name, value)) = line.split_once(':') else {
                bail!(
                    "malformed response from {server}: a header line without a colon: {}",
                    show::bytes(line.as_bytes())
                );
            };
            headers.push((name.trim().to_ascii_lowercase(), value.trim().to_string()));
            lines.push(line);
        }
        if (100..200).contains(&code) && code != 101 {
            continue;
        }
        return Ok(ResponseHead { code, status_line, lines, headers });
    }
    bail!("malformed response from {server}: more than {MAX_INTERIM} interim (1xx) answers")
}

/// Where a response's body ends (RFC 9112, section 6.3).
#[derive(Debug)]
enum Framing {
    /// No body at all: the answer to HEAD, and 1xx, 204 and 304 answers.
    Empty,
    /// Exactly this many bytes.
    Length(u64),
    /// Chunks, each with its size in front, up to a chunk of size 0.
    Chunked,
    /// Everything until the server closes the connection.
    UntilClose,
}

fn framing(response: &ResponseHead, method: &str, server: &SocketAddr) -> anyhow::Result<Framing> {
    if method == "HEAD" || response.code == 204 || response.code == 304 {
        return Ok(Framing::Empty);
    }
    if let Some(codings) = response.header("transfer-encoding") {
        // Chunked must be the last coding; otherwise only the close ends it.
        let last = codings.rsplit(',').next().unwrap_or("").trim();
        return Ok(if last.eq_ignore_ascii_case("chunked") {
            Framing::Chunked
        } else {
            Framing::UntilClose
        });
    }
    let lengths: Vec<&str> = response
        .headers
        .iter()
        .filter(|(name, _)| name == "content-length")
        .map(|(_, v)| v.as_str())
        .collect();
    match lengths.first() {
        None => Ok(Framing::UntilClose),
        Some(first) => {
            // Digits only: `parse` would also take a `+` in front.
            let length: u64 = first
                .parse()
                .ok()
                .filter(|_| !first.is_empty() && first.bytes().all(|b| b.is_ascii_digit()))
                .filter(|_| lengths.iter().all(|other| other == first))
                .with_context(|| {
                    format!("malformed response from {server}: Content-Length {first:?}")
                })?;
            Ok(Framing::Length(length))
        }
    }
}

/// Copies the body to `out`, framed as the response said.
fn receive_body(
    reader: &mut impl BufRead,
    out: &mut impl Write,
    framing: Framing,
    server: &SocketAddr,
    timeout: Duration,
) -> anyhow::Result<()> {
    match framing {
        Framing::Empty => Ok(()),
        Framing::Length(length) => {
            let got = copy(reader, out, length, server, timeout)?;
            if got < length {
                bail!("body cut short: got {got} of {length} bytes");
            }
            Ok(())
        }
        Framing::UntilClose => copy(reader, out, u64::MAX, server, timeout).map(|_| ()),
        Framing::Chunked => {
            let mut total = 0;
            loop {
                // The size line: hexadecimal digits, maybe `;extensions`.
                let Some(line) = read_line(reader, MAX_CHUNK_LINE, server, timeout)? else {
                    bail!(
                        "body cut short: got {total} bytes, then the connection closed before the last chunk"
                    );
                };
                let size_text = String::from_utf8_lossy(&line);
                let size_text = size_text.split(';').next().unwrap_or("").trim();
                let size = u64::from_str_radix(size_text, 16)
                    .ok()
                    // Hex digits only (no sign), and few enough to fit.
                    .filter(|_| {
                        size_text.len() <= 15 && size_text.bytes().all(|b| b.is_ascii_hexdigit())
                    })
                    .with_context(|| {
                        format!(
                            "malformed response from {server}: the chunk size line {}",
                            show::bytes(&line)
                        )
                    })?;
                if size == 0 {
                    break;
                }
                let got = copy(reader, out, size, server, timeout)?;
                total += got;
                if got < size {
                    bail!(
                        "body cut short: got {total} bytes, then the connection closed inside a chunk"
                    );
                }
                // Each chunk's data ends with a line end of its own.
                match read_line(reader, 2, server, timeout)? {
                    Some(empty) if empty.is_empty() => {}
                    _ => bail!("malformed response from {server}: a chunk is longer than its size"),
                }
            }
            // Trailer fields may follow the last chunk, up to an empty line.
            for _ in 0..=MAX_HEADERS {
                match read_line(reader, MAX_LINE, server, timeout)? {
                    Some(line) if line.is_empty() => return Ok(()),
                    Some(_) => {}
                    None => bail!("body cut short: the connection closed in the trailer"),
                }
            }
            bail!("malformed response from {server}: too many trailer lines")
        }
    }
}

/// Copies up to `limit` bytes from the server to `out`; returns how many
/// came before the connection closed.
fn copy(
    reader: &mut impl BufRead,
    out: &mut impl Write,
    limit: u64,
    server: &SocketAddr,
    timeout: Duration,
) -> anyhow::Result<u64> {
    let mut limited = reader.take(limit);
    let mut buffer = [0; 16 * 1024];
    let mut total = 0;
    loop {
        let count = match limited.read(&mut buffer) {
            Ok(0) => return Ok(total),
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) if is_timeout(&error) => {
                bail!(
                    "no more data from {server} within {timeout:?} (got {total} bytes of the body)"
                )
            }
            Err(error) => return Err(error).with_context(|| format!("cannot read from {server}")),
        };
        out.write_all(&buffer[..count]).context("cannot write to standard output")?;
        total += count as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// URLs are split into host, port and path; bad ones are refused.
    #[test]
    fn parses_urls() {
        let url = Url::parse("http://127.0.0.1:8000/a/b.md?x=1#top").unwrap();
        assert_eq!(
            (url.host.as_str(), url.port, url.path.as_str()),
            ("127.0.0.1", 8000, "/a/b.md?x=1")
        );
        let url = Url::parse("HTTP://[::1]").unwrap();
        assert_eq!((url.host.as_str(), url.port, url.path.as_str()), ("::1", 80, "/"));
        assert_eq!(url.host_header(), "[::1]");
        let url = Url::parse("http://example.com?q").unwrap();
        assert_eq!(url.path, "/?q");
        for bad in [
            "ftp://x/",
            "127.0.0.1:8000",
            "http://",
            "http://h:0/",
            "http://h:99999/",
            "http://u@h/",
            "http://h/a b",
            "http://[::1]x/",
        ] {
            assert!(Url::parse(bad).is_err(), "{bad}");
        }
        let error = Url::parse("https://example.com/").err().unwrap().to_string();
        assert!(error.contains("https is not supported"), "{error}");
    }

    /// Redirect locations are resolved against the current URL.
    #[test]
    fn joins_locations() {
        let base = Url::parse("http://h:81/a/b").unwrap();
        assert_eq!(base.join("/c/").unwrap().to_string(), "http://h:81/c/");
        assert_eq!(base.join("d").unwrap().to_string(), "http://h:81/a/d");
        assert_eq!(base.join("http://other/x").unwrap().to_string(), "http://other/x");
        assert_eq!(base.join("//other:9/y").unwrap().to_string(), "http://other:9/y");
        // A `://` in a relative location's query does not make it a URL.
        assert_eq!(base.join("/go?to=http://x").unwrap().to_string(), "http://h:81/go?to=http://x");
        assert_eq!(base.join("?q=1").unwrap().to_string(), "http://h:81/a/b?q=1");
        assert_eq!(
            Url::parse("http://h/a/b?x=/y").unwrap().join("d").unwrap().to_string(),
            "http://h/a/d"
        );
        assert!(base.join("ftp://x/").is_err());
    }

    fn body(raw: &[u8], framing: Framing) -> anyhow::Result<Vec<u8>> {
        let server: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let mut out = Vec::new();
        receive_body(&mut &raw[..], &mut out, framing, &server, Duration::from_secs(1))?;
        Ok(out)
    }

    /// Chunked bodies are put back together, and broken ones are errors.
    #[test]
    fn reads_chunked_bodies() {
        assert_eq!(
            body(b"5\r\nhello\r\n7;x=y\r\n, world\r\n0\r\n\r\n", Framing::Chunked).unwrap(),
            b"hello, world"
        );
        assert_eq!(body(b"3\r\nabc\r\n0\r\nTrailer: x\r\n\r\n", Framing::Chunked).unwrap(), b"abc");
        let cut = body(b"5\r\nhel", Framing::Chunked).unwrap_err().to_string();
        assert!(cut.starts_with("body cut short"), "{cut}");
        assert!(body(b"zz\r\n", Framing::Chunked).is_err());
        assert!(body(b"+3\r\nabc\r\n0\r\n\r\n", Framing::Chunked).is_err());
        assert!(body(b"3\r\nabcd\r\n0\r\n\r\n", Framing::Chunked).is_err());
        let long = format!("{}\r\n", "0".repeat(2000));
        assert!(body(long.as_bytes(), Framing::Chunked).is_err());
        assert!(body(b"ffffffffffffffffff\r\n", Framing::Chunked).is_err());
    }

    /// Interim (1xx) answers are skipped, but not forever.
    #[test]
    fn skips_a_few_interim_answers() {
        let server: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let timeout = Duration::from_secs(1);
        let two = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: x\r\n\r\n\
                    HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
        assert_eq!(read_head(&mut &two[..], &server, timeout).unwrap().code, 200);
        let endless = b"HTTP/1.1 100 Continue\r\n\r\n".repeat(1000);
        let error = read_head(&mut &endless[..], &server, timeout).err().unwrap().to_string();
        assert!(error.contains("interim"), "{error}");
    }

    /// Content-Length is digits only, and the same if repeated.
    #[test]
    fn reads_content_length() {
        let server: SocketAddr = "127.0.0.1:1".parse().unwrap();
        let head = |value: &str| ResponseHead {
            code: 200,
            status_line: "HTTP/1.1 200 OK".to_string(),
            lines: Vec::new(),
            headers: value
                .split('|')
                .map(|value| ("content-length".to_string(), value.to_string()))
                .collect(),
        };
        assert!(matches!(framing(&head("5"), "GET", &server), Ok(Framing::Length(5))));
        assert!(matches!(framing(&head("5|5"), "GET", &server), Ok(Framing::Length(5))));
        for bad in ["+5", "-1", "5|6", "", "0x5", "99999999999999999999"] {
            assert!(framing(&head(bad), "GET", &server).is_err(), "{bad}");
        }
    }

    /// Content-Length bodies must be whole.
    #[test]
    fn reads_length_bodies() {
        assert_eq!(body(b"hello", Framing::Length(5)).unwrap(), b"hello");
        assert_eq!(body(b"hello", Framing::Length(3)).unwrap(), b"hel");
        let cut = body(b"hel", Framing::Length(5)).unwrap_err().to_string();
        assert_eq!(cut, "body cut short: got 3 of 5 bytes");
    }
}
