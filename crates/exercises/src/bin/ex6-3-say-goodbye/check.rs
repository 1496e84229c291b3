/// Checks exercise 6.3: a silent client gets the goodbye line and then the
/// end of the connection; an active one is echoed.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&["--idle-timeout", "0.3"])?;
    let silent = server.connect()?;
    let line = read_line(&silent)
        .map_err(|error| format!("a client silent for 0.3 s should get a goodbye line: {error}"))?;
    expect(
        line == "bye: idle for 300 ms\n",
        format!("expected the line \"bye: idle for 300 ms\\n\", but got {line:?}"),
    )?;
    let rest = read_to_close(&silent)?;
    expect(
        rest.is_empty(),
        format!(
            "after the goodbye the connection should close, but the server sent {}",
            show::bytes(&rest)
        ),
    )?;

    let reply = server.exchange(b"still here")?;
    expect_bytes("an active client is echoed", b"still here", &reply)
}
