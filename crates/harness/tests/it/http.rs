//! Lesson 9: http-server and http-client, with each other, with raw bytes
//! written by hand, and against peers we did not write: curl, Python's
//! `http.client`, and `python3 -m http.server`. A test that needs a tool
//! this machine lacks says so and passes without checking anything more.

use std::fs;
use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;
use std::time::{Duration, Instant};

use harness::{Process, START_TIMEOUT, Server};

use crate::support::*;

/// A folder of files to serve, under the system's temporary folder, removed
/// when dropped. `root/` holds an HTML page, a binary file with every byte
/// value, and a folder; `secret.txt` sits beside `root/`, where no request
/// may reach it.
struct Site {
    top: PathBuf,
    root: PathBuf,
}

const PAGE: &str = "<!DOCTYPE html>\n<title>hello</title>\n<p>Hello from the test.</p>\n";
const SECRET: &str = "the secret outside the root\n";

impl Site {
    fn new() -> Site {
        static COUNT: AtomicUsize = AtomicUsize::new(0);
        let number = COUNT.fetch_add(1, Ordering::SeqCst);
        let top =
            std::env::temp_dir().join(format!("netlessons-http-{}-{number}", std::process::id()));
        let _ = fs::remove_dir_all(&top);
        let root = top.join("root");
        fs::create_dir_all(root.join("notes")).expect("create the site");
        fs::write(root.join("page.html"), PAGE).expect("write");
        fs::write(root.join("bytes.bin"), binary()).expect("write");
        fs::write(root.join("notes/a.md"), "# A\n").expect("write");
        fs::write(top.join("secret.txt"), SECRET).expect("write");
        Site { top, root }
    }

    fn root(&self) -> &str {
        self.root.to_str().expect("a UTF-8 temporary folder")
    }

    /// Starts http-server on this site with `args`.
    fn serve(&self, args: &[&str]) -> Server {
        let mut all = vec!["--root", self.root()];
        all.extend(args);
        start("http-server", &all)
    }
}

impl Drop for Site {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.top);
    }
}

/// 1000 bytes: every byte value, several times over.
fn binary() -> Vec<u8> {
    (0..1000).map(|index| (index * 7 % 256) as u8).collect()
}

fn url(server: &Server, path: &str) -> String {
    format!("http://{}{path}", server.address())
}

/// Sends `request` on a new connection and reads until the server closes.
fn exchange(address: SocketAddr, request: &[u8]) -> Vec<u8> {
    let mut stream = connect(address);
    stream.write_all(request).expect("send the request");
    let mut response = Vec::new();
    stream.read_to_end(&mut response).expect("read the response");
    response
}

/// The status code of the first response in `bytes`.
fn status(bytes: &[u8]) -> u16 {
    let text = String::from_utf8_lossy(bytes);
    let line = text.lines().next().unwrap_or("");
    assert!(line.starts_with("HTTP/1.1 "), "not a response: {text:?}");
    line[9..12].parse().expect("a status code")
}

/// Splits `bytes` into responses (head, body), using each Content-Length.
fn responses(mut bytes: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut found = Vec::new();
    while !bytes.is_empty() {
        let end = bytes.windows(4).position(|w| w == b"\r\n\r\n").expect("a whole head") + 4;
        let head = String::from_utf8_lossy(&bytes[..end]).to_string();
        let length: usize =
            header(&head, "content-length").expect("Content-Length").parse().unwrap();
        found.push((head, bytes[end..end + length].to_vec()));
        bytes = &bytes[end + length..];
    }
    found
}

fn header<'a>(head: &'a str, name: &str) -> Option<&'a str> {
    head.lines().find_map(|line| {
        let (n, value) = line.split_once(':')?;
        n.eq_ignore_ascii_case(name).then(|| value.trim())
    })
}

/// Whether `tool` runs here; if not, says which test is skipped and why.
fn have(tool: &str, test: &str) -> bool {
    let found = Command::new(tool).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        eprintln!("skipping {test}: {tool} is not installed");
    }
    found
}

// Against curl.

