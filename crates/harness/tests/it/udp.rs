//! Lessons 3 and 4: udp-server and udp-client, together and with stand-in
//! peers that misbehave on purpose.

use std::net::{SocketAddr, UdpSocket};
use std::thread;
use std::time::Duration;

use netlessons::show::test_data;
use predicates::prelude::*;

use crate::support::*;

/// A UDP socket of the test's own, bound to a free loopback port.
fn test_socket() -> UdpSocket {
    let socket = UdpSocket::bind("127.0.0.1:0").expect("bind");
    socket.set_read_timeout(Some(SOCKET_TIMEOUT)).expect("timeout");
    socket
}

/// Sends `data` to `server` from a fresh socket and returns the reply.
fn plain_round_trip(server: SocketAddr, data: &[u8]) -> Vec<u8> {
    let any = if server.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" };
    let socket = UdpSocket::bind(any).expect("bind");
    socket.set_read_timeout(Some(SOCKET_TIMEOUT)).expect("timeout");
    socket.send_to(data, server).expect("send");
    let mut reply = vec![0; 65_535];
    let (count, from) = socket.recv_from(&mut reply).expect("a reply");
    assert_eq!(from, server, "the reply comes from the server");
    reply.truncate(count);
    reply
}

/// The lesson-3 demo exchange: one datagram out, the same one back.
#[test]
fn client_and_server_echo_the_article_message() {
    let server = start("udp-server", &["--max-datagrams", "1"]);
    client("udp-client", &server)
        .assert()
        .success()
        .stdout(predicate::str::contains("received 41 bytes from 127.0.0.1:"))
        .stdout(predicate::str::contains("echo complete: all 41 bytes came back unchanged"));
    let finished = server.wait(Duration::from_secs(30)).expect("server exits after one datagram");
    assert!(finished.success(), "{}", finished.describe());
    assert!(
        finished.stdout.iter().any(|line| line.starts_with("received 41 bytes from 127.0.0.1:")
            && line.ends_with(": \"This is the message. It will be repeated.\"")),
        "{}",
        finished.describe()
    );
}

/// A 60,000-byte datagram comes back whole, over IPv4 and IPv6.
#[test]
#[cfg_attr(
    target_os = "macos",
    ignore = "macOS sends datagrams of at most 9216 bytes unless net.inet.udp.maxdgram is raised"
)]
fn large_datagram_round_trips() {
    for host in ["127.0.0.1", "::1"] {
        let server = start("udp-server", &["--host", host, "--quiet"]);
        client("udp-client", &server)
            .args(["--size", "60000", "--quiet"])
            .assert()
            .success()
            .stdout("echo complete: all 60000 bytes came back unchanged\n");
        assert_eq!(plain_round_trip(server.address(), &test_data(60_000)), test_data(60_000));
    }
}

/// An empty datagram is a datagram too: it is echoed.
#[test]
fn empty_datagram_round_trips() {
    let server = start("udp-server", &["--quiet"]);
    client("udp-client", &server)
        .args(["--message", ""])
        .assert()
        .success()
        .stdout(predicate::str::contains("echo complete: all 0 bytes came back unchanged"));
    assert_eq!(plain_round_trip(server.address(), b""), b"");
}

/// The server echoes the exact bytes of every datagram to a plain client,
/// up to the largest there is.
#[test]
#[cfg_attr(
    target_os = "macos",
    ignore = "macOS sends datagrams of at most 9216 bytes unless net.inet.udp.maxdgram is raised"
)]
fn server_echoes_exact_bytes_to_a_plain_client() {
    let server = start("udp-server", &["--quiet"]);
    for size in [1, 255, 1000, 65_507] {
        assert_eq!(
            plain_round_trip(server.address(), &test_data(size)),
            test_data(size),
            "size {size}"
        );
    }
}

/// A datagram larger than the server's buffer is cut; the client notices
/// that the reply differs and says so.
#[test]
fn client_notices_a_cut_datagram() {
    let server = start("udp-server", &["--buffer-size", "10", "--quiet"]);
    let output = client("udp-client", &server).output().expect("run");
    assert_one_line_error(
        &output,
        1,
        "(10 bytes back for 41 sent): the server may have cut the datagram",
    );
}

/// A reply that is not a shortened echo (a shouting server, say) is not
/// blamed on a cut datagram.
#[test]
fn client_does_not_blame_cutting_for_a_changed_reply() {
    let fake_server = test_socket();
    let address = fake_server.local_addr().expect("address");
    let helper = thread::spawn(move || {
        let mut buffer = [0; 100];
        let (count, client) = fake_server.recv_from(&mut buffer).expect("the client's datagram");
        let shouted = buffer[..count].to_ascii_uppercase();
        fake_server.send_to(&shouted, client).expect("reply");
    });
    let output = client_for("udp-client", address)
        .args(["--timeout", "10", "--retries", "0"])
        .output()
        .expect("run");
    assert_one_line_error(
        &output,
        1,
        "(41 bytes back for 41 sent): the server is not an echo server, or changed the data",
    );
    helper.join().expect("helper");
}

