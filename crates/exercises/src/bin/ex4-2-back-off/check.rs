/// Checks exercise 4.2: the waits double, the client gives up with status 1
/// when nothing answers, and succeeds against a working server.
pub fn check(program: &Program) -> Outcome {
    let black_hole = udp_socket()?;
    let mut args = aim(black_hole.local_addr().map_err(|error| error.to_string())?);
    args.extend(["--timeout".into(), "0.05".into(), "--retries".into(), "3".into()]);
    let ran = program.run(&strs(&args), None)?;
    let waits: Vec<String> = ran.lines().into_iter().filter(|line| line.starts_with("no reply within")).collect();
    let expected = ["no reply within 50 ms", "no reply within 100 ms", "no reply within 200 ms", "no reply within 400 ms"];
    expect(
        waits == expected,
        format!("with --timeout 0.05 --retries 3 and no server, expected the waits {expected:?}, but got {waits:?}"),
    )?;
    expect_exit(&ran, 1, "every attempt went unanswered")?;

    let server = lesson_server("udp-server", &["--quiet"])?;
    let ran = program.run(&strs(&aim(server.address())), None)?;
    expect_exit(&ran, 0, "a working server answers at once")
}
