// Wrong: it passes on the system's own error text instead of a sentence for a person.
//! A wrong answer to exercise 6.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use netlessons::{cli, is_timeout};

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// Seconds to wait for the connection and for the reply
    #[arg(long, default_value = "5", value_parser = cli::seconds)]
    timeout: Duration,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match talk(&args) {
        Ok(reply) => {
            print!("{reply}");
            ExitCode::SUCCESS
        }
        Err(sentence) => {
            eprintln!("error: {sentence}");
            ExitCode::FAILURE
        }
    }
}

/// Sends hello and returns the reply line, or a sentence for a person.
fn talk(args: &Args) -> Result<String, String> {
    let Ok(addresses) = args.address.resolve_server() else {
        return Err(format!("no such host: {}", args.address.host));
    };
    let server = addresses[0];
    let mut stream = match TcpStream::connect_timeout(&server, args.timeout) {
        Ok(stream) => stream,
        Err(error) if is_timeout(&error) => {
            return Err(format!("{server} did not answer within {:?}", args.timeout));
        }
        Err(error) => return Err(format!("cannot connect to {server}: {error}")),
    };
    let talked = stream
        .set_read_timeout(Some(args.timeout))
        .and_then(|()| stream.write_all(b"hello\n"))
        .and_then(|()| {
            let mut reply = String::new();
            BufReader::new(&stream).read_line(&mut reply).map(|_| reply)
        });
    match talked {
        Ok(reply) => Ok(reply),
        Err(error) if is_timeout(&error) => {
            Err(format!("{server} did not answer within {:?}", args.timeout))
        }
        Err(error) => Err(format!("talking to {server} failed: {error}")),
    }
}
