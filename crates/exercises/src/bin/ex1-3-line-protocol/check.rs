/// Checks exercise 1.3: each command gets its answer line, and QUIT closes
/// the connection.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut stream = connect(server.address())?;
    let exchanges: [(&str, &str); 4] = [
        ("UPPER hello, world\n", "HELLO, WORLD\n"),
        ("REVERSE abc\n", "cba\n"),
        ("JUMP high\n", "ERROR unknown command\n"),
        ("QUIT\n", "BYE\n"),
    ];
    for (request, expected) in exchanges {
        stream.write_all(request.as_bytes()).map_err(|error| error.to_string())?;
        let answer = read_line(&stream)?;
        expect(answer == expected, format!("sent {request:?}: expected the answer {expected:?}, but got {answer:?}"))?;
    }
    let rest = read_to_close(&stream)?;
    expect(rest.is_empty(), format!("after BYE the server should close the connection, but it sent {}", show::bytes(&rest)))
}
