/// Checks exercise 8.2, with `--idle-timeout 1`: a silent client alone is
/// dropped after about a second, with nothing else happening to wake the
/// loop; a client that talks every 200 ms is kept while a silent one beside
/// it is dropped; and, on Linux, one thread does it all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&["--idle-timeout", "1"])?;

    // A silent client, alone: only the loop's own deadline can drop it.
    let started = Instant::now();
    let mut silent = connect(server.address())?;
    #[cfg(target_os = "linux")]
    {
        let threads = threads_of(server.process().id()).unwrap_or(1);
        expect(threads == 1, format!("your server runs {threads} threads; this exercise asks for one thread that keeps every client's deadline in its event loop"))?;
    }
    match silent.read(&mut [0; 1]) {
        Ok(0) => {}
        Ok(_) => return Err("your server sent something to a client that had sent nothing".to_string()),
        Err(error) if netlessons::is_timeout(&error) => {
            return Err(format!("with --idle-timeout 1, a silent client (the only one) was still connected {PATIENCE:?} later. With nothing else happening, only poll's timeout can wake the loop: is it the nearest deadline?"));
        }
        // A reset is a close too.
        Err(_) => {}
    }
    let took = started.elapsed();
    expect(took >= Duration::from_millis(800), format!("with --idle-timeout 1, a silent client was dropped after only {took:?}"))?;

    // A talker and a silent client side by side.
    let mut talker = connect(server.address())?;
    let mut silent = connect(server.address())?;
    let started = Instant::now();
    let mut dropped = None;
    for round in 0..12 {
        let message = format!("ping {round}\n");
        talker.write_all(message.as_bytes()).map_err(|error| format!("the client that talks every 200 ms could not send: {error}"))?;
        let line = read_line(&talker).map_err(|error| format!("the client that talks every 200 ms got no echo after {:?}: {error}", started.elapsed()))?;
        expect(line == message, format!("sent {message:?}, expected it back, but got {line:?}"))?;
        if dropped.is_none() {
            silent.set_nonblocking(true).map_err(|error| error.to_string())?;
            match silent.read(&mut [0; 1]) {
                Ok(0) => dropped = Some(started.elapsed()),
                Err(error) if error.kind() != std::io::ErrorKind::WouldBlock => dropped = Some(started.elapsed()),
                _ => {}
            }
            silent.set_nonblocking(false).map_err(|error| error.to_string())?;
        }
        thread::sleep(Duration::from_millis(200));
    }
    match dropped {
        Some(_) => Ok(()),
        None => Err(format!("with --idle-timeout 1, a silent client was still connected after {:?}, while another client talked", started.elapsed())),
    }
}

/// The number of threads of a process, as Linux tells it.
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}
