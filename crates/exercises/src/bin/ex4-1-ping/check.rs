/// Checks exercise 4.1: every echo counted against a real server, every
/// datagram counted as lost against a server that never answers.
pub fn check(program: &Program) -> Outcome {
    let server = lesson_server("udp-server", &["--quiet"])?;
    let mut args = aim(server.address());
    args.extend(["--count".into(), "3".into()]);
    let ran = program.run(&strs(&args), None)?;
    let lines = ran.lines();
    let replies = lines.iter().filter(|line| line.starts_with("reply ")).count();
    expect(replies == 3, format!("three pings to a working server: expected 3 `reply N: TIME` lines, got {lines:?}"))?;
    expect(
        lines.last().map(String::as_str) == Some("sent 3, received 3, lost 0"),
        format!("the last line should be `sent 3, received 3, lost 0`, but the output was {lines:?}"),
    )?;

    // A socket that receives and never answers: every echo is "lost".
    let black_hole = udp_socket()?;
    let mut args = aim(black_hole.local_addr().map_err(|error| error.to_string())?);
    args.extend(["--count".into(), "2".into(), "--timeout".into(), "0.2".into()]);
    let ran = program.run(&strs(&args), None)?;
    let lines = ran.lines();
    expect(
        lines.last().map(String::as_str) == Some("sent 2, received 0, lost 2"),
        format!(
            "two pings to a server that never answers: the last line should be \
             `sent 2, received 0, lost 2`, but the output was {lines:?}"
        ),
    )
}
