//! Reference solution of exercise 0.1, resolve.

use std::net::ToSocketAddrs;
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
    match (args.host.as_str(), args.port).to_socket_addrs() {
        Ok(addresses) => {
            for address in addresses {
                println!("{address}");
            }
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: cannot resolve {:?}: {error}", args.host);
            ExitCode::FAILURE
        }
    }
}
