/// Checks exercise 7.1: nothing lost straight to the check's echo server,
/// which counts the datagrams; through the
/// lossy relay, datagram 2 lost and datagram 3 out of order.
pub fn check(program: &Program) -> Outcome {
    let echo = UdpPeer::start(true)?;
    let report = |address: SocketAddr| -> Result<Vec<String>, String> {
        let mut args = aim(address);
        args.extend(["--count".into(), "5".into(), "--timeout".into(), "0.5".into()]);
        let ran = program.run(&strs(&args), None)?;
        Ok(ran
            .lines()
            .into_iter()
            .filter(|line| line.starts_with("lost: ") || line.starts_with("out of order: "))
            .collect())
    };

    let lines = report(echo.address());
    let heard = echo.finish().len();
    let lines = lines?;
    expect(heard > 0, never_connected("echo server"))?;
    expect(
        heard == 5,
        format!("with --count 5, the check's echo server should get 5 datagrams, but got {heard}"),
    )?;
    expect(
        lines == ["lost: none", "out of order: none"],
        format!(
            "straight to the server, nothing is lost: expected [\"lost: none\", \"out of order: none\"], got {}",
            clip(&format!("{lines:?}"))
        ),
    )?;

    let echo = UdpPeer::start(true)?;
    let relay = LossyRelay::start(echo.address()).map_err(|error| error.to_string())?;
    let lines = report(relay.address);
    relay.stop();
    let heard = echo.finish().len();
    let lines = lines?;
    expect(
        heard == 4,
        format!(
            "through the relay, which drops one of 5, the check's echo server should get 4 datagrams, but got {heard}"
        ),
    )?;
    expect(
        lines == ["lost: 2", "out of order: 3"],
        format!(
            "through a relay that drops datagram 2 and delays datagram 3 until after 4: expected \
             [\"lost: 2\", \"out of order: 3\"], got {}",
            clip(&format!("{lines:?}"))
        ),
    )
}
