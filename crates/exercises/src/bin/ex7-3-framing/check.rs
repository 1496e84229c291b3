/// Checks exercise 7.3 through the lesson-1 server reading one byte at a
/// time: three messages, one of them empty, come back as three lines.
pub fn check(program: &Program) -> Outcome {
    let server = lesson_server("tcp-server", &["--buffer-size", "1", "--quiet"])?;
    let mut args = aim(server.address());
    for message in ["one", "", "three with spaces"] {
        args.extend(["--message".to_string(), message.to_string()]);
    }
    let ran = program.run(&strs(&args), None)?;
    expect_exit(&ran, 0, "the messages went through")?;
    expect_bytes(
        "sent the messages \"one\", \"\" and \"three with spaces\"; each should be printed on its own line",
        b"one\n\nthree with spaces\n",
        &ran.stdout,
    )
}