/// curl fetches a page and a binary file; HEAD gives the same headers
/// and no body.
#[test]
fn curl_gets_files() {
    if !have("curl", "curl_gets_files") {
        return;
    }
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let page =
        Command::new("curl").args(["-sS", "--fail", &url(&server, "/page.html")]).output().unwrap();
    assert!(page.status.success(), "{}", String::from_utf8_lossy(&page.stderr));
    assert_eq!(page.stdout, PAGE.as_bytes());
    let bytes = Command::new("curl").args(["-sS", &url(&server, "/bytes.bin")]).output().unwrap();
    assert_eq!(bytes.stdout, binary());

    let head =
        Command::new("curl").args(["-sS", "-I", &url(&server, "/page.html")]).output().unwrap();
    let text = String::from_utf8_lossy(&head.stdout);
    assert!(text.starts_with("HTTP/1.1 200 OK\r\n"), "{text}");
    assert!(text.contains(&format!("Content-Length: {}\r\n", PAGE.len())), "{text}");
    assert!(text.contains("Content-Type: text/html; charset=utf-8\r\n"), "{text}");
    assert!(text.ends_with("\r\n\r\n"), "HEAD has no body: {text:?}");
}

/// curl sends two requests over one connection: the server kept it open.
#[test]
fn curl_reuses_the_connection() {
    if !have("curl", "curl_reuses_the_connection") {
        return;
    }
    let site = Site::new();
    let server = site.serve(&[]);
    let (first, second) = (site.top.join("first.out"), site.top.join("second.out"));
    let output = Command::new("curl")
        .args(["-sS", "-v"])
        .arg("-o")
        .arg(&first)
        .arg("-o")
        .arg(&second)
        .args([url(&server, "/page.html"), url(&server, "/notes/a.md")])
        .output()
        .unwrap();
    let verbose = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{verbose}");
    assert!(verbose.contains("Re-using existing connection"), "{verbose}");
    assert_eq!(verbose.matches("< HTTP/1.1 200 OK").count(), 2, "{verbose}");
    assert_eq!(fs::read(first).unwrap(), PAGE.as_bytes());
    assert_eq!(fs::read(second).unwrap(), b"# A\n");
    // The server saw both requests come from one client port.
    let log =
        server.process().wait_for_line(START_TIMEOUT, |line| line.contains("/notes/a.md")).unwrap();
    let first =
        server.process().stdout().into_iter().find(|line| line.contains("/page.html")).unwrap();
    assert_eq!(first.split(' ').next(), log.split(' ').next(), "one connection, one client port");
}

