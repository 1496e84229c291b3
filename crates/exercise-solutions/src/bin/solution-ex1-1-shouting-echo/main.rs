//! Reference solution of exercise 1.1, shouting echo.

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
