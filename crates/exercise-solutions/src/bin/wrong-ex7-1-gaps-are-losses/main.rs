// Wrong: it never notices order: a number that arrives late is simply counted as arrived.
//! A wrong answer to exercise 7.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::UdpSocket;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// How many datagrams to send
    #[arg(long, default_value_t = 5)]
    count: u32,
    /// Seconds without an echo after which the rest count as lost
    #[arg(long, default_value = "0.5", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    socket.set_read_timeout(Some(args.timeout))?;
    for number in 1..=args.count {
        socket.send_to(format!("{number} hello").as_bytes(), server)?;
    }
    let mut arrived = Vec::new();
    let mut buffer = [0; 1500];
    while let Ok((count, _)) = socket.recv_from(&mut buffer) {
        let echo = String::from_utf8_lossy(&buffer[..count]).to_string();
        if let Some(number) = echo.split(' ').next().and_then(|word| word.parse::<u32>().ok()) {
            arrived.push(number);
        }
    }
    let lost: Vec<u32> = (1..=args.count).filter(|number| !arrived.contains(number)).collect();
    let mut highest = 0;
    let mut late = Vec::new();
    for &number in &arrived {
        let _ = &mut late;
        highest = highest.max(number);
    }
    println!("lost: {}", list(&lost));
    println!("out of order: {}", list(&late));
    Ok(())
}

fn list(numbers: &[u32]) -> String {
    if numbers.is_empty() {
        return "none".to_string();
    }
    numbers.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}
