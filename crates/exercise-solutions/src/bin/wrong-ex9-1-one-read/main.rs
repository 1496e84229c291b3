// Wrong: takes whatever one read() returns for the whole request head.
//! A wrong solution of exercise 9.1, kept to prove that the check rejects
//! it: it keeps the connection and sends Content-Length, but a request that
//! arrives in pieces is answered from its first piece only.

use std::io::{Read, Write};
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
            let _ = handle_connection(&stream);
        });
    }
    Ok(())
}

fn handle_connection(mut stream: &TcpStream) -> anyhow::Result<()> {
    let mut buffer = [0; 8192];
    loop {
        let count = stream.read(&mut buffer)?;
        if count == 0 {
            return Ok(());
        }
        let request = String::from_utf8_lossy(&buffer[..count]).to_string();
        let mut body = String::new();
        for line in request.lines().skip(1) {
            if line.is_empty() {
                break;
            }
            body.push_str(line);
            body.push('\n');
        }
        write!(
            stream,
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )?;
    }
}
