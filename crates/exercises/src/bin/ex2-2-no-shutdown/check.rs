/// Checks exercise 2.2 against an echo server that never closes a
/// connection: the client must stop once the whole echo is back.
pub fn check(program: &Program) -> Outcome {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    let (finished, wait_for_client) = std::sync::mpsc::channel::<()>();
    let peer = thread::spawn(move || {
        let Ok((stream, _)) = listener.accept() else { return };
        let mut reader = &stream;
        let mut writer = &stream;
        let _ = std::io::copy(&mut reader, &mut writer);
        // Keep the connection open, as some servers do, until the check ends.
        let _ = wait_for_client.recv_timeout(Duration::from_secs(30));
    });
    let message = "no end of stream here, count the bytes";
    let mut args = aim(address);
    args.extend(["--message".to_string(), message.to_string()]);
    let ran = program.run_within(&strs(&args), None, Duration::from_secs(5));
    let _ = finished.send(());
    let _ = peer.join();
    let ran = ran.map_err(|_| {
        "your client was still waiting 5 s after the echo had come back: it must stop after as \
         many bytes as it sent, not wait for the server to close"
            .to_string()
    })?;
    expect_exit(&ran, 0, "the echo came back whole")?;
    expect_bytes("the client should print the echo", message.as_bytes(), &ran.stdout)
}
