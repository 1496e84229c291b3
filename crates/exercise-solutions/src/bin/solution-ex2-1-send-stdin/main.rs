//! Reference solution of exercise 2.1, send standard input.

use std::io::{self, Write};
use std::net::{Shutdown, TcpStream};
use std::thread;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let stream = TcpStream::connect(&args.address.resolve_server()?[..])?;
    let mut sending = stream.try_clone()?;
    // Send on a second thread while this one copies the echo out.
    let sender = thread::spawn(move || -> io::Result<()> {
        io::copy(&mut io::stdin().lock(), &mut sending)?;
        sending.shutdown(Shutdown::Write)
    });
    let mut reading = &stream;
    io::copy(&mut reading, &mut io::stdout().lock())?;
    io::stdout().flush()?;
    sender.join().expect("the sending thread does not panic")?;
    Ok(())
}
