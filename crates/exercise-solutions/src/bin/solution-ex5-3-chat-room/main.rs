//! Reference solution of exercise 5.3, chat room.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::thread;

use clap::Parser;
use crossbeam_channel::Sender;
use netlessons::cli;

/// Every connected client: its number, and the channel to its writer.
type Room = Arc<Mutex<Vec<(usize, Sender<String>)>>>;

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
    let (sender, receiver) = crossbeam_channel::unbounded::<String>();
    let mut writer = stream.try_clone()?;
    thread::spawn(move || {
        for line in receiver {
            if writer.write_all(line.as_bytes()).is_err() {
                break;
            }
        }
    });
    // Join the room before saying welcome: from then on, lines reach us.
    room.lock().expect("no thread panics while holding the room").push((me, sender.clone()));
    let _ = sender.send("welcome\n".to_string());
    for line in BufReader::new(&stream).lines() {
        let Ok(line) = line else { break };
        let others = room.lock().expect("no thread panics while holding the room");
        for (number, other) in others.iter() {
            if *number != me {
                let _ = other.send(format!("{line}\n"));
            }
        }
    }
    room.lock()
        .expect("no thread panics while holding the room")
        .retain(|(number, _)| *number != me);
    Ok(())
}
