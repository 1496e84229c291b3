/// Checks exercise 6.1: with nothing listening, 1 + `--retries` attempts
/// with growing pauses, then status 1; with a server, a connection.
pub fn check(program: &Program) -> Outcome {
    let closed = closed_tcp_port()?;
    let mut args = aim(closed);
    args.extend(["--retries".into(), "2".into()]);
    let started = Instant::now();
    let ran = program.run(&strs(&args), None)?;
    let waited = started.elapsed();
    let attempts: Vec<String> = ran.lines().into_iter().filter(|line| line.starts_with("attempt ")).collect();
    expect(
        attempts.len() == 3
            && attempts.iter().enumerate().all(|(index, line)| line.starts_with(&format!("attempt {} failed", index + 1))),
        format!("with --retries 2 and nothing listening, expected `attempt 1 failed`, `attempt 2 failed` and `attempt 3 failed`, but got {attempts:?}"),
    )?;
    expect_exit(&ran, 1, "every attempt failed")?;
    expect(
        waited >= Duration::from_millis(250),
        format!("the pauses between attempts should add up to 100 + 200 ms, but the whole run took {waited:?}"),
    )?;

    let server = lesson_server("tcp-server", &["--quiet"])?;
    let ran = program.run(&strs(&aim(server.address())), None)?;
    expect_exit(&ran, 0, "a server is listening")?;
    let wanted = format!("connected to {}", server.address());
    expect(ran.text().contains(&wanted), format!("expected the line `{wanted}`, but got {:?}", ran.text()))
}
