// Wrong: it parses the host as an IP address instead of asking the resolver, so names such as localhost fail.
//! A wrong answer to exercise 0.1, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use clap::Parser;

/// Print every socket address a host name stands for
#[derive(Parser)]
struct Args {
    /// A host name or IP address
    host: String,
    /// A port number
    port: u16,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match args.host.parse::<IpAddr>() {
        Ok(ip) => {
            println!("{}", SocketAddr::new(ip, args.port));
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot resolve {:?}: {error}", args.host);
            ExitCode::FAILURE
        }
    }
}
