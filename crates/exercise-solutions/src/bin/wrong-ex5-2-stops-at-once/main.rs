// Wrong: it exits as soon as /shutdown arrives, dropping the clients still connected.
//! A wrong answer to exercise 5.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
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
    let address = listener.local_addr()?;
    println!("listening on {address}");
    let stopping = &AtomicBool::new(false);
    let (sender, receiver) = crossbeam_channel::bounded::<TcpStream>(16);
    thread::scope(|scope| {
        for _ in 0..WORKERS {
            let receiver = receiver.clone();
            scope.spawn(move || {
                for stream in receiver {
                    let _ = serve(&stream, address, stopping);
                }
            });
        }
        for stream in listener.incoming() {
            if stopping.load(Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let _ = sender.send(stream);
        }
        // Close the queue: the workers finish their clients and stop.
        drop(sender);
    });
    Ok(())
}

fn serve(stream: &TcpStream, _address: SocketAddr, stopping: &AtomicBool) -> std::io::Result<()> {
    let mut writer = stream;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        if line == "/shutdown" {
            stopping.store(true, Ordering::SeqCst);
            // Exits at once: every client still connected is cut off.
            std::process::exit(0);
        }
        writer.write_all(format!("{line}\n").as_bytes())?;
    }
    Ok(())
}
