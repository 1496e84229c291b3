//! Exercise 6.3, say goodbye (lessons/6-errors.md).
//!
//! A TCP echo server that drops clients silent for `--idle-timeout`
//! seconds, and first tells them why, with one line:
//! `bye: idle for 300 ms` (whole milliseconds).
//!
//! Run it: `cargo run -p exercises --bin ex6-3-say-goodbye -- --idle-timeout 3`,
//! then `nc 127.0.0.1 65432` in another terminal, and wait.
//! Check it: `just exercise 6.3`. Stuck? `just hint 6.3`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// Seconds a client may stay silent
    #[arg(long, default_value = "10", value_parser = cli::seconds)]
    idle_timeout: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let idle_timeout = args.idle_timeout;
        thread::spawn(move || echo(stream, idle_timeout));
    }
    Ok(())
}

fn echo(mut stream: TcpStream, idle_timeout: Duration) -> std::io::Result<()> {
    stream.set_read_timeout(Some(idle_timeout))?;
    let mut buffer = [0; 1024];
    loop {
        // TODO: when the read times out, say goodbye before closing.
        let count = stream.read(&mut buffer)?;
        if count == 0 {
            return Ok(());
        }
        stream.write_all(&buffer[..count])?;
    }
}
