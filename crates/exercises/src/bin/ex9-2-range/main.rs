//! Exercise 9.2, range requests (lessons/9-http.md).
//!
//! This web server answers every request with the file given by `--file`.
//! Make it honour a `Range` header asking for one range of bytes
//! (RFC 9110, section 14):
//!
//! - `Range: bytes=10-19` is bytes 10 to 19, both included: answer
//!   `206 Partial Content`, with `Content-Range: bytes 10-19/SIZE` (SIZE is
//!   the whole file's length) and only those 10 bytes as the body;
//! - `bytes=-5` is the last 5 bytes; `bytes=10-` is byte 10 to the end;
//!   an end past the file's end stops at the file's end;
//! - a range that starts at or past the end of the file answers
//!   `416 Range Not Satisfiable` with `Content-Range: bytes */SIZE`;
//! - without `Range`, the whole file with `200 OK`, as now.
//!
//! Run it: `cargo run -p exercises --bin ex9-2-range -- --file Cargo.toml`,
//! then `curl -v -r 10-19 http://127.0.0.1:65432/`.
//! Check it: `just exercise 9.2`. Stuck? `just hint 9.2`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// The file to serve
    #[arg(long)]
    file: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        if let Err(error) = handle_connection(&stream?, &args) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

/// Answers one request, then closes the connection.
fn handle_connection(mut stream: &TcpStream, args: &Args) -> anyhow::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        headers.push(line);
    }
    // The header lines, without the request line: "Range: bytes=10-19".
    let range = headers.iter().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("range").then(|| value.trim().to_string())
    });
    let file = std::fs::read(&args.file)?;
    // TODO: when `range` is Some, answer 206 or 416 instead.
    let _ = range;
    let head =
        format!("HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n", file.len());
    stream.write_all(head.as_bytes())?;
    stream.write_all(&file)?;
    Ok(())
}
