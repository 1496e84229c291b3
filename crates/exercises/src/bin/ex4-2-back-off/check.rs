/// Checks exercise 4.2: against the check's own silent server, which notes
/// when each attempt arrives, the real waits double (not only the printed
/// ones), the client gives up with status 1, and it succeeds against an
/// echo server.
pub fn check(program: &Program) -> Outcome {
    let silent = UdpPeer::start(false)?;
    let mut args = aim(silent.address());
    args.extend(["--timeout".into(), "0.2".into(), "--retries".into(), "3".into()]);
    let ran = program.run(&strs(&args), None);
    let arrivals = silent.finish();
    let ran = ran?;
    let waits: Vec<String> =
        ran.lines().into_iter().filter(|line| line.starts_with("no reply within")).collect();
    let expected = [
        "no reply within 200 ms",
        "no reply within 400 ms",
        "no reply within 800 ms",
        "no reply within 1600 ms",
    ];
    expect(
        waits == expected,
        format!(
            "with --timeout 0.2 --retries 3 and a server that never answers, expected the waits {expected:?}, but got {}",
            clip(&format!("{waits:?}"))
        ),
    )?;
    expect(
        arrivals.len() == 4,
        format!(
            "with --retries 3, the check's silent server should receive 4 attempts (1 + 3 retries), \
             but it received {}",
            arrivals.len()
        ),
    )?;
    // The gaps between attempts are the real waits: 200, 400, 800 ms. The
    // check allows a lot of slack for a busy machine, but not a steady pace.
    let gaps: Vec<Duration> = arrivals.windows(2).map(|pair| pair[1].at - pair[0].at).collect();
    let doubled = gaps.windows(2).all(|pair| {
        let ratio = pair[1].as_secs_f64() / pair[0].as_secs_f64().max(0.001);
        (1.4..=2.9).contains(&ratio)
    });
    expect(
        doubled && gaps[0] >= Duration::from_millis(150),
        format!(
            "the check's silent server measured the real waits between your attempts as \
             {gaps:?}; they should be about 200, 400 and 800 ms, each twice the one before. \
             Printing a doubled wait is not enough: set the doubled timeout on the socket"
        ),
    )?;
    expect_exit(&ran, 1, "every attempt went unanswered")?;

    let echo = UdpPeer::start(true)?;
    let ran = program.run(&strs(&aim(echo.address())), None);
    let arrivals = echo.finish();
    let ran = ran?;
    expect(!arrivals.is_empty(), never_connected("echo server"))?;
    expect_exit(&ran, 0, "a working server answers at once")
}
