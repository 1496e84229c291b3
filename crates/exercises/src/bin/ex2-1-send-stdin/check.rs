/// Checks exercise 2.1: 30 MB of binary data on standard input goes to the
/// check's own echo server and comes back on standard output, byte for
/// byte. 30 MB is more than the socket buffers of both sides hold, so a
/// client that sends everything before it reads anything deadlocks, as
/// lesson 2 warns; the server sees that and says so.
pub fn check(program: &Program) -> Outcome {
    const SIZE: usize = 30_000_000;
    // show::test_data's bytes, 0 to 255 over and over, made by copying
    // blocks: quick even in a debug build.
    let mut data = show::test_data(256).repeat(SIZE.div_ceil(256));
    data.truncate(SIZE);
    let data = std::sync::Arc::new(data);
    let expected = std::sync::Arc::clone(&data);
    let peer = TcpPeer::start(move |stream| echo_watching(stream, &expected))?;
    let ran = program.run_expecting(
        &strs(&aim(peer.address())),
        std::sync::Arc::clone(&data),
        std::sync::Arc::clone(&data),
        RUN_LIMIT,
    );
    let Some(seen) = peer.finish() else {
        return Err(never_connected("echo server"));
    };
    if let Some(echoed) = seen.stalled_after {
        return Err(format!(
            "your client stopped reading the echo while it was still sending: the check's echo \
             server had received {} bytes and echoed {echoed}, then could not send more for \
             {STALL:?} because your client read none of it. Sending everything before \
             reading deadlocks once the data is larger than the socket buffers (lesson 2): \
             send on one thread while you read on another",
            seen.received,
        ));
    }
    let ran = ran?;
    if let Some(at) = seen.first_difference {
        return Err(format!(
            "the check's echo server received bytes that differ from standard input, first at \
             byte {at}: send standard input exactly as it is"
        ));
    }
    expect(
        seen.received == SIZE,
        format!(
            "standard input held {SIZE} bytes, but the check's echo server received {} before \
             your client closed the connection",
            seen.received
        ),
    )?;
    expect_exit(&ran, 0, "sending 30000000 bytes of standard input")?;
    expect(
        ran.stdout_length == SIZE,
        format!(
            "the server echoed {SIZE} bytes, but {} came out on standard output",
            ran.stdout_length
        ),
    )?;
    match ran.first_difference {
        None => Ok(()),
        Some(at) => Err(format!(
            "standard output should equal the echo, byte for byte, but it differs at byte {at}: \
             write the echo as raw bytes"
        )),
    }
}

/// What the check's echo server saw.
struct Seen {
    received: usize,
    first_difference: Option<usize>,
    /// `Some(bytes echoed)` when the client stopped reading the echo.
    stalled_after: Option<usize>,
}

/// Echoes everything, comparing it with `expected`, until the client
/// finishes sending or stops reading.
fn echo_watching(mut stream: TcpStream, expected: &[u8]) -> Seen {
    let mut seen = Seen { received: 0, first_difference: None, stalled_after: None };
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let count = match stream.read(&mut buffer) {
            Ok(0) | Err(_) => break,
            Ok(count) => count,
        };
        let chunk = &buffer[..count];
        if seen.first_difference.is_none() {
            let wanted = expected.get(seen.received..).unwrap_or_default();
            let differs = first_difference(chunk, wanted);
            seen.first_difference = differs
                .map(|offset| seen.received + offset)
                .or((count > wanted.len()).then_some(seen.received + wanted.len()));
        }
        let echoed = seen.received;
        seen.received += count;
        match write_or_stall(&mut stream, chunk) {
            Ok(true) => {}
            Ok(false) => {
                seen.stalled_after = Some(echoed);
                break;
            }
            Err(_) => break,
        }
    }
    seen
}

/// How long the echo server waits for the client to take some echo.
const STALL: Duration = Duration::from_secs(3);

/// Writes `chunk`; `Ok(false)` when the client took none of it for
/// [`STALL`]. A write that times out may still have sent part of the
/// chunk, so the time is measured here, not left to one timeout.
fn write_or_stall(stream: &mut TcpStream, chunk: &[u8]) -> std::io::Result<bool> {
    stream.set_write_timeout(Some(Duration::from_millis(250)))?;
    let mut rest = chunk;
    let mut last_progress = Instant::now();
    while !rest.is_empty() {
        match stream.write(rest) {
            Ok(0) => return Err(std::io::ErrorKind::WriteZero.into()),
            Ok(count) => {
                rest = &rest[count..];
                last_progress = Instant::now();
            }
            Err(error) if netlessons::is_timeout(&error) => {
                if last_progress.elapsed() > STALL {
                    return Ok(false);
                }
            }
            Err(error) => return Err(error),
        }
    }
    Ok(true)
}
