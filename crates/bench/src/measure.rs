//! The measurements. Each one talks to an echo server over loopback, is
//! bounded in time (and in count where it can be), and checks what comes
//! back, so that a fast wrong server does not look good.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long any single read may wait before the measurement fails.
const PATIENCE: Duration = Duration::from_secs(10);

/// The size of the small messages.
const SMALL: usize = 32;

fn connect(address: SocketAddr) -> anyhow::Result<TcpStream> {
    let stream = TcpStream::connect_timeout(&address, PATIENCE)
        .with_context(|| format!("cannot connect to {address}"))?;
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    stream.set_nodelay(true)?;
    Ok(stream)
}

/// MiB per second through one connection: one thread sends 64 KiB blocks
/// for `duration`, this one reads the echo back; the clock stops when the
/// last byte is back.
pub fn throughput(address: SocketAddr, duration: Duration) -> anyhow::Result<f64> {
    let stream = connect(address)?;
    let mut writer = stream.try_clone()?;
    let started = Instant::now();
    let sender = thread::spawn(move || -> std::io::Result<u64> {
        let block: Vec<u8> = (0..64 * 1024).map(|index| (index % 251) as u8).collect();
        let mut sent = 0;
        while started.elapsed() < duration {
            writer.write_all(&block)?;
            sent += block.len() as u64;
        }
        writer.shutdown(Shutdown::Write)?;
        Ok(sent)
    });
    let mut buffer = vec![0; 256 * 1024];
    let mut received = 0u64;
    loop {
        let count = (&stream).read(&mut buffer).context("reading the echo")?;
        if count == 0 {
            break;
        }
        received += count as u64;
    }
    let elapsed = started.elapsed();
    let sent = sender.join().map_err(|_| anyhow::anyhow!("the sending thread failed"))??;
    if received != sent {
        bail!("sent {sent} bytes but {received} came back");
    }
    Ok(received as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64())
}

/// Round trips of small messages on one connection.
pub struct RoundTrips {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
}

/// Sends a 32-byte message and waits for its echo, again and again, for
/// `duration` (at most a million times).
pub fn round_trips(address: SocketAddr, duration: Duration) -> anyhow::Result<RoundTrips> {
    let mut stream = connect(address)?;
    let mut latencies = Vec::new();
    let mut echo = [0; SMALL];
    let started = Instant::now();
    while started.elapsed() < duration && latencies.len() < 1_000_000 {
        let message = [(latencies.len() % 251) as u8; SMALL];
        let sent = Instant::now();
        stream.write_all(&message)?;
        stream.read_exact(&mut echo).context("reading an echo")?;
        latencies.push(sent.elapsed());
        if echo != message {
            bail!("an echo differs from its message");
        }
    }
    let elapsed = started.elapsed();
    latencies.sort();
    let at = |fraction: f64| latencies[((latencies.len() - 1) as f64 * fraction) as usize];
    Ok(RoundTrips {
        per_second: latencies.len() as f64 / elapsed.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    })
}

/// Many clients at once.
pub struct Crowd {
    pub seconds: f64,
    pub failures: usize,
}

/// `clients` clients connect at the same moment and each makes `rounds`
/// round trips; the time until the last one is done, and how many failed.
pub fn crowd(address: SocketAddr, clients: usize, rounds: usize) -> anyhow::Result<Crowd> {
    let start_line = Arc::new(Barrier::new(clients + 1));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let start_line = Arc::clone(&start_line);
            thread::Builder::new().stack_size(128 * 1024).spawn(move || {
                start_line.wait();
                let mut stream = connect(address)?;
                let mut echo = [0; SMALL];
                for round in 0..rounds {
                    let message = [(round % 251) as u8; SMALL];
                    stream.write_all(&message)?;
                    stream.read_exact(&mut echo)?;
                    if echo != message {
                        bail!("an echo differs");
                    }
                }
                Ok(())
            })
        })
        .collect::<Result<_, _>>()
        .context("cannot start the client threads")?;
    start_line.wait();
    let started = Instant::now();
    let failures = threads.into_iter().map(thread_result).filter(Result::is_err).count();
    Ok(Crowd { seconds: started.elapsed().as_secs_f64(), failures })
}

fn thread_result(thread: thread::JoinHandle<anyhow::Result<()>>) -> anyhow::Result<()> {
    thread.join().map_err(|_| anyhow::anyhow!("a client thread panicked"))?
}

/// Datagrams echoed.
pub struct Datagrams {
    pub per_second: f64,
    pub sent: u64,
    pub lost: u64,
}

/// Keeps 16 numbered 64-byte datagrams in flight for `duration`; a
/// datagram whose echo has not come within 100 ms counts as lost.
pub fn datagrams(address: SocketAddr, duration: Duration) -> anyhow::Result<Datagrams> {
    const WINDOW: u64 = 16;
    let socket = UdpSocket::bind(if address.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" })?;
    socket.connect(address)?;
    socket.set_read_timeout(Some(Duration::from_millis(100)))?;
    let mut sent = 0u64;
    let mut received = 0u64;
    let mut lost = 0u64;
    let mut datagram = [0u8; 64];
    let mut echo = [0u8; 64];
    let started = Instant::now();
    while started.elapsed() < duration {
        while sent - received - lost < WINDOW {
            datagram[..8].copy_from_slice(&sent.to_be_bytes());
            socket.send(&datagram)?;
            sent += 1;
        }
        match socket.recv(&mut echo) {
            Ok(64) => received += 1,
            Ok(_) => bail!("an echo has the wrong size"),
            // Silence for 100 ms: count the oldest datagram in flight as lost.
            Err(_) => lost += 1,
        }
    }
    // Collect the echoes still on their way.
    while sent > received + lost {
        match socket.recv(&mut echo) {
            Ok(_) => received += 1,
            Err(_) => lost = sent - received,
        }
    }
    Ok(Datagrams { per_second: received as f64 / started.elapsed().as_secs_f64(), sent, lost })
}
