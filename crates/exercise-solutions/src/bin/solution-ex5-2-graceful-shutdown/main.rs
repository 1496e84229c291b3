//! Reference solution of exercise 5.2, graceful shutdown.

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

fn serve(stream: &TcpStream, address: SocketAddr, stopping: &AtomicBool) -> std::io::Result<()> {
    let mut writer = stream;
    for line in BufReader::new(stream).lines() {
        let line = line?;
        if line == "/shutdown" {
            stopping.store(true, Ordering::SeqCst);
            // Wake the accept loop, which only looks at the flag when a
            // client arrives.
            let _ = TcpStream::connect(address);
            return Ok(());
        }
        writer.write_all(format!("{line}\n").as_bytes())?;
    }
    Ok(())
}
