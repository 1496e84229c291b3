/// Checks exercise 4.3: a closed port is reported at once, long before the
/// 5-second timeout, and the check's own echo server still gets the
/// datagram and its echo comes through.
pub fn check(program: &Program) -> Outcome {
    let closed = closed_udp_port()?;
    let mut args = aim(closed);
    args.extend(["--timeout".into(), "5".into()]);
    let started = Instant::now();
    let ran = program.run_within(&strs(&args), None, Duration::from_secs(4)).map_err(|_| {
        "with nothing listening, your client waited for the whole timeout; a connected socket \
         hears \"refused\" at once"
            .to_string()
    })?;
    let waited = started.elapsed();
    expect_exit(&ran, 1, "nothing listens on the port")?;
    let wanted = format!("nothing is listening on {closed}");
    expect(
        ran.stderr.contains(&wanted),
        format!("standard error should say `{wanted}`, but it said {:?}", clip(&ran.stderr)),
    )?;
    expect(
        waited < Duration::from_secs(3),
        format!("that took {waited:?}; it should take well under a second"),
    )?;

    let echo = UdpPeer::start(true)?;
    let ran = program.run(&strs(&aim(echo.address())), None);
    let heard = echo.finish().len();
    let ran = ran?;
    expect(heard > 0, never_connected("echo server"))?;
    expect_exit(&ran, 0, "a working server echoes")
}
