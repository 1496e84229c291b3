/// Checks exercise 9.3 against a web server of the check's own that waits
/// on purpose: once before the first byte of its answer, and once in the
/// middle of the body. Two runs swap the waits, so the program must really
/// time both phases; the times are compared as ratios, loosely.
pub fn check(program: &Program) -> Outcome {
    let short = Duration::from_millis(200);
    let long = Duration::from_millis(600);
    for (before_first_byte, inside_body) in [(short, long), (long, short)] {
        let times = run_once(program, before_first_byte, inside_body)?;
        let (connect, first_byte, body) = (times[0], times[1], times[2]);
        let said = format!(
            "the server waited {before_first_byte:?} before its first byte and {inside_body:?} \
             in the middle of the body; your program printed connect {connect}ms, first byte \
             {first_byte}ms, body {body}ms"
        );
        let wait = before_first_byte.as_secs_f64() * 1000.0;
        expect(
            first_byte >= wait * 0.5 && first_byte <= wait * 4.0 + 500.0,
            format!("{said}: the first byte should take about {wait}ms"),
        )?;
        // The ratio of the two phases follows the server's waits: 3, then 1/3.
        let expected = inside_body.as_secs_f64() / before_first_byte.as_secs_f64();
        let ratio = body / first_byte;
        expect(
            ratio > expected / 2.0 && ratio < expected * 2.0,
            format!(
                "{said}: body should take about {expected:.1} times as long as first byte, but took \
                 {ratio:.2} times as long. Does each phase start where the previous one ended?"
            ),
        )?;
        expect(
            connect < first_byte / 3.0,
            format!("{said}: connecting on this machine should take far less than the first byte"),
        )?;
    }
    Ok(())
}

/// Serves one request with the given waits while the program runs, and
/// returns the three times it printed, in milliseconds.
fn run_once(
    program: &Program,
    before_first_byte: Duration,
    inside_body: Duration,
) -> Result<[f64; 3], String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let path = format!("/phases-{}", before_first_byte.as_millis());
    let wanted = format!("GET {path} HTTP/1.");
    let server = thread::spawn(move || -> Result<(), String> {
        let (mut stream, _) = listener.accept().map_err(|error| error.to_string())?;
        stream.set_read_timeout(Some(PATIENCE)).map_err(|error| error.to_string())?;
        stream.set_nodelay(true).map_err(|error| error.to_string())?;
        // The request must be on the wire before the server starts waiting.
        let mut request = Vec::new();
        let mut byte = [0; 1];
        while !request.ends_with(b"\r\n\r\n") && request.len() < 8192 {
            match stream.read(&mut byte) {
                Ok(1) => request.push(byte[0]),
                _ => break,
            }
        }
        if !request.starts_with(wanted.as_bytes()) || !request.ends_with(b"\r\n\r\n") {
            return Err(format!(
                "the server expected a request starting {:?} and ending with an empty line, but received {}",
                wanted,
                show::bytes(&request)
            ));
        }
        thread::sleep(before_first_byte);
        let body = b"The first half. The second half.";
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let half = body.len() / 2;
        let sent = stream
            .write_all(head.as_bytes())
            .and_then(|()| stream.write_all(&body[..half]))
            .and_then(|()| {
                thread::sleep(inside_body);
                stream.write_all(&body[half..])
            });
        sent.map_err(|error| format!("the server could not send its answer: {error}"))
    });
    let mut args = aim(address);
    args.extend(["--path".to_string(), path]);
    let ran = program.run(&strs(&args), None);
    // If the program never connected, wake the server thread so that it ends.
    drop(TcpStream::connect_timeout(&address, PATIENCE));
    let served = server.join().map_err(|_| "the check's server failed".to_string())?;
    let ran = ran?;
    served?;
    expect_exit(&ran, 0, "fetching the page")?;
    let mut times = [0.0; 3];
    for (index, label) in ["connect: ", "first byte: ", "body: "].iter().enumerate() {
        let line =
            ran.lines().into_iter().find(|line| line.starts_with(label)).ok_or_else(|| {
                format!(
                    "your program should print a line starting {label:?}; it printed:\n{}",
                    ran.text()
                )
            })?;
        let number = line[label.len()..].trim().trim_end_matches("ms").trim();
        times[index] = number.parse().map_err(|_| {
            format!("expected a number of milliseconds such as \"{label}12.5ms\", but got {line:?}")
        })?;
    }
    Ok(times)
}
