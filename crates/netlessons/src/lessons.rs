pub fn run(_n: u32) -> anyhow::Result<()> {
    Ok(())
}
