/// Checks exercise 7.3 against the check's own server, which sends its
/// answer back one byte at a time (as the lesson-1 server with
/// `--buffer-size 1` does): first an echo, then an answer in capitals, to
/// see that the program prints what it read, not what it sent.
pub fn check(program: &Program) -> Outcome {
    let messages = ["one", "", "three with spaces"];
    let mut args = Vec::new();
    for message in messages {
        args.extend(["--message".to_string(), message.to_string()]);
    }
    let mut framed = Vec::new();
    for message in messages {
        framed.extend_from_slice(&(message.len() as u32).to_be_bytes());
        framed.extend_from_slice(message.as_bytes());
    }
    let sent = "one\n\nthree with spaces\n";

    for capitals in [false, true] {
        let peer = TcpPeer::start(move |stream| answer_byte_by_byte(stream, capitals))?;
        let mut aimed = aim(peer.address());
        aimed.extend(args.iter().cloned());
        let ran = program.run(&strs(&aimed), None);
        let Some(received) = peer.finish() else {
            return Err(never_connected("server"));
        };
        let ran = ran?;
        // A program that ends without reading the whole answer resets the
        // connection, and the server may miss the end of what was sent:
        // then only a prefix arrived, and the output says what went wrong.
        expect(
            framed.starts_with(&received) && !received.is_empty(),
            format!(
                "the check's server received {}, but expected each message with its length in \
                 front, 4 bytes in big-endian order: {}",
                show::bytes(&received),
                show::bytes(&framed)
            ),
        )?;
        let expected = if capitals { sent.to_uppercase() } else { sent.to_string() };
        if capitals && ran.stdout == sent.as_bytes() {
            return Err(
                "the check's server answered each message in capitals, but your program printed \
                 the messages it sent, not the ones it read back"
                    .to_string(),
            );
        }
        expect_bytes(
            &format!(
                "the check's server sends its answer one byte at a time, {}; each message should \
                 be printed on its own line, however the stream is cut",
                if capitals { "each message in capitals" } else { "an echo" }
            ),
            expected.as_bytes(),
            &ran.stdout,
        )?;
        expect_exit(&ran, 0, "the messages went through")?;
        expect(
            received == framed,
            format!(
                "the check's server received only {} of the {} bytes of framed messages",
                received.len(),
                framed.len()
            ),
        )?;
    }
    Ok(())
}

/// Reads length-prefixed messages until the client finishes sending, and
/// answers each one, in capitals if asked, one byte per write. Returns
/// every byte it received.
fn answer_byte_by_byte(mut stream: TcpStream, capitals: bool) -> Vec<u8> {
    let _ = stream.set_nodelay(true);
    let mut received = Vec::new();
    let mut pending = Vec::new();
    let mut byte = [0; 1];
    // Bounded: the check's messages are 30 bytes in all.
    while received.len() < 4096 {
        match stream.read(&mut byte) {
            Ok(1) => {}
            _ => break,
        }
        received.push(byte[0]);
        pending.push(byte[0]);
        if pending.len() < 4 {
            continue;
        }
        let length = u32::from_be_bytes([pending[0], pending[1], pending[2], pending[3]]);
        if pending.len() < 4 + length as usize {
            continue;
        }
        if capitals {
            pending[4..].make_ascii_uppercase();
        }
        for byte in pending.drain(..) {
            if stream.write_all(&[byte]).is_err() {
                return received;
            }
        }
    }
    received
}
