/// Checks exercise 1.1: letters come back in upper case, other bytes as
/// they were, for one client after another.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let reply = server.exchange(b"hello, World! \xff\x00 end")?;
    expect_bytes("sent \"hello, World! \\xff\\x00 end\"", b"HELLO, WORLD! \xff\x00 END", &reply)?;

    // A second client, with more data than one read takes.
    let data = show::test_data(100_000);
    let reply = server.exchange(&data)?;
    let expected = data.to_ascii_uppercase();
    expect(
        reply.len() >= expected.len(),
        format!(
            "sent 100000 bytes, and your server sent back {} and closed the connection before \
             reading everything the check sent. Read until read returns 0",
            reply.len()
        ),
    )?;
    expect(reply.len() == expected.len(), format!("sent 100000 bytes, got {} back", reply.len()))?;
    expect_bytes("the second client's 100000 bytes, upper-cased", &expected, &reply)
}
