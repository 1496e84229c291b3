// Wrong: it serves one client and exits: accept is not in a loop.
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
    {
        let (mut stream, _) = listener.accept()?;
        let mut buffer = [0; 1024];
        loop {
            let count = match stream.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(count) => count,
            };
            let chunk = &mut buffer[..count];
            chunk.make_ascii_uppercase();
            if stream.write_all(chunk).is_err() {
                break;
            }
        }
    }
    Ok(())
}
