/// Checks exercise 8.1: every complete line comes back reversed, whether it
/// arrives in one read, in pieces, or with other lines; each client's
/// partial line is its own; an endless line is refused; and, on Linux, one
/// thread does it all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let send = |mut stream: &TcpStream, text: &[u8]| -> Outcome {
        stream.write_all(text).map_err(|error| format!("could not send to your server: {error}"))
    };
    let answer = |stream: &TcpStream, sent: &str, expected: &str| -> Outcome {
        let line = read_line(stream).map_err(|error| format!("after {sent}: {error}"))?;
        expect(line == expected, format!("after {sent}, expected the line {expected:?}, but got {line:?}"))
    };

    let a = connect(server.address())?;
    send(&a, b"hello\n")?;
    answer(&a, r#"sending "hello\n""#, "olleh\n")?;
    #[cfg(target_os = "linux")]
    {
        let threads = threads_of(server.process().id()).unwrap_or(1);
        expect(threads == 1, format!("your server runs {threads} threads; this exercise asks for one thread that serves every client from an event loop"))?;
    }

    // Two lines in one write: both are answered, in order.
    send(&a, b"ab\ncd\n")?;
    answer(&a, r#"sending "ab\ncd\n" in one write"#, "ba\n")?;
    answer(&a, r#"sending "ab\ncd\n" in one write"#, "dc\n")?;

    // Half a line from A; a whole line from B meanwhile; then the rest of A's.
    send(&a, b"hel")?;
    let b = connect(server.address())?;
    send(&b, b"xyz\n")?;
    answer(&b, r#"a second client sent "xyz\n" while the first had sent only "hel""#, "zyx\n")?;
    send(&a, b"lo, world\n")?;
    answer(&a, r#"sending "hel", then (after another client's line) "lo, world\n""#, "dlrow ,olleh\n")?;

    // A line that never ends is refused, and the connection closed.
    let c = connect(server.address())?;
    send(&c, &[b'x'; 1500])?;
    answer(&c, r#"sending 1500 bytes without a "\n""#, "ERROR line too long\n")?;
    let rest = read_to_close(&c).map_err(|error| format!("after ERROR line too long, the connection should be closed: {error}"))?;
    expect(rest.is_empty(), format!("after ERROR line too long, the connection should be closed, but your server sent {}", show::bytes(&rest)))?;

    // A client that says "no more data" still gets the answer to its last line.
    let reply = tcp_exchange(server.address(), b"last line\n")?;
    expect_bytes("a client sent \"last line\\n\" and shut down its sending side; the reply until the close", b"enil tsal\n", &reply)
}

/// The number of threads of a process, as Linux tells it.
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
