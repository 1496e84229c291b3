//! Lesson 5: threaded-server in both modes.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use harness::Server;

use crate::support::*;

/// Runs `count` tcp-clients at once against `server` and checks each one.
fn run_clients_at_once(server: &Server, count: usize) {
    let clients: Vec<Child> = (0..count)
        .map(|_| {
            std::process::Command::new(harness::binary("tcp-client").expect("binary"))
                .args(["--port", &server.port(), "--size", "5000", "--quiet"])
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
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

/// In both modes, many clients at once are all served correctly.
#[test]
fn serves_concurrent_clients_in_both_modes() {
    for mode in ["thread-per-connection", "pool"] {
        let server =
            start("threaded-server", &["--mode", mode, "--workers", "3", "--max-connections", "8"]);
        run_clients_at_once(&server, 8);
        let finished = server.wait(Duration::from_secs(30)).expect("server exits");
        assert!(finished.success(), "{}", finished.describe());
        let served_by = |prefix: &str| finished.stdout.iter().any(|line| line.starts_with(prefix));
        if mode == "pool" {
            assert!(served_by("[worker-"), "{}", finished.describe());
        } else {
            assert!(served_by("[thread-8] serving"), "{}", finished.describe());
        }
    }
}

/// Both modes refuse clients beyond --max-clients, and serve again once
/// the open ones leave.
#[test]
fn refuses_clients_beyond_the_cap() {
    for mode in ["thread-per-connection", "pool"] {
        let server =
            start("threaded-server", &["--mode", mode, "--workers", "1", "--max-clients", "2"]);
        // Both open clients are taken (each holds a seat) before the third comes.
        let first = connect(server.address());
        let second = connect(server.address());
        for client in [&first, &second] {
            let address = client.local_addr().expect("addr").to_string();
            server
                .process()
                .wait_for_line(Duration::from_secs(20), |line| {
                    line.contains(&format!("connection from {address}, "))
                })
                .expect("client taken");
        }

        let mut third = connect(server.address());
        let refusal = server
            .process()
            .wait_for_error_line(Duration::from_secs(20), |line| line.contains("refusing"))
            .expect("third client refused");
        assert!(refusal.ends_with("2 clients already open"), "{refusal}");
        // The refused client, which sent nothing, sees its connection
        // closed without a byte (a client that had sent bytes could see a
        // reset instead).
        let mut buffer = [0; 1];
        let read = third.read(&mut buffer);
        assert!(
            matches!(&read, Ok(0))
                || read.as_ref().is_err_and(|error| error.kind() == ErrorKind::ConnectionReset),
            "{mode}: the connection is closed, but the read gave {read:?}"
        );

        let gone = [first.local_addr().expect("addr"), second.local_addr().expect("addr")];
        drop(first);
        drop(second);
        for address in gone {
            let done = format!("{address} is done");
            server
                .process()
                .wait_for_line(Duration::from_secs(20), |line| {
                    line.ends_with(&done) || line.contains(&done)
                })
                .expect("the open clients leave");
        }
        client("tcp-client", &server).args(["--quiet"]).assert().success();
    }
}

/// A client that stays silent is dropped after the idle timeout, in both
/// modes.
#[test]
fn drops_silent_clients() {
    for mode in ["thread-per-connection", "pool"] {
        let server = start("threaded-server", &["--mode", mode, "--idle-timeout", "0.3"]);
        let _silent = connect(server.address());
        let line = server
            .process()
            .wait_for_error_line(Duration::from_secs(20), |line| line.contains("dropping"))
            .expect("the silent client is dropped");
        assert!(line.ends_with("silent for 300ms"), "{line}");
    }
}

/// With `--buffer-size 1`, both modes really read one byte at a time:
/// five bytes make five reads of one byte.
#[test]
fn one_byte_buffer_reads_one_byte_at_a_time() {
    for mode in ["thread-per-connection", "pool"] {
        let server = start("threaded-server", &["--mode", mode, "--buffer-size", "1"]);
        assert_eq!(plain_exchange(server.address(), b"hello"), b"hello", "{mode}");
        server
            .process()
            .wait_for_line(Duration::from_secs(20), |line| {
                line.ends_with("is done: echoed 5 bytes")
            })
            .expect("the client is done");
        let reads: Vec<String> = server
            .process()
            .stdout()
            .into_iter()
            .filter(|line| line.contains("] received "))
            .collect();
        assert_eq!(reads.len(), 5, "{mode}: {reads:#?}");
        assert!(
            reads.iter().all(|line| line.contains("received 1 bytes from")),
            "{mode}: {reads:#?}"
        );
    }
}

/// Any buffer size works, down to one byte, in both modes.
#[test]
fn one_byte_buffers_work() {
    for mode in ["thread-per-connection", "pool"] {
        let server = start("threaded-server", &["--quiet", "--mode", mode, "--buffer-size", "1"]);
        let data = netlessons::show::test_data(5000);
        assert_eq!(plain_exchange(server.address(), &data), data, "{mode}");
    }
}

/// A stop and continue (Ctrl-Z, `fg`) in the middle of an exchange does not
/// end the exchange: both modes retry a read that was interrupted.
#[cfg(unix)]
#[test]
fn survives_being_stopped_and_continued() {
    use std::io::Write;
    use std::net::Shutdown;
    for mode in ["thread-per-connection", "pool"] {
        let server = start("threaded-server", &["--mode", mode, "--quiet"]);
        let mut stream = connect(server.address());
        stream.write_all(b"before the stop, ").expect("send");
        let mut echo = vec![0; 17];
        stream.read_exact(&mut echo).expect("first echo");
        // The server now waits in a read with a timeout: stop it there.
        stop_and_continue(server.process().id());
        stream.write_all(b"after").expect("send");
        stream.shutdown(Shutdown::Write).expect("shutdown");
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).expect("rest of the echo");
        assert_eq!(rest, b"after", "mode {mode}");
    }
}

/// How long the crowd clients below go on at most, however a test goes.
const CROWD_LIMIT: Duration = Duration::from_secs(60);

/// A client of a crowd, running on its own thread until `stop` is set.
pub(crate) struct CrowdClient {
    /// Bytes it has sent so far.
    pub sent: Arc<AtomicUsize>,
    /// Set once its writes stall: the server stopped taking its bytes.
    pub blocked: Arc<AtomicBool>,
    /// Whether it was still connected and going when told to stop.
    pub thread: JoinHandle<bool>,
}

/// A client that sends one byte every `every` and reads its echo only at
/// the end, until `stop` is set (or CROWD_LIMIT passes). It ends true if
/// it was told to stop and its whole echo came back.
pub(crate) fn trickler(
    address: SocketAddr,
    every: Duration,
    stop: &Arc<AtomicBool>,
) -> CrowdClient {
    let (stop, sent) = (Arc::clone(stop), Arc::new(AtomicUsize::new(0)));
    let counted = Arc::clone(&sent);
    let thread = thread::spawn(move || {
        let mut stream = connect(address);
        let started = Instant::now();
        while !stop.load(Ordering::SeqCst) {
            if started.elapsed() > CROWD_LIMIT || stream.write_all(b"t").is_err() {
                return false;
            }
            counted.fetch_add(1, Ordering::SeqCst);
            // Pacing, not synchronisation.
            thread::sleep(every);
        }
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let mut echo = Vec::new();
        stream.read_to_end(&mut echo).is_ok() && echo.len() == counted.load(Ordering::SeqCst)
    });
    CrowdClient { sent, blocked: Arc::new(AtomicBool::new(false)), thread }
}

/// A client that sends and never reads its echo, until `stop` is set (or
/// CROWD_LIMIT passes). It ends true if it was still connected when told
/// to stop, false once the server has dropped it.
pub(crate) fn non_reader(address: SocketAddr, stop: &Arc<AtomicBool>) -> CrowdClient {
    let (stop, sent) = (Arc::clone(stop), Arc::new(AtomicUsize::new(0)));
    let blocked = Arc::new(AtomicBool::new(false));
    let (counted, stalled) = (Arc::clone(&sent), Arc::clone(&blocked));
    let thread = thread::spawn(move || {
        let mut stream = connect(address);
        // A short write timeout tells us when the path has filled up.
        stream.set_write_timeout(Some(Duration::from_millis(200))).expect("write timeout");
        let chunk = netlessons::show::test_data(64 * 1024);
        let started = Instant::now();
        while !stop.load(Ordering::SeqCst) && started.elapsed() < CROWD_LIMIT {
            if stalled.load(Ordering::SeqCst) {
                // Stuck, as intended. Writing on after a timed-out write is
                // not safe everywhere (Windows), so just wait to be stopped.
                thread::sleep(Duration::from_millis(10));
                continue;
            }
            match stream.write(&chunk) {
                Ok(count) => {
                    counted.fetch_add(count, Ordering::SeqCst);
                }
                Err(error)
                    if matches!(error.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) =>
                {
                    stalled.store(true, Ordering::SeqCst);
                }
                Err(_) => return false,
            }
        }
        // Still connected: a server that dropped us would have sent a reset
        // (it closed with our bytes unread), which leaves an error pending.
        stop.load(Ordering::SeqCst) && matches!(stream.take_error(), Ok(None))
    });
    CrowdClient { sent, blocked, thread }
}

/// Waits, for at most 20 seconds, until `ready` holds for every client.
pub(crate) fn wait_for_crowd(clients: &[CrowdClient], ready: impl Fn(&CrowdClient) -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !clients.iter().all(&ready) {
        assert!(Instant::now() < deadline, "the crowd did not get going within 20s");
        thread::sleep(Duration::from_millis(10));
    }
}

/// One run of `tcp-client --timeout 5` against `server` succeeds.
fn served(server: &harness::Server) {
    client("tcp-client", server).args(["--quiet", "--timeout", "5"]).assert().success();
}

/// In pool mode, clients that send a byte every 2 ms hold no worker: with
/// one worker and four of them trickling, a real client is served while
/// they all still trickle.
#[test]
fn pool_trickling_clients_do_not_hold_a_worker() {
    let server = start("threaded-server", &["--quiet", "--workers", "1"]);
    let stop = Arc::new(AtomicBool::new(false));
    let crowd: Vec<CrowdClient> =
        (0..4).map(|_| trickler(server.address(), Duration::from_millis(2), &stop)).collect();
    wait_for_crowd(&crowd, |client| client.sent.load(Ordering::SeqCst) >= 10);
    served(&server);
    stop.store(true, Ordering::SeqCst);
    for client in crowd {
        assert!(client.thread.join().expect("trickler"), "a trickler was cut off");
    }
}

/// In pool mode, clients that never read their echo hold no worker: with
/// one worker and two of them stuck, a real client is served while they
/// are still connected.
#[test]
fn pool_clients_that_never_read_do_not_hold_a_worker() {
    let server = start("threaded-server", &["--quiet", "--workers", "1", "--idle-timeout", "30"]);
    let stop = Arc::new(AtomicBool::new(false));
    let crowd: Vec<CrowdClient> = (0..2).map(|_| non_reader(server.address(), &stop)).collect();
    wait_for_crowd(&crowd, |client| client.blocked.load(Ordering::SeqCst));
    served(&server);
    stop.store(true, Ordering::SeqCst);
    for client in crowd {
        assert!(client.thread.join().expect("non-reader"), "a non-reader was dropped early");
    }
}

/// CPU time (user and system) a process has used so far, from
/// `/proc/PID/stat`, whose counts are in units of 1/100 s (USER_HZ, which
/// `sysconf(_SC_CLK_TCK)` reports as 100 on Linux).
#[cfg(target_os = "linux")]
fn cpu_time(pid: u32) -> Duration {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).expect("/proc/PID/stat");
    // The fields after the command name, which is in parentheses: utime
    // and stime are the 12th and 13th of them.
    let fields: Vec<u64> = stat
        .rsplit_once(')')
        .expect("a stat line")
        .1
        .split_whitespace()
        .skip(11)
        .take(2)
        .map(|field| field.parse().expect("a tick count"))
        .collect();
    Duration::from_millis((fields[0] + fields[1]) * 10)
}

/// In pool mode, clients that never read their echo cost the server about
/// as much work as silent ones: the watcher backs off from both alike, so
/// they cannot keep the workers retrying their writes. Compared as the
/// server's CPU time over the same span, measured in one run.
#[cfg(target_os = "linux")]
#[test]
fn pool_clients_that_never_read_cost_no_more_than_silent_ones() {
    let server = start("threaded-server", &["--quiet", "--idle-timeout", "60"]);
    let (address, pid) = (server.address(), server.process().id());
    // A span to measure over, not a wait for something to happen.
    let span = Duration::from_secs(2);
    let used_over_span = || {
        let before = cpu_time(pid);
        thread::sleep(span);
        cpu_time(pid) - before
    };

    let silent: Vec<TcpStream> = (0..10).map(|_| connect(address)).collect();
    served(&server);
    let silent_cost = used_over_span();
    drop(silent);

    let stop = Arc::new(AtomicBool::new(false));
    let crowd: Vec<CrowdClient> = (0..10).map(|_| non_reader(address, &stop)).collect();
    wait_for_crowd(&crowd, |client| client.blocked.load(Ordering::SeqCst));
    let stuck_cost = used_over_span();
    stop.store(true, Ordering::SeqCst);
    for client in crowd {
        assert!(client.thread.join().expect("non-reader"), "a non-reader was dropped early");
    }
    eprintln!(
        "server CPU over {span:?}: {silent_cost:?} with 10 silent, {stuck_cost:?} with 10 non-reading clients"
    );
    // Four times the silent cost, plus 10% of the span for the clock's
    // 10 ms steps and for noise; a pool that retried at once spent most of
    // a core here (1.67 s of the 2 s span).
    assert!(
        stuck_cost <= silent_cost * 4 + span / 10,
        "over {span:?} the server used {stuck_cost:?} of CPU with 10 clients that never read, {silent_cost:?} with 10 silent ones"
    );
}

/// A client that does not read its echo is dropped after the idle timeout,
/// and reported as not reading, not as silent, in both modes.
#[test]
fn reports_clients_that_do_not_read_their_echo() {
    for mode in ["thread-per-connection", "pool"] {
        let server = start("threaded-server", &["--mode", mode, "--idle-timeout", "0.5"]);
        let stop = Arc::new(AtomicBool::new(false));
        let stuck = non_reader(server.address(), &stop);
        let line = server
            .process()
            .wait_for_error_line(Duration::from_secs(30), |line| line.contains("dropping"))
            .expect("the client is dropped");
        assert!(line.ends_with("did not read its echo for 500ms"), "{mode}: {line}");
        stop.store(true, Ordering::SeqCst);
        let _ = stuck.thread.join();
    }
}

/// In pool mode, clients that connect and say nothing never take a
/// worker's time: a real client that connects after fifty of them is
/// served, and none of them was.
#[test]
fn pool_new_silent_clients_never_take_a_worker() {
    let server = start("threaded-server", &["--workers", "1"]);
    let silent: Vec<TcpStream> = (0..50).map(|_| connect(server.address())).collect();
    served(&server);
    let lines = server.process().stdout();
    for stream in &silent {
        let serving = format!("serving {}", stream.local_addr().expect("address"));
        assert!(!lines.iter().any(|line| line.ends_with(&serving)), "{serving}:\n{lines:#?}");
    }
    assert!(lines.iter().any(|line| line.contains("] serving")), "{lines:#?}");
}

/// An error while starting the pool ends the server with that error, and
/// does not leave it hanging: under a 256 MB address-space limit, 256
/// workers cannot all start.
#[cfg(target_os = "linux")]
#[test]
fn an_error_starting_the_pool_ends_the_server() {
    let Ok(prlimit) = which("prlimit") else {
        eprintln!("skipped: prlimit (util-linux) is not installed");
        return;
    };
    let server = harness::binary("threaded-server").expect("binary");
    let output = assert_cmd::Command::new(prlimit)
        .arg("--as=256000000")
        .arg(server)
        .args(["--workers", "256", "--max-connections", "0", "--port", "0"])
        .timeout(harness::RUN_TIMEOUT)
        .output()
        .expect("run");
    assert_one_line_error(&output, 1, "cannot start a worker thread");
}

/// The path of a program on PATH.
#[cfg(target_os = "linux")]
fn which(name: &str) -> Result<std::path::PathBuf, ()> {
    let path = std::env::var_os("PATH").ok_or(())?;
    std::env::split_paths(&path)
        .map(|folder| folder.join(name))
        .find(|file| file.is_file())
        .ok_or(())
}
