//! Exercise 1.2, byte counter (lessons/1-tcp-server.md).
//!
//! A server that does not echo: it reads until the client has finished
//! sending, then replies with one line, `received N bytes`, and closes.
//!
//! Run it: `cargo run -p exercises --bin ex1-2-byte-counter`, then, in
//! another terminal, `printf 'hello' | nc -N 127.0.0.1 65432`, which should
//! print `received 5 bytes` (`-N`: tell the server when the input ends;
//! on macOS leave it out, as its nc does that by itself).
//! Not `tcp-client`: it expects an exact echo, so it rejects a correct
//! byte counter.
//! Check it: `just exercise 1.2`. Stuck? `just hint 1.2`.

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
            // TODO: count the bytes instead of echoing them, and when the client
            // has finished, reply `received N bytes` and a newline.
            if stream.write_all(&buffer[..count]).is_err() {
                break;
            }
        }
    }
    Ok(())
}
