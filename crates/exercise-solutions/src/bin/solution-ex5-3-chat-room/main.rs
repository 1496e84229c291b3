//! Reference solution of exercise 5.3, chat room.

use std::io::{BufRead, BufReader, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use clap::Parser;
use crossbeam_channel::Sender;
use netlessons::cli;

/// How many lines may wait for one client.
const QUEUE: usize = 1024;

/// How long a line may wait for room in a full queue. A client whose
/// queue stays full that long is not reading, and is let go: it must not
/// slow the room down for ever, nor fill the server's memory.
const SLOW_CLIENT: Duration = Duration::from_secs(2);

/// Every connected client: its number, the channel to its writer, and its
/// stream (to disconnect it).
type Room = Arc<Mutex<Vec<(usize, Sender<String>, TcpStream)>>>;

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

fn serve(me: usize, stream: TcpStream, room: &Room) -> std::io::Result<()> {
    let (sender, receiver) = crossbeam_channel::bounded::<String>(QUEUE);
    let mut writer = stream.try_clone()?;
    thread::spawn(move || {
        for line in receiver {
            if writer.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    // Join the room before saying welcome: from then on, lines reach us.
    lock(room).push((me, sender.clone(), stream.try_clone()?));
    let _ = sender.send("welcome\n".to_string());
    for line in BufReader::new(&stream).lines() {
        let Ok(line) = line else { break };
        // Copy the others' senders and let go of the lock at once: sending
        // may wait, and nobody else should wait with us.
        let others: Vec<(usize, Sender<String>)> = lock(room)
            .iter()
            .filter(|(number, _, _)| *number != me)
            .map(|(number, other, _)| (*number, other.clone()))
            .collect();
        for (number, other) in others {
            if other.send_timeout(format!("{line}\n"), SLOW_CLIENT).is_err() {
                leave(room, number);
            }
        }
    }
    leave(room, me);
    Ok(())
}

/// Takes a client out of the room and closes its connection; its writer
/// thread sees the channel close, its reader sees the end of the stream.
fn leave(room: &Room, number: usize) {
    lock(room).retain(|(other, _, stream)| {
        if *other == number {
            let _ = stream.shutdown(Shutdown::Both);
        }
        *other != number
    });
}

fn lock(room: &Room) -> std::sync::MutexGuard<'_, Vec<(usize, Sender<String>, TcpStream)>> {
    room.lock().expect("no thread panics while holding the room")
}
