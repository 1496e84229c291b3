/// Checks exercise 8.1: every complete line comes back reversed, whether it
/// arrives in one read, in pieces, or with other lines, or with thousands
/// of others in one write; each client's partial line is its own; a line of
/// 1024 bytes is answered, and a longer one refused, whether its `\n` has
/// come or not; and, on Linux, one thread does it all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let send = |mut stream: &TcpStream, text: &[u8]| -> Outcome {
        stream.write_all(text).map_err(|error| format!("could not send to your server: {error}"))
    };
    let answer = |stream: &TcpStream, sent: &str, expected: &str| -> Outcome {
        let line = read_line(stream).map_err(|error| format!("after {sent}: {error}"))?;
        // The usual slip: the whole read reversed, its `\n` included, so
        // the `\n` comes first.
        let why = if line == "\n" {
            ": is the \"\\n\" reversed with the line? Reverse the line without its \"\\n\", then end the answer with one"
        } else {
            ""
        };
        expect(
            line == expected,
            format!("after {sent}, expected the line {expected:?}, but got {line:?}{why}"),
        )
    };

    let a = connect(server.address())?;
    send(&a, b"hello\n")?;
    answer(&a, r#"sending "hello\n""#, "olleh\n")?;
    #[cfg(target_os = "linux")]
    {
        let threads = threads_of(server.process().id()).unwrap_or(1);
        expect(
            threads == 1,
            format!(
                "your server runs {threads} threads; this exercise asks for one thread that serves every client from an event loop"
            ),
        )?;
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
    answer(
        &a,
        r#"sending "hel", then (after another client's line) "lo, world\n""#,
        "dlrow ,olleh\n",
    )?;

    // 100,000 short lines in one write: far more than one read takes.
    many_lines(server.address())?;

    // The longest line allowed, 1024 bytes, is answered.
    let longest = format!("<{}>\n", "-".repeat(1022));
    let d = connect(server.address())?;
    send(&d, longest.as_bytes())?;
    let line = read_line(&d).map_err(|error| {
        format!("after a line of exactly 1024 bytes (and its \"\\n\"): {error}")
    })?;
    let reversed = format!(">{}<\n", "-".repeat(1022));
    expect(
        line == reversed,
        format!(
            "a line of exactly 1024 bytes (and its \"\\n\") should come back reversed: only a line longer than 1024 bytes is too long. Expected {}, but got {}: is the limit off by one?",
            show::bytes(reversed.as_bytes()),
            show::bytes(line.as_bytes())
        ),
    )?;

    // A line of 1025 bytes is refused, even when its `\n` comes in the
    // same write, and so most likely in the same read.
    let e = connect(server.address())?;
    send(&e, format!("{}\n", "y".repeat(1025)).as_bytes())?;
    let line = read_line(&e).map_err(|error| format!(r#"after a line of 1025 bytes and its "\n" in one write, expected the line "ERROR line too long\n" ({error})"#))?;
    expect(
        line == "ERROR line too long\n",
        format!(
            r#"a line of 1025 bytes and its "\n", in one write, should get "ERROR line too long\n", but got {}: is the length checked only on what is left after the complete lines? A line is too long whether or not its "\n" came in the same read"#,
            show::bytes(line.as_bytes())
        ),
    )?;
    expect_closed(&e)?;

    // A line that never ends is refused, and the connection closed.
    let c = connect(server.address())?;
    send(&c, &[b'x'; 1500])?;
    let line = read_line(&c).map_err(|error| format!(r#"after sending 1500 bytes without a "\n", expected the line "ERROR line too long\n" ({error}). Is the length checked before the "\n" comes? A line that never ends must not grow without end"#))?;
    expect(
        line == "ERROR line too long\n",
        format!(
            r#"after sending 1500 bytes without a "\n", expected the line "ERROR line too long\n", but got {}"#,
            show::bytes(line.as_bytes())
        ),
    )?;
    expect_closed(&c)?;

    // A client that says "no more data" still gets the answer to its last line.
    let reply = tcp_exchange(server.address(), b"last line\n").map_err(|error| {
        if error.contains("did not close the connection") {
            format!("a client sent \"last line\\n\" and shut down its sending side: {error}. The line and the end may come in one event: read until WouldBlock, and a read of 0 bytes means the client has finished")
        } else {
            error
        }
    })?;
    expect_bytes(
        "a client sent \"last line\\n\" and shut down its sending side; the reply until the close",
        b"enil tsal\n",
        &reply,
    )
}

/// The number of threads of a process, as Linux tells it.
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// After `ERROR line too long`, the connection must close with nothing more.
fn expect_closed(stream: &TcpStream) -> Outcome {
    let rest = read_to_close(stream).map_err(|error| {
        format!("after ERROR line too long, the connection should be closed: {error}")
    })?;
    expect(
        rest.is_empty(),
        format!(
            "after ERROR line too long, the connection should be closed, but your server sent {}",
            show::bytes(&rest)
        ),
    )
}

/// Sends 100,000 numbered lines (1,200,000 bytes) in one write, from a
/// thread, while reading the answers here: every line must come back
/// reversed, in order. A server that reads once per event stalls: with
/// edge-triggered readiness the rest waits unread, and no event comes.
/// (Measured on Linux: it stalls with a read buffer of 4, 64 or 256 KiB;
/// with 1 MiB each read may empty the socket, and only the close that
/// comes with the last line, below, may catch it.)
fn many_lines(address: SocketAddr) -> Outcome {
    let count = 100_000;
    let line = |number: usize| format!("line {number:06}");
    let lines: Vec<u8> =
        (0..count).flat_map(|number| format!("{}\n", line(number)).into_bytes()).collect();
    let expected: Vec<u8> = (0..count)
        .flat_map(|number| {
            format!("{}\n", line(number).chars().rev().collect::<String>()).into_bytes()
        })
        .collect();
    let sent = format!(
        "sent {count} lines (\"line 000000\\n\" to \"line {:06}\\n\", {} bytes) in one write",
        count - 1,
        lines.len()
    );
    let stream = connect(address)?;
    let mut writer = stream.try_clone().map_err(|error| error.to_string())?;
    // Send on a thread while reading here, so that neither side's buffers
    // can fill up and stop the other.
    let sender = thread::spawn(move || writer.write_all(&lines));
    let mut got = Vec::new();
    let mut buffer = [0; 64 * 1024];
    let outcome = loop {
        if got.len() == expected.len() {
            break Ok(());
        }
        let read = match (&stream).read(&mut buffer) {
            Ok(0) => {
                break Err(format!(
                    "{sent}, and got back {} bytes of answers, then the connection closed",
                    got.len()
                ));
            }
            Ok(read) => read.min(expected.len() - got.len()),
            Err(error) if netlessons::is_timeout(&error) => {
                let complete = got.iter().filter(|&&byte| byte == b'\n').count();
                break Err(format!(
                    "{sent}, and got back {} bytes of answers ({complete} complete lines), then nothing more for {PATIENCE:?}. Do you read until WouldBlock? With edge-triggered readiness, one read per event leaves the rest unread, and no new event comes",
                    got.len()
                ));
            }
            Err(error) => {
                break Err(format!(
                    "{sent}; after {} bytes of answers, reading failed: {error}",
                    got.len()
                ));
            }
        };
        let start = got.len();
        got.extend_from_slice(&buffer[..read]);
        if let Some(at) = first_difference(&got[start..], &expected[start..got.len()]) {
            // Show the line where they differ: every line is 12 bytes.
            let from = (start + at) / 12 * 12;
            let shown =
                |data: &[u8]| show::bytes(&data[from..(from + 12).min(data.len())]).to_string();
            break Err(format!(
                "{sent}; the answers first differ at byte {}: expected {}, but got {}",
                start + at,
                shown(&expected),
                shown(&got)
            ));
        }
    };
    // Closing the socket ends a sender that is still stuck.
    let _ = stream.shutdown(Shutdown::Both);
    let _ = sender.join();
    outcome
}
