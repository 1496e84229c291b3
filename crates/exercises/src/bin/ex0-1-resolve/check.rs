/// Checks exercise 0.1: the addresses a name stands for, as the system's
/// resolver gives them to the check too, and a clear error for a name that
/// does not exist.
pub fn check(program: &Program) -> Outcome {
    let ran = program.run(&["127.0.0.1", "80"], None)?;
    expect_bytes("`127.0.0.1 80` should print one address", b"127.0.0.1:80\n", &ran.stdout)?;
    expect_exit(&ran, 0, "`127.0.0.1 80` can be resolved")?;

    let ran = program.run(&["::1", "443"], None)?;
    expect_bytes(
        "`::1 443` should print the IPv6 address, in brackets",
        b"[::1]:443\n",
        &ran.stdout,
    )?;

    // A name, resolved by the system: the same addresses the check finds.
    let mut expected: Vec<String> = std::net::ToSocketAddrs::to_socket_addrs(&("localhost", 8080))
        .map_err(|error| format!("the check cannot resolve localhost: {error}"))?
        .map(|address| address.to_string())
        .collect();
    let ran = program.run(&["localhost", "8080"], None)?;
    expect_exit(&ran, 0, "`localhost 8080` can be resolved")?;
    let mut got = ran.lines();
    expected.sort();
    got.sort();
    expect(
        got == expected,
        format!(
            "`localhost 8080` should print every address the system resolves the name to, {expected:?}, \
             but the program printed {}. Ask the resolver (ToSocketAddrs); don't parse the text",
            clip(&format!("{got:?}"))
        ),
    )?;

    let ran = program.run(&["no.such.host.invalid", "80"], None)?;
    expect_exit(&ran, 1, "a name that does not exist")?;
    expect(
        ran.stdout.is_empty() && ran.stderr.lines().count() == 1,
        format!(
            "a name that does not exist should print nothing on standard output and one line on \
             standard error; got {} and {}",
            show::bytes(&ran.stdout),
            show::bytes(ran.stderr.as_bytes())
        ),
    )
}
