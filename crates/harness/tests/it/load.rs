//! The servers under load and abuse. The quick tests run with the rest of
//! the suite; the heavy ones (a thousand clients, 100 MB) are marked
//! `#[ignore]` and run by `just load-test`, which CI runs too. Every loop
//! here is bounded in count and time, and every target is loopback.
//!
//! A thousand clients need a few thousand open files: macOS allows 256 by
//! default, so run `ulimit -n 4096` first there.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use netlessons::show::test_data;

use crate::support::*;

/// Peak resident memory of a process in KiB, where the system tells it.
#[cfg(target_os = "linux")]
fn peak_memory_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// The number of threads of a process, where the system tells it.
#[cfg(target_os = "linux")]
fn threads_of(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with("Threads:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// One small request and its echo, timed; for "is the server responsive?".
fn timed_exchange(address: SocketAddr) -> Result<Duration, String> {
    let started = Instant::now();
    let mut stream =
        TcpStream::connect_timeout(&address, SOCKET_TIMEOUT).map_err(|error| error.to_string())?;
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).map_err(|error| error.to_string())?;
    stream.set_nodelay(true).map_err(|error| error.to_string())?;
    let message = b"This is the message. It will be repeated.";
    stream.write_all(message).map_err(|error| error.to_string())?;
    let mut echo = [0; 41];
    stream.read_exact(&mut echo).map_err(|error| error.to_string())?;
    if &echo != message {
        return Err("the echo differs".to_string());
    }
    Ok(started.elapsed())
}

/// `rounds` round trips of a 32-byte message on one connection.
fn round_trips(address: SocketAddr, rounds: usize) -> Result<(), String> {
    let mut stream = TcpStream::connect_timeout(&address, SOCKET_TIMEOUT)
        .map_err(|error| format!("connect: {error}"))?;
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).map_err(|error| error.to_string())?;
    stream.set_nodelay(true).map_err(|error| error.to_string())?;
    let mut echo = [0; 32];
    for round in 0..rounds {
        let message = [(round % 251) as u8; 32];
        stream.write_all(&message).map_err(|error| format!("write: {error}"))?;
        stream.read_exact(&mut echo).map_err(|error| format!("read in round {round}: {error}"))?;
        if echo != message {
            return Err(format!("round {round}: the echo differs"));
        }
    }
    Ok(())
}

/// Small request/response round trips against the lesson-1 server, with
/// its 16-byte buffer, do not stall ~40 ms each on Nagle's algorithm and
/// delayed acknowledgements.
#[test]
fn no_nagle_stall_on_small_round_trips() {
    let server = start("tcp-server", &["--quiet"]);
    let started = Instant::now();
    round_trips(server.address(), 200).expect("round trips");
    let elapsed = started.elapsed();
    // With the stall, 200 round trips take about 8 seconds.
    assert!(elapsed < Duration::from_secs(3), "200 round trips took {elapsed:?}");
}

/// The lesson-1 server survives junk: random bytes, connections that close
/// at once, connections reset mid-transfer; a well-behaved client is then
/// served exactly.
#[test]
fn tcp_server_survives_abuse() {
    let server = start("tcp-server", &["--quiet", "--buffer-size", "7"]);
    for round in 0..30 {
        let mut stream = connect(server.address());
        match round % 3 {
            // Connect and close without a byte.
            0 => drop(stream),
            // Random bytes, then close with the echo unread: a reset.
            1 => {
                let junk: Vec<u8> =
                    (0..5000u32).map(|n| (n.wrapping_mul(2654435761) >> 13) as u8).collect();
                let _ = stream.write_all(&junk);
                drop(stream);
            }
            // Half a message, then an abrupt end.
            _ => {
                let _ = stream.write_all(b"half a mess");
                let _ = stream.shutdown(std::net::Shutdown::Both);
            }
        }
    }
    let data = test_data(10_000);
    assert_eq!(plain_exchange(server.address(), &data), data);
}

