//! Exercise 9.1, echo the headers (lessons/9-http.md).
//!
//! A web server whose every answer is `200 OK` with
//! `Content-Type: text/plain`, and whose body is the request's header
//! lines, one per line, exactly as they arrived: without the request line,
//! and without the `\r` at the end of each line. Keep the connection open
//! for the client's next request, and give every answer a `Content-Length`,
//! so that the client can tell where the answer ends.
//!
//! Run it: `cargo run -p exercises --bin ex9-1-echo-headers`, then
//! `curl -v http://127.0.0.1:65432/ http://127.0.0.1:65432/again`.
//! Check it: `just exercise 9.1`. Stuck? `just hint 9.1`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
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
    for stream in listener.incoming() {
        let stream = stream?;
        thread::spawn(move || {
            if let Err(error) = handle_connection(&stream) {
                eprintln!("connection failed: {error}");
            }
        });
    }
    Ok(())
}

fn handle_connection(mut stream: &TcpStream) -> anyhow::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    // TODO: read the header lines, up to the empty line that ends them.
    // TODO: answer every request on this connection, not only the first.
    let body = "hello\n";
    // TODO: say how long the body is.
    write!(stream, "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\n{body}")?;
    Ok(())
}
