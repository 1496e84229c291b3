/// Checks exercise 2.1: 200 KB of binary data on standard input comes back
/// on standard output, byte for byte, through the lesson-1 server.
pub fn check(program: &Program) -> Outcome {
    let server = lesson_server("tcp-server", &["--quiet"])?;
    let data = show::test_data(200_000);
    let ran = program.run(&strs(&aim(server.address())), Some(&data))?;
    expect_exit(&ran, 0, "sending 200000 bytes of standard input")?;
    expect(
        ran.stdout.len() == data.len(),
        format!("sent 200000 bytes on standard input, but {} came out on standard output", ran.stdout.len()),
    )?;
    expect_bytes("standard output should equal standard input", &data, &ran.stdout)
}
