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
    for name in SCENARIOS.iter().map(|(name, _)| *name).chain(["invalid-address"]) {
        assert!(all.contains(&format!("== {name}: ")), "all runs {name}");
        assert!(listed.lines().any(|line| line.starts_with(name)), "list names {name}");
    }
    assert_eq!(listed.lines().count(), SCENARIOS.len() + 1);
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
