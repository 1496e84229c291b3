//! Lesson 6: every error scenario triggers its error and explains it.

use predicates::prelude::*;

use crate::support::*;

/// Each scenario, and the error kinds it may show (they differ between
/// operating systems; the scenario itself checks the kind too).
const SCENARIOS: &[(&str, &str)] = &[
    ("address-in-use", "AddrInUse"),
    ("connection-refused", "ConnectionRefused"),
    ("unknown-host", "[A-Za-z]+"),
    ("read-timeout", "(WouldBlock|TimedOut)"),
    ("connection-reset", "(ConnectionReset|ConnectionAborted)"),
    ("broken-pipe", "(BrokenPipe|ConnectionReset|ConnectionAborted)"),
    ("udp-no-listener", "(ConnectionRefused|ConnectionReset|WouldBlock|TimedOut)"),
];

/// Every I/O scenario shows its error, the right kind, and advice.
#[test]
fn each_scenario_shows_its_error() {
    for (name, kind) in SCENARIOS {
        program("error-handling")
            .arg(name)
            .assert()
            .success()
            .stdout(predicate::str::starts_with(format!("== {name}: ")))
            .stdout(
                predicate::str::is_match(format!(
                    "\nerror:  .+\nkind:   io::ErrorKind::{kind}\nadvice: "
                ))
                .expect("regex"),
            );
    }
}

/// Bad input is caught by parsing, before any socket call.
#[test]
fn invalid_address_is_not_an_io_error() {
    program("error-handling")
        .arg("invalid-address")
        .assert()
        .success()
        .stdout(predicate::str::contains("error:  \"127.0.0.1:70000\" is not a valid address"))
        .stdout(predicate::str::contains("kind:   not an I/O error"));
}

/// `all` runs every scenario, and `list` names every one.
#[test]
fn all_and_list_cover_every_scenario() {
    let all = program("error-handling").arg("all").output().expect("run");
    assert!(all.status.success(), "{}", String::from_utf8_lossy(&all.stderr));
    let listed = program("error-handling").arg("list").output().expect("run");
    let listed = String::from_utf8_lossy(&listed.stdout);
    let all = String::from_utf8_lossy(&all.stdout);
    let others = ["invalid-address", "restart-after-close"];
    for name in SCENARIOS.iter().map(|(name, _)| *name).chain(others) {
        assert!(all.contains(&format!("== {name}: ")), "all runs {name}");
        assert!(listed.lines().any(|line| line.starts_with(name)), "list names {name}");
    }
    assert_eq!(listed.lines().count(), SCENARIOS.len() + others.len());
}

/// The scenarios work on the IPv6 loopback address too.
#[test]
fn scenarios_work_over_ipv6() {
    program("error-handling")
        .args(["all", "--host", "::1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("[::1]:"));
}

/// address-in-use, pointed at the port of a running server, shows the
/// error that server's port gives everyone else.
#[test]
fn address_in_use_against_a_real_server() {
    let server = start("tcp-server", &["--quiet"]);
    program("error-handling")
        .args(["address-in-use", "--port", &server.port()])
        .assert()
        .success()
        .stdout(predicate::str::contains(format!(
            "another program already holds 127.0.0.1:{}",
            server.port()
        )))
        .stdout(predicate::str::contains("kind:   io::ErrorKind::AddrInUse"));
}

/// On Unix a server restarted right after closing a connection binds its
/// port at once (std sets SO_REUSEADDR), although that connection is still
/// in TIME_WAIT on the server's side, as `ss` shows on Linux.
#[cfg(unix)]
#[test]
fn restart_after_close_binds_at_once() {
    let output = program("error-handling").arg("restart-after-close").output().expect("run");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("\nerror:  none\nkind:   none"), "{stdout}");
    let address = stdout
        .lines()
        .find_map(|line| line.strip_prefix("a new server binds ")?.strip_suffix(" at once"))
        .unwrap_or_else(|| panic!("the scenario names its address:\n{stdout}"));
    if cfg!(target_os = "linux") {
        match std::process::Command::new("ss").args(["-Htan", "state", "time-wait"]).output() {
            Ok(ss) => {
                let states = String::from_utf8_lossy(&ss.stdout);
                assert!(
                    states.lines().any(|line| line.split_whitespace().any(|word| word == address)),
                    "no TIME_WAIT connection on {address}:\n{states}"
                );
            }
            Err(error) => eprintln!("skipping the TIME_WAIT check: cannot run ss: {error}"),
        }
    }
}

/// A restart that binds without SO_REUSEADDR, as C and Python's socket
/// module do by default, fails while a connection on the port is in
/// TIME_WAIT; with the option, as std sets it on Unix, it works. (Python
/// stands in for a program that does not set the option: std always does.)
#[cfg(unix)]
#[test]
fn without_reuse_address_a_restart_fails() {
    use std::io::Read;
    use std::net::TcpListener;

    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    let mut client = connect(address);
    let (server, _) = listener.accept().expect("accept");
    // The server closes first, so its end goes to TIME_WAIT once the client
    // has closed too.
    drop(server);
    assert_eq!(client.read(&mut [0; 1]).expect("end of data"), 0);
    drop(client);
    drop(listener);

    let bind = |reuse: bool| {
        let script = format!(
            "import errno, socket, sys\n\
             s = socket.socket()\n\
             s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, {})\n\
             try:\n    s.bind(('127.0.0.1', {}))\nexcept OSError as e:\n    \
             print(errno.errorcode[e.errno])\n    sys.exit(3)\nprint('bound')\n",
            u8::from(reuse),
            address.port()
        );
        std::process::Command::new("python3").args(["-c", &script]).output()
    };
    let without = match bind(false) {
        Ok(output) => output,
        Err(error) => {
            eprintln!("skipping: cannot run python3: {error}");
            return;
        }
    };
    assert_eq!(String::from_utf8_lossy(&without.stdout), "EADDRINUSE\n");
    let with = bind(true).expect("python3 runs");
    assert_eq!(String::from_utf8_lossy(&with.stdout), "bound\n");
    TcpListener::bind(address).expect("std binds, as it sets SO_REUSEADDR");
}

/// Ctrl-Z and `fg` while a scenario waits in a read with a timeout (which
/// Linux then interrupts) do not spoil it: the read is retried, and the
/// scenario ends in the timeout it set out to show.
#[cfg(unix)]
#[test]
fn survives_being_stopped_and_continued() {
    let process = harness::Process::start("error-handling", &["read-timeout", "--timeout", "2"])
        .expect("start error-handling");
    process
        .wait_for_line(SOCKET_TIMEOUT, |line| line.starts_with("reading from a peer"))
        .expect("the scenario starts reading");
    crate::udp::wait_until_asleep(process.id());
    stop_and_continue(process.id());
    let finished = process.wait(SOCKET_TIMEOUT).expect("error-handling ends");
    assert!(finished.success(), "{}", finished.describe());
    assert!(
        finished.stdout.iter().any(|line| line == "kind:   io::ErrorKind::WouldBlock"),
        "{}",
        finished.describe()
    );
}
