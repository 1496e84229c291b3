//! Lessons 1 and 2: tcp-server and tcp-client, together and with plain
//! peers on the other side.

use std::io::{Read, Write};
use std::net::Shutdown;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use harness::round_trips::{ROUND_TRIPS, median_round_trip};
use netlessons::show::test_data;
use predicates::prelude::*;

use crate::support::*;

/// The lesson-1 demo exchange: the article's message comes back in 16-byte
/// chunks, and both programs narrate each step.
#[test]
fn client_and_server_echo_the_article_message() {
    let server = start("tcp-server", &["--max-connections", "1"]);
    client("tcp-client", &server)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "sending 41 bytes, then shutting down our sending side: \"This is the message. It will be repeated.\"",
        ))
        .stdout(predicate::str::contains("received 16 bytes: \"This is the mess\""))
        .stdout(predicate::str::contains("received 9 bytes: \"repeated.\""))
        .stdout(predicate::str::contains("echo complete: all 41 bytes came back unchanged"));

    let finished = server.wait(Duration::from_secs(30)).expect("server exits after one connection");
    assert!(finished.success(), "{}", finished.describe());
    let chunks: Vec<&String> =
        finished.stdout.iter().filter(|line| line.starts_with("received")).collect();
    assert_eq!(
        chunks,
        [
            "received 16 bytes: \"This is the mess\"",
            "received 16 bytes: \"age. It will be \"",
            "received 9 bytes: \"repeated.\"",
        ]
    );
    assert!(finished.stdout.iter().any(|line| line.starts_with("no more data from 127.0.0.1:")));
}

/// An empty message is sent and "echoed": the client ends at once, happily,
/// with every TCP echo server of the course.
#[test]
fn empty_message_round_trips() {
    for name in TCP_ECHO_SERVERS {
        let server = start(name, &[]);
        client("tcp-client", &server)
            .args(["--message", ""])
            .assert()
            .success()
            .stdout(predicate::str::contains("echo complete: all 0 bytes came back unchanged"));
    }
}

