/// Checks exercise 0.2: a TCP and a UDP socket on the same port number.
pub fn check(program: &Program) -> Outcome {
    let ran = program.run(&[], None)?;
    expect_exit(&ran, 0, "the program should succeed")?;
    let lines = ran.lines();
    expect(lines.len() == 2, format!("expected two lines, tcp and udp, but got {}", clip(&format!("{lines:?}"))))?;
    let tcp = lines[0].strip_prefix("tcp ").and_then(|address| address.parse::<SocketAddr>().ok());
    let udp = lines[1].strip_prefix("udp ").and_then(|address| address.parse::<SocketAddr>().ok());
    let (Some(tcp), Some(udp)) = (tcp, udp) else {
        return Err(format!("expected `tcp ADDRESS` then `udp ADDRESS`, but got {}", clip(&format!("{lines:?}"))));
    };
    expect(tcp.port() != 0, "the TCP port should be the one the system picked, not 0")?;
    expect(
        tcp.port() == udp.port(),
        format!("the UDP socket should have the TCP listener's port {}, but has {}", tcp.port(), udp.port()),
    )
}
