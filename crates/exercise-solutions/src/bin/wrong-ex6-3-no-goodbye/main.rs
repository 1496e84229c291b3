// Wrong: it closes an idle connection without saying goodbye.
//! A wrong answer to exercise 6.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;
use std::time::Duration;

use clap::Parser;
use netlessons::{cli, is_timeout};

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
        let count = match stream.read(&mut buffer) {
            Ok(0) => return Ok(()),
            Ok(count) => count,
            Err(error) if is_timeout(&error) => return Ok(()),
            Err(error) => return Err(error),
        };
        stream.write_all(&buffer[..count])?;
    }
}
