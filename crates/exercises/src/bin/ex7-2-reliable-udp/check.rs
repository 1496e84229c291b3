/// Checks exercise 7.2: every message delivered through a relay that drops
/// one datagram and delays another.
pub fn check(program: &Program) -> Outcome {
    let echo = UdpPeer::start(true)?;
    let relay = LossyRelay::start(echo.address()).map_err(|error| error.to_string())?;
    let mut args = aim(relay.address);
    args.extend(["--count".into(), "5".into(), "--timeout".into(), "0.3".into()]);
    let ran = program.run(&strs(&args), None);
    relay.stop();
    let arrivals = echo.finish();
    let ran = ran?;
    expect(!arrivals.is_empty(), never_connected("echo server"))?;
    // Message 2 was dropped on its way, so the server saw at most 4 of the
    // first sends; only a resend brings it the 5th distinct datagram.
    let mut distinct: Vec<&[u8]> = arrivals.iter().map(|arrival| arrival.data.as_slice()).collect();
    distinct.sort();
    distinct.dedup();
    expect(
        distinct.len() >= 5,
        format!(
            "the check's echo server, behind a relay that drops datagram 2, received only {} \
             different datagrams: a lost datagram must be sent again",
            distinct.len()
        ),
    )?;
    let last = ran.lines().last().cloned().unwrap_or_default();
    expect(
        last == "delivered 5 of 5",
        format!(
            "through a relay that drops datagram 2 and delays datagram 3, every message must arrive: \
             expected the last line \"delivered 5 of 5\", got {:?}",
            clip(&last)
        ),
    )?;
    expect_exit(&ran, 0, "every message was delivered")
}
