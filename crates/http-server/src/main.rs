//! Lesson 9: HTTP by hand, a web server on `TcpStream`.
//!
//! The server serves the files of one folder (`--root`, by default
//! `lessons/`) over HTTP/1.1, GET and HEAD only. It reads each request head
//! up to its empty line, checks it against limits, answers with a status
//! line, headers and a body framed by `Content-Length`, and keeps the
//! connection open for the next request unless the client asks it not to.
//! Every refusal is a status code with a short body saying why.
//!
//! Decisions a reader may ask about: an HTTP/1.0 client's connection is
//! closed after each answer unless it sends `Connection: keep-alive`; a
//! request that announces a body (`Content-Length` above 0, or any
//! `Transfer-Encoding`) gets `413` and a closed connection, since GET and
//! HEAD have no use for one; a folder named without its trailing slash is
//! redirected (`301`) to the name with it; a target that could lead out of
//! the folder is refused, never repaired (see `find_file`).
//!
//! Each client gets a thread of its own, up to `--max-clients`; a client
//! past that gets `503` and is closed. A client that takes longer than
//! `--request-timeout` to send a request head gets `408`, and one that
//! takes longer than `--send-timeout` to read a response is cut off, so
//! slow clients cannot hold threads for long.
//!
//! Try it by hand. In one terminal, from the top of the repository:
//!
//! ```text
//! cargo run -p http-server
//! ```
//!
//! In another, with our client, curl, or a browser at http://127.0.0.1:8000/:
//!
//! ```text
//! cargo run -p http-client -- http://127.0.0.1:8000/9-http.md
//! curl -v http://127.0.0.1:8000/ http://127.0.0.1:8000/README.md
//! ```
//!
//! The lesson text is `lessons/9-http.md`.

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context;
use clap::Parser;
use netlessons::{Narrator, cli, is_timeout, show};

/// A web server for the files of one folder, GET and HEAD only (lesson 9)
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Host name or IP address to listen on: 127.0.0.1, ::1, 0.0.0.0, ...
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// Port number; 0 lets the operating system pick a free one
    #[arg(long, default_value_t = 8000)]
    port: u16,

    /// The folder whose files are served (relative to the current folder)
    #[arg(long, default_value = "lessons")]
    root: PathBuf,

    /// Most clients connected at once; more get 503 and are closed
    #[arg(long, default_value_t = 128, value_parser = clap::value_parser!(u16).range(1..=10_000))]
    max_clients: u16,

    /// Seconds a client has to send a whole request head; a slower one gets
    /// 408. Also how long a kept-alive connection may wait for its next request
    #[arg(long, default_value = "10", value_parser = cli::seconds)]
    request_timeout: Duration,

    /// Seconds a client has to take a whole response; one that reads more
    /// slowly is cut off
    #[arg(long, default_value = "30", value_parser = cli::seconds)]
    send_timeout: Duration,

    #[command(flatten)]
    output: cli::Output,
}

// The limits. Each protects the server from a client that sends too much;
// the status a client gets for breaking one is next to it.

/// The longest request line, in bytes (`414 URI Too Long`).
const MAX_REQUEST_LINE: usize = 8 * 1024;
/// The most bytes of header lines in one request (`431 Request Header Fields Too Large`).
const MAX_HEADER_BYTES: usize = 16 * 1024;
/// The most header lines in one request (`431` too).
const MAX_HEADERS: usize = 100;
/// The most requests on one connection; the last answer says `Connection: close`.
const MAX_REQUESTS: usize = 100;
/// How long a client past `--max-clients` has to take its `503`.
const REFUSAL_TIMEOUT: Duration = Duration::from_secs(1);
/// Files up to this size are sent with their headers in one write.
const SMALL_FILE: u64 = 64 * 1024;
/// The most clients past `--max-clients` told `503` at once; more are
/// closed without a word.
const MAX_REFUSING: usize = 16;
/// The most entries a directory listing shows.
const MAX_LISTED: usize = 10_000;

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(serve(&args))
}

fn serve(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);
    // The root, made absolute and free of `..` and symbolic links once, so
    // that every path we serve can be checked against it (see `find_file`).
    let root = fs::canonicalize(&args.root).with_context(|| {
        format!(
            "cannot serve the folder {}: give an existing folder with --root",
            args.root.display()
        )
    })?;
    if !root.is_dir() {
        anyhow::bail!("cannot serve {}: it is not a folder", args.root.display());
    }
    let address = cli::Address { host: args.host.clone(), port: args.port };
    let listener = TcpListener::bind(&address.resolve()?[..])
        .with_context(|| format!("cannot listen on {address}"))?;
    say.result(format_args!("listening on {}", listener.local_addr()?));
    say.step(format_args!("serving the files in {}", args.root.display()));

    // How many clients are connected. Only this thread adds to it; each
    // connection's thread takes itself off when it ends (see `Slot`).
    let open = &AtomicUsize::new(0);
    let max_clients = usize::from(args.max_clients);
    // How many clients past the cap are being told so.
    let refusing = &AtomicUsize::new(0);
    let root = root.as_path();
    thread::scope(|scope| {
        loop {
            let (stream, peer) = match listener.accept() {
                Ok(connection) => connection,
                // A signal arrived while we waited: simply wait again.
                Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    // A client that gave up during the handshake, or too many
                    // open files: report it and go on after a pause.
                    say.problem(format_args!("cannot accept a connection: {error}"));
                    thread::sleep(Duration::from_millis(100));
                    continue;
                }
            };
            if open.load(Ordering::SeqCst) >= max_clients {
                say.problem(format_args!(
                    "refusing {peer}: {max_clients} clients already connected"
                ));
                // Saying 503 takes a thread for up to a second (see
                // `refuse`); past a few of those, a client is simply closed.
                if refusing.load(Ordering::SeqCst) < MAX_REFUSING {
                    refusing.fetch_add(1, Ordering::SeqCst);
                    let started = thread::Builder::new().spawn_scoped(scope, move || {
                        let _slot = Slot(refusing);
                        refuse(&stream);
                    });
                    if started.is_err() {
                        refusing.fetch_sub(1, Ordering::SeqCst);
                    }
                }
                continue;
            }
            open.fetch_add(1, Ordering::SeqCst);
            let started = thread::Builder::new().spawn_scoped(scope, move || {
                let _slot = Slot(open);
                if let Err(error) = handle_connection(&stream, peer, args, root, say) {
                    say.problem(format_args!("connection from {peer} failed: {error:#}"));
                }
            });
            if let Err(error) = started {
                say.problem(format_args!("refusing {peer}: cannot start a thread: {error}"));
                open.fetch_sub(1, Ordering::SeqCst);
            }
        }
    })
}

