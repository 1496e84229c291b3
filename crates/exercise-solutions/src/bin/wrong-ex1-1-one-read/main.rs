// Wrong: one read taken for the whole message: it answers the first chunk and closes.
//! A wrong answer to exercise 1.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{Read, Write};
use std::net::TcpListener;

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
        let Ok(mut stream) = stream else { continue };
        let mut buffer = [0; 1024];
        let Ok(count) = stream.read(&mut buffer) else { continue };
        let chunk = &mut buffer[..count];
        chunk.make_ascii_uppercase();
        let _ = stream.write_all(chunk);
    }
    Ok(())
}
