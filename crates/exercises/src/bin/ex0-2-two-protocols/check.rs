/// Checks exercise 0.2: a TCP listener and a UDP socket on the same port
/// number, both really open while the program waits for its input to end.
///
/// Printed lines prove nothing by themselves, so while the program runs the
/// check looks at the ports from outside: it connects to the TCP address,
/// and it tries to bind a UDP socket of its own to the UDP address, which
/// must fail with "address in use". std's `UdpSocket::bind` sets no
/// `SO_REUSEADDR` or `SO_REUSEPORT`, and without them a second socket cannot
/// bind the address and port a UDP socket holds: measured on Linux, and
/// documented for macOS (getsockopt(2)) and Windows (Microsoft's "Using
/// SO_REUSEADDR and SO_EXCLUSIVEADDRUSE": `WSAEADDRINUSE`).
pub fn check(program: &Program) -> Outcome {
    let process = program.start_holding_input(&[])?;
    let lines = two_lines(&process)?;
    let tcp = lines[0].strip_prefix("tcp ").and_then(|address| address.parse::<SocketAddr>().ok());
    let udp = lines[1].strip_prefix("udp ").and_then(|address| address.parse::<SocketAddr>().ok());
    let (Some(tcp), Some(udp)) = (tcp, udp) else {
        return Err(format!(
            "expected `tcp ADDRESS` then `udp ADDRESS`, but got {}",
            clip(&format!("{:?}", &lines[..2]))
        ));
    };
    // The check only ever talks to this machine.
    expect(
        tcp.ip().is_loopback() && udp.ip().is_loopback(),
        format!(
            "both sockets should be on 127.0.0.1, as the exercise asks, but got {tcp} and {udp}"
        ),
    )?;
    expect(tcp.port() != 0, "the TCP port should be the one the system picked, not 0")?;
    expect(
        tcp.port() == udp.port(),
        format!(
            "the UDP socket should have the TCP listener's port {}, but has {}",
            tcp.port(),
            udp.port()
        ),
    )?;

    // A listener completes the handshake for the system even before
    // `accept`, so connecting proves that it is open.
    if let Err(error) = TcpStream::connect_timeout(&tcp, PATIENCE) {
        return Err(ended_early(&process).unwrap_or_else(|| format!(
            "the check could not connect to {tcp} ({error}), so no TCP listener of your program \
             was open there. Keep the TcpListener in a variable that lives until your program \
             ends."
        )));
    }
    // UDP has no connection to try; but while a UDP socket holds a port, a
    // second socket cannot bind it.
    match UdpSocket::bind(udp) {
        Err(error) if error.kind() == std::io::ErrorKind::AddrInUse => {}
        Ok(_) => {
            return Err(ended_early(&process).unwrap_or_else(|| {
                format!(
                    "the check could bind a UDP socket of its own to {udp}, so no UDP socket of \
                 your program held that port while it ran. Bind a UdpSocket there and keep it \
                 open: a socket closes as soon as its value is dropped, at the end of the block \
                 or function that owns it (and at once with `let _ = ...`)."
                )
            }));
        }
        Err(error) => {
            return Err(format!(
                "to see whether your UDP socket holds {udp}, the check tried to bind one of its \
                 own there, expecting \"address in use\", but got: {error}"
            ));
        }
    }

    if let Some(status) = process.exit_status() {
        return Err(format!(
            "your program exited ({status}) before its standard input ended; it should keep its \
             sockets open until then.{}",
            errors(&process.stderr())
        ));
    }
    // The end of input, as Ctrl-D (Ctrl-Z Enter on Windows) in a terminal.
    process.close_input();
    let finished = process.wait(PATIENCE).map_err(|_| {
        format!(
            "your program should exit once its standard input ends, but it was still running \
             {PATIENCE:?} later, so it was stopped. Does it read standard input to the end?"
        )
    })?;
    expect(
        finished.success(),
        format!(
            "your program should exit with status 0 once its standard input ends, but it \
             ended with {}.{}",
            finished.status.map_or("no status".to_string(), |status| status.to_string()),
            errors(&finished.stderr)
        ),
    )
}

/// Waits for the program's first two lines: the first may take a while
/// (a busy machine starting a program), the second comes right after it.
fn two_lines(process: &Process) -> Result<Vec<String>, String> {
    if process.wait_for_line_count(1, harness::START_TIMEOUT) {
        process.wait_for_line_count(2, PATIENCE);
    }
    let lines = process.stdout();
    if lines.len() >= 2 {
        return Ok(lines);
    }
    let printed = match lines.first() {
        None => "nothing".to_string(),
        Some(line) => format!("only {}", clip(&format!("{line:?}"))),
    };
    let then = match exited(process) {
        Some(status) => format!(
            " and exited ({status}). It should print both lines, then keep running until its \
             standard input ends"
        ),
        None if lines.is_empty() => format!(" within {:?}", harness::START_TIMEOUT),
        None => format!(", then nothing more for {PATIENCE:?}"),
    };
    Err(format!(
        "expected two lines, `tcp ADDRESS` then `udp ADDRESS`, but your program printed \
         {printed}{then}.{}",
        errors(&process.stderr())
    ))
}

/// When the program has already exited, the message that says so: its
/// sockets closed with it, which explains any probe that failed.
fn ended_early(process: &Process) -> Option<String> {
    let status = exited(process)?;
    Some(format!(
        "your program exited ({status}) before its standard input ended, so its sockets were \
         closed before the check could look at them. Keep it running until standard input \
         ends, as the starter code does.{}",
        errors(&process.stderr())
    ))
}

/// How the program ended, if it has ended or ends within half a second: a
/// program that is exiting closes its sockets a moment before its exit
/// status is there.
fn exited(process: &Process) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + Duration::from_millis(500);
    loop {
        let status = process.exit_status();
        if status.is_some() || Instant::now() >= deadline {
            return status;
        }
        thread::sleep(Duration::from_millis(10));
    }
}

/// The program's standard error, after a sentence saying so; nothing when
/// it printed none.
fn errors(lines: &[String]) -> String {
    if lines.is_empty() {
        String::new()
    } else {
        format!(" It printed on standard error:\n{}", clip(&lines.join("\n")))
    }
}
