//! Exercise 1.1, shouting echo (lessons/1-tcp-server.md).
//!
//! A TCP echo server that sends back every ASCII letter in upper case and
//! every other byte unchanged: `hello, world!` comes back `HELLO, WORLD!`.
//!
//! Run it: `cargo run -p exercises --bin ex1-1-shouting-echo`, then, in
//! another terminal, `echo 'hello, world!' | nc -N 127.0.0.1 65432`
//! (`-N`: tell the server when the input ends; on macOS leave it out, as
//! its nc does that by itself). Not `tcp-client`: it expects an exact
//! echo, so it rejects a correct shouting server.
//! Check it: `just exercise 1.1`. Stuck? `just hint 1.1`.

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
            // TODO: change the letters before sending them back.
            if stream.write_all(&buffer[..count]).is_err() {
                break;
            }
        }
    }
    Ok(())
}
