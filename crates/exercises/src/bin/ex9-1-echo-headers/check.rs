/// Checks exercise 9.1: two requests on one connection, the second one sent
/// in three pieces, each answered with its own header lines as the body.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut stream = connect(server.address())?;
    stream.set_nodelay(true).map_err(|error| error.to_string())?;
    let mut reader =
        std::io::BufReader::new(stream.try_clone().map_err(|error| error.to_string())?);
    // A value the program cannot know in advance.
    let token = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.subsec_nanos())
        .unwrap_or(7);

    let first =
        format!("GET /first HTTP/1.1\r\nHost: check\r\nX-Token: {token}\r\nAccept: */*\r\n\r\n");
    stream.write_all(first.as_bytes()).map_err(|error| error.to_string())?;
    let reply =
        read_http_response(&mut reader).map_err(|error| format!("the first request: {error}"))?;
    answer_is(
        &reply,
        &format!("Host: check\nX-Token: {token}\nAccept: */*\n"),
        "the first request",
    )?;

    // The second request arrives in pieces, as it may on a real network.
    let pieces = ["GET /second HTTP/1.1\r\nHo", "st: check\r\nX-Case: MiXeD vAlUe\r\n", "\r\n"];
    for piece in pieces {
        stream.write_all(piece.as_bytes()).map_err(|error| {
            format!("the second request, on the same connection, could not be sent: {error}")
        })?;
        thread::sleep(Duration::from_millis(100));
    }
    let reply = read_http_response(&mut reader).map_err(|error| {
        format!(
            "the second request, sent on the same connection in three pieces: {error}. Does your \
             server keep the connection open, and read up to the empty line however the bytes arrive?"
        )
    })?;
    answer_is(&reply, "Host: check\nX-Case: MiXeD vAlUe\n", "the second request")
}

fn answer_is(reply: &HttpReply, body: &str, which: &str) -> Outcome {
    expect(
        reply.status == 200,
        format!("{which} should get status 200, but got {}", reply.status),
    )?;
    let content_type = reply.header("content-type").unwrap_or("");
    expect(
        content_type.starts_with("text/plain"),
        format!("{which} should get Content-Type: text/plain, but got {content_type:?}"),
    )?;
    expect_bytes(&format!("the body of the answer to {which}"), body.as_bytes(), &reply.body)
}