/// A connected client's place in the count: freed when its thread ends,
/// however it ends.
struct Slot<'a>(&'a AtomicUsize);

impl Drop for Slot<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Tells a client past `--max-clients` to come back later, then closes
/// gently, so that the request it has sent meanwhile does not turn our
/// close into a reset that destroys the answer (see `close_gently`).
fn refuse(stream: &TcpStream) {
    let response = Response::refusal(SERVICE_UNAVAILABLE, "too many clients, try again later");
    if send(stream, &response, Method::Get, false, REFUSAL_TIMEOUT).is_ok() {
        close_gently(stream);
    }
}

// One connection: requests and responses, one after the other.

/// Serves every request `peer` sends on this connection, then closes it.
fn handle_connection(
    stream: &TcpStream,
    peer: SocketAddr,
    args: &Args,
    root: &Path,
    say: Narrator,
) -> anyhow::Result<()> {
    // Our responses are small writes that the client waits for: send them
    // at once instead of letting Nagle's algorithm hold them back.
    stream.set_nodelay(true)?;
    // Bytes received but not used yet. A client may send its next request
    // before our answer (pipelining), so a read can hold more than one head.
    let mut received = Vec::new();
    for number in 1..=MAX_REQUESTS {
        let head = match read_head(stream, &mut received, args.request_timeout, number == 1)? {
            Head::Complete(head) => head,
            Head::Closed => return Ok(()),
            Head::Refused(refusal) => {
                let response = Response::refusal(refusal.status, refusal.reason);
                log(say, peer, "-", b"-", &response);
                send(stream, &response, Method::Get, false, args.send_timeout)?;
                close_gently(stream);
                return Ok(());
            }
        };
        let (response, method, keep_alive) = match Request::parse(&head) {
            Ok(request) => {
                // Keep the connection when the client wants to, unless it
                // sent a body (we did not read it, so it would be taken for
                // the next request) or this was its last allowed request.
                let keep_alive =
                    request.keep_alive() && !request.has_body() && number < MAX_REQUESTS;
                let response = respond(&request, root);
                let keep_alive = keep_alive && !response.status.closes_connection();
                log(say, peer, &request.method, request.target.as_bytes(), &response);
                let method = if request.method == "HEAD" { Method::Head } else { Method::Get };
                (response, method, keep_alive)
            }
            Err(refusal) => {
                let response = Response::refusal(refusal.status, refusal.reason);
                let request_line = head.split(|&byte| byte == b'\n').next().unwrap_or(b"");
                log(say, peer, "-", request_line, &response);
                (response, Method::Get, false)
            }
        };
        send(stream, &response, method, keep_alive, args.send_timeout)?;
        if !keep_alive {
            close_gently(stream);
            return Ok(());
        }
    }
    Ok(())
}

/// What `read_head` found.
enum Head {
    /// A whole request head, up to and including its empty line.
    Complete(Vec<u8>),
    /// The client closed the connection, or went quiet between requests.
    Closed,
    /// The client broke a limit; the refusal says which.
    Refused(Refusal),
}

/// Reads one request head: everything up to the first empty line. Gives up
/// with `408` when `timeout` passes before the head is complete, counted
/// from the start, so a client sending one byte a second gets no more time
/// than one that sends nothing.
fn read_head(
    mut stream: &TcpStream,
    received: &mut Vec<u8>,
    timeout: Duration,
    first_request: bool,
) -> anyhow::Result<Head> {
    let deadline = Instant::now() + timeout;
    let mut buffer = [0; 4096];
    loop {
        // Empty lines before a request line are to be ignored (RFC 9112,
        // section 2.2).
        let blank = received.iter().take_while(|&&byte| byte == b'\r' || byte == b'\n').count();
        received.drain(..blank);
        // Check the limits on what we have, complete or not: refuse a head
        // as soon as it is too long to ever be accepted.
        let end = end_of_head(received);
        let head = &received[..end.unwrap_or(received.len())];
        let request_line = head.iter().position(|&byte| byte == b'\n').unwrap_or(head.len());
        if request_line > MAX_REQUEST_LINE + 1 {
            return Ok(Head::Refused(Refusal::new(URI_TOO_LONG, "the request line is too long")));
        }
        if head.len() - request_line > MAX_HEADER_BYTES {
            let refusal = Refusal::new(HEADERS_TOO_LARGE, "the header lines are too long");
            return Ok(Head::Refused(refusal));
        }
        if let Some(end) = end {
            let rest = received.split_off(end);
            return Ok(Head::Complete(std::mem::replace(received, rest)));
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            // Nothing at all between two requests is an idle connection:
            // close it quietly. A request begun and not finished is too slow.
            if received.is_empty() && !first_request {
                return Ok(Head::Closed);
            }
            return Ok(Head::Refused(Refusal::new(
                REQUEST_TIMEOUT,
                "the request head did not arrive in time",
            )));
        }
        stream.set_read_timeout(Some(left))?;
        match stream.read(&mut buffer) {
            // The client closed its side. Half a request cannot be answered.
            Ok(0) => return Ok(Head::Closed),
            Ok(count) => received.extend_from_slice(&buffer[..count]),
            // A signal interrupted the read, or the timeout ran out: loop,
            // and the deadline above decides.
            Err(error) if error.kind() == io::ErrorKind::Interrupted || is_timeout(&error) => {}
            Err(error) => return Err(error).context("cannot read the request"),
        }
    }
}

