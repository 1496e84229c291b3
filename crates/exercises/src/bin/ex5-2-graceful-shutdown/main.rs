//! Exercise 5.2, graceful shutdown (lessons/5-threaded-server.md).
//!
//! A pool server that echoes lines. When a client sends the line
//! `/shutdown`, the server stops accepting new clients, lets the workers
//! finish the clients they have, and exits with status 0.
//!
//! Run it: `cargo run -p exercises --bin ex5-2-graceful-shutdown`, connect
//! with `nc 127.0.0.1 65432` twice, and send `/shutdown` from one.
//! Check it: `just exercise 5.2`. Stuck? `just hint 5.2`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::thread;

use clap::Parser;
use netlessons::cli;

/// Worker threads in the pool.
const WORKERS: usize = 4;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", listener.local_addr()?);
    let (sender, receiver) = crossbeam_channel::bounded::<TcpStream>(16);
    thread::scope(|scope| {
        for _ in 0..WORKERS {
            let receiver = receiver.clone();
            scope.spawn(move || {
                for stream in receiver {
                    let _ = serve(&stream);
                }
            });
        }
        // TODO: stop this loop when a client has asked for /shutdown. Hint:
        // accept() waits for the next client, so something has to wake it.
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            let _ = sender.send(stream);
        }
        drop(sender);
    });
    Ok(())
}

fn serve(stream: &TcpStream) -> std::io::Result<()> {
    let mut writer = stream;
    for line in BufReader::new(stream).lines() {
        writer.write_all(format!("{}\n", line?).as_bytes())?;
    }
    Ok(())
}
