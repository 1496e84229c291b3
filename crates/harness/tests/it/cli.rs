//! Every program: --help, --version, and one clear line for bad input.

use predicates::prelude::*;

use crate::support::*;

const PROGRAMS: &[&str] = &[
    "tcp-server",
    "tcp-client",
    "udp-server",
    "udp-client",
    "threaded-server",
    "error-handling",
    "http-server",
    "event-server",
];

const SERVERS: &[&str] =
    &["tcp-server", "udp-server", "threaded-server", "http-server", "event-server"];

/// What a server needs besides its address: http-server a folder to serve
/// (the tests run in crates/harness, where its default `lessons` is not).
fn server_needs(name: &str) -> &'static [&'static str] {
    if name == "http-server" { &["--root", "."] } else { &[] }
}

const CLIENTS: &[&str] = &["tcp-client", "udp-client"];

/// --help explains the common options and --version names the program.
#[test]
fn help_and_version() {
    for name in PROGRAMS {
        program(name)
            .arg("--help")
            .assert()
            .success()
            .stdout(predicate::str::contains("--host"))
            .stdout(predicate::str::contains("--port"))
            .stdout(predicate::str::contains("--quiet"));
        program(name)
            .arg("--version")
            .assert()
            .success()
            .stdout(format!("{name} {}\n", env!("CARGO_PKG_VERSION")));
    }
}

/// An impossible port is a usage error: one line, exit status 2.
#[test]
fn port_out_of_range() {
    for name in PROGRAMS {
        let mut command = program(name);
        if *name == "error-handling" {
            command.arg("list");
        }
        let output = command.args(["--port", "70000"]).output().expect("run");
        assert_one_line_error(&output, 2, "70000");
    }
}

/// A host name that does not exist: one line, exit status 1.
#[test]
fn unknown_host() {
    for name in SERVERS.iter().chain(CLIENTS) {
        let output = program(name)
            .args(server_needs(name))
            .args(["--host", "no.such.host.invalid", "--port", "1"])
            .output()
            .expect("run");
        assert_one_line_error(&output, 1, "cannot resolve host name \"no.such.host.invalid\"");
    }
}

/// A server whose port is taken says so in one line and exits 1.
#[test]
fn port_in_use() {
    for name in SERVERS {
        let mut args = vec!["--quiet"];
        args.extend(server_needs(name));
        let holder = start(name, &args);
        let output = program(name)
            .args(server_needs(name))
            .args(["--port", &holder.port()])
            .output()
            .expect("run");
        assert_one_line_error(&output, 1, &format!("cannot listen on 127.0.0.1:{}", holder.port()));
    }
}

/// A TCP client whose server is not there: one line, exit status 1.
#[test]
fn connection_refused() {
    // A port where a server was a moment ago.
    let server = start("tcp-server", &["--quiet"]);
    let address = server.address();
    server.stop();
    let output = client_for("tcp-client", address).output().expect("run");
    assert_one_line_error(&output, 1, &format!("cannot connect to {address}"));
}

/// Port 0 is fine for a server but not for a client.
#[test]
fn clients_reject_port_zero() {
    for name in CLIENTS {
        let output = program(name).args(["--port", "0"]).output().expect("run");
        assert_one_line_error(&output, 1, "port 0 cannot be connected to");
    }
}

/// Nonsense option values are usage errors, not panics.
#[test]
fn bad_option_values() {
    let cases: &[(&str, &[&str])] = &[
        ("tcp-server", &["--buffer-size", "0"]),
        ("tcp-client", &["--timeout", "-1"]),
        ("udp-client", &["--retries", "lots"]),
        ("threaded-server", &["--workers", "0"]),
        ("threaded-server", &["--mode", "fork"]),
        ("event-server", &["--max-clients", "0"]),
        ("event-server", &["--idle-timeout", "never"]),
        ("error-handling", &["no-such-scenario"]),
        ("tcp-client", &["--size", "10", "--message", "both"]),
        ("http-server", &["--max-clients", "0"]),
        ("http-server", &["--request-timeout", "soon"]),
        ("http-server", &["--send-timeout", "0"]),
        ("http-client", &["--timeout", "-1", "http://127.0.0.1/"]),
        ("http-client", &[]),
    ];
    for (name, args) in cases {
        let output = program(name).args(*args).output().expect("run");
        assert_eq!(output.status.code(), Some(2), "{name} {args:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(stderr.lines().count(), 1, "{name} {args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// http-client takes a URL rather than --host and --port: its --help says
/// so, and --version names it.
#[test]
fn http_client_help_and_version() {
    program("http-client")
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("<URL>"))
        .stdout(predicate::str::contains("--follow"))
        .stdout(predicate::str::contains("--timeout"));
    program("http-client")
        .arg("--version")
        .assert()
        .success()
        .stdout(format!("http-client {}\n", env!("CARGO_PKG_VERSION")));
}