/// Binary, non-UTF-8 data is echoed byte for byte and shown escaped, by
/// every TCP echo server of the course.
#[test]
fn binary_message_round_trips() {
    for name in TCP_ECHO_SERVERS {
        let server = start(name, &[]);
        client("tcp-client", &server)
            .args(["--size", "300"])
            .assert()
            .success()
            .stdout(predicate::str::contains(r#"received 16 bytes: "\x80\x81\x82"#))
            .stdout(predicate::str::contains("echo complete: all 300 bytes came back unchanged"));
        // The server's side of it, read by a plain client: the exact bytes.
        assert_eq!(plain_exchange(server.address(), &test_data(300)), test_data(300), "{name}");
    }
}

/// A 1 MiB message goes through the 16-byte server without deadlock or loss.
#[test]
fn one_mebibyte_round_trips() {
    let server = start("tcp-server", &["--quiet"]);
    client("tcp-client", &server)
        .args(["--size", "1048576", "--buffer-size", "65536", "--quiet"])
        .assert()
        .success()
        .stdout("echo complete: all 1048576 bytes came back unchanged\n");
}

/// Every TCP echo server echoes exactly the bytes a plain client sends (as
/// netcat or the article's Python client would), with no framing added,
/// over IPv4 and IPv6.
#[test]
fn server_echoes_exact_bytes_to_a_plain_client() {
    for name in TCP_ECHO_SERVERS {
        for host in ["127.0.0.1", "::1"] {
            let server = start(name, &["--host", host, "--quiet"]);
            let data = test_data(100_000);
            assert_eq!(plain_exchange(server.address(), &data), data, "{name} over {host}");
            assert_eq!(plain_exchange(server.address(), b""), b"", "{name}, empty, over {host}");
        }
    }
}

/// The client works with a plain echo peer that is not ours.
#[test]
fn client_works_with_a_plain_echo_peer() {
    let (address, peer) = stand_in_server(plain_echo);
    client_for("tcp-client", address)
        .args(["--size", "200000", "--quiet"])
        .assert()
        .success()
        .stdout("echo complete: all 200000 bytes came back unchanged\n");
    peer.join().expect("peer");
}

/// An echo that comes back altered is an error, not a success.
#[test]
fn client_rejects_an_altered_echo() {
    let (address, _peer) = stand_in_server(|mut stream| {
        let mut message = [0; 41];
        stream.read_exact(&mut message)?;
        message[20] ^= 1;
        stream.write_all(&message)
    });
    let output = client_for("tcp-client", address).output().expect("run");
    assert_one_line_error(&output, 1, "the echo differs from the message at byte 20");
}

/// An echo cut short by the server closing is an error.
#[test]
fn client_rejects_a_short_echo() {
    let (address, _peer) = stand_in_server(|mut stream| {
        let mut message = [0; 41];
        stream.read_exact(&mut message)?;
        stream.write_all(&message[..10])
    });
    let output = client_for("tcp-client", address).output().expect("run");
    assert_one_line_error(
        &output,
        1,
        "the echo ended early: the server closed the connection after 10 of 41 bytes",
    );
}

/// A server that accepts but never answers makes the client time out, not hang.
#[test]
fn client_times_out_on_a_silent_server() {
    let (client_done, wait_for_client) = mpsc::channel::<()>();
    let (address, peer) = stand_in_server(move |stream| {
        // Keep the connection open, never answering, until the client is done.
        let _ = wait_for_client.recv();
        drop(stream);
        Ok(())
    });
    let output =
        client_for("tcp-client", address).args(["--timeout", "0.3"]).output().expect("run");
    client_done.send(()).expect("the peer waits");
    peer.join().expect("peer");
    assert_one_line_error(&output, 1, "no echo within 300ms: got 0 of 41 bytes");
}

/// A client that vanishes mid-transfer ends that connection only: the
/// server reports it and serves the next client.
#[test]
fn server_survives_a_client_that_vanishes_mid_transfer() {
    let server = start("tcp-server", &["--buffer-size", "4", "--quiet"]);
    {
        let mut vanishing = connect(server.address());
        vanishing.write_all(&test_data(64 * 1024)).expect("send");
        // Wait for the echo to start, then close with the rest unread,
        // which makes our side reset the connection.
        vanishing.read_exact(&mut [0; 4]).expect("the echo starts");
    }
    let report = server
        .process()
        .wait_for_error_line(Duration::from_secs(20), |line| line.contains("failed: cannot"))
        .expect("the server reports the broken connection");
    assert!(report.starts_with("connection from 127.0.0.1:"), "{report}");
    client("tcp-client", &server).args(["--quiet"]).assert().success();
}

/// A client that connects and stays silent is dropped after the idle
/// timeout, and the next client is served.
#[test]
fn server_drops_a_silent_client() {
    let server = start("tcp-server", &["--idle-timeout", "0.3"]);
    let silent = connect(server.address());
    client("tcp-client", &server).args(["--quiet"]).assert().success();
    let finished = server.stop();
    assert!(
        finished.stderr.iter().any(|line| line.ends_with("client silent for 300ms, giving up")),
        "{}",
        finished.describe()
    );
    drop(silent);
}

/// A one-byte buffer on both sides still moves every byte.
#[test]
fn one_byte_buffers_work() {
    let server = start("tcp-server", &["--buffer-size", "1", "--quiet"]);
    client("tcp-client", &server)
        .args(["--buffer-size", "1", "--message", "tiny buffers, same bytes"])
        .assert()
        .success()
        .stdout(predicate::str::contains("received 1 bytes: \"t\""))
        .stdout(predicate::str::contains("echo complete: all 24 bytes came back unchanged"));
}

/// The client finds each server by name: `localhost` may resolve to ::1
/// first, and the client tries each address until one accepts.
#[test]
fn client_connects_by_host_name() {
    for name in TCP_ECHO_SERVERS {
        let server = start(name, &["--quiet"]);
        program("tcp-client")
            .args(["--host", "localhost", "--port", &server.port(), "--quiet"])
            .assert()
            .success();
    }
}

/// `--max-connections` makes the server exit cleanly after that many.
#[test]
fn server_exits_after_max_connections() {
    let server = start("tcp-server", &["--max-connections", "2", "--quiet"]);
    for _ in 0..2 {
        let stream = connect(server.address());
        stream.shutdown(Shutdown::Write).expect("shutdown");
        let mut rest = Vec::new();
        (&stream).read_to_end(&mut rest).expect("read");
    }
    let finished = server.wait(Duration::from_secs(30)).expect("server exits");
    assert!(finished.success(), "{}", finished.describe());
    assert_eq!(
        finished.stdout.last().map(String::as_str),
        Some("reached --max-connections 2, exiting")
    );
}

/// Nagle's algorithm, shown for real: with `--nagle` the server's echo in
/// three small writes waits for the client's delayed acknowledgement, so
/// the median round trip is many times longer than without it.
#[test]
fn nagle_on_makes_each_echo_wait() {
    let message = netlessons::cli::ARTICLE_MESSAGE.as_bytes();
    let mut medians = Vec::new();
    for args in [&["--quiet"][..], &["--quiet", "--nagle"][..]] {
        let server = start("tcp-server", args);
        let median = median_round_trip(server.address(), message, ROUND_TRIPS)
            .unwrap_or_else(|error| panic!("{error:#}"));
        medians.push(median);
    }
    let (off, on) = (medians[0], medians[1]);
    assert!(
        on >= off * 3,
        "median round trip with Nagle on {on:?}, off {off:?}: expected at least 3 times longer"
    );
}

/// The netcat command lesson 1 gives, `nc -N 127.0.0.1 PORT`, gets the
/// whole echo and ends. Skipped (with a reason) where nc lacks `-N`.
#[test]
fn netcat_with_dash_n_gets_the_echo() {
    let help = match std::process::Command::new("nc").arg("-h").output() {
        Ok(output) => {
            String::from_utf8_lossy(&output.stdout).to_string()
                + &String::from_utf8_lossy(&output.stderr)
        }
        Err(error) => {
            eprintln!("skipped: cannot run nc ({error})");
            return;
        }
    };
    if !help.lines().any(|line| line.trim_start().starts_with("-N")) {
        eprintln!("skipped: this nc has no -N option (it is not OpenBSD netcat)");
        return;
    }
    for name in TCP_ECHO_SERVERS {
        let server = start(name, &["--quiet"]);
        let data = "hello from netcat\nand a second line\n";
        let output = assert_cmd::Command::new("nc")
            .args(["-N", "127.0.0.1", &server.port()])
            .write_stdin(data)
            .timeout(Duration::from_secs(20))
            .output()
            .expect("run nc");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "nc against {name} failed: {stderr}");
        assert_eq!(String::from_utf8_lossy(&output.stdout), data, "{name}");
    }
}

/// A plain Python client, as the reference article writes it (`sendall`,
/// then `recv` until the server closes), gets its bytes back from every
/// TCP echo server. Skipped (with a reason) without python3.
#[test]
fn plain_python_client_gets_the_echo() {
    if let Err(error) = std::process::Command::new("python3").arg("--version").output() {
        eprintln!("skipped: cannot run python3 ({error})");
        return;
    }
    let script = "import socket, sys\n\
        with socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=20) as s:\n\
        \x20   s.sendall(b'Hello, world')\n\
        \x20   s.shutdown(socket.SHUT_WR)\n\
        \x20   data = b''\n\
        \x20   while chunk := s.recv(1024):\n\
        \x20       data += chunk\n\
        print(repr(data))\n";
    for name in TCP_ECHO_SERVERS {
        let server = start(name, &["--quiet"]);
        assert_cmd::Command::new("python3")
            .args(["-c", script, &server.port()])
            .timeout(Duration::from_secs(20))
            .assert()
            .success()
            .stdout("b'Hello, world'\n");
    }
}

/// Ctrl-Z and `fg` in the middle of an exchange: the server's read is
/// interrupted (on Linux, `Interrupted`), and it reads again instead of
/// dropping the client.
#[cfg(unix)]
#[test]
fn server_survives_stop_and_continue() {
    let server = start("tcp-server", &["--quiet"]);
    let mut stream = connect(server.address());
    stream.write_all(b"before the stop, ").expect("send");
    let mut echo = [0; 17];
    stream.read_exact(&mut echo).expect("first echo");
    // The server now waits in a read with a timeout: stop it there.
    stop_and_continue(server.process().id());
    stream.write_all(b"after").expect("send");
    stream.shutdown(Shutdown::Write).expect("shutdown");
    let mut rest = Vec::new();
    stream.read_to_end(&mut rest).expect("rest of the echo");
    assert_eq!(rest, b"after");
    let finished = server.stop();
    assert!(finished.stderr.is_empty(), "{}", finished.describe());
}

/// Ctrl-Z and `fg` while the client waits for its echo: the client reads
/// again and completes the exchange.
#[cfg(unix)]
#[test]
fn client_survives_stop_and_continue() {
    let (got_message, message_arrived) = mpsc::channel::<()>();
    let (may_echo, wait_to_echo) = mpsc::channel::<()>();
    let (address, peer) = stand_in_server(move |mut stream| {
        let mut message = Vec::new();
        stream.read_to_end(&mut message)?;
        let _ = got_message.send(());
        // Hold the echo back until the test has stopped and continued the
        // client, which is waiting for it in a read.
        let _ = wait_to_echo.recv();
        stream.write_all(&message)
    });
    let port = address.port().to_string();
    let client =
        harness::Process::start("tcp-client", &["--port", &port, "--timeout", "30", "--quiet"])
            .expect("start tcp-client");
    message_arrived.recv_timeout(SOCKET_TIMEOUT).expect("the client sends its message");
    // The client has sent everything and shut down its sending side; its
    // main thread is waiting for the echo. Stop it there, more than once
    // in case the first stop came before the read began.
    for _ in 0..3 {
        stop_and_continue(client.id());
    }
    may_echo.send(()).expect("the peer waits");
    let finished = client.wait(Duration::from_secs(30)).expect("the client ends");
    peer.join().expect("peer");
    assert!(finished.success(), "{}", finished.describe());
    assert_eq!(finished.stdout, ["echo complete: all 41 bytes came back unchanged"]);
}

/// `--timeout` is a deadline for the whole exchange: a server that sends
/// the echo back one byte every 300 ms (3 s in all) cannot keep a client
/// with `--timeout 1` waiting, although each byte comes well within 1 s.
#[test]
fn client_timeout_covers_the_whole_exchange() {
    const PAUSE: Duration = Duration::from_millis(300);
    let message = "0123456789";
    let trickle = PAUSE * message.len() as u32;
    let (address, peer) = stand_in_server(move |mut stream| {
        let mut received = Vec::new();
        stream.read_to_end(&mut received)?;
        for byte in received {
            std::thread::sleep(PAUSE);
            stream.write_all(&[byte])?;
        }
        Ok(())
    });
    // Find (and build) the program before the clock starts.
    let mut client = client_for("tcp-client", address);
    client.args(["--message", message, "--timeout", "1"]);
    let start = Instant::now();
    let output = client.output().expect("run");
    let elapsed = start.elapsed();
    assert_one_line_error(&output, 1, "no echo within 1s: got ");
    assert!(elapsed >= Duration::from_secs(1), "gave up early, after {elapsed:?}");
    assert!(
        elapsed < trickle * 2 / 3,
        "took {elapsed:?}, close to the whole {trickle:?} trickle: the timeout is not a deadline"
    );
    peer.join().expect("peer");
}

/// On Linux a server bound to `[::]` also hears IPv4 clients, as IPv4-mapped
/// addresses, unless net.ipv6.bindv6only is set (lesson 0).
#[cfg(target_os = "linux")]
#[test]
fn ipv6_wildcard_hears_ipv4_on_linux() {
    let setting = std::fs::read_to_string("/proc/sys/net/ipv6/bindv6only")
        .expect("read /proc/sys/net/ipv6/bindv6only");
    let server = start("tcp-server", &["--host", "::", "--max-connections", "1"]);
    assert!(server.address().is_ipv6(), "{}", server.address());
    let output = program("tcp-client")
        .args(["--host", "127.0.0.1", "--port", &server.port(), "--quiet"])
        .output()
        .expect("run");
    if setting.trim() == "0" {
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let finished = server.wait(Duration::from_secs(30)).expect("server exits");
        assert!(
            finished
                .stdout
                .iter()
                .any(|line| line.starts_with("connection from [::ffff:127.0.0.1]:")),
            "{}",
            finished.describe()
        );
    } else {
        assert_one_line_error(&output, 1, "cannot connect to 127.0.0.1:");
    }
}
