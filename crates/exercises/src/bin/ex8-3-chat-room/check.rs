/// Checks exercise 8.3: welcome, each line to every other client and not
/// back to its sender; then a client that never reads while another sends
/// 8 MiB of lines: the room keeps serving the reader, the one that never
/// reads is disconnected, and newcomers are still welcomed. On Linux, one
/// thread does it all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let names = ["A", "B", "C"];
    let mut clients = Vec::new();
    for name in names {
        let stream = connect(server.address())?;
        let line = read_line(&stream)
            .map_err(|error| format!("client {name} waited for \"welcome\\n\": {error}"))?;
        expect(
            line == "welcome\n",
            format!("client {name} should first get \"welcome\\n\", but got {line:?}"),
        )?;
        clients.push(stream);
    }
    #[cfg(target_os = "linux")]
    {
        let threads = threads_of(server.process().id()).unwrap_or(1);
        expect(
            threads == 1,
            format!(
                "your server runs {threads} threads; this exercise asks for one thread that serves the whole room from an event loop"
            ),
        )?;
    }
    let says = |from: usize, text: &str, to: &[usize]| -> Outcome {
        (&clients[from]).write_all(text.as_bytes()).map_err(|error| error.to_string())?;
        for &other in to {
            let line = read_line(&clients[other]).map_err(|error| {
                // Nothing came in time: the line was most likely queued
                // and never written.
                let why = if error.contains(" within ") {
                    format!(". If your server put the line in {0}'s `pending`, write it at once: {0}'s \"writable\" event came when it connected, and with edge-triggered readiness it will not come again while {0}'s socket has room", names[other])
                } else {
                    String::new()
                };
                format!("{} sent {text:?}, and {} waited for it: {error}{why}", names[from], names[other])
            })?;
            expect(
                line == text,
                format!(
                    "{} sent {text:?}, so {} should get it, but got {line:?}",
                    names[from], names[other]
                ),
            )?;
        }
        Ok(())
    };
    says(0, "hi\n", &[1, 2])?;
    // If A had got its own "hi" back, that is what A would read here.
    says(1, "yo\n", &[0, 2])?;
    let [a, b, c] = <[TcpStream; 3]>::try_from(clients).map_err(|_| "three clients".to_string())?;
    drop(c);

    // A client that never reads, while A sends 8 MiB of lines and B reads them.
    let slow = connect(server.address())?;
    let line = read_line(&slow)?;
    expect(
        line == "welcome\n",
        format!("a new client should first get \"welcome\\n\", but got {line:?}"),
    )?;
    let mut b_lines = std::io::BufReader::new(&b);
    let rounds = 1311;
    let mut sent = 0;
    for round in 0..rounds {
        let batch: Vec<String> =
            (0..64).map(|number| format!("{round:05} {number:02} {}\n", "x".repeat(90))).collect();
        (&a).write_all(batch.concat().as_bytes())
            .map_err(|error| format!("A could not send after {sent} bytes: {error}"))?;
        for expected in &batch {
            let mut line = String::new();
            let got = std::io::BufRead::read_line(&mut b_lines, &mut line);
            match got {
                Ok(_) if line == *expected => sent += line.len(),
                Ok(0) => {
                    return Err(format!(
                        "B was disconnected after receiving {sent} bytes of A's lines, though it read every one; only the client that never reads should be"
                    ));
                }
                Ok(_) => {
                    return Err(format!("B should get A's line {expected:?}, but got {line:?}"));
                }
                Err(error) => {
                    return Err(format!(
                        "B stopped receiving A's lines after {sent} bytes ({error}), while another client never read: a client that never reads must not hold up the room"
                    ));
                }
            }
        }
    }

    // The client that never read must have been disconnected by now.
    let mut reached = Vec::new();
    match (&slow).read_to_end(&mut reached) {
        Ok(_) => {}
        Err(error) if netlessons::is_timeout(&error) => {
            return Err(format!(
                "a client that never read was still connected after A had sent {sent} bytes of lines: reading from it now, the check got {} bytes, then waited {PATIENCE:?} for more. Your server kept A's lines for it instead of disconnecting it once more than 64 KiB waited for it",
                reached.len()
            ));
        }
        // Reset: disconnected too.
        Err(_) => {}
    }

    // The room goes on: a newcomer is welcomed and hears A.
    let d = connect(server.address())?;
    let line = read_line(&d).map_err(|error| {
        format!("after all that, a new client waited for \"welcome\\n\": {error}")
    })?;
    expect(
        line == "welcome\n",
        format!("a new client should first get \"welcome\\n\", but got {line:?}"),
    )?;
    (&a).write_all(b"still here\n").map_err(|error| error.to_string())?;
    let line = read_line(&d).map_err(|error| {
        format!("A sent \"still here\\n\", and the newcomer waited for it: {error}")
    })?;
    expect(
        line == "still here\n",
        format!("A sent \"still here\\n\", so the newcomer should get it, but got {line:?}"),
    )?;
    let mut line = String::new();
    std::io::BufRead::read_line(&mut b_lines, &mut line)
        .map_err(|error| format!("A sent \"still here\\n\", and B waited for it: {error}"))?;
    expect(
        line == "still here\n",
        format!("A sent \"still here\\n\", so B should get it, but got {line:?}"),
    )
}

/// The number of threads of a process, as Linux tells it.
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
