/// Checks exercise 3.3: datagrams up to 512 bytes are echoed whole; larger
/// ones are answered with TOO BIG.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    for size in [0, 1, 512] {
        let data = show::test_data(size);
        let reply = udp_round_trip(server.address(), &data)?;
        expect_bytes(&format!("a {size}-byte datagram should be echoed whole"), &data, &reply)?;
    }
    for size in [513, 5000] {
        let reply = udp_round_trip(server.address(), &show::test_data(size))?;
        expect_bytes(&format!("a {size}-byte datagram is too big"), b"TOO BIG", &reply)?;
    }
    Ok(())
}
