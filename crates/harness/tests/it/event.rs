//! Lesson 8: event-server, one thread serving every client from an event
//! loop. The heavy tests (100 MB, a thousand clients) are in `load.rs`.

use std::io::{ErrorKind, Read, Write};
use std::net::Shutdown;
use std::process::{Child, Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

use harness::Server;
use netlessons::show::test_data;
use predicates::prelude::*;

use crate::support::*;

/// A number from the server's `/proc/PID/status`, such as `Threads:`.
#[cfg(target_os = "linux")]
fn status_field(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|line| line.starts_with(field))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Starts `count` tcp-clients at once against `server`, each sending
/// `size` bytes, and checks that every one got its echo.
fn run_clients_at_once(server: &Server, count: usize, size: &str) {
    let clients: Vec<Child> = (0..count)
        .map(|_| {
            Command::new(harness::binary("tcp-client").expect("binary"))
                .args(["--port", &server.port(), "--size", size, "--quiet"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .expect("start a client")
        })
        .collect();
    for child in clients {
        // Each client has its own 5-second timeouts, so this cannot hang.
        let output = child.wait_with_output().expect("client output");
        assert!(
            output.status.success(),
            "a client failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
}

/// Many clients at once are all served, by a server with one thread, while
/// a silent client stays connected; each line names the client it is about.
#[test]
fn serves_concurrent_clients_on_one_thread() {
    let server = start("event-server", &["--max-connections", "9"]);
    let silent = connect(server.address());
    run_clients_at_once(&server, 8, "5000");
    #[cfg(target_os = "linux")]
    {
        let threads = status_field(server.process().id(), "Threads:").expect("Threads");
        assert_eq!(threads, 1, "event-server runs on one thread");
    }
    drop(silent);
    let finished = server.wait(Duration::from_secs(30)).expect("server exits");
    assert!(finished.success(), "{}", finished.describe());
    for number in 1..=9 {
        let closing = format!("client {number} (127.0.0.1:");
        assert!(
            finished
                .stdout
                .iter()
                .any(|line| line.starts_with(&closing) && line.contains("): closing, echoed")),
            "client {number} was not closed:\n{}",
            finished.describe()
        );
    }
    assert!(finished.stdout.iter().any(|line| line.contains("): readable, read ")));
    assert!(finished.stdout.iter().any(|line| line.contains("): wrote ")));
    assert_eq!(
        finished.stdout.last().map(String::as_str),
        Some("reached --max-connections 9, exiting")
    );
}

/// Text, empty and binary messages come back exactly, to our client and to
/// a plain one, over IPv4 and IPv6.
#[test]
fn echoes_exact_bytes() {
    let server = start("event-server", &[]);
    client("tcp-client", &server)
        .assert()
        .success()
        .stdout(predicate::str::contains("echo complete: all 41 bytes came back unchanged"));
    client("tcp-client", &server)
        .args(["--message", ""])
        .assert()
        .success()
        .stdout(predicate::str::contains("echo complete: all 0 bytes came back unchanged"));
    client("tcp-client", &server)
        .args(["--size", "1048576", "--buffer-size", "65536", "--quiet"])
        .assert()
        .success()
        .stdout("echo complete: all 1048576 bytes came back unchanged\n");
    for host in ["127.0.0.1", "::1"] {
        let server = start("event-server", &["--host", host, "--quiet"]);
        let data = test_data(300_000);
        assert_eq!(plain_exchange(server.address(), &data), data, "over {host}");
        assert_eq!(plain_exchange(server.address(), b""), b"", "empty, over {host}");
    }
}

/// A one-byte read buffer still moves every byte, in order.
#[test]
fn one_byte_buffers_work() {
    let server = start("event-server", &["--buffer-size", "1", "--quiet"]);
    let data = test_data(5000);
    assert_eq!(plain_exchange(server.address(), &data), data);
    client("tcp-client", &server)
        .args(["--buffer-size", "1", "--message", "tiny buffers, same bytes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("echo complete: all 24 bytes came back unchanged"));
}

/// A client that sends 50 MB and never reads gets blocked: the server
/// stops reading from it once its pending echo reaches the cap, keeps
/// serving others, and its memory stays small. Once the client reads,
/// every byte it managed to send comes back.
#[test]
fn backpressure_bounds_a_client_that_never_reads() {
    let server = start("event-server", &["--quiet"]);
    let flood = connect(server.address());
    let mut writer = flood.try_clone().expect("clone");
    // A write that cannot go on for a second means the server has stopped
    // reading: that is what we wait for.
    writer.set_write_timeout(Some(Duration::from_secs(1))).expect("timeout");
    let sender = thread::spawn(move || {
        let chunk = test_data(64 * 1024);
        let mut sent = 0usize;
        while sent < 50_000_000 {
            match writer.write(&chunk[sent % chunk.len()..]) {
                Ok(count) => sent += count,
                Err(error) if matches!(error.kind(), ErrorKind::Interrupted) => {}
                Err(_) => break,
            }
        }
        sent
    });
    let sent = sender.join().expect("sender");
    assert!(sent < 50_000_000, "the server took all 50 MB without the client reading any");

    // The server still serves another client at once.
    let data = test_data(10_000);
    assert_eq!(plain_exchange(server.address(), &data), data);

    #[cfg(target_os = "linux")]
    {
        let peak = status_field(server.process().id(), "VmHWM:").expect("VmHWM");
        // The socket buffers hold the rest; the server itself keeps 64 KiB.
        assert!(peak < 16 * 1024, "peak resident memory {peak} KiB after {sent} bytes sent");
    }

    // Now the client reads: everything it sent comes back, in order.
    flood.shutdown(Shutdown::Write).expect("shutdown");
    let mut echo = Vec::new();
    (&flood).read_to_end(&mut echo).expect("read the echo");
    assert_eq!(echo.len(), sent);
    assert!(echo.iter().enumerate().all(|(index, &byte)| byte == (index % 256) as u8));
}

/// A client that sends without pause, faster than the server reads (here
/// one byte at a time), keeps its socket from ever running dry. It gets
/// turns like any other client: another client's round trips are served
/// while it is still sending. (Served until its socket ran dry, it held
/// the loop for as long as it kept sending.)
#[test]
fn a_client_that_never_runs_dry_cannot_stall_the_others() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

    let server = start("event-server", &["--quiet", "--buffer-size", "1"]);
    let flood = connect(server.address());
    let stop = Arc::new(AtomicBool::new(false));
    let echoed = Arc::new(AtomicUsize::new(0));
    let mut writer = flood.try_clone().expect("clone");
    let sender = {
        let stop = Arc::clone(&stop);
        thread::spawn(move || {
            let chunk = test_data(64 * 1024);
            let started = Instant::now();
            // Bounded: until told to stop, or 10 seconds at most. Returns
            // whether it was told to stop.
            while started.elapsed() < Duration::from_secs(10) {
                if stop.load(Ordering::SeqCst) {
                    return true;
                }
                if writer.write(&chunk).is_err() {
                    break;
                }
            }
            false
        })
    };
    let reader = {
        let (stop, echoed) = (Arc::clone(&stop), Arc::clone(&echoed));
        let mut reader = flood.try_clone().expect("clone");
        thread::spawn(move || {
            let mut buffer = vec![0; 64 * 1024];
            while !stop.load(Ordering::SeqCst) {
                match reader.read(&mut buffer) {
                    Ok(count @ 1..) => echoed.fetch_add(count, Ordering::SeqCst),
                    _ => break,
                };
            }
        })
    };
    // The flood is on once some of it has come back.
    let started = Instant::now();
    while echoed.load(Ordering::SeqCst) < 1000 && started.elapsed() < Duration::from_secs(20) {
        thread::sleep(Duration::from_millis(10));
    }

    // Another client makes ten round trips, while the flood goes on.
    let mut other = connect(server.address());
    for round in 0..10u8 {
        let message = [round; 32];
        other.write_all(&message).expect("send");
        let mut echo = [0; 32];
        other
            .read_exact(&mut echo)
            .unwrap_or_else(|error| panic!("no echo in round {round} beside the flood: {error}"));
        assert_eq!(echo, message);
    }
    stop.store(true, Ordering::SeqCst);
    let stopped_by_us = sender.join().expect("sender");
    reader.join().expect("reader");
    assert!(echoed.load(Ordering::SeqCst) >= 1000, "the flood never got going");
    assert!(stopped_by_us, "the other client was served only once the flood had ended");
}

/// A client that sends 1 MiB, shuts down its sending side, and reads only
/// once the server can go no further, gets its whole echo and then the
/// close. (Whether echo is still pending when the server sees the end of
/// the data depends on the socket buffers; the unit tests in event-server
/// check that a finished client with echo pending is kept.)
#[test]
fn half_close_finishes_the_echo() {
    let server = start("event-server", &[]);
    let stream = connect(server.address());
    let local = stream.local_addr().expect("address").to_string();
    let mut writer = stream.try_clone().expect("clone");
    let size = 1024 * 1024;
    let sender = thread::spawn(move || {
        writer.write_all(&test_data(size)).expect("send");
        writer.shutdown(Shutdown::Write).expect("shutdown");
    });
    // Read nothing until the server has seen the end of the data, or has
    // stopped reading because its pending echo is at the cap.
    let seen = server
        .process()
        .wait_for_line(Duration::from_secs(20), |line| {
            line.contains(&local)
                && (line.contains("readable, no more data") || line.ends_with("until writable"))
        })
        .expect("the server reads until it must wait");
    let mut echo = Vec::new();
    (&stream).read_to_end(&mut echo).expect("read the echo");
    sender.join().expect("sender");
    assert_eq!(echo.len(), size, "after {seen}");
    assert!(echo == test_data(size));
    let closing = format!("({local}): closing, echoed {size} bytes");
    server
        .process()
        .wait_for_line(Duration::from_secs(20), |line| line.ends_with(&closing))
        .expect("the server closes after the whole echo");
}

/// A client's last bytes and its close can both arrive before the server
/// looks, and then one event says both. The server must still see the
/// close at once, not at its idle timeout. A loop that stops reading after
/// a short read, as tokio does on epoll and kqueue, misses it unless it
/// remembers the "closed" (lesson 8, "Going further: a read you could
/// skip"); our first try at that shortcut did. (Stopping the server while
/// the client sends makes both arrive together.)
#[cfg(unix)]
#[test]
fn last_bytes_and_close_in_one_event_end_the_client_at_once() {
    let server = start("event-server", &["--idle-timeout", "60"]);
    let stream = connect(server.address());
    let local = stream.local_addr().expect("address").to_string();
    server
        .process()
        .wait_for_line(Duration::from_secs(10), |line| line.contains(&format!("({local})")))
        .expect("the server accepts the client");
    let pid = server.process().id().to_string();
    let kill = |signal: &str| {
        let status = Command::new("kill").args([signal, &pid]).status().expect("run kill");
        assert!(status.success(), "kill {signal} {pid}");
    };
    kill("-STOP");
    let sent = (&stream).write_all(b"last words").and_then(|()| stream.shutdown(Shutdown::Write));
    // A pause, not a synchronisation: on loopback the bytes and the FIN are
    // delivered within the calls above. Were they not, the test would pass
    // without testing the case; it could not fail wrongly.
    thread::sleep(Duration::from_millis(100));
    kill("-CONT");
    sent.expect("send, then shut down");
    // Far less than the idle timeout: a server that missed the close would
    // keep the connection open for a minute.
    stream.set_read_timeout(Some(Duration::from_secs(5))).expect("set read timeout");
    let mut echo = Vec::new();
    (&stream).read_to_end(&mut echo).expect("the echo, then the server's close, within 5 s");
    assert_eq!(echo, b"last words");
    server
        .process()
        .wait_for_line(Duration::from_secs(5), |line| {
            line.ends_with(&format!("({local}): closing, echoed 10 bytes"))
        })
        .expect("the server closes the client");
}

/// Idle clients are dropped from the loop's own deadlines, while a client
/// that keeps talking, more slowly than the timeout but steadily, is kept.
#[test]
fn drops_idle_clients_only() {
    let server = start("event-server", &["--quiet", "--idle-timeout", "1"]);
    let mut talker = connect(server.address());
    let mut silent = connect(server.address());
    let silent_address = silent.local_addr().expect("address").to_string();
    let started = Instant::now();
    let mut rounds = 0;
    // Talk every 100 ms until the silent client has been dropped.
    while started.elapsed() < Duration::from_secs(20) {
        talker.write_all(b"still here").expect("send");
        let mut echo = [0; 10];
        talker.read_exact(&mut echo).expect("echo");
        rounds += 1;
        if server.process().stderr().iter().any(|line| line.contains(&silent_address)) {
            break;
        }
        thread::sleep(Duration::from_millis(100));
    }
    let line = server
        .process()
        .wait_for_error_line(Duration::from_secs(20), |line| line.contains(&silent_address))
        .expect("the silent client is dropped");
    assert!(line.ends_with("): idle for 1s, dropping it"), "{line}");
    // The talker was connected for longer than the timeout, talking.
    assert!(rounds >= 2, "the talker made {rounds} round trips");
    assert!(started.elapsed() >= Duration::from_secs(1), "dropped after {:?}", started.elapsed());
    // The dropped client sees its connection closed; the talker is served still.
    assert!(matches!(silent.read(&mut [0; 1]), Ok(0) | Err(_)));
    talker.write_all(b"and now?").expect("send");
    let mut echo = [0; 8];
    talker.read_exact(&mut echo).expect("the talker is still served");
    assert_eq!(&echo, b"and now?");
}

/// Past --max-clients a new connection is closed at once, with a line
/// saying so; once a client leaves, there is room again.
#[test]
fn refuses_clients_beyond_the_cap() {
    let server = start("event-server", &["--max-clients", "2"]);
    let first = connect(server.address());
    let second = connect(server.address());
    for stream in [&first, &second] {
        let accepted = format!("({})", stream.local_addr().expect("address"));
        server
            .process()
            .wait_for_line(Duration::from_secs(20), |line| {
                line.starts_with("listener: readable, accepted") && line.ends_with(&accepted)
            })
            .expect("accepted");
    }
    let mut third = connect(server.address());
    let refusal = server
        .process()
        .wait_for_error_line(Duration::from_secs(20), |line| line.starts_with("refusing"))
        .expect("the third client is refused");
    let third_address = third.local_addr().expect("address");
    assert_eq!(refusal, format!("refusing client 3 ({third_address}): 2 clients already open"));
    assert!(matches!(third.read(&mut [0; 1]), Ok(0) | Err(_)), "the connection is closed");

    let gone = format!("({}): closing, echoed 0 bytes", first.local_addr().expect("address"));
    first.shutdown(Shutdown::Write).expect("shutdown");
    server
        .process()
        .wait_for_line(Duration::from_secs(20), |line| line.ends_with(&gone))
        .expect("the first client leaves");
    client("tcp-client", &server).args(["--quiet"]).assert().success();
    drop(second);
}

/// A client that vanishes with its echo unread is reported; the server goes
/// on serving the next client.
#[test]
fn survives_a_client_that_vanishes_mid_transfer() {
    let server = start("event-server", &["--buffer-size", "4", "--quiet"]);
    {
        let mut vanishing = connect(server.address());
        vanishing.write_all(&test_data(256 * 1024)).expect("send");
        // Wait for the echo to start, then close with the rest unread,
        // which makes our side reset the connection.
        vanishing.read_exact(&mut [0; 4]).expect("the echo starts");
    }
    let report = server
        .process()
        .wait_for_error_line(Duration::from_secs(20), |line| line.contains(" failed: "))
        .expect("the server reports the broken connection");
    assert!(report.starts_with("client 1 (127.0.0.1:"), "{report}");
    client("tcp-client", &server).args(["--quiet"]).assert().success();
}

/// `--max-connections` makes the server exit once that many connections
/// have been accepted and served.
#[test]
fn exits_after_max_connections() {
    let server = start("event-server", &["--max-connections", "2", "--quiet"]);
    for _ in 0..2 {
        assert_eq!(plain_exchange(server.address(), b"one more"), b"one more");
    }
    let finished = server.wait(Duration::from_secs(30)).expect("server exits");
    assert!(finished.success(), "{}", finished.describe());
    assert_eq!(finished.stdout.len(), 2, "{}", finished.describe());
    assert_eq!(finished.stdout[1], "reached --max-connections 2, exiting");
}

/// Stopped (Ctrl-Z) and continued, the server goes on: on Linux, a stop
/// and continue makes a waiting `epoll_wait` fail with `Interrupted`, which
/// the loop must retry, not treat as fatal.
#[cfg(target_os = "linux")]
#[test]
fn survives_stop_and_continue() {
    let server = start("event-server", &["--quiet"]);
    stop_and_continue(server.process().id());
    assert_eq!(plain_exchange(server.address(), b"after fg"), b"after fg");
    assert!(server.process().stderr().is_empty(), "{:?}", server.process().stderr());
}

/// Out of file handles, `accept` fails: the server says so, keeps serving,
/// and accepts the waiting connections once clients have left. (The server
/// runs under `ulimit -n 16`, so it can hold about ten clients.)
#[cfg(target_os = "linux")]
#[test]
fn accepts_again_after_running_out_of_file_handles() {
    let path = harness::binary("event-server").expect("binary");
    let script = r#"ulimit -n 16 && exec "$0" "$@""#;
    let args = ["-c", script, path.to_str().expect("a UTF-8 path"), "--quiet"];
    let server = Server::start_path(std::path::Path::new("/bin/sh"), "event-server", &args, None)
        .expect("start the server under ulimit -n 16");
    // Twenty connections: their handshakes complete in the backlog, and
    // the server accepts as many as it has handles for.
    let mut held: Vec<_> = (0..20).map(|_| connect(server.address())).collect();
    let report = server
        .process()
        .wait_for_error_line(Duration::from_secs(20), |line| line.starts_with("cannot accept"))
        .expect("accepting fails once the handles run out");
    assert!(report.starts_with("cannot accept a connection: "), "{report}");
    // The last one is still waiting. Everybody else leaves, which frees
    // the handles; only accepting again, without a new connection to
    // announce it, brings the last one in.
    let waiting = held.pop().expect("twenty connections");
    drop(held);
    (&waiting).write_all(b"finally").expect("send");
    let mut echo = [0; 7];
    (&waiting).read_exact(&mut echo).expect("the waiting connection is served");
    assert_eq!(&echo, b"finally");
}