/// Where the head in `bytes` ends: just after the first empty line. Lines
/// end in CRLF; a bare LF is accepted too, as RFC 9112 (section 2.2) allows.
fn end_of_head(bytes: &[u8]) -> Option<usize> {
    bytes.iter().enumerate().find_map(|(index, &byte)| {
        if byte != b'\n' {
            return None;
        }
        match &bytes[index + 1..] {
            [b'\n', ..] => Some(index + 2),
            [b'\r', b'\n', ..] => Some(index + 3),
            _ => None,
        }
    })
}

// The request.

/// A request head, parsed: `GET /index.html HTTP/1.1`, then `Name: value` lines.
struct Request {
    method: String,
    target: String,
    version: Version,
    headers: Vec<(String, String)>,
}

#[derive(Clone, Copy, PartialEq)]
enum Version {
    Http10,
    Http11,
}

impl Request {
    /// Parses a head that `read_head` found. Anything that does not follow
    /// the grammar of RFC 9112 is refused, rather than guessed at.
    fn parse(head: &[u8]) -> Result<Request, Refusal> {
        let bad = |reason| Refusal::new(BAD_REQUEST, reason);
        let mut lines = head
            .split(|&byte| byte == b'\n')
            .map(|line| line.strip_suffix(b"\r").unwrap_or(line))
            .take_while(|line| !line.is_empty());
        let request_line = lines.next().unwrap_or(b"");
        let request_line =
            std::str::from_utf8(request_line).map_err(|_| bad("the request line is not text"))?;
        // METHOD SP TARGET SP VERSION, with exactly one space between.
        let parts: Vec<&str> = request_line.split(' ').collect();
        let [method, target, version] = parts[..] else {
            return Err(bad("the request line must be METHOD TARGET VERSION"));
        };
        // A carriage return inside a line could make two programs disagree
        // on where lines end; RFC 9112 says to reject it.
        if !is_token(method) || target.is_empty() || request_line.contains(['\r', '\t']) {
            return Err(bad("the request line must be METHOD TARGET VERSION"));
        }
        let version = match version {
            "HTTP/1.1" => Version::Http11,
            "HTTP/1.0" => Version::Http10,
            _ if is_http_version(version) => {
                return Err(Refusal::new(
                    VERSION_NOT_SUPPORTED,
                    "only HTTP/1.0 and HTTP/1.1 are spoken here",
                ));
            }
            _ => return Err(bad("the version must be HTTP/1.0 or HTTP/1.1")),
        };

        let mut headers = Vec::new();
        for line in lines {
            if headers.len() == MAX_HEADERS {
                return Err(Refusal::new(HEADERS_TOO_LARGE, "too many header lines"));
            }
            // A line starting with a space continued the previous header in
            // old HTTP ("obsolete line folding"); RFC 9112 lets us refuse it.
            // A CR or a NUL inside a value is refused too (RFC 9110, 5.5).
            if line.starts_with(b" ")
                || line.starts_with(b"\t")
                || line.contains(&b'\r')
                || line.contains(&0)
            {
                return Err(bad("malformed header line"));
            }
            let line = String::from_utf8_lossy(line);
            let Some((name, value)) = line.split_once(':') else {
                return Err(bad("a header line has no colon"));
            };
            // No space is allowed between the name and the colon.
            if !is_token(name) {
                return Err(bad("malformed header name"));
            }
            headers.push((name.to_ascii_lowercase(), value.trim_matches([' ', '\t']).to_string()));
        }
        let request =
            Request { method: method.to_string(), target: target.to_string(), version, headers };

        // HTTP/1.1 requires a Host header, and no request may have two, or
        // one that is not a host and port (RFC 9112, section 3.2).
        let hosts: Vec<&str> = request.all("host").collect();
        if version == Version::Http11 && hosts.is_empty() {
            return Err(bad("an HTTP/1.1 request needs exactly one Host header"));
        }
        if hosts.len() > 1 {
            return Err(bad("a request may have only one Host header"));
        }
        if hosts.iter().any(|host| !is_host(host)) {
            return Err(bad("the Host header is not a host name and port"));
        }
        // Content-Length must be a number, and the same number if repeated.
        let lengths: Vec<&str> = request.all("content-length").collect();
        if lengths
            .iter()
            .any(|length| length.is_empty() || !length.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(bad("Content-Length is not a number"));
        }
        if lengths.iter().any(|length| *length != lengths[0]) {
            return Err(bad("Content-Length is given twice, differently"));
        }
        Ok(request)
    }

    /// Every value of the header `name` (lower case).
    fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers.iter().filter(move |(n, _)| n == name).map(|(_, value)| value.as_str())
    }

    /// Whether a `Connection` header lists `option` (`close`, `keep-alive`).
    fn connection_has(&self, option: &str) -> bool {
        self.all("connection")
            .flat_map(|value| value.split(','))
            .any(|item| item.trim().eq_ignore_ascii_case(option))
    }

    /// Whether the client wants the connection kept open after the answer.
    /// HTTP/1.1 keeps it unless told `Connection: close`; HTTP/1.0 closes
    /// it unless told `Connection: keep-alive`.
    fn keep_alive(&self) -> bool {
        match self.version {
            Version::Http11 => !self.connection_has("close"),
            Version::Http10 => self.connection_has("keep-alive") && !self.connection_has("close"),
        }
    }

    /// Whether the request says a body follows. This server takes no
    /// bodies: a GET or HEAD has no use for one.
    fn has_body(&self) -> bool {
        self.all("transfer-encoding").next().is_some()
            || self.all("content-length").any(|length| length.bytes().any(|byte| byte != b'0'))
    }
}

