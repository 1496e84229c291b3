/// Checks exercise 7.1: nothing lost straight to the server; through the
/// lossy relay, datagram 2 lost and datagram 3 out of order.
pub fn check(program: &Program) -> Outcome {
    let server = lesson_server("udp-server", &["--quiet"])?;
    let report = |address: SocketAddr| -> Result<Vec<String>, String> {
        let mut args = aim(address);
        args.extend(["--count".into(), "5".into(), "--timeout".into(), "0.5".into()]);
        let ran = program.run(&strs(&args), None)?;
        Ok(ran.lines().into_iter().filter(|line| line.starts_with("lost: ") || line.starts_with("out of order: ")).collect())
    };

    let lines = report(server.address())?;
    expect(
        lines == ["lost: none", "out of order: none"],
        format!("straight to the server, nothing is lost: expected [\"lost: none\", \"out of order: none\"], got {lines:?}"),
    )?;

    let relay = LossyRelay::start(server.address()).map_err(|error| error.to_string())?;
    let lines = report(relay.address);
    relay.stop();
    let lines = lines?;
    expect(
        lines == ["lost: 2", "out of order: 3"],
        format!(
            "through a relay that drops datagram 2 and delays datagram 3 until after 4: expected \
             [\"lost: 2\", \"out of order: 3\"], got {lines:?}"
        ),
    )
}
