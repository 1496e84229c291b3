/// Checks exercise 6.1: with nothing listening, 1 + `--retries` attempts
/// with growing pauses (timed against a run without retries), then
/// status 1; with a server, a connection that
/// the check's own listener sees.
pub fn check(program: &Program) -> Outcome {
    let closed = closed_tcp_port()?;
    // Timed twice: with no retry, which has no pause, and with 3 retries,
    // whose pauses add up to 100 + 200 + 400 ms. The difference is the
    // pauses; starting the program costs the same both times.
    let timed = |retries: &str| -> Result<(Ran, Duration), String> {
        let mut args = aim(closed);
        args.extend(["--retries".into(), retries.into()]);
        let started = Instant::now();
        let ran = program.run(&strs(&args), None)?;
        Ok((ran, started.elapsed()))
    };
    let (_, without_pauses) = timed("0")?;
    let (ran, with_pauses) = timed("3")?;
    let attempts: Vec<String> =
        ran.lines().into_iter().filter(|line| line.starts_with("attempt ")).collect();
    expect(
        attempts.len() == 4
            && attempts
                .iter()
                .enumerate()
                .all(|(index, line)| line.starts_with(&format!("attempt {} failed", index + 1))),
        format!(
            "with --retries 3 and nothing listening, expected `attempt 1 failed` to `attempt 4 failed`, but got {}",
            clip(&format!("{attempts:?}"))
        ),
    )?;
    expect_exit(&ran, 1, "every attempt failed")?;
    let paused = with_pauses.saturating_sub(without_pauses);
    expect(
        paused >= Duration::from_millis(450),
        format!(
            "the pauses between attempts should add up to 100 + 200 + 400 ms, but with --retries 3 \
             your client took only {paused:?} longer than with --retries 0"
        ),
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
    expect(
        ran.text().contains(&wanted),
        format!("expected the line `{wanted}`, but got {:?}", clip(&ran.text())),
    )
}