/// A token, as RFC 9110 defines it: the characters a method or a header
/// name may use.
fn is_token(text: &str) -> bool {
    !text.is_empty()
        && text
            .bytes()
            .all(|byte| byte.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&byte))
}

/// Whether a `Host` value can be a host and port: the characters of
/// RFC 3986's `host [ ":" port ]`, and no others (no space, `/`, `@`).
fn is_host(text: &str) -> bool {
    text.bytes().all(|byte| byte.is_ascii_alphanumeric() || b"-._~%!$&'()*+,;=:[]".contains(&byte))
}

/// `HTTP/` followed by a digit, a dot and a digit: a version, if not ours.
fn is_http_version(text: &str) -> bool {
    matches!(text.as_bytes(), [b'H', b'T', b'T', b'P', b'/', major, b'.', minor]
        if major.is_ascii_digit() && minor.is_ascii_digit())
}

// The answer.

/// Decides the answer to a request that parsed.
fn respond(request: &Request, root: &Path) -> Response {
    if request.method != "GET" && request.method != "HEAD" {
        let mut response =
            Response::refusal(METHOD_NOT_ALLOWED, "this server only answers GET and HEAD");
        response.headers.push(("Allow", "GET, HEAD".to_string()));
        return response;
    }
    if request.has_body() {
        return Response::refusal(CONTENT_TOO_LARGE, "a GET or HEAD request takes no body here");
    }
    match find_file(root, &request.target) {
        Ok(Found::File(path)) => Response::file(&path),
        Ok(Found::Directory(path)) => Response::listing(&path, &request.target),
        Ok(Found::DirectoryWithoutSlash) => {
            // `/notes` names a folder: send the client to `/notes/`, so
            // that the relative links in its listing or index.html work.
            let (path, query) = match request.target.split_once('?') {
                Some((path, query)) => (path, format!("?{query}")),
                None => (request.target.as_str(), String::new()),
            };
            let path = strip_scheme_and_host(path);
            let mut response =
                Response::refusal(MOVED_PERMANENTLY, "this is a folder; add a slash");
            response.headers.push(("Location", format!("{path}/{query}")));
            response
        }
        Err(refusal) => Response::refusal(refusal.status, refusal.reason),
    }
}

/// What a request target names under the root.
#[derive(Debug, PartialEq)]
enum Found {
    /// A regular file, or the index.html of a folder named with its slash.
    File(PathBuf),
    /// A folder without an index.html, named with its trailing slash.
    Directory(PathBuf),
    /// A folder named without its trailing slash: redirected (301).
    DirectoryWithoutSlash,
}

/// Maps a request target to a file under `root`, or refuses it. `root` must
/// be canonical (absolute, with no `..` and no symbolic links).
///
/// This is the one place that turns a client's words into a path, and the
/// client may be hostile. Each trap it closes, and the answer:
///
/// 1. `..` segments (`/../../etc/passwd`) climb out of the root: a segment
///    that is `.` or `..` is refused, 400.
/// 2. Percent-encoded dots (`/%2e%2e/`) are the same trap in disguise: each
///    segment is decoded first, and then checked, so they are refused too.
/// 3. Encoded slashes and backslashes (`%2f`, `%5c`) would hide a `/..`
///    inside one segment: the target is split at its real slashes before
///    decoding, and a decoded segment holding `/` or `\` is refused, 400.
/// 4. Plain backslashes (`/..\..\secret`) are separators on Windows:
///    refused on every system, 400.
/// 5. NUL bytes (`%00`) and other control characters: system calls take
///    a path that ends at its first NUL, so `a.txt%00.html` would open
///    `a.txt` (Rust's standard library refuses such a path, but this check
///    does not lean on it); refused, 400.
/// 6. Malformed escapes (`%zz`, `%4`) and bytes that are not UTF-8 once
///    decoded (including overlong forms such as `%c0%ae`, an old way to
///    write `.`): refused, 400.
/// 7. Absolute-form targets (`GET http://host/../x`), which RFC 9112 says a
///    server must accept: the scheme and host are removed, and the path
///    goes through every check above.
/// 8. Doubled slashes (`//etc/passwd`): an empty segment is refused, 400.
///    (Joined onto a path, `/etc/passwd` would *replace* it, because
///    `Path::join` with an absolute path returns that path.)
/// 9. Windows drive letters and alternate streams (`C:`, `file::$DATA`),
///    names ending in a dot or a space (Windows drops those, so `.. `
///    would become `..`), and Windows device names (`CON`, `NUL.txt`,
///    `COM1`), which name no file there: refused everywhere, 400.
/// 10. Hidden files (`.git`, `.env`): a name that starts with a dot is
///     not served, 404; nor is a path that leads to one (see below).
/// 11. Symbolic links that lead out of the root: the path is canonicalised
///     (every link followed) and must still lie inside the root; if not,
///     403. A folder's `index.html` is a path too, checked the same way.
///
/// A path that does not exist, or is not a regular file or a folder, is
/// 404. The query (`?...`) is ignored.
fn find_file(root: &Path, target: &str) -> Result<Found, Refusal> {
    let bad = |reason| Refusal::new(BAD_REQUEST, reason);
    if target.contains('#') {
        return Err(bad("a request target has no #fragment"));
    }
    let path = target.split('?').next().unwrap_or("");
    let path = strip_scheme_and_host(path);
    let Some(path) = path.strip_prefix('/') else {
        return Err(bad("the path must start with /"));
    };
    let wants_folder = path.is_empty() || path.ends_with('/');
    let segments: Vec<&str> = path.split('/').collect();
    let mut file = root.to_path_buf();
    for (index, segment) in segments.iter().enumerate() {
        if segment.is_empty() {
            if index == segments.len() - 1 {
                break; // the trailing slash of a folder
            }
            return Err(bad("empty path segment (doubled slash)"));
        }
        let name = percent_decode(segment).ok_or_else(|| bad("malformed percent-escape"))?;
        if name == "." || name == ".." {
            return Err(bad("the path may not contain . or .."));
        }
        if name.contains(['/', '\\', ':']) || name.chars().any(char::is_control) {
            return Err(bad("the path contains a forbidden character"));
        }
        if name.ends_with(['.', ' ']) {
            return Err(bad("a path segment may not end with a dot or a space"));
        }
        if is_windows_device(&name) {
            return Err(bad("the path names a Windows device"));
        }
        if name.starts_with('.') {
            return Err(Refusal::new(NOT_FOUND, "no such file"));
        }
        file.push(name);
    }
    let real = inside_root(root, &file)?;
    match (real.is_dir(), wants_folder) {
        // A folder is served as its index.html if it has one. That name may
        // be a symbolic link too, so it goes through the same check.
        (true, true) => match inside_root(root, &real.join("index.html")) {
            Ok(index) if index.is_file() => Ok(Found::File(index)),
            Err(refusal) if refusal.status == FORBIDDEN => Err(refusal),
            _ => Ok(Found::Directory(real)),
        },
        (true, false) => Ok(Found::DirectoryWithoutSlash),
        // Only regular files: opening a named pipe would wait forever for
        // a writer, and a device is no web page.
        (false, false) if real.is_file() => Ok(Found::File(real)),
        (false, false) => Err(Refusal::new(NOT_FOUND, "no such file")),
        (false, true) => Err(Refusal::new(NOT_FOUND, "no such folder")),
    }
}

