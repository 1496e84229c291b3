//! A simulated lossy network for UDP, for lesson 7's demo and for the
//! exercises that must cope with loss: a relay that sits between a client
//! and a server and, on purpose, drops one datagram and delays another.

use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread;
use std::time::Duration;

use anyhow::Context;

use netlessons::show;

/// A pretend network between a client and a UDP server: it forwards
/// datagrams both ways, except that it drops the client's 2nd datagram and
/// holds back the 3rd until the 4th has gone. Real networks do this at
/// random; this one does it the same way every time, so the demo is
/// repeatable.
pub struct LossyRelay {
    /// Where clients send their datagrams instead of to the server.
    pub address: SocketAddr,
    stop: Arc<AtomicBool>,
    worker: thread::JoinHandle<Vec<String>>,
}

impl LossyRelay {
    /// Starts a relay in front of the UDP server at `server`.
    pub fn start(server: SocketAddr) -> anyhow::Result<LossyRelay> {
        let socket = UdpSocket::bind("127.0.0.1:0").context("cannot create the relay socket")?;
        socket.set_read_timeout(Some(Duration::from_millis(20)))?;
        let address = socket.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = Arc::clone(&stop);
        let worker = thread::spawn(move || relay(&socket, server, &stopped));
        Ok(LossyRelay { address, stop, worker })
    }

    /// Stops the relay and returns what it did, one line per datagram.
    pub fn stop(self) -> Vec<String> {
        self.stop.store(true, Ordering::SeqCst);
        self.worker.join().unwrap_or_else(|_| vec!["the relay thread failed".to_string()])
    }
}

fn relay(socket: &UdpSocket, server: SocketAddr, stop: &AtomicBool) -> Vec<String> {
    let mut log = Vec::new();
    let mut client = None;
    let mut from_client = 0;
    let mut held_back: Option<Vec<u8>> = None;
    let mut buffer = [0; 65_535];
    while !stop.load(Ordering::SeqCst) {
        let Ok((count, sender)) = socket.recv_from(&mut buffer) else {
            continue;
        };
        let datagram = buffer[..count].to_vec();
        if sender == server {
            if let Some(client) = client {
                let _ = socket.send_to(&datagram, client);
            }
            continue;
        }
        client = Some(sender);
        from_client += 1;
        match from_client {
            2 => log.push(format!("dropping datagram 2 on purpose: {}", show::bytes(&datagram))),
            3 => {
                log.push(format!("holding back datagram 3: {}", show::bytes(&datagram)));
                held_back = Some(datagram);
            }
            _ => {
                log.push(format!("passing datagram {from_client}: {}", show::bytes(&datagram)));
                let _ = socket.send_to(&datagram, server);
                if let Some(late) = held_back.take() {
                    log.push(format!("passing datagram 3, late: {}", show::bytes(&late)));
                    let _ = socket.send_to(&late, server);
                }
            }
        }
    }
    log
}
