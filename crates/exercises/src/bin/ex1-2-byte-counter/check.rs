/// Checks exercise 1.2: one line with the byte count, after the client has
/// finished sending, for a megabyte and for nothing at all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let reply = server.exchange(&show::test_data(1 << 20))?;
    expect_bytes("sent 1048576 bytes, then finished sending", b"received 1048576 bytes\n", &reply)?;
    let reply = server.exchange(b"")?;
    expect_bytes("sent nothing, then finished sending", b"received 0 bytes\n", &reply)
}
