/// Checks exercise 1.2: one line with the byte count, after the client has
/// finished sending, for a megabyte and for nothing at all.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let reply = server.exchange(&show::test_data(1 << 20))?;
    let counted = String::from_utf8_lossy(&reply)
        .strip_prefix("received ")
        .and_then(|rest| rest.strip_suffix(" bytes\n"))
        .and_then(|number| number.parse::<usize>().ok());
    if let Some(counted) = counted.filter(|&counted| counted < 1 << 20) {
        return Err(format!(
            "sent 1048576 bytes, and your server counted {counted}: it answered and closed the \
             connection before reading everything the check sent. Count until read returns 0"
        ));
    }
    expect_bytes("sent 1048576 bytes, then finished sending", b"received 1048576 bytes\n", &reply)?;
    let reply = server.exchange(b"")?;
    expect_bytes("sent nothing, then finished sending", b"received 0 bytes\n", &reply)
}
