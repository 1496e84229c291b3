// Wrong: one read taken for the whole message: it counts the first chunk only.
//! A wrong answer to exercise 1.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        if let Err(error) = count_bytes(stream) {
            eprintln!("a connection failed: {error}");
        }
    }
    Ok(())
}

fn count_bytes(mut stream: TcpStream) -> std::io::Result<()> {
    let mut buffer = [0; 4096];
    let total = stream.read(&mut buffer)?;
    stream.write_all(format!("received {total} bytes\n").as_bytes())
}
