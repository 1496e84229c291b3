/// Checks exercise 8.2. With `--idle-timeout 1`: a silent client alone is
/// dropped after about a second, with nothing else happening to wake the
/// loop; a client that talks every 200 ms is kept while a silent one beside
/// it is dropped. With `--idle-timeout 2`: a silent client is dropped on
/// time though another client talked at half the timeout, and (on Linux)
/// the loop sleeps while it waits. On Linux, one thread does it all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&["--idle-timeout", "1"])?;

    // A silent client, alone: only the loop's own deadline can drop it.
    let started = Instant::now();
    let mut silent = connect(server.address())?;
    #[cfg(target_os = "linux")]
    {
        let threads = threads_of(server.process().id()).unwrap_or(1);
        expect(
            threads == 1,
            format!(
                "your server runs {threads} threads; this exercise asks for one thread that keeps every client's deadline in its event loop"
            ),
        )?;
    }
    wait_for_close(&mut silent, || {
        format!(
            "with --idle-timeout 1, a silent client (the only one) was still connected {PATIENCE:?} later. With nothing else happening, only poll's timeout can wake the loop: is it the nearest deadline?"
        )
    })?;
    let took = started.elapsed();
    expect(
        took >= Duration::from_millis(800),
        format!("with --idle-timeout 1, a silent client was dropped after only {took:.1?}"),
    )?;

    nearest_deadline(program)?;

    // A talker and a silent client side by side.
    let mut talker = connect(server.address())?;
    let mut silent = connect(server.address())?;
    let started = Instant::now();
    let mut dropped = None;
    for round in 0..12 {
        let message = format!("ping {round}\n");
        talker.write_all(message.as_bytes()).map_err(|error| {
            format!("the client that talks every 200 ms could not send: {error}")
        })?;
        let line = read_line(&talker).map_err(|error| format!("the client that talks every 200 ms got no echo after {:.1} s ({error}). With --idle-timeout 1 it should stay: does each read push its deadline back?", started.elapsed().as_secs_f64()))?;
        expect(line == message, format!("sent {message:?}, expected it back, but got {line:?}"))?;
        if dropped.is_none() {
            silent.set_nonblocking(true).map_err(|error| error.to_string())?;
            match silent.read(&mut [0; 1]) {
                Ok(0) => dropped = Some(started.elapsed()),
                Err(error) if error.kind() != std::io::ErrorKind::WouldBlock => {
                    dropped = Some(started.elapsed())
                }
                _ => {}
            }
            silent.set_nonblocking(false).map_err(|error| error.to_string())?;
        }
        thread::sleep(Duration::from_millis(200));
    }
    match dropped {
        Some(_) => Ok(()),
        None => Err(format!(
            "with --idle-timeout 1, a silent client was still connected after {:.1} s, while another client talked",
            started.elapsed().as_secs_f64()
        )),
    }
}

/// With `--idle-timeout 2`: a silent client A, and at 1 s a client B that
/// talks once. A must be dropped about 2 s after it came, not 2 s after B
/// spoke: `poll` waits until the nearest deadline, not a whole timeout.
/// On Linux, the loop must sleep while A waits: a loop that wakes every few
/// milliseconds to look at the clock also drops A on time, but is busy for
/// nothing.
fn nearest_deadline(program: &Program) -> Outcome {
    let timeout = Duration::from_secs(2);
    let server = program.server(&["--idle-timeout", "2"])?;
    let started = Instant::now();
    let mut silent = connect(server.address())?;
    #[cfg(target_os = "linux")]
    {
        // Leave the server a moment to accept A, then count its wake-ups
        // for 0.8 s. A loop that sleeps until A's deadline wakes up at
        // most once or twice (a late accept); one that polls every 50 ms
        // wakes about 16 times, and a loaded machine cannot add wake-ups
        // to a sleeping process (it can only delay them), so 6 is a safe
        // line on both sides.
        let pid = server.process().id();
        thread::sleep(Duration::from_millis(100));
        if let Some(before) = wakeups_of(pid) {
            let window = Duration::from_millis(800);
            thread::sleep(window);
            if let Some(after) = wakeups_of(pid) {
                let woke = after.saturating_sub(before);
                expect(
                    woke < 6,
                    format!(
                        "with --idle-timeout 2 and one silent client, your server woke up {woke} times in {:.1} s (Linux counts them: voluntary_ctxt_switches in /proc/PID/status), though nothing happened. Does poll wait a short fixed time, to look at the clock? Give it the time until the nearest deadline, and it sleeps until there is something to do",
                        window.as_secs_f64()
                    ),
                )?;
            }
        }
    }
    // B talks once, at half the timeout.
    thread::sleep(Duration::from_secs(1).saturating_sub(started.elapsed()));
    let talker = connect(server.address())?;
    (&talker)
        .write_all(b"hello\n")
        .map_err(|error| format!("a second client could not send: {error}"))?;
    let line = read_line(&talker).map_err(|error| {
        format!("a second client sent \"hello\\n\" and waited for its echo: {error}")
    })?;
    expect(
        line == "hello\n",
        format!("a second client sent \"hello\\n\", expected it back, but got {line:?}"),
    )?;
    let spoke = started.elapsed();
    wait_for_close(&mut silent, || {
        format!(
            "with --idle-timeout 2, a silent client was still connected {:.1} s after it came, though another client had talked at {:.1} s: the silent one's deadline should not move",
            started.elapsed().as_secs_f64(),
            spoke.as_secs_f64()
        )
    })?;
    let took = started.elapsed();
    // A ratio of the timeout, so the line scales with it: dropped on time
    // is 1.0, and a loop that waits a whole timeout after B's message
    // drops A at 1.5 or later.
    let ratio = took.as_secs_f64() / timeout.as_secs_f64();
    expect(
        ratio >= 0.8,
        format!(
            "with --idle-timeout 2, a silent client was dropped after only {:.1} s",
            took.as_secs_f64()
        ),
    )?;
    expect(
        ratio <= 1.35,
        format!(
            "with --idle-timeout 2, a silent client was dropped {:.1} s after it came ({ratio:.2} times the timeout), because another client talked at {:.1} s. Does poll wait a whole idle timeout after each event, instead of until the nearest deadline?",
            took.as_secs_f64(),
            spoke.as_secs_f64()
        ),
    )
}

/// How many times a process has gone to sleep of its own accord (waiting
/// in `poll`, say), as Linux counts it.
#[cfg(target_os = "linux")]
fn wakeups_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("voluntary_ctxt_switches:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The number of threads of a process, as Linux tells it.
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Waits (at most the socket's read timeout) for the server to close a
/// client that has sent nothing; `still_open` says what is wrong if it
/// does not.
fn wait_for_close(silent: &mut TcpStream, still_open: impl FnOnce() -> String) -> Outcome {
    match silent.read(&mut [0; 1]) {
        Ok(0) => Ok(()),
        Ok(_) => Err("your server sent something to a client that had sent nothing".to_string()),
        Err(error) if netlessons::is_timeout(&error) => Err(still_open()),
        // A reset is a close too.
        Err(_) => Ok(()),
    }
}