/// With no reply, the client retries, then gives up with a clear error.
#[test]
fn client_retries_then_reports_loss() {
    // A socket that receives but never answers: every reply is "lost".
    let black_hole = test_socket();
    let output = client_for("udp-client", black_hole.local_addr().expect("address"))
        .args(["--retries", "2", "--timeout", "0.2"])
        .output()
        .expect("run");
    assert_one_line_error(&output, 1, "after 3 attempts");
    let mut buffer = [0; 100];
    for attempt in 1..=3 {
        let (count, _) = black_hole
            .recv_from(&mut buffer)
            .unwrap_or_else(|_| panic!("datagram {attempt} arrived"));
        assert_eq!(&buffer[..count], b"This is the message. It will be repeated.");
    }
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.matches("no reply within 200ms").count(), 3, "{stdout}");
}

/// Datagrams from anyone but the server are ignored; the server's reply
/// is still accepted.
#[test]
fn client_ignores_strangers() {
    let fake_server = test_socket();
    let stranger = test_socket();
    let address = fake_server.local_addr().expect("address");
    let helper = thread::spawn(move || {
        let mut buffer = [0; 100];
        let (count, client) = fake_server.recv_from(&mut buffer).expect("the client's datagram");
        stranger.send_to(b"not from the server", client).expect("stranger sends");
        // Give the stranger's datagram a head start; it is ignored either way.
        thread::sleep(Duration::from_millis(50));
        fake_server.send_to(&buffer[..count], client).expect("reply");
    });
    client_for("udp-client", address)
        .args(["--timeout", "10", "--retries", "0"])
        .assert()
        .success()
        .stdout(predicate::str::contains("ignoring 19 bytes from 127.0.0.1:"))
        .stdout(predicate::str::contains("echo complete: all 41 bytes came back unchanged"));
    helper.join().expect("helper");
}

/// The server keeps serving after a flood of datagrams of every size.
#[test]
fn server_survives_a_flood() {
    let server = start("udp-server", &["--quiet"]);
    let flood = test_socket();
    for size in (0..2000).map(|n| (n * 37) % 1500) {
        // Loss is allowed under a flood; a send error is not.
        flood.send_to(&test_data(size), server.address()).expect("send");
    }
    client("udp-client", &server).args(["--quiet"]).assert().success();
    assert!(server.stop().stderr.is_empty());
}

/// Waits until process `pid` sleeps in the kernel (Linux: state `S` in
/// `/proc/PID/stat`), so that a stop lands while it is blocked in a socket
/// call rather than just before. Elsewhere it returns at once, and the stop
/// may then come a little early, which can only make a test pass more easily.
#[cfg(unix)]
pub fn wait_until_asleep(pid: u32) {
    #[cfg(target_os = "linux")]
    {
        let deadline = std::time::Instant::now() + SOCKET_TIMEOUT;
        loop {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            // The state follows the command name, which is in parentheses.
            let state = stat.rsplit_once(") ").and_then(|(_, rest)| rest.chars().next());
            if state == Some('S') {
                return;
            }
            assert!(std::time::Instant::now() < deadline, "process {pid} never blocked: {stat}");
            thread::sleep(Duration::from_millis(1));
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = pid;
}

/// Ctrl-Z and `fg` while udp-server waits for a datagram do not disturb it:
/// it goes on echoing, and reports no error.
#[cfg(unix)]
#[test]
fn server_survives_being_stopped_and_continued() {
    let server = start("udp-server", &["--quiet"]);
    assert_eq!(plain_round_trip(server.address(), b"before the stop"), b"before the stop");
    wait_until_asleep(server.process().id());
    stop_and_continue(server.process().id());
    assert_eq!(plain_round_trip(server.address(), b"after"), b"after");
    let finished = server.stop();
    assert!(finished.stderr.is_empty(), "{}", finished.describe());
}

/// Ctrl-Z and `fg` while udp-client waits for a slow reply (its socket has a
/// timeout, so Linux interrupts the wait) do not end the exchange: the client
/// waits again and accepts the reply, without sending a second datagram.
#[cfg(unix)]
#[test]
fn client_survives_being_stopped_and_continued() {
    let slow_server = test_socket();
    let address = slow_server.local_addr().expect("address");
    let args = [
        "--host",
        "127.0.0.1",
        "--port",
        &address.port().to_string(),
        "--timeout",
        "30",
        "--retries",
        "0",
    ];
    let client = harness::Process::start("udp-client", &args).expect("start udp-client");
    let mut buffer = [0; 100];
    let (count, peer) = slow_server.recv_from(&mut buffer).expect("the client's datagram");
    // The client now waits for the reply: stop it there, then reply.
    wait_until_asleep(client.id());
    stop_and_continue(client.id());
    slow_server.send_to(&buffer[..count], peer).expect("reply");
    let finished = client.wait(SOCKET_TIMEOUT).expect("udp-client ends");
    assert!(finished.success(), "{}", finished.describe());
    assert!(
        finished
            .stdout
            .iter()
            .any(|line| line == "echo complete: all 41 bytes came back unchanged"),
        "{}",
        finished.describe()
    );
    assert_eq!(
        finished.stdout.iter().filter(|line| line.starts_with("sending ")).count(),
        1,
        "{}",
        finished.describe()
    );
}
