/// Checks exercise 1.3: each command gets its answer line, two commands
/// sent in one piece get two answers, and QUIT closes the connection.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut stream = server.connect()?;
    // One write, two lines: a read does not stop at the end of a line.
    stream.write_all(b"UPPER one\nREVERSE owt\n").map_err(|error| error.to_string())?;
    for expected in ["ONE\n", "two\n"] {
        let answer = read_line(&stream).map_err(|error| {
            format!(
                "sent \"UPPER one\\nREVERSE owt\\n\" in one piece, expecting two answers: {error}"
            )
        })?;
        expect(
            answer == expected,
            format!(
                "sent \"UPPER one\\nREVERSE owt\\n\" in one piece: expected the answers \"ONE\\n\" \
                 and \"two\\n\", but got {answer:?}. One read is not one line: read line by line"
            ),
        )?;
    }
    let exchanges: [(&str, &str); 4] = [
        ("UPPER hello, world\n", "HELLO, WORLD\n"),
        ("REVERSE abc\n", "cba\n"),
        ("JUMP high\n", "ERROR unknown command\n"),
        ("QUIT\n", "BYE\n"),
    ];
    for (request, expected) in exchanges {
        stream.write_all(request.as_bytes()).map_err(|error| error.to_string())?;
        let answer = read_line(&stream)?;
        expect(
            answer == expected,
            format!("sent {request:?}: expected the answer {expected:?}, but got {answer:?}"),
        )?;
    }
    let rest = read_to_close(&stream).map_err(|problem| {
        if problem.contains("did not close the connection") && problem.ends_with("\"\"") {
            format!(
                "after answering QUIT with BYE, your server should close the connection; it was \
                 still open {PATIENCE:?} later"
            )
        } else {
            problem
        }
    })?;
    expect(
        rest.is_empty(),
        format!(
            "after BYE the server should close the connection, but it sent {}",
            show::bytes(&rest)
        ),
    )
}
