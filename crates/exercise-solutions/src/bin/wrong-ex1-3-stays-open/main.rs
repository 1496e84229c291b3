// Wrong: after BYE it goes on reading lines, so the connection stays open until the client leaves.
//! A wrong answer to exercise 1.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};

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
        if let Err(error) = serve(&stream) {
            eprintln!("a connection failed: {error}");
        }
    }
    Ok(())
}

fn serve(stream: &TcpStream) -> std::io::Result<()> {
    let mut writer = stream;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        let (command, text) = line.split_once(' ').unwrap_or((line.as_str(), ""));
        let answer = match command {
            "UPPER" => text.to_uppercase(),
            "REVERSE" => text.chars().rev().collect(),
            "QUIT" => {
                writer.write_all(b"BYE\n")?;
                continue;
            }
            _ => "ERROR unknown command".to_string(),
        };
        writer.write_all(format!("{answer}\n").as_bytes())?;
    }
    Ok(())
}
