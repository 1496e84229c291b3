/// Checks exercise 4.1: every echo counted against the check's own echo
/// server, which counts the pings it gets; every datagram counted as lost
/// against a server that never answers, without waiting forever.
pub fn check(program: &Program) -> Outcome {
    let echo = UdpPeer::start(true)?;
    let mut args = aim(echo.address());
    args.extend(["--count".into(), "3".into()]);
    let ran = program.run(&strs(&args), None);
    let pings = echo.finish().len();
    let ran = ran?;
    expect(pings > 0, never_connected("echo server"))?;
    expect(
        pings == 3,
        format!("with --count 3, the check's echo server should get 3 pings, but got {pings}"),
    )?;
    let lines = ran.lines();
    let replies = lines.iter().filter(|line| line.starts_with("reply ")).count();
    expect(
        replies == 3,
        format!(
            "three pings to a working server: expected 3 `reply N: TIME` lines, got {}",
            clip(&format!("{lines:?}"))
        ),
    )?;
    expect(
        lines.last().map(String::as_str) == Some("sent 3, received 3, lost 0"),
        format!(
            "the last line should be `sent 3, received 3, lost 0`, but the output was {}",
            clip(&format!("{lines:?}"))
        ),
    )?;

    // A socket that receives and never answers: every echo is "lost".
    let silent = UdpPeer::start(false)?;
    let mut args = aim(silent.address());
    args.extend(["--count".into(), "2".into(), "--timeout".into(), "0.2".into()]);
    let ran = program.run_within(&strs(&args), None, Duration::from_secs(5));
    let pings = silent.finish().len();
    let ran = ran.map_err(|_| {
        "two pings with --timeout 0.2 to a server that never answers: your client was still \
         waiting after 5 s. A lost datagram is silent; set a read timeout on the socket"
            .to_string()
    })?;
    expect(
        pings == 2,
        format!("with --count 2, the check's silent server should get 2 pings, but got {pings}"),
    )?;
    let lines = ran.lines();
    expect(
        lines.last().map(String::as_str) == Some("sent 2, received 0, lost 2"),
        format!(
            "two pings to a server that never answers: the last line should be \
             `sent 2, received 0, lost 2`, but the output was {}",
            clip(&format!("{lines:?}"))
        ),
    )
}