/// The real path of `path`, every symbolic link followed, if it lies
/// inside `root`: 404 if it does not exist, 403 if it is outside.
fn inside_root(root: &Path, path: &Path) -> Result<PathBuf, Refusal> {
    // Follow every symbolic link, then insist on still being in the root.
    let real = fs::canonicalize(path).map_err(|_| Refusal::new(NOT_FOUND, "no such file"))?;
    let Ok(inside) = real.strip_prefix(root) else {
        return Err(Refusal::new(FORBIDDEN, "that file is outside the served folder"));
    };
    // The real names, not the ones asked for, decide what is hidden: a
    // link, or a Windows short name such as `GIT~1`, can lead to `.git`.
    if inside.iter().any(|name| name.to_string_lossy().starts_with('.')) {
        return Err(Refusal::new(NOT_FOUND, "no such file"));
    }
    Ok(real)
}

/// Whether Windows takes `name` for a device rather than a file: `CON`,
/// `PRN`, `AUX`, `NUL`, `COM0`–`COM9` and `LPT0`–`LPT9` (digits `¹²³` too),
/// in any case, with or without an extension.
fn is_windows_device(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or("").trim_end().to_ascii_uppercase();
    let (Some(start), Some(end)) = (stem.get(..3), stem.get(3..)) else {
        return false; // shorter, or not cut at a character's edge
    };
    match start {
        "CON" | "PRN" | "AUX" | "NUL" => end.is_empty(),
        "COM" | "LPT" => {
            let mut digits = end.chars();
            matches!((digits.next(), digits.next()), (Some('0'..='9' | '¹' | '²' | '³'), None))
        }
        _ => false,
    }
}

/// `http://host:port/path` becomes `/path`; an origin-form target
/// (`/path`) is returned as it is.
fn strip_scheme_and_host(target: &str) -> &str {
    let lower = target.get(..8).unwrap_or(target).to_ascii_lowercase();
    let Some(scheme_length) = ["http://", "https://"]
        .iter()
        .find_map(|scheme| lower.starts_with(scheme).then_some(scheme.len()))
    else {
        return target;
    };
    let rest = &target[scheme_length..];
    match rest.find('/') {
        Some(slash) => &rest[slash..],
        None => "/",
    }
}

/// Decodes `%XX` escapes. `None` for a malformed escape or a result that
/// is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(bytes.get(index + 1..index + 3)?).ok()?;
            if !hex.bytes().all(|byte| byte.is_ascii_hexdigit()) {
                return None;
            }
            decoded.push(u8::from_str_radix(hex, 16).ok()?);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

