/// Checks exercise 6.2: refused, unknown host and timeout each get their
/// sentence and status 1; the reply of the check's own server is printed.
pub fn check(program: &Program) -> Outcome {
    let sentence = |args: &[String], wanted: &str, case: &str| -> Outcome {
        let ran = program.run(&strs(args), None)?;
        expect_exit(&ran, 1, case)?;
        expect(
            ran.stderr.contains(wanted),
            format!(
                "{case}: standard error should say `{wanted}`, but it said {:?}",
                clip(ran.stderr.trim_end())
            ),
        )
    };
    let closed = closed_tcp_port()?;
    sentence(
        &aim(closed),
        &format!("no server is listening at {closed}"),
        "nothing listens on the port",
    )?;

    let unknown = ["--host".to_string(), "no.such.host.invalid".to_string()];
    sentence(&unknown, "no such host: no.such.host.invalid", "the host name does not exist")?;

    // A server that accepts the connection and never answers.
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let silent = listener.local_addr().map_err(|error| error.to_string())?;
    let (done, wait) = std::sync::mpsc::channel::<()>();
    let holder = thread::spawn(move || {
        let accepted = listener.accept();
        let _ = wait.recv_timeout(Duration::from_secs(30));
        drop(accepted);
    });
    let mut args = aim(silent);
    args.extend(["--timeout".into(), "0.3".into()]);
    let outcome =
        sentence(&args, &format!("{silent} did not answer within"), "the server never answers");
    let _ = done.send(());
    let _ = holder.join();
    outcome?;

    // The check's own server answers the first line with a line of its own.
    let server = TcpPeer::start(|mut stream| {
        let mut line = Vec::new();
        let mut byte = [0; 1];
        while !line.ends_with(b"\n") && line.len() < 1024 {
            match stream.read(&mut byte) {
                Ok(1) => line.push(byte[0]),
                _ => break,
            }
        }
        let _ = stream.write_all(b"hello from the check\n");
        line
    })?;
    let ran = program.run(&strs(&aim(server.address())), None);
    let Some(line) = server.finish() else {
        return Err(never_connected("server"));
    };
    let ran = ran?;
    expect_bytes("the check's server should receive the line \"hello\\n\"", b"hello\n", &line)?;
    expect_exit(&ran, 0, "a server answers")?;
    expect_bytes("the server's reply should be printed", b"hello from the check\n", &ran.stdout)
}
