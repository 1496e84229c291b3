/// Checks exercise 5.3: three clients; each line reaches the two others and
/// not its sender; and while a fourth client never reads anything, a flood
/// of lines from A still reaches B and C.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut clients = Vec::new();
    for name in ["A", "B", "C"] {
        let stream = server.connect()?;
        let line = read_line(&stream)
            .map_err(|error| format!("client {name} waited for \"welcome\\n\": {error}"))?;
        expect(
            line == "welcome\n",
            format!("client {name} should first get \"welcome\\n\", but got {line:?}"),
        )?;
        clients.push(stream);
    }
    let says = |from: usize, text: &str, to: &[usize]| -> Outcome {
        let names = ["A", "B", "C"];
        (&clients[from]).write_all(text.as_bytes()).map_err(|error| error.to_string())?;
        for &other in to {
            let line = read_line(&clients[other]).map_err(|error| {
                format!(
                    "{} sent {text:?}, and {} waited for it: {error}",
                    names[from], names[other]
                )
            })?;
            expect(
                line == text,
                format!(
                    "{} sent {text:?}, so {} should get it, but got {line:?}",
                    names[from], names[other]
                ),
            )?;
        }
        Ok(())
    };
    says(0, "hi\n", &[1, 2])?;
    // If A had got its own "hi" back, that is what A would read here.
    says(1, "yo\n", &[0, 2])?;

    // D joins and never reads. Its socket buffers fill after a few
    // megabytes at most; a room that writes to D while holding the shared
    // list then blocks, and every other client with it.
    let _never_reads = server.connect()?;
    const LINES: usize = 16_384;
    let line = format!("{}\n", "x".repeat(1023));
    let readers: Vec<_> = [1, 2]
        .into_iter()
        .map(|index| {
            let stream = clients[index].try_clone().map_err(|error| error.to_string());
            let line = line.clone();
            thread::spawn(move || -> Result<usize, String> {
                let mut reader = std::io::BufReader::new(stream?);
                let mut got = 0;
                let mut text = String::new();
                while got < LINES {
                    text.clear();
                    match std::io::BufRead::read_line(&mut reader, &mut text) {
                        Ok(_) if text == line => got += 1,
                        Ok(_) if text.is_empty() => break,
                        Ok(_) => {
                            return Err(format!(
                                "got the line {} in the flood",
                                show::bytes(text.as_bytes())
                            ));
                        }
                        Err(_) => break,
                    }
                }
                Ok(got)
            })
        })
        .collect();
    // A writes on a thread of its own: when the room stalls, its write
    // stalls too, and the readers' verdict should not wait for it.
    let mut flooder = clients[0].try_clone().map_err(|error| error.to_string())?;
    let sender = thread::spawn(move || flooder.write_all(line.repeat(LINES).as_bytes()));
    let counts: Vec<Result<usize, String>> = readers
        .into_iter()
        .map(|reader| reader.join().unwrap_or_else(|_| Err("a reading thread failed".to_string())))
        .collect();
    for (name, count) in ["B", "C"].iter().zip(counts) {
        let count = count?;
        expect(
            count == LINES,
            format!(
                "while client D stayed connected and read nothing, A sent {LINES} lines of 1 KB, \
                 and {name} got only {count} of them before the room went quiet for {PATIENCE:?}. \
                 A room that writes to every client while holding the shared lock stops for \
                 everyone when one client does not read: give each client its own writer"
            ),
        )?;
    }
    match sender.join() {
        Ok(Ok(())) => Ok(()),
        _ => Err("B and C got every line, but A's sending failed".to_string()),
    }
}
