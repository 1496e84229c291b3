/// Checks exercise 5.2: after `/shutdown`, a client already connected is
/// still served to the end, and then the server exits with status 0.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut first = connect(server.address())?;
    first.write_all(b"one\n").map_err(|error| error.to_string())?;
    let line = read_line(&first)?;
    expect(line == "one\n", format!("\"one\\n\" should be echoed, but got {line:?}"))?;

    let mut second = connect(server.address())?;
    second.write_all(b"/shutdown\n").map_err(|error| error.to_string())?;
    drop(second);

    first.write_all(b"two\n").map_err(|error| error.to_string())?;
    let line = read_line(&first).map_err(|error| format!("a client connected before /shutdown must still be served: {error}"))?;
    expect(line == "two\n", format!("\"two\\n\" should be echoed, but got {line:?}"))?;
    drop(first);

    let finished = server.wait(Duration::from_secs(10)).map_err(|_| {
        "after /shutdown, once its last client had left, the server should have exited, but it \
         was still running 10 s later"
            .to_string()
    })?;
    expect(finished.success(), format!("the server should exit with status 0, but: {}", finished.describe()))
}
