// Wrong: its first line is a greeting, not `listening on ADDRESS`, so nothing can find its port.
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
    println!("Shouting echo server, version 1");
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
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
