//! Exercise 5.3, chat room (lessons/5-threaded-server.md).
//!
//! A server where every line a client writes goes to every *other*
//! connected client. When a client has joined, the server sends it the line
//! `welcome`.
//!
//! Run it: `cargo run -p exercises --bin ex5-3-chat-room`, then
//! `nc 127.0.0.1 65432` in two or three other terminals, and chat.
//! Check it: `just exercise 5.3`. Stuck? `just hint 5.3`.

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
        let Ok(stream) = stream else { continue };
        thread::spawn(move || serve(&stream));
    }
    Ok(())
}

fn serve(stream: &TcpStream) -> std::io::Result<()> {
    let mut writer = stream;
    writer.write_all(b"welcome\n")?;
    for line in BufReader::new(stream).lines() {
        // TODO: send the line to every other client, not back to this one.
        writer.write_all(format!("{}\n", line?).as_bytes())?;
    }
    Ok(())
}
