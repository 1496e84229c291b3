//! Reference solution of exercise 9.3, time each phase.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

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

fn milliseconds(duration: Duration) -> String {
    format!("{:.1}ms", duration.as_secs_f64() * 1000.0)
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let addresses = args.address.resolve_server()?;

    let started = Instant::now();
    let mut stream = TcpStream::connect(&addresses[..])?;
    let connect = started.elapsed();

    stream.set_read_timeout(Some(Duration::from_secs(30)))?;
    let request = format!(
        "GET {} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        args.path, args.address
    );
    stream.write_all(request.as_bytes())?;
    let sent = Instant::now();

    let mut response = vec![0; 4096];
    let count = stream.read(&mut response)?;
    let first_byte = sent.elapsed();
    let arrived = Instant::now();
    response.truncate(count);
    if count > 0 {
        // Connection: close, so the response ends when the server closes.
        stream.read_to_end(&mut response)?;
    }
    let body = arrived.elapsed();

    println!("connect: {}", milliseconds(connect));
    println!("first byte: {}", milliseconds(first_byte));
    println!("body: {}", milliseconds(body));
    Ok(())
}