/// A status code with its reason phrase.
#[derive(Clone, Copy, Debug, PartialEq)]
struct Status(u16, &'static str);

const OK: Status = Status(200, "OK");
const MOVED_PERMANENTLY: Status = Status(301, "Moved Permanently");
const BAD_REQUEST: Status = Status(400, "Bad Request");
const FORBIDDEN: Status = Status(403, "Forbidden");
const NOT_FOUND: Status = Status(404, "Not Found");
const METHOD_NOT_ALLOWED: Status = Status(405, "Method Not Allowed");
const REQUEST_TIMEOUT: Status = Status(408, "Request Timeout");
const CONTENT_TOO_LARGE: Status = Status(413, "Content Too Large");
const URI_TOO_LONG: Status = Status(414, "URI Too Long");
const HEADERS_TOO_LARGE: Status = Status(431, "Request Header Fields Too Large");
const INTERNAL_ERROR: Status = Status(500, "Internal Server Error");
const SERVICE_UNAVAILABLE: Status = Status(503, "Service Unavailable");
const VERSION_NOT_SUPPORTED: Status = Status(505, "HTTP Version Not Supported");

impl Status {
    /// After these, the request (or what follows it on the connection)
    /// cannot be trusted to end where we think, so the connection closes.
    fn closes_connection(self) -> bool {
        matches!(self.0, 400 | 408 | 413 | 414 | 431 | 500 | 503 | 505)
    }
}

/// Why a request is refused: a status and a short reason for the body.
#[derive(Debug, PartialEq)]
struct Refusal {
    status: Status,
    reason: &'static str,
}

impl Refusal {
    fn new(status: Status, reason: &'static str) -> Refusal {
        Refusal { status, reason }
    }
}

/// A response, before it is sent.
struct Response {
    status: Status,
    /// Headers beyond the ones every response has.
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
    body: Body,
}

enum Body {
    Bytes(Vec<u8>),
    /// An open file and its length, taken when it was opened.
    File(File, u64),
}

impl Response {
    /// A short text answer: `404 Not Found: no such file`.
    fn refusal(status: Status, reason: &str) -> Response {
        let Status(code, text) = status;
        Response {
            status,
            headers: Vec::new(),
            content_type: "text/plain; charset=utf-8",
            body: Body::Bytes(format!("{code} {text}: {reason}\n").into_bytes()),
        }
    }

    fn file(path: &Path) -> Response {
        let opened = File::open(path).and_then(|file| Ok((file.metadata()?.len(), file)));
        match opened {
            Ok((length, file)) => Response {
                status: OK,
                headers: Vec::new(),
                content_type: content_type(path),
                body: Body::File(file, length),
            },
            Err(_) => Response::refusal(INTERNAL_ERROR, "the file cannot be read"),
        }
    }

    /// A plain HTML page that links to every entry of the folder.
    fn listing(folder: &Path, target: &str) -> Response {
        let Ok(entries) = fs::read_dir(folder) else {
            return Response::refusal(INTERNAL_ERROR, "the folder cannot be read");
        };
        let mut names: Vec<String> = entries
            .filter_map(Result::ok)
            .take(MAX_LISTED)
            .filter_map(|entry| {
                let name = entry.file_name().into_string().ok()?;
                let slash = if entry.path().is_dir() { "/" } else { "" };
                (!name.starts_with('.')).then(|| format!("{name}{slash}"))
            })
            .collect();
        names.sort();
        // Names come from the disk and the title from the client: both are
        // escaped, so that neither can add HTML of its own.
        let title = html_escape(target.split('?').next().unwrap_or(""));
        let mut page = format!(
            "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Index of {title}</title></head>\n\
             <body><h1>Index of {title}</h1>\n<ul>\n"
        );
        for name in names {
            let link = percent_encode(name.trim_end_matches('/'));
            let slash = if name.ends_with('/') { "/" } else { "" };
            page.push_str(&format!(
                "<li><a href=\"{}{slash}\">{}</a></li>\n",
                html_escape(&link),
                html_escape(&name)
            ));
        }
        page.push_str("</ul></body></html>\n");
        Response {
            status: OK,
            headers: Vec::new(),
            content_type: "text/html; charset=utf-8",
            body: Body::Bytes(page.into_bytes()),
        }
    }

    fn body_length(&self) -> u64 {
        match &self.body {
            Body::Bytes(bytes) => bytes.len() as u64,
            Body::File(_, length) => *length,
        }
    }
}

#[derive(Clone, Copy)]
enum Method {
    Get,
    Head,
}

/// Sends a response: the status line, the headers, an empty line, and for
/// GET the body. `Content-Length` tells the client where the body ends, so
/// the connection can carry the next request after it. The client has
/// `time` to take it all.
fn send(
    stream: &TcpStream,
    response: &Response,
    method: Method,
    keep_alive: bool,
    time: Duration,
) -> anyhow::Result<()> {
    let Status(code, text) = response.status;
    let length = response.body_length();
    let mut head = format!(
        "HTTP/1.1 {code} {text}\r\n\
         Date: {}\r\n\
         Server: netlessons-http-server\r\n\
         Content-Type: {}\r\n\
         Content-Length: {length}\r\n",
        http_date(SystemTime::now()),
        response.content_type
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(if keep_alive {
        "Connection: keep-alive\r\n\r\n"
    } else {
        "Connection: close\r\n\r\n"
    });
    let mut bytes = head.into_bytes();

    let mut stream = Before(stream, Instant::now() + time);
    match (&response.body, method) {
        (_, Method::Head) => stream.write_all(&bytes),
        (Body::Bytes(body), Method::Get) => {
            bytes.extend_from_slice(body);
            stream.write_all(&bytes)
        }
        // A small file goes out with its head in one write.
        (Body::File(file, length), Method::Get) if *length <= SMALL_FILE => {
            let read = file.take(*length).read_to_end(&mut bytes)?;
            stream.write_all(&bytes)?;
            if read as u64 != *length {
                // The file shrank since we opened it. The client was
                // promised `length` bytes; closing tells it the body was cut.
                anyhow::bail!("the file shrank to {read} of {length} bytes while being sent");
            }
            Ok(())
        }
        (Body::File(file, length), Method::Get) => {
            stream.write_all(&bytes)?;
            let sent = io::copy(&mut file.take(*length), &mut stream)?;
            if sent != *length {
                anyhow::bail!("the file shrank to {sent} of {length} bytes while being sent");
            }
            Ok(())
        }
    }
    .context("cannot send the response")
}

/// A connection that must take everything written to it by a deadline.
/// A write timeout alone would not do: a client that reads a byte now and
/// then lets each write finish in time, and could hold its thread for
/// hours. So each write waits only for the time left (as `read_head` does).
struct Before<'a>(&'a TcpStream, Instant);

impl Write for Before<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        let left = self.1.saturating_duration_since(Instant::now());
        if left.is_zero() {
            let message = "the client did not take the response in time";
            return Err(io::Error::new(io::ErrorKind::TimedOut, message));
        }
        self.0.set_write_timeout(Some(left))?;
        let mut stream = self.0;
        stream.write(bytes)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Closes a connection so that the client still gets our last answer.
///
/// Closing a socket with unread data in its receive buffer makes the system
/// send a reset, and a reset can destroy the answer before the client has
/// read it. So: stop sending, then read and discard what the client still
/// sends, for a moment, and only then close (RFC 9112, section 9.6).
fn close_gently(mut stream: &TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let _ = stream.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buffer = [0; 4096];
    let mut discarded = 0;
    while discarded < 256 * 1024 {
        match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => discarded += count,
        }
    }
}

