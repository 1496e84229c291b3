/// Checks exercise 7.2: every message delivered through a relay that drops
/// one datagram and delays another.
pub fn check(program: &Program) -> Outcome {
    let server = lesson_server("udp-server", &["--quiet"])?;
    let relay = LossyRelay::start(server.address()).map_err(|error| error.to_string())?;
    let mut args = aim(relay.address);
    args.extend(["--count".into(), "5".into(), "--timeout".into(), "0.3".into()]);
    let ran = program.run(&strs(&args), None);
    relay.stop();
    let ran = ran?;
    let last = ran.lines().last().cloned().unwrap_or_default();
    expect(
        last == "delivered 5 of 5",
        format!(
            "through a relay that drops datagram 2 and delays datagram 3, every message must arrive: \
             expected the last line \"delivered 5 of 5\", got {last:?}"
        ),
    )?;
    expect_exit(&ran, 0, "every message was delivered")
}
