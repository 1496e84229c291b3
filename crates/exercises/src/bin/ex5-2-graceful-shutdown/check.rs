/// Checks exercise 5.2: after `/shutdown`, a client already connected is
/// still served to the end, and then the server exits with status 0.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut first = server.connect()?;
    first.write_all(b"one\n").map_err(|error| error.to_string())?;
    let line = read_line(&first)?;
    expect(line == "one\n", format!("\"one\\n\" should be echoed, but got {line:?}"))?;

    let mut second = server.connect()?;
    second.write_all(b"/shutdown\n").map_err(|error| error.to_string())?;
    // Finish the second client and wait until the server has closed its
    // connection: by then it has seen /shutdown, so what follows does not
    // race with it.
    second.shutdown(Shutdown::Write).map_err(|error| error.to_string())?;
    read_to_close(&second)
        .map_err(|error| format!("the client that sent /shutdown and finished sending: {error}"))?;
    drop(second);

    let served = first
        .write_all(b"two\n")
        .map_err(|error| format!("sending failed: {error}"))
        .and_then(|()| read_line(&first));
    let line = served.map_err(|error| match server.exited() {
        Some(status) => format!(
            "a client connected before /shutdown must still be served, but your server exited \
             ({status}) as soon as /shutdown came: let the workers finish their clients first"
        ),
        None => format!("a client connected before /shutdown must still be served: {error}"),
    })?;
    expect(line == "two\n", format!("\"two\\n\" should be echoed, but got {line:?}"))?;
    drop(first);

    let finished = server.wait(Duration::from_secs(10)).map_err(|_| {
        "after /shutdown, once its last client had left, the server should have exited, but it \
         was still running 10 s later"
            .to_string()
    })?;
    expect(
        finished.success(),
        format!("the server should exit with status 0, but: {}", finished.describe()),
    )
}
