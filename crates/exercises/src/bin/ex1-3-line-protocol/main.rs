//! Exercise 1.3, a line protocol (lessons/1-tcp-server.md).
//!
//! A server that answers lines: `UPPER text` answers `TEXT`, `REVERSE abc`
//! answers `cba`, `QUIT` answers `BYE` and closes, anything else answers
//! `ERROR unknown command`. Every answer ends with a newline.
//!
//! Run it: `cargo run -p exercises --bin ex1-3-line-protocol`, then
//! `nc -N 127.0.0.1 65432` in another terminal (on macOS without `-N`),
//! and type commands.
//! Check it: `just exercise 1.3`. Stuck? `just hint 1.3`.

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
            // TODO: read whole lines and answer each one instead of echoing.
            if stream.write_all(&buffer[..count]).is_err() {
                break;
            }
        }
    }
    Ok(())
}
