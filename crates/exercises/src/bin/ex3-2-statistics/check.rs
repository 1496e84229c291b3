/// Checks exercise 3.2: datagrams are echoed and counted; STATS reports the
/// counts so far.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    for data in [&b"a"[..], b"bb"] {
        let reply = udp_round_trip(server.address(), data)?;
        expect_bytes("an ordinary datagram should be echoed", data, &reply)?;
    }
    let reply = udp_round_trip(server.address(), b"STATS")?;
    expect_bytes("after echoing \"a\" and \"bb\", STATS", b"datagrams: 2, bytes: 3", &reply)?;
    let reply = udp_round_trip(server.address(), b"ccc")?;
    expect_bytes("an ordinary datagram should be echoed", b"ccc", &reply)?;
    let reply = udp_round_trip(server.address(), b"STATS")?;
    expect_bytes(
        "after echoing \"a\", \"bb\" and \"ccc\", STATS",
        b"datagrams: 3, bytes: 6",
        &reply,
    )
}
