// Wrong: it ends the request lines with \n alone; HTTP wants \r\n.
//! A wrong answer to exercise 2.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{Read, Write};
use std::net::TcpStream;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    stream.write_all(b"HEAD / HTTP/1.0\n\n")?;
    // HTTP/1.0: the server closes the connection after its reply.
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    println!("{}", reply.lines().next().unwrap_or(""));
    Ok(())
}
