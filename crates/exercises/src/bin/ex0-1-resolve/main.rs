//! Exercise 0.1, resolve (lessons/0-concepts.md).
//!
//! Print every socket address that a host name and port stand for, one per
//! line, as Rust writes a `SocketAddr`. A name that does not exist gets one
//! line on standard error and exit status 1.
//!
//! Run it: `cargo run -p exercises --bin ex0-1-resolve -- localhost 80`
//! Check it: `just exercise 0.1`. Stuck? `just hint 0.1`.

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
    // TODO: look up `args.host` together with `args.port`, and print each
    // address it stands for on its own line.
    println!("TODO: resolve {} {}", args.host, args.port);
    ExitCode::FAILURE
}