/// In pool mode, silent clients do not stop a well-behaved one from being
/// served at once (the pool sets quiet clients aside).
#[test]
fn pool_serves_others_while_clients_are_silent() {
    let server = start("threaded-server", &["--quiet", "--workers", "2", "--idle-timeout", "30"]);
    let silent: Vec<TcpStream> = (0..20).map(|_| connect(server.address())).collect();
    for _ in 0..3 {
        let took = timed_exchange(server.address()).expect("served");
        assert!(took < Duration::from_secs(2), "a well-behaved client waited {took:?}");
    }
    drop(silent);
}

/// 1,000 clients at once, 100 round trips each, against the pool: no
/// failure, and the server's memory stays well under 64 MiB.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn pool_serves_a_thousand_clients() {
    let server = start("threaded-server", &["--quiet", "--workers", "4", "--max-clients", "2000"]);
    let elapsed = a_thousand_clients(server.address());
    #[cfg(target_os = "linux")]
    {
        let peak = peak_memory_kib(server.process().id()).expect("VmHWM");
        assert!(peak < 64 * 1024, "peak resident memory {peak} KiB");
        eprintln!("1000 clients x 100 round trips in {elapsed:?}; server peak memory {peak} KiB");
    }
}

/// 1,000 clients that connect and say nothing do not keep a well-behaved
/// client from being served within a couple of seconds.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn pool_ignores_a_thousand_silent_clients() {
    let server =
        start("threaded-server", &["--quiet", "--max-clients", "2000", "--idle-timeout", "60"]);
    let silent: Vec<TcpStream> = (0..1000).map(|_| connect(server.address())).collect();
    for _ in 0..5 {
        let took = timed_exchange(server.address()).expect("served");
        assert!(took < Duration::from_secs(2), "a well-behaved client waited {took:?}");
    }
    drop(silent);
}

/// A client that sends 100 MB and one that resets mid-transfer do not
/// disturb the others.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn pool_isolates_heavy_and_broken_clients() {
    let server = start("threaded-server", &["--quiet", "--workers", "4"]);
    let address = server.address();
    let heavy = thread::spawn(move || {
        let size = 100 * 1024 * 1024;
        let stream = TcpStream::connect(address).expect("connect");
        stream.set_read_timeout(Some(SOCKET_TIMEOUT)).expect("timeout");
        let mut writer = stream.try_clone().expect("clone");
        let sender = thread::spawn(move || {
            let chunk = test_data(64 * 1024);
            for _ in 0..size / chunk.len() {
                writer.write_all(&chunk).expect("send");
            }
            writer.shutdown(std::net::Shutdown::Write).expect("shutdown");
        });
        let mut received = 0usize;
        let mut buffer = vec![0; 64 * 1024];
        loop {
            let count = (&stream).read(&mut buffer).expect("read the echo");
            if count == 0 {
                break;
            }
            received += count;
        }
        sender.join().expect("sender");
        received
    });
    let broken = thread::spawn(move || {
        for _ in 0..10 {
            let mut stream = TcpStream::connect(address).expect("connect");
            let _ = stream.write_all(&test_data(1024 * 1024));
            let _ = stream.read(&mut [0; 10]);
            // Dropped with the echo unread: the connection is reset.
        }
    });
    for _ in 0..20 {
        let took = timed_exchange(address).expect("served");
        assert!(took < Duration::from_secs(2), "a well-behaved client waited {took:?}");
    }
    broken.join().expect("broken clients");
    assert_eq!(heavy.join().expect("heavy client"), 100 * 1024 * 1024);
}

