//! Exercise 9.3, time each phase (lessons/9-http.md).
//!
//! Fetch `--path` from the web server at `--host` and `--port` with a GET
//! request, read the whole response, and print how long each phase took,
//! in milliseconds, one per line:
//!
//! ```text
//! connect: 0.2ms
//! first byte: 201.5ms
//! body: 602.3ms
//! ```
//!
//! `connect` is the time `connect` took; `first byte` runs from the end of
//! sending the request to the first byte of the response; `body` from that
//! first byte to the last byte of the response.
//!
//! Run it: start `cargo run -p http-server`, then
//! `cargo run -p exercises --bin ex9-3-phases -- --port 8000 --path /`.
//! Check it: `just exercise 9.3`. Stuck? `just hint 9.3`.

use std::io::{Read, Write};
use std::net::TcpStream;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// The path to fetch
    #[arg(long, default_value = "/")]
    path: String,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        args.path, args.address
    );
    stream.write_all(request.as_bytes())?;
    let mut response = Vec::new();
    stream.read_to_end(&mut response)?;
    // TODO: measure each phase with std::time::Instant.
    println!("connect: 0ms");
    println!("first byte: 0ms");
    println!("body: 0ms");
    Ok(())
}
