//! Exercise 5.1, statistics (lessons/5-threaded-server.md).
//!
//! A threaded echo server that answers the line `/stats` with
//! `connections: N`, the number of connections it has accepted so far
//! (this one included), and echoes every other line.
//!
//! Run it: `cargo run -p exercises --bin ex5-1-stats-server`, then
//! `nc 127.0.0.1 65432` in two or three other terminals; type `/stats`.
//! Check it: `just exercise 5.1`. Stuck? `just hint 5.1`.

use std::io;
use std::net::TcpListener;
use std::thread;

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
    // TODO: count the connections, and answer the line `/stats`.
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        thread::spawn(move || {
            let mut reader = &stream;
            let mut writer = &stream;
            let _ = io::copy(&mut reader, &mut writer);
        });
    }
    Ok(())
}
