/// Checks exercise 5.1: three clients served at once, then a fourth asks
/// for the count; other lines are echoed.
pub fn check(program: &Program) -> Outcome {
    let server = program.server(&[])?;
    let mut open = Vec::new();
    for number in 1..=3 {
        let mut stream = server.connect()?;
        stream.write_all(b"x\n").map_err(|error| error.to_string())?;
        let line = read_line(&stream).map_err(|error| {
            format!("client {number}, while the others stay connected: {error}")
        })?;
        expect(
            line == "x\n",
            format!("client {number} sent \"x\\n\" and should get it back, but got {line:?}"),
        )?;
        open.push(stream);
    }
    let mut fourth = server.connect()?;
    fourth.write_all(b"/stats\n").map_err(|error| error.to_string())?;
    let line = read_line(&fourth)?;
    expect(
        line == "connections: 4\n",
        format!(
            "the fourth client sent \"/stats\\n\" and should get \"connections: 4\\n\", but got {line:?}"
        ),
    )?;
    fourth.write_all(b"hello\n").map_err(|error| error.to_string())?;
    let line = read_line(&fourth)?;
    expect(line == "hello\n", format!("\"hello\\n\" should be echoed, but got {line:?}"))
}