/// Thread per connection never runs more client threads than its cap;
/// clients beyond it are refused, not left hanging.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn thread_per_connection_keeps_its_cap() {
    let server = start(
        "threaded-server",
        &["--quiet", "--mode", "thread-per-connection", "--max-clients", "50"],
    );
    let held: Vec<TcpStream> = (0..200).map(|_| connect(server.address())).collect();
    // Each held client is either served (its echo comes back) or refused
    // (its connection is closed).
    let mut served = 0;
    let mut refused = 0;
    for mut stream in held.iter() {
        let _ = stream.write_all(b"x");
        let mut byte = [0; 1];
        match stream.read(&mut byte) {
            Ok(1) => served += 1,
            _ => refused += 1,
        }
    }
    assert_eq!(served, 50, "served {served}, refused {refused}");
    assert_eq!(refused, 150);
    #[cfg(target_os = "linux")]
    {
        let threads = threads_of(server.process().id()).expect("Threads");
        assert!(threads <= 52, "{threads} threads for a cap of 50");
    }
    drop(held);
}

/// `rounds` round trips of 32 bytes on one connection, each timed.
fn timed_round_trips(address: SocketAddr, rounds: usize) -> Vec<Duration> {
    let mut stream = connect(address);
    stream.set_nodelay(true).expect("nodelay");
    let mut echo = [0; 32];
    (0..rounds)
        .map(|round| {
            let message = [(round % 251) as u8; 32];
            let started = Instant::now();
            stream.write_all(&message).expect("send");
            stream.read_exact(&mut echo).expect("echo");
            assert_eq!(echo, message, "round {round}");
            started.elapsed()
        })
        .collect()
}

/// The 99th percentile of some durations.
fn p99(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[(times.len() * 99).div_ceil(100) - 1]
}

/// In pool mode, a real client's round trips stay quick beside a crowd:
/// 1,000 idle clients, 8 that send a byte every 2 ms, and 8 that never
/// read their echo. Its p99 stays within 50 ms (issue 10's target), and
/// within 10 times its own p99 with no crowd, measured in the same run,
/// plus one watcher period (10 ms: the most a set-aside client waits by
/// design), so that a sub-millisecond p99 alone cannot make it flaky.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn pool_round_trips_stay_quick_beside_a_crowd() {
    use std::sync::atomic::{AtomicBool, Ordering};

    use crate::threaded::{CrowdClient, non_reader, trickler, wait_for_crowd};

    let server =
        start("threaded-server", &["--quiet", "--max-clients", "2000", "--idle-timeout", "120"]);
    let address = server.address();
    let rounds = 300;
    let alone = p99(timed_round_trips(address, rounds));

    let idle: Vec<TcpStream> = (0..1000).map(|_| connect(address)).collect();
    let stop = Arc::new(AtomicBool::new(false));
    let tricklers: Vec<CrowdClient> =
        (0..8).map(|_| trickler(address, Duration::from_millis(2), &stop)).collect();
    let non_readers: Vec<CrowdClient> = (0..8).map(|_| non_reader(address, &stop)).collect();
    wait_for_crowd(&tricklers, |client| client.sent.load(Ordering::SeqCst) >= 10);
    wait_for_crowd(&non_readers, |client| client.blocked.load(Ordering::SeqCst));
    let beside = p99(timed_round_trips(address, rounds));

    stop.store(true, Ordering::SeqCst);
    let crowd_ok = tricklers
        .into_iter()
        .chain(non_readers)
        .all(|client| client.thread.join().expect("crowd client"));
    drop(idle);
    eprintln!(
        "p99 of {rounds} round trips: {alone:?} alone, {beside:?} beside 1,000 idle, 8 trickling and 8 non-reading clients"
    );
    assert!(crowd_ok, "a crowd client was cut off while the real one ran");
    assert!(beside <= Duration::from_millis(50), "p99 {beside:?} beside the crowd");
    let watcher_period = Duration::from_millis(10);
    assert!(
        beside <= alone * 10 + watcher_period,
        "p99 {beside:?} beside the crowd, {alone:?} alone"
    );
}

