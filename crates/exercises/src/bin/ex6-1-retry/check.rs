/// Checks exercise 6.1: with nothing listening, 1 + `--retries` attempts
/// with growing pauses, then status 1; with a server, a connection that
/// the check's own listener sees.
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
        format!("with --retries 2 and nothing listening, expected `attempt 1 failed`, `attempt 2 failed` and `attempt 3 failed`, but got {}", clip(&format!("{attempts:?}"))),
    )?;
    expect_exit(&ran, 1, "every attempt failed")?;
    expect(
        waited >= Duration::from_millis(250),
        format!("the pauses between attempts should add up to 100 + 200 ms, but the whole run took {waited:?}"),
    )?;

    // The check's server holds the connection until the client leaves.
    let listener = TcpPeer::start(|mut stream| {
        let _ = stream.read(&mut [0; 1]);
    })?;
    let address = listener.address();
    let ran = program.run(&strs(&aim(address)), None);
    let connected = listener.finish().is_some();
    let ran = ran?;
    expect(connected, never_connected("listening server"))?;
    expect_exit(&ran, 0, "a server is listening")?;
    let wanted = format!("connected to {address}");
    expect(ran.text().contains(&wanted), format!("expected the line `{wanted}`, but got {:?}", clip(&ran.text())))
}
