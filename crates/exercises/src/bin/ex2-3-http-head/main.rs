//! Exercise 2.3, speak HTTP (lessons/2-tcp-client.md).
//!
//! Connect to a web server, send the request `HEAD / HTTP/1.0`, followed by
//! an empty line (every line ends in `\r\n`), and print the first line of
//! the reply, the status line, such as `HTTP/1.0 200 OK`.
//!
//! Run it: `cargo run -p exercises --bin ex2-3-http-head -- --port 8000`
//! against any web server on this machine, such as
//! `python3 -m http.server --bind 127.0.0.1` (without `--bind` it serves
//! the current directory to your whole network).
//! Check it: `just exercise 2.3`. Stuck? `just hint 2.3`.

use std::io::{Read, Write};
use std::net::TcpStream;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let mut stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    // TODO: send a real HTTP request.
    stream.write_all(b"HELLO\r\n\r\n")?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    // TODO: print only the status line, without its \r.
    print!("{reply}");
    Ok(())
}
