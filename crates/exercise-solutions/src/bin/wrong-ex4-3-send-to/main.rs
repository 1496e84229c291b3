// Wrong: it never connects the socket, so the refusal is never reported and it waits for the timeout.
//! A wrong answer to exercise 4.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io;
use std::net::UdpSocket;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// Seconds to wait for the echo
    #[arg(long, default_value = "5", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> anyhow::Result<ExitCode> {
    let args = Args::parse();
    let server = args.address.resolve_server()?[0];
    let socket = UdpSocket::bind(if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" })?;
    socket.set_read_timeout(Some(args.timeout))?;
    socket.send_to(b"hello", server)?;
    let mut buffer = [0; 1500];
    match socket.recv_from(&mut buffer) {
        Ok((count, _)) => {
            println!("echo: {}", String::from_utf8_lossy(&buffer[..count]));
            Ok(ExitCode::SUCCESS)
        }
        Err(error)
            if matches!(
                error.kind(),
                io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
            ) =>
        {
            eprintln!("error: nothing is listening on {server}");
            Ok(ExitCode::FAILURE)
        }
        Err(error) if netlessons::is_timeout(&error) => {
            eprintln!("error: no reply from {server} within {:?}", args.timeout);
            Ok(ExitCode::FAILURE)
        }
        Err(error) => Err(error.into()),
    }
}
