/// Checks exercise 2.3 against a small stand-in web server, which answers a
/// correct `HEAD / HTTP/1.0` request with 200 and anything else with 400.
pub fn check(program: &Program) -> Outcome {
    let web_server = TcpPeer::start(|mut stream| -> Vec<u8> {
        // Read the request, up to the empty line that ends it.
        let mut request = Vec::new();
        let mut byte = [0; 1];
        while !request.ends_with(b"\r\n\r\n") && request.len() < 8192 {
            match stream.read(&mut byte) {
                Ok(1) => request.push(byte[0]),
                _ => break,
            }
        }
        let reply: &[u8] =
            if request.starts_with(b"HEAD / HTTP/1.0\r\n") && request.ends_with(b"\r\n\r\n") {
                b"HTTP/1.0 200 OK\r\nServer: netlessons-check\r\nContent-Length: 0\r\n\r\n"
            } else {
                b"HTTP/1.0 400 Bad Request\r\nContent-Length: 0\r\n\r\n"
            };
        let _ = stream.write_all(reply);
        request
    })?;
    let ran = program.run(&strs(&aim(web_server.address())), None);
    let Some(request) = web_server.finish() else {
        return Err(never_connected("web server"));
    };
    let ran = ran?;
    expect(
        request.starts_with(b"HEAD / HTTP/1.0\r\n") && request.ends_with(b"\r\n\r\n"),
        format!(
            "the request should be \"HEAD / HTTP/1.0\\r\\n\" and an empty line \"\\r\\n\", but the \
             server received {}",
            show::bytes(&request)
        ),
    )?;
    expect_bytes("the program should print the status line", b"HTTP/1.0 200 OK\n", &ran.stdout)
}
