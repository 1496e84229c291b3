/// Checks exercise 0.1: the addresses a name stands for, and a clear error
/// for a name that does not exist.
pub fn check(program: &Program) -> Outcome {
    let ran = program.run(&["127.0.0.1", "80"], None)?;
    expect_bytes("`127.0.0.1 80` should print one address", b"127.0.0.1:80\n", &ran.stdout)?;
    expect_exit(&ran, 0, "`127.0.0.1 80` can be resolved")?;

    let ran = program.run(&["::1", "443"], None)?;
    expect_bytes("`::1 443` should print the IPv6 address, in brackets", b"[::1]:443\n", &ran.stdout)?;

    let ran = program.run(&["no.such.host.invalid", "80"], None)?;
    expect_exit(&ran, 1, "a name that does not exist")?;
    expect(
        ran.stdout.is_empty() && ran.stderr.lines().count() == 1,
        format!(
            "a name that does not exist should print nothing on standard output and one line on \
             standard error; got {} and {:?}",
            show::bytes(&ran.stdout),
            ran.stderr
        ),
    )
}
