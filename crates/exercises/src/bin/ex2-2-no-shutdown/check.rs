/// Checks exercise 2.2 against the check's own echo server, which never
/// closes a connection: the client must stop once the whole echo is back.
pub fn check(program: &Program) -> Outcome {
    let message = "no end of stream here, count the bytes";
    // Dropped once the client has ended: until then the server holds on.
    let (client_ended, wait_for_client) = std::sync::mpsc::channel::<()>();
    let peer = TcpPeer::start(move |mut stream| {
        // Echo what comes, and keep the connection open even after the
        // client has finished sending, as some servers do.
        // Each piece goes back in two writes, a moment apart, as a busy
        // server or network may deliver it: one read is not the whole echo.
        let _ = stream.set_nodelay(true);
        let mut received = Vec::new();
        let mut buffer = [0; 1024];
        while let Ok(count @ 1..) = stream.read(&mut buffer) {
            received.extend_from_slice(&buffer[..count]);
            let (first, second) = buffer[..count].split_at(count / 2);
            let echoed = stream.write_all(first).and_then(|()| {
                thread::sleep(Duration::from_millis(50));
                stream.write_all(second)
            });
            if echoed.is_err() || received.len() > 1 << 20 {
                break;
            }
        }
        let _ = wait_for_client.recv_timeout(Duration::from_secs(10));
        received
    })?;
    let mut args = aim(peer.address());
    args.extend(["--message".to_string(), message.to_string()]);
    let ran = program.run_within(&strs(&args), None, Duration::from_secs(5));
    drop(client_ended);
    let received = peer.finish();
    let ran = ran.map_err(|_| {
        "your client was still waiting 5 s after the echo had come back: it must stop after as \
         many bytes as it sent, not wait for the server to close"
            .to_string()
    })?;
    let Some(received) = received else {
        return Err(never_connected("echo server"));
    };
    expect_bytes(
        "the check's echo server should receive the message",
        message.as_bytes(),
        &received,
    )?;
    if ran.stdout.len() < message.len() && message.as_bytes().starts_with(&ran.stdout) {
        return Err(format!(
            "your client printed {} of the {} bytes of the echo and stopped: the check's server \
             sends the echo in two pieces, and one read may return only the first. Keep reading \
             until as many bytes as you sent have come back",
            ran.stdout.len(),
            message.len()
        ));
    }
    expect_exit(&ran, 0, "the echo came back whole")?;
    expect_bytes("the client should print the echo", message.as_bytes(), &ran.stdout)
}