/// curl gets 404 for a missing file, and 400 for a path that climbs out
/// of the root; the file outside is never sent.
#[test]
fn curl_missing_file_and_traversal() {
    if !have("curl", "curl_missing_file_and_traversal") {
        return;
    }
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let code = |args: &[&str]| {
        let output = Command::new("curl")
            .args(["-sS", "-o", "-", "-w", "\n%{http_code}"])
            .args(args)
            .output()
            .unwrap();
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    assert!(code(&[&url(&server, "/missing.html")]).ends_with("\n404"));
    for path in
        ["/../secret.txt", "/notes/../../secret.txt", "/%2e%2e/secret.txt", "/..%2fsecret.txt"]
    {
        let answer = code(&["--path-as-is", &url(&server, path)]);
        assert!(answer.ends_with("\n400"), "{path}: {answer}");
        assert!(!answer.contains("secret"), "{path}: {answer}");
    }
}

/// Python's http.client makes three requests on one connection, as a
/// library we did not write would.
#[test]
fn python_http_client_keeps_the_connection() {
    if !have("python3", "python_http_client_keeps_the_connection") {
        return;
    }
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let script = r#"
import http.client, sys
connection = http.client.HTTPConnection(sys.argv[1], int(sys.argv[2]), timeout=20)
ports = set()
for path in ["/page.html", "/missing", "/notes/a.md"]:
    connection.request("GET", path)
    ports.add(connection.sock.getsockname()[1])
    response = connection.getresponse()
    body = response.read()
    print(response.status, len(body), response.getheader("Content-Type"))
print(len(ports), "connection(s)")
"#;
    let output = Command::new("python3")
        .args(["-c", script, &server.address().ip().to_string(), &server.port()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        text,
        format!(
            "200 {} text/html; charset=utf-8\n404 28 text/plain; charset=utf-8\n200 4 text/markdown; charset=utf-8\n1 connection(s)\n",
            PAGE.len()
        )
    );
}

// By hand: raw requests, and every refusal.

/// Each malformed or unwanted request gets its status, a short body saying
/// why, and a closed connection where the rest cannot be trusted.
#[test]
fn refusals_have_their_status() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let long_line = format!("GET /{} HTTP/1.1\r\nHost: x\r\n\r\n", "a".repeat(9000));
    let long_headers = format!("GET / HTTP/1.1\r\nHost: x\r\nX: {}\r\n\r\n", "b".repeat(17_000));
    let cases: Vec<(Vec<u8>, u16, &str)> = vec![
        (
            b"POST /page.html HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n".to_vec(),
            405,
            "only answers GET and HEAD",
        ),
        (b"GET /page.html HTTP/2.0\r\nHost: x\r\n\r\n".to_vec(), 505, "only HTTP/1.0 and HTTP/1.1"),
        (b"GET /page.html\r\n\r\n".to_vec(), 400, "METHOD TARGET VERSION"),
        (b"GET /page.html HTTP/1.1\r\n\r\n".to_vec(), 400, "exactly one Host"),
        (
            b"GET /page.html HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello".to_vec(),
            413,
            "takes no body",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            413,
            "takes no body",
        ),
        (long_line.into_bytes(), 414, "request line is too long"),
        (long_headers.into_bytes(), 431, "header lines are too long"),
        (b"GET /%00 HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400, "forbidden character"),
        (b"GET http://x/../secret.txt HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(), 400, ". or .."),
        (b"GET / HTTP/1.0\r\nHost: a\r\nHost: b\r\n\r\n".to_vec(), 400, "only one Host"),
        (b"GET / HTTP/1.1\r\nHost: x\r\nX: a\0b\r\n\r\n".to_vec(), 400, "malformed header"),
    ];
    for (request, code, reason) in cases {
        let response = exchange(server.address(), &request);
        let shown = String::from_utf8_lossy(&response).to_string();
        assert_eq!(status(&response), code, "{shown}");
        assert!(shown.contains(reason), "{code}: {shown}");
        let (head, body) = &responses(&response)[0];
        assert!(String::from_utf8_lossy(body).starts_with(&code.to_string()), "{shown}");
        if code == 405 {
            assert_eq!(header(head, "allow"), Some("GET, HEAD"));
        }
        if code != 405 {
            assert_eq!(header(head, "connection"), Some("close"), "{shown}");
        }
    }
}

/// Every disguise of a path out of the root, sent raw over the network,
/// is refused, and the file outside never comes back.
#[test]
fn no_disguise_reaches_the_file_outside() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let targets = [
        "/../secret.txt",
        "/notes/../../secret.txt",
        "/%2e%2e/secret.txt",
        "/.%2E/secret.txt",
        "/notes%2f..%2f..%2fsecret.txt",
        "/..%5csecret.txt",
        "/..\\secret.txt",
        "/notes/..\\..\\secret.txt",
        "/secret.txt%00.html",
        "/%c0%ae%c0%ae/secret.txt",
        "/%%32%65%%32%65/secret.txt",
        "/%2",
        "http://x/../secret.txt",
        "HTTP://x/%2e%2e/secret.txt",
        "http://x//secret.txt",
        "//secret.txt",
        &format!("/{}", site.top.join("secret.txt").display()).replace("//", "/"),
        &format!("/{}", site.top.join("secret.txt").display()),
        "/.. /secret.txt",
        "/...",
    ];
    for target in targets {
        let request = format!("GET {target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let response = exchange(server.address(), request.as_bytes());
        let shown = String::from_utf8_lossy(&response).to_string();
        assert!(!shown.contains(SECRET), "{target}: {shown}");
        assert!([400, 404].contains(&status(&response)), "{target}: {shown}");
    }
}

/// A keep-alive connection carries pipelined requests, answered in order;
/// `Connection: close` ends it after its answer.
#[test]
fn keep_alive_pipelining_and_close() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    // Three requests in one write: the server must find where each ends.
    let all = exchange(
        server.address(),
        b"GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n\
          HEAD /bytes.bin HTTP/1.1\r\nHost: x\r\n\r\n\
          GET /notes/a.md HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    // The HEAD answer has a Content-Length but no body; split by hand.
    let text = String::from_utf8_lossy(&all);
    assert_eq!(text.matches("HTTP/1.1 200 OK\r\n").count(), 3, "{text}");
    assert!(
        text.contains(&format!(
            "Content-Length: {}\r\nConnection: keep-alive\r\n\r\n{PAGE}",
            PAGE.len()
        )),
        "{text}"
    );
    assert!(
        text.contains("Content-Length: 1000\r\nConnection: keep-alive\r\n\r\nHTTP/1.1 200 OK"),
        "{text}"
    );
    assert!(text.ends_with("Content-Length: 4\r\nConnection: close\r\n\r\n# A\n"), "{text}");
}

/// HTTP/1.0 closes after each answer unless the client asks for keep-alive.
#[test]
fn http_1_0_closes_unless_asked() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let one = exchange(
        server.address(),
        b"GET /notes/a.md HTTP/1.0\r\n\r\nGET /page.html HTTP/1.0\r\n\r\n",
    );
    let answers = responses(&one);
    assert_eq!(answers.len(), 1, "the second request must not be answered");
    assert_eq!(header(&answers[0].0, "connection"), Some("close"));
    let two = exchange(
        server.address(),
        b"GET /notes/a.md HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /notes/a.md HTTP/1.0\r\n\r\n",
    );
    let answers = responses(&two);
    assert_eq!(answers.len(), 2);
    assert_eq!(header(&answers[0].0, "connection"), Some("keep-alive"));
    assert_eq!(header(&answers[1].0, "connection"), Some("close"));
}

/// A connection carries at most 100 requests; the 100th answer says close.
#[test]
fn requests_per_connection_are_bounded() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let request = b"GET /notes/a.md HTTP/1.1\r\nHost: x\r\n\r\n".repeat(150);
    let answers = responses(&exchange(server.address(), &request));
    assert_eq!(answers.len(), 100);
    assert_eq!(header(&answers[98].0, "connection"), Some("keep-alive"));
    assert_eq!(header(&answers[99].0, "connection"), Some("close"));
}

/// A folder without its slash is redirected; with it, its listing shows
/// every name, HTML-escaped, and an index.html is served instead.
#[test]
fn folders_redirect_list_and_index() {
    let site = Site::new();
    // A name full of HTML, where the system allows one.
    let tricky = if cfg!(windows) { "a&b 'c'.txt" } else { "<b>&\"x\".txt" };
    fs::write(site.root.join("notes").join(tricky), "t").unwrap();
    let server = site.serve(&["--quiet"]);
    let redirect = exchange(
        server.address(),
        b"GET /notes?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
    );
    assert_eq!(status(&redirect), 301);
    assert_eq!(header(&responses(&redirect)[0].0, "location"), Some("/notes/?x=1"));

    let listing =
        exchange(server.address(), b"GET /notes/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let page = String::from_utf8_lossy(&responses(&listing)[0].1).to_string();
    assert!(page.contains("<a href=\"a.md\">a.md</a>"), "{page}");
    if cfg!(windows) {
        assert!(page.contains("a&amp;b &#39;c&#39;.txt"), "{page}");
    } else {
        assert!(
            page.contains("<a href=\"%3Cb%3E%26%22x%22.txt\">&lt;b&gt;&amp;&quot;x&quot;.txt</a>"),
            "{page}"
        );
    }

    fs::write(site.root.join("notes/index.html"), "index!").unwrap();
    let index =
        exchange(server.address(), b"GET /notes/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    assert_eq!(responses(&index)[0].1, b"index!");
}

/// A symbolic link in the root that leads out of it is refused, as a file
/// and as a folder's index.html.
#[cfg(unix)]
#[test]
fn links_out_of_the_root_are_refused() {
    let site = Site::new();
    std::os::unix::fs::symlink(site.top.join("secret.txt"), site.root.join("link.txt")).unwrap();
    std::os::unix::fs::symlink("../../secret.txt", site.root.join("notes/index.html")).unwrap();
    let server = site.serve(&["--quiet"]);
    for path in ["/link.txt", "/notes/"] {
        let request = format!("GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
        let response = exchange(server.address(), request.as_bytes());
        assert_eq!(status(&response), 403, "{path}");
        assert!(!String::from_utf8_lossy(&response).contains("secret"), "{path}");
    }
}

/// Slow clients, one byte every 100 ms, get 408 after --request-timeout,
/// and while they trickle, a normal request is answered promptly: in a
/// small fraction of the time the slow ones are given.
#[test]
fn slow_clients_time_out_without_holding_up_others() {
    let site = Site::new();
    let server = site.serve(&["--quiet", "--request-timeout", "2"]);
    let address = server.address();
    let started = Instant::now();
    let (trickling, begun) = std::sync::mpsc::channel();
    let slow: Vec<_> = (0..5)
        .map(|_| {
            let trickling = trickling.clone();
            thread::spawn(move || {
                let mut stream = connect(address);
                let began = Instant::now();
                for (index, &byte) in
                    b"GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n".iter().enumerate()
                {
                    if stream.write_all(&[byte]).is_err() {
                        break;
                    }
                    if index == 2 {
                        let _ = trickling.send(());
                    }
                    // One byte every 100 ms: the slow client itself.
                    thread::sleep(Duration::from_millis(100));
                }
                let mut response = Vec::new();
                let _ = stream.read_to_end(&mut response);
                (response, began.elapsed())
            })
        })
        .collect();
    // Every slow client has sent its first bytes before the normal one asks.
    for _ in 0..5 {
        begun.recv_timeout(SOCKET_TIMEOUT).expect("a slow client started");
    }
    let asked = Instant::now();
    let normal =
        exchange(address, b"GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let normal_took = asked.elapsed();
    assert_eq!(status(&normal), 200);
    for handle in slow {
        let (response, took) = handle.join().unwrap();
        assert_eq!(status(&response), 408, "{}", String::from_utf8_lossy(&response));
        assert!(normal_took * 4 < took, "normal {normal_took:?}, slow {took:?}");
    }
    assert!(started.elapsed() < Duration::from_secs(20));
}

/// A client that asks for a large file and then does not read is cut off
/// after --send-timeout: the file does not all arrive, and the connection
/// ends instead of holding the server's thread.
#[test]
fn slow_readers_are_cut_off() {
    let site = Site::new();
    // Larger than what the two systems' socket buffers can hold between them.
    let size = 64 * 1024 * 1024;
    fs::write(site.root.join("large.bin"), vec![b'x'; size]).unwrap();
    let server = site.serve(&["--quiet", "--send-timeout", "0.5"]);
    let mut stream = connect(server.address());
    stream.write_all(b"GET /large.bin HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    // The slow reader itself: it reads nothing for six times the server's limit.
    thread::sleep(Duration::from_secs(3));
    let mut received = 0;
    let mut buffer = vec![0; 1024 * 1024];
    // The connection must end (closed or reset), not time out our read.
    loop {
        match stream.read(&mut buffer) {
            Ok(0) => break,
            Ok(count) => received += count,
            Err(error)
                if matches!(
                    error.kind(),
                    std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::ConnectionAborted
                ) =>
            {
                break;
            }
            Err(error) => panic!("after {received} bytes: {error}"),
        }
    }
    assert!(received < size, "all {received} bytes arrived");
}

/// A client that connects and sends nothing at all also gets 408.
#[test]
fn silent_client_gets_408() {
    let site = Site::new();
    let server = site.serve(&["--quiet", "--request-timeout", "0.3"]);
    let response = exchange(server.address(), b"");
    assert_eq!(status(&response), 408);
}

/// Past --max-clients, a client gets 503 and the server goes on serving.
#[test]
fn clients_past_the_cap_get_503() {
    let site = Site::new();
    let server = site.serve(&["--max-clients", "2"]);
    let holders: Vec<TcpStream> = (0..2).map(|_| connect(server.address())).collect();
    let refused = exchange(server.address(), b"GET /page.html HTTP/1.1\r\nHost: x\r\n\r\n");
    assert_eq!(status(&refused), 503, "{}", String::from_utf8_lossy(&refused));
    drop(holders);
    // The two slots are freed once their threads see the connections close.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let response = exchange(
            server.address(),
            b"GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
        );
        if status(&response) == 200 {
            break;
        }
        assert!(Instant::now() < deadline, "the server did not free its slots");
    }
}

/// The server logs one line per request: peer, method, path, status, bytes.
#[test]
fn one_log_line_per_request() {
    let site = Site::new();
    let server = site.serve(&[]);
    exchange(server.address(), b"GET /page.html HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    let line = server.process().wait_for_line(START_TIMEOUT, |line| line.contains("GET")).unwrap();
    assert!(line.starts_with("127.0.0.1:"), "{line}");
    assert!(
        line.ends_with(&format!(" GET \"/page.html\" -> 200 OK, {} bytes", PAGE.len())),
        "{line}"
    );
}

/// A missing root is one clear error.
#[test]
fn missing_root_is_an_error() {
    let output =
        program("http-server").args(["--root", "no/such/folder", "--port", "0"]).output().unwrap();
    assert_one_line_error(&output, 1, "cannot serve the folder no/such/folder");
}

/// A stop and continue (Ctrl-Z, `fg`) while the server waits for a request
/// does not break the connection: the interrupted read is retried.
#[cfg(unix)]
#[test]
fn survives_being_stopped_and_continued() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let mut stream = connect(server.address());
    stream.write_all(b"GET /notes/a.md HTTP/1.1\r\n").unwrap();
    stop_and_continue(server.process().id());
    stream.write_all(b"Host: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = Vec::new();
    stream.read_to_end(&mut response).unwrap();
    assert_eq!(responses(&response)[0].1, b"# A\n");
}

// http-client.

/// http-client fetches a binary file byte for byte, shows the head on
/// standard error with -i, and follows a redirect with --follow.
#[test]
fn client_fetches_from_our_server() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let output = program("http-client").args(["-i", &url(&server, "/bytes.bin")]).output().unwrap();
    assert!(output.status.success());
    assert_eq!(output.stdout, binary());
    let head = String::from_utf8_lossy(&output.stderr);
    assert!(head.starts_with("HTTP/1.1 200 OK\n"), "{head}");
    assert!(head.contains("Content-Type: application/octet-stream\n"), "{head}");

    let head_only =
        program("http-client").args(["--head", &url(&server, "/bytes.bin")]).output().unwrap();
    assert!(head_only.status.success());
    assert!(head_only.stdout.is_empty());

    let followed =
        program("http-client").args(["--follow", &url(&server, "/notes")]).output().unwrap();
    assert!(followed.status.success());
    assert!(String::from_utf8_lossy(&followed.stdout).contains("Index of /notes/"));
    let not_followed = program("http-client").arg(url(&server, "/notes")).output().unwrap();
    assert!(not_followed.status.success());
    assert_eq!(not_followed.stdout, b"301 Moved Permanently: this is a folder; add a slash\n");
}

/// A 404 prints its body and exits with 22, as curl --fail does.
#[test]
fn client_fails_on_4xx() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let output = program("http-client").arg(url(&server, "/missing")).output().unwrap();
    assert_eq!(output.stdout, b"404 Not Found: no such file\n");
    assert_one_line_error(&output, 22, "the server answered 404 Not Found");
}

/// http-client against Python's own web server, started on a free port
/// whose number we read from its first line.
#[test]
fn client_against_python_http_server() {
    if !have("python3", "client_against_python_http_server") {
        return;
    }
    let site = Site::new();
    // -u: Python buffers its output when it goes to a pipe; unbuffered,
    // the "Serving HTTP on ... port N" line arrives at once.
    let python = Process::start_path(
        Path::new("python3"),
        "python3 -m http.server",
        &["-u", "-m", "http.server", "--bind", "127.0.0.1", "--directory", site.root(), "0"],
        None,
    )
    .unwrap();
    let line =
        python.wait_for_line(START_TIMEOUT, |line| line.starts_with("Serving HTTP on")).unwrap();
    let port = line.split(" port ").nth(1).and_then(|rest| rest.split(' ').next()).expect("a port");
    let base = format!("http://127.0.0.1:{port}");
    let output = program("http-client").arg(format!("{base}/bytes.bin")).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.stdout, binary());
    let missing = program("http-client").arg(format!("{base}/missing")).output().unwrap();
    assert_one_line_error(&missing, 22, "the server answered 404");
    let followed =
        program("http-client").args(["--follow", &format!("{base}/notes")]).output().unwrap();
    assert!(followed.status.success());
    assert!(String::from_utf8_lossy(&followed.stdout).contains("a.md"));
}

/// A tiny web server written in Python, in the test: it answers with a
/// chunked body, or with a body cut short, as the path asks.
const PYTHON_SERVER: &str = r#"
import socketserver, sys
class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        line = self.rfile.readline()
        while self.rfile.readline() not in (b"\r\n", b"\n", b""):
            pass
        path = line.split()[1]
        if path == b"/chunked":
            self.wfile.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                             b"7\r\nchunked\r\n1;name=value\r\n \r\nA\r\nis framed.\r\n0\r\n\r\n")
        else:
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly 20 bytes, sorry")
server = socketserver.TCPServer(("127.0.0.1", 0), Handler)
print("listening on 127.0.0.1:%d" % server.server_address[1], flush=True)
server.serve_forever()
"#;

/// http-client puts a chunked body back together, and reports a body cut
/// short, against a Python server.
#[test]
fn client_reads_chunks_and_reports_short_bodies() {
    if !have("python3", "client_reads_chunks_and_reports_short_bodies") {
        return;
    }
    let python = Process::start_path(
        Path::new("python3"),
        "python server",
        &["-u", "-c", PYTHON_SERVER],
        None,
    )
    .unwrap();
    let line =
        python.wait_for_line(START_TIMEOUT, |line| line.starts_with("listening on")).unwrap();
    let address = harness::announced_address(&line).unwrap();
    let chunked = program("http-client").arg(format!("http://{address}/chunked")).output().unwrap();
    assert!(chunked.status.success(), "{}", String::from_utf8_lossy(&chunked.stderr));
    assert_eq!(chunked.stdout, b"chunked is framed.");
    let short = program("http-client").arg(format!("http://{address}/short")).output().unwrap();
    assert_eq!(short.stdout, b"only 20 bytes, sorry");
    assert_one_line_error(&short, 1, "body cut short: got 20 of 100 bytes");
}

/// Malformed responses, endless redirects, and each kind of bad URL or
/// unreachable server are one clear line and exit status 1.
#[test]
fn client_errors_are_one_line() {
    let (address, server) = stand_in_server(|mut stream| {
        let mut request = [0; 1024];
        let _ = stream.read(&mut request);
        stream.write_all(b"HTTP/1.1 OK\r\n\r\n")
    });
    let output = program("http-client").arg(format!("http://{address}/")).output().unwrap();
    assert_one_line_error(&output, 1, "malformed response from");
    server.join().unwrap();

    // A server that redirects every request to itself.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let redirector = thread::spawn(move || {
        for _ in 0..6 {
            let Ok((mut stream, _)) = listener.accept() else { return };
            stream.set_read_timeout(Some(SOCKET_TIMEOUT)).unwrap();
            let mut request = [0; 1024];
            let _ = stream.read(&mut request);
            let _ = stream
                .write_all(b"HTTP/1.1 302 Found\r\nLocation: /again\r\nContent-Length: 0\r\n\r\n");
            let _ = stream.shutdown(Shutdown::Write);
        }
    });
    let output =
        program("http-client").args(["--follow", &format!("http://{address}/")]).output().unwrap();
    assert_one_line_error(&output, 1, "too many redirects: more than 5");
    redirector.join().unwrap();

    let closed = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let cases = [
        ("https://127.0.0.1/", "https is not supported, it needs TLS"),
        // Neither URL is ever connected to: both are refused while parsing.
        (
            "localhost/index.html",
            "malformed URL \"localhost/index.html\": it must start with http://",
        ),
        ("http://127.0.0.1:port/", "the port must be a number"),
        (&format!("http://{closed}/") as &str, "cannot connect to 127.0.0.1:"),
        ("http://no.such.host.invalid/", "cannot resolve host name \"no.such.host.invalid\""),
    ];
    for (url, expected) in cases {
        let output = program("http-client").arg(url).output().unwrap();
        assert_one_line_error(&output, 1, expected);
    }
}

/// The client waits no longer than --timeout for a server that never answers.
#[test]
fn client_times_out() {
    let (address, server) = stand_in_server(|mut stream| {
        let mut request = [0; 1024];
        let _ = stream.read(&mut request);
        // Say nothing until the client gives up and closes.
        let _ = stream.read(&mut request);
        Ok(())
    });
    let output = program("http-client")
        .args(["--timeout", "0.5", &format!("http://{address}/")])
        .output()
        .unwrap();
    assert_one_line_error(&output, 1, "no answer from 127.0.0.1:");
    server.join().unwrap();
}

/// Keeping the connection open makes each request cheaper than opening a
/// new connection for it: measured both ways in one run, best of three.
#[test]
fn keep_alive_is_cheaper_than_new_connections() {
    let site = Site::new();
    let server = site.serve(&["--quiet"]);
    let best = |keep_alive| {
        (0..3)
            .map(|_| {
                harness::http::time_requests(server.address(), "/page.html", 100, keep_alive)
                    .unwrap()
            })
            .min()
            .unwrap()
    };
    let (kept, new) = (best(true), best(false));
    assert!(kept < new, "100 requests: {kept:?} on one connection, {new:?} on new connections");
}
