// Wrong: it writes to every client while holding the shared lock, so one client that does not read stalls the room.
//! A wrong answer to exercise 5.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use clap::Parser;
use netlessons::cli;

/// Every connected client: its number, and its stream.
type Room = Arc<Mutex<Vec<(usize, TcpStream)>>>;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", listener.local_addr()?);
    let room: Room = Arc::default();
    for (number, stream) in listener.incoming().enumerate() {
        let Ok(stream) = stream else { continue };
        let room = Arc::clone(&room);
        thread::spawn(move || serve(number, stream, &room));
    }
    Ok(())
}

fn serve(me: usize, mut stream: TcpStream, room: &Room) -> std::io::Result<()> {
    room.lock().expect("no thread panics while holding the room").push((me, stream.try_clone()?));
    stream.write_all(b"welcome\n")?;
    for line in BufReader::new(&stream).lines() {
        let Ok(line) = line else { break };
        let mut others = room.lock().expect("no thread panics while holding the room");
        for (number, other) in others.iter_mut() {
            if *number != me {
                // Blocks while this client's buffers are full, lock held.
                let _ = other.write_all(format!("{line}\n").as_bytes());
            }
        }
    }
    room.lock()
        .expect("no thread panics while holding the room")
        .retain(|(number, _)| *number != me);
    Ok(())
}