/// Sends `size` bytes through an echo server at `address` (sending on a
/// second thread while reading) and returns how many came back, checking
/// each byte.
fn echo_through(address: SocketAddr, size: usize) -> usize {
    let stream = TcpStream::connect(address).expect("connect");
    stream.set_read_timeout(Some(SOCKET_TIMEOUT)).expect("timeout");
    let mut writer = stream.try_clone().expect("clone");
    let sender = thread::spawn(move || {
        let chunk = test_data(64 * 1024);
        for _ in 0..size / chunk.len() {
            writer.write_all(&chunk).expect("send");
        }
        writer.shutdown(std::net::Shutdown::Write).expect("shutdown");
    });
    let mut received = 0usize;
    let mut buffer = vec![0; 64 * 1024];
    loop {
        let count = (&stream).read(&mut buffer).expect("read the echo");
        if count == 0 {
            break;
        }
        let exact = buffer[..count]
            .iter()
            .enumerate()
            .all(|(index, &byte)| byte == ((received + index) % 256) as u8);
        assert!(exact, "the echo differs near byte {received}");
        received += count;
    }
    sender.join().expect("sender");
    received
}

/// 100 MB through one client of event-server come back exactly, while
/// other clients are still served.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn event_server_echoes_100_mb() {
    let server = start("event-server", &["--quiet"]);
    let address = server.address();
    let heavy = thread::spawn(move || echo_through(address, 100 * 1024 * 1024));
    for _ in 0..20 {
        let took = timed_exchange(address).expect("served");
        assert!(took < Duration::from_secs(2), "a well-behaved client waited {took:?}");
    }
    assert_eq!(heavy.join().expect("heavy client"), 100 * 1024 * 1024);
}

/// 1,000 clients at once, 100 round trips each, against event-server's one
/// thread: no failure, and its memory stays well under 64 MiB.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn event_server_serves_a_thousand_clients() {
    let server = start("event-server", &["--quiet", "--max-clients", "2000"]);
    let elapsed = a_thousand_clients(server.address());
    #[cfg(target_os = "linux")]
    {
        let peak = peak_memory_kib(server.process().id()).expect("VmHWM");
        let threads = threads_of(server.process().id()).expect("Threads");
        assert!(peak < 64 * 1024, "peak resident memory {peak} KiB");
        assert_eq!(threads, 1, "event-server runs on one thread");
        eprintln!("1000 clients x 100 round trips in {elapsed:?}; server peak memory {peak} KiB");
    }
}

/// 1,000 clients that connect and say nothing do not keep a well-behaved
/// client of event-server from being served within a couple of seconds.
#[test]
#[ignore = "heavy: run with `just load-test`"]
fn event_server_ignores_a_thousand_silent_clients() {
    let server =
        start("event-server", &["--quiet", "--max-clients", "2000", "--idle-timeout", "60"]);
    let silent: Vec<TcpStream> = (0..1000).map(|_| connect(server.address())).collect();
    for _ in 0..5 {
        let took = timed_exchange(server.address()).expect("served");
        assert!(took < Duration::from_secs(2), "a well-behaved client waited {took:?}");
    }
    drop(silent);
}

/// Runs 1,000 clients at once against `address`, 100 round trips each, and
/// checks that none failed; returns how long they took.
fn a_thousand_clients(address: std::net::SocketAddr) -> Duration {
    let clients = 1000;
    let ready = Arc::new(Barrier::new(clients));
    let started = Instant::now();
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let ready = Arc::clone(&ready);
            thread::Builder::new()
                .stack_size(128 * 1024)
                .spawn(move || {
                    // Everyone starts at once, for real concurrency.
                    ready.wait();
                    round_trips(address, 100)
                })
                .expect("a client thread")
        })
        .collect();
    let failures: Vec<String> = threads
        .into_iter()
        .filter_map(|thread| thread.join().expect("client thread").err())
        .collect();
    let elapsed = started.elapsed();
    assert!(
        failures.is_empty(),
        "{} of {clients} clients failed, such as: {:?}",
        failures.len(),
        &failures[..failures.len().min(3)]
    );
    assert!(elapsed < Duration::from_secs(120), "took {elapsed:?}");
    elapsed
}
