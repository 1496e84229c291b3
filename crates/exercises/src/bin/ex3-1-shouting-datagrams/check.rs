/// Checks exercise 3.1: each datagram comes back with its letters in upper
/// case, other bytes unchanged, empty datagrams included.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let reply = udp_round_trip(server.address(), b"abc, XYZ \xff\x00 end")?;
    expect_bytes(
        "sent the datagram \"abc, XYZ \\xff\\x00 end\"",
        b"ABC, XYZ \xff\x00 END",
        &reply,
    )?;
    let reply = udp_round_trip(server.address(), b"")?;
    expect_bytes("sent an empty datagram", b"", &reply)
}
