/// Checks exercise 5.3: three clients; each line reaches the two others and
/// not its sender.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut clients = Vec::new();
    for name in ["A", "B", "C"] {
        let stream = connect(server.address())?;
        let line = read_line(&stream).map_err(|error| format!("client {name} waited for \"welcome\\n\": {error}"))?;
        expect(line == "welcome\n", format!("client {name} should first get \"welcome\\n\", but got {line:?}"))?;
        clients.push(stream);
    }
    let says = |from: usize, text: &str, to: &[usize]| -> Outcome {
        let names = ["A", "B", "C"];
        (&clients[from]).write_all(text.as_bytes()).map_err(|error| error.to_string())?;
        for &other in to {
            let line = read_line(&clients[other])
                .map_err(|error| format!("{} sent {text:?}, and {} waited for it: {error}", names[from], names[other]))?;
            expect(
                line == text,
                format!("{} sent {text:?}, so {} should get it, but got {line:?}", names[from], names[other]),
            )?;
        }
        Ok(())
    };
    says(0, "hi\n", &[1, 2])?;
    // If A had got its own "hi" back, that is what A would read here.
    says(1, "yo\n", &[0, 2])
}
