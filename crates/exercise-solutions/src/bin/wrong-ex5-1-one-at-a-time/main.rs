// Wrong: it serves one client at a time, so a second client waits until the first leaves.
//! A wrong answer to exercise 5.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::Parser;
use netlessons::cli;

/// Connections accepted so far, shared by every thread.
static CONNECTIONS: AtomicUsize = AtomicUsize::new(0);

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
        CONNECTIONS.fetch_add(1, Ordering::SeqCst);
        let _ = serve(&stream);
    }
    Ok(())
}

fn serve(stream: &TcpStream) -> std::io::Result<()> {
    let mut writer = stream;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        let answer = if line == "/stats" {
            format!("connections: {}\n", CONNECTIONS.load(Ordering::SeqCst))
        } else {
            format!("{line}\n")
        };
        writer.write_all(answer.as_bytes())?;
    }
    Ok(())
}