/// One line per request: who, what, and what they got.
fn log(say: Narrator, peer: SocketAddr, method: &str, target: &[u8], response: &Response) {
    let Status(code, text) = response.status;
    say.step(format_args!(
        "{peer} {method} {} -> {code} {text}, {} bytes",
        show::bytes(target),
        response.body_length()
    ));
}

/// The media type for a file, from its extension.
fn content_type(path: &Path) -> &'static str {
    let extension = path.extension().and_then(|extension| extension.to_str()).unwrap_or("");
    match extension.to_ascii_lowercase().as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        _ => "application/octet-stream",
    }
}

fn html_escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#39;"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Escapes every byte but letters, digits and `-._~`, for a link.
fn percent_encode(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (byte as char).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}

/// A time in the format HTTP uses: `Sun, 06 Nov 1994 08:49:37 GMT`. An
/// origin server with a clock must send one (RFC 9110, section 6.6.1).
fn http_date(time: SystemTime) -> String {
    let seconds = time.duration_since(UNIX_EPOCH).map(|since| since.as_secs()).unwrap_or(0);
    let days = (seconds / 86_400) as i64;
    let (hour, minute, second) = (seconds % 86_400 / 3600, seconds % 3600 / 60, seconds % 60);
    // 1 January 1970 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"][(days % 7) as usize];
    // Days since 1970 to a calendar date: Howard Hinnant's `civil_from_days`.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153; // 0 is March
    let day = day_of_year - (153 * month_index + 2) / 5 + 1;
    let month = if month_index < 10 { month_index + 3 } else { month_index - 9 };
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    let name = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        [(month - 1) as usize];
    format!("{weekday}, {day:02} {name} {year} {hour:02}:{minute:02}:{second:02} GMT")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A folder of its own under the system's temporary folder, removed
    /// when dropped: `root/` holds `a.txt`, `notes/b.md` and `.secret`, and
    /// `outside.txt` sits next to `root/`.
    struct Tree {
        top: PathBuf,
        root: PathBuf,
    }

    impl Tree {
        fn new(name: &str) -> Tree {
            let top = std::env::temp_dir()
                .join(format!("http-server-test-{}-{name}", std::process::id()));
            let _ = fs::remove_dir_all(&top);
            fs::create_dir_all(top.join("root/notes")).unwrap();
            fs::write(top.join("root/a.txt"), "a").unwrap();
            fs::write(top.join("root/notes/b.md"), "b").unwrap();
            fs::write(top.join("root/.secret"), "s").unwrap();
            fs::write(top.join("outside.txt"), "o").unwrap();
            let root = fs::canonicalize(top.join("root")).unwrap();
            Tree { top, root }
        }

        fn find(&self, target: &str) -> Result<Found, Refusal> {
            find_file(&self.root, target)
        }
    }

    impl Drop for Tree {
        fn drop(&mut self) {
            let _ = fs::remove_dir_all(&self.top);
        }
    }

    fn status(result: Result<Found, Refusal>) -> u16 {
        match result {
            Ok(_) => 200,
            Err(refusal) => refusal.status.0,
        }
    }

    /// Files and folders inside the root are found; a folder without its
    /// slash is redirected; a missing file is 404.
    #[test]
    fn finds_what_is_inside() {
        let tree = Tree::new("inside");
        assert_eq!(tree.find("/a.txt"), Ok(Found::File(tree.root.join("a.txt"))));
        assert_eq!(tree.find("/notes/b.md?x=1"), Ok(Found::File(tree.root.join("notes/b.md"))));
        assert_eq!(tree.find("/"), Ok(Found::Directory(tree.root.clone())));
        assert_eq!(tree.find("/notes/"), Ok(Found::Directory(tree.root.join("notes"))));
        assert_eq!(tree.find("/notes"), Ok(Found::DirectoryWithoutSlash));
        assert_eq!(tree.find("/%61.txt"), Ok(Found::File(tree.root.join("a.txt"))));
        assert_eq!(status(tree.find("/missing.txt")), 404);
        assert_eq!(status(tree.find("/a.txt/")), 404);
    }

    /// Every trap the comment on `find_file` lists is closed, with the
    /// status it promises.
    #[test]
    fn closes_every_trap() {
        let tree = Tree::new("traps");
        let cases = [
            ("/../outside.txt", 400),
            ("/notes/../../outside.txt", 400),
            ("/./a.txt", 400),
            ("/%2e%2e/outside.txt", 400),
            ("/%2E%2e/outside.txt", 400),
            ("/notes%2f..%2f..%2foutside.txt", 400),
            ("/..%5coutside.txt", 400),
            ("/..\\outside.txt", 400),
            ("/a.txt%00.html", 400),
            ("/a%0a.txt", 400),
            ("/%zz", 400),
            ("/%4", 400),
            ("/%c0%ae%c0%ae/outside.txt", 400),
            ("/%ff", 400),
            ("http://host/../outside.txt", 400),
            ("HTTP://host/%2e%2e/outside.txt", 400),
            ("//etc/passwd", 400),
            ("/notes//b.md", 400),
            ("/C:/Windows", 400),
            ("/a.txt::$DATA", 400),
            ("/..%20/outside.txt", 400),
            ("/a.txt.", 400),
            ("/CON", 400),
            ("/notes/nul.txt", 400),
            ("/Com1", 400),
            ("/lpt%C2%B9.md", 400),
            ("/aux.tar.gz", 400),
            ("a.txt", 400),
            ("*", 400),
            ("/a.txt#top", 400),
            ("/.secret", 404),
            ("/%2esecret", 404),
        ];
        for (target, expected) in cases {
            assert_eq!(status(tree.find(target)), expected, "{target}");
        }
        // Absolute form is accepted when the path is clean.
        assert_eq!(tree.find("http://example.com/a.txt"), Ok(Found::File(tree.root.join("a.txt"))));
        assert_eq!(tree.find("http://example.com"), Ok(Found::Directory(tree.root.clone())));
        // Names that only begin like a device are files.
        for name in ["console.txt", "com10", "nullable", "auxiliary.md", "lpt", "coé", "é"] {
            assert!(!is_windows_device(name), "{name}");
        }
    }

    /// A symbolic link inside the root that points out of it is refused
    /// (403), even as a folder's index.html; one to a hidden file is 404;
    /// one that points inside is followed.
    #[cfg(unix)]
    #[test]
    fn symbolic_links_out_of_the_root_are_refused() {
        use std::os::unix::fs::symlink;
        let tree = Tree::new("links");
        symlink(tree.top.join("outside.txt"), tree.root.join("escape.txt")).unwrap();
        symlink(&tree.top, tree.root.join("up")).unwrap();
        symlink(tree.root.join("a.txt"), tree.root.join("same.txt")).unwrap();
        symlink(".secret", tree.root.join("hidden.txt")).unwrap();
        symlink("../../outside.txt", tree.root.join("notes/index.html")).unwrap();
        assert_eq!(status(tree.find("/escape.txt")), 403);
        assert_eq!(status(tree.find("/up/outside.txt")), 403);
        assert_eq!(status(tree.find("/up/")), 403);
        assert_eq!(status(tree.find("/notes/")), 403);
        assert_eq!(tree.find("/same.txt"), Ok(Found::File(tree.root.join("a.txt"))));
        assert_eq!(status(tree.find("/hidden.txt")), 404);
        // An index.html that is a link inside the root is served.
        fs::remove_file(tree.root.join("notes/index.html")).unwrap();
        symlink("../a.txt", tree.root.join("notes/index.html")).unwrap();
        assert_eq!(tree.find("/notes/"), Ok(Found::File(tree.root.join("a.txt"))));
    }

    /// A folder with an index.html is served as that file.
    #[test]
    fn a_folder_is_served_as_its_index() {
        let tree = Tree::new("index");
        fs::write(tree.root.join("notes/index.html"), "i").unwrap();
        assert_eq!(tree.find("/notes/"), Ok(Found::File(tree.root.join("notes/index.html"))));
        assert_eq!(tree.find("/"), Ok(Found::Directory(tree.root.clone())));
    }

    /// Only regular files are served: a socket (like a named pipe, whose
    /// opening would wait for a writer forever) is 404.
    #[cfg(unix)]
    #[test]
    fn only_regular_files_are_served() {
        let tree = Tree::new("special");
        let _socket = std::os::unix::net::UnixListener::bind(tree.root.join("socket")).unwrap();
        assert_eq!(status(tree.find("/socket")), 404);
    }

    /// Request heads are parsed by the grammar, and refused with the right
    /// status when they break it.
    #[test]
    fn parses_and_refuses_heads() {
        let ok =
            Request::parse(b"GET /x HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n").unwrap();
        assert_eq!((ok.method.as_str(), ok.target.as_str()), ("GET", "/x"));
        assert!(!ok.keep_alive());
        let ok = Request::parse(b"GET / HTTP/1.1\nHost: h\n\n").unwrap();
        assert!(ok.keep_alive());
        let old = Request::parse(b"GET / HTTP/1.0\r\n\r\n").unwrap();
        assert!(!old.keep_alive());
        let old = Request::parse(b"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").unwrap();
        assert!(old.keep_alive());
        let refused = |head: &[u8]| Request::parse(head).err().map(|refusal| refusal.status.0);
        assert_eq!(refused(b"GET / HTTP/2.0\r\nHost: h\r\n\r\n"), Some(505));
        assert_eq!(refused(b"GET / HTTP/1.1\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET  / HTTP/1.1\r\nHost: h\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / FTP/1.1\r\nHost: h\r\n\r\n"), Some(400));
        assert_eq!(refused(b"G(T / HTTP/1.1\r\nHost: h\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost : h\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: h\r\n folded\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n"), Some(400));
        // One Host at most, in any version, and a host it must be.
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: h\r\nHost: h\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: a b/c\r\n\r\n"), Some(400));
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: [::1]:8000\r\n\r\n"), None);
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost:\r\n\r\n"), None);
        assert_eq!(refused(b"GET / HTTP/1.1\r\nHost: h\r\nX: a\0b\r\n\r\n"), Some(400));
        let many = format!("GET / HTTP/1.1\r\nHost: h\r\n{}\r\n", "A: b\r\n".repeat(MAX_HEADERS));
        assert_eq!(refused(many.as_bytes()), Some(431));
        let body =
            Request::parse(b"GET / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\n").unwrap();
        assert!(body.has_body());
        let chunked =
            Request::parse(b"GET / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n")
                .unwrap();
        assert!(chunked.has_body());
    }

    /// The end of a head is found with CRLF or bare LF line ends.
    #[test]
    fn finds_the_end_of_a_head() {
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\n\r\nnext"), Some(18));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\n\nnext"), Some(16));
        assert_eq!(end_of_head(b"GET / HTTP/1.1\r\nHost: x\r\n"), None);
    }

    /// Dates are written as RFC 9110 shows them.
    #[test]
    fn writes_http_dates() {
        assert_eq!(http_date(UNIX_EPOCH), "Thu, 01 Jan 1970 00:00:00 GMT");
        let example = UNIX_EPOCH + Duration::from_secs(784_111_777);
        assert_eq!(http_date(example), "Sun, 06 Nov 1994 08:49:37 GMT");
        let leap = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(http_date(leap), "Tue, 29 Feb 2000 00:00:00 GMT");
    }

    /// Names in a listing cannot inject HTML, and links are encoded.
    #[test]
    fn escapes_names() {
        assert_eq!(html_escape("<a href=\"x\">&'"), "&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
        assert_eq!(percent_encode("a b<é"), "a%20b%3C%C3%A9");
    }
}
