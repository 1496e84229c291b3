//! The demos behind `just lesson-N` (and `cargo lesson N`).
//!
//! Each demo starts the lesson's server on a port the operating system
//! picks, runs the lesson's clients against it, and shows every line each
//! program prints, labelled with the program's name. Then it stops the
//! server and says where to go next. Everything runs through this crate's
//! process plumbing, so it works the same on Linux, macOS and Windows.

use std::fmt::Display;
use std::io::{self, Read, Write};
use std::net::{Shutdown, TcpStream};

use anyhow::{Context, bail};

use netlessons::cli::ARTICLE_MESSAGE;
use netlessons::show;

use crate::round_trips::{ROUND_TRIPS, median_round_trip};
use crate::{Finished, Process, RUN_TIMEOUT, Server};

/// The lessons: number, title, and the lesson text's file in `lessons/`.
pub const LESSONS: &[(u32, &str, &str)] = &[
    (0, "the words you need", "0-concepts.md"),
    (1, "a TCP echo server", "1-tcp-server.md"),
    (2, "a TCP client", "2-tcp-client.md"),
    (3, "a UDP echo server", "3-udp-server.md"),
    (4, "a UDP client, timeouts and loss", "4-udp-client.md"),
    (5, "many clients at once, with threads", "5-threaded-server.md"),
    (6, "socket errors and what to do about them", "6-errors.md"),
    (7, "choosing between TCP and UDP", "7-tcp-or-udp.md"),
    (8, "many clients on one thread, an event loop", "8-event-loop.md"),
    (9, "HTTP by hand, a web server and a client", "9-http.md"),
];

/// The programs lesson `number`'s demo runs. `just lesson-N` builds these
/// (and the lesson runner) and nothing else, so a first lesson is quick to
/// start; a test keeps the justfile's recipes in step with this list.
pub fn programs_of(number: u32) -> &'static [&'static str] {
    match number {
        0..=2 => &["tcp-server", "tcp-client"],
        3 | 4 => &["udp-server", "udp-client"],
        5 => &["threaded-server", "tcp-server", "tcp-client"],
        6 => &["error-handling"],
        7 => &["tcp-server", "udp-server"],
        8 => &["event-server", "tcp-client"],
        9 => &["http-server", "http-client"],
        _ => &[],
    }
}

/// Runs the demo of lesson `number`.
pub fn run(number: u32) -> anyhow::Result<()> {
    let Some(&(_, title, _)) = LESSONS.iter().find(|(n, _, _)| *n == number) else {
        let first = LESSONS.first().map_or(0, |(number, _, _)| *number);
        let last = LESSONS.last().map_or(0, |(number, _, _)| *number);
        bail!("there is no lesson {number}; the lessons are {first} to {last}");
    };
    // Build (or check) the programs before the first line of the demo, so
    // that compiler messages, if any, come first.
    crate::prepare(programs_of(number))?;

    say(format_args!("== Lesson {number}: {title} =="));
    match number {
        0 => lesson_0()?,
        1 => lesson_1()?,
        2 => lesson_2()?,
        3 => lesson_3()?,
        4 => lesson_4()?,
        5 => lesson_5()?,
        6 => lesson_6()?,
        7 => crate::compare::lesson_7()?,
        8 => lesson_8()?,
        _ => crate::http::lesson_9()?,
    }
    say("");
    match LESSONS.iter().find(|(n, _, _)| *n == number + 1) {
        Some((next, title, file)) => say(format_args!(
            "Next: lesson {next}, {title}. Read lessons/{file}, then run `just lesson-{next}`."
        )),
        None => say("That was the last lesson. Next: the exercises at the end of each lesson."),
    }
    Ok(())
}

/// A line from the demo itself, not from one of the programs.
pub(crate) fn say(message: impl Display) {
    let _ = writeln!(io::stdout().lock(), "{message}");
}

/// The width of the program-name column, so the output lines up.
const LABEL_WIDTH: usize = 15;

pub(crate) fn label(name: &str) -> String {
    format!("{name:>LABEL_WIDTH$}")
}

/// A program and its arguments as a learner would type them.
fn command_line(name: &str, first: &[&str], then: &[&str]) -> String {
    let mut words = vec![name.to_string()];
    for word in first.iter().chain(then) {
        if word.contains(' ') {
            words.push(format!("\"{word}\""));
        } else {
            words.push(word.to_string());
        }
    }
    words.join(" ")
}

pub(crate) fn start_server(name: &str, args: &[&str]) -> anyhow::Result<Server> {
    let command = command_line(name, args, &["--port", "0"]);
    say(format_args!("\n-- starting {command} (the system picks a free port)"));
    Server::start_labelled(name, args, Some(&label(name)))
}

/// Starts a client against `server` without waiting for it.
fn start_client(name: &str, server: &Server, args: &[&str]) -> anyhow::Result<Process> {
    let port = server.port();
    let mut all_args = vec!["--port", &port];
    all_args.extend(args);
    if server.address().is_ipv6() && !args.contains(&"--host") {
        all_args.extend(["--host", "::1"]);
    }
    Process::start_labelled(name, &all_args, Some(&label(name)))
}

/// Runs a client against `server` to the end, and insists that it succeeds.
fn run_client(name: &str, server: &Server, args: &[&str]) -> anyhow::Result<Finished> {
    say(format_args!("\n-- running {}", command_line(name, &["--port", &server.port()], args)));
    let finished = start_client(name, server, args)?.wait(RUN_TIMEOUT)?;
    if !finished.success() {
        bail!("{name} failed, which this demo did not expect:\n{}", finished.describe());
    }
    Ok(finished)
}

/// Waits for a server started with a connection or datagram limit to end.
pub(crate) fn wait_for_server(server: Server) -> anyhow::Result<()> {
    let finished = server.wait(RUN_TIMEOUT)?;
    if !finished.success() {
        bail!("the server failed:\n{}", finished.describe());
    }
    say(format_args!("\n-- {} has served its clients and exited", finished.name));
    Ok(())
}

fn lesson_0() -> anyhow::Result<()> {
    // The same two programs over IPv6 and over IPv4: only the addresses change.
    for (host, message) in [("::1", "hello over IPv6"), ("127.0.0.1", "hello over IPv4")] {
        let server = start_server("tcp-server", &["--host", host, "--max-connections", "1"])?;
        run_client("tcp-client", &server, &["--host", host, "--message", message])?;
        wait_for_server(server)?;
    }
    Ok(())
}

fn lesson_1() -> anyhow::Result<()> {
    let server = start_server("tcp-server", &["--max-connections", "1"])?;
    run_client("tcp-client", &server, &[])?;
    wait_for_server(server)?;

    // Nagle's algorithm, measured: the server echoes each message in three
    // small writes, and the client waits for all of them.
    say(format_args!(
        "\n-- round trips: the demo connects and sends the same 41 bytes {ROUND_TRIPS} times, each time waiting for the whole echo before it sends again"
    ));
    for (args, nagle) in [
        (&["--max-connections", "1", "--quiet"][..], "off, the server's default"),
        (&["--max-connections", "1", "--quiet", "--nagle"][..], "on (--nagle)"),
    ] {
        let server = start_server("tcp-server", args)?;
        let median = median_round_trip(server.address(), ARTICLE_MESSAGE.as_bytes(), ROUND_TRIPS)?;
        let finished = server.wait(RUN_TIMEOUT)?;
        if !finished.success() {
            bail!("the server failed:\n{}", finished.describe());
        }
        say(format_args!("-- median round trip with Nagle's algorithm {nagle}: {median:.1?}"));
    }
    Ok(())
}

fn lesson_2() -> anyhow::Result<()> {
    let server = start_server("tcp-server", &["--max-connections", "2", "--quiet"])?;
    run_client("tcp-client", &server, &["--message", "Bytes in, the same bytes out."])?;
    run_client("tcp-client", &server, &["--size", "20"])?;
    wait_for_server(server)
}

fn lesson_3() -> anyhow::Result<()> {
    let server = start_server("udp-server", &["--max-datagrams", "2"])?;
    run_client("udp-client", &server, &[])?;
    run_client("udp-client", &server, &["--size", "20"])?;
    wait_for_server(server)
}

fn lesson_4() -> anyhow::Result<()> {
    let server = start_server("udp-server", &["--quiet"])?;
    run_client("udp-client", &server, &["--message", "Is anybody there?"])?;

    let port = server.port();
    let address = server.address();
    say(format_args!("\n-- stopping udp-server: now nothing answers at {address}"));
    server.stop();

    let host = address.ip().to_string();
    let args = ["--host", &host, "--port", &port, "--timeout", "0.5", "--retries", "2"];
    say(format_args!("\n-- running {}", command_line("udp-client", &args, &[])));
    let finished = Process::start_labelled("udp-client", &args, Some(&label("udp-client")))?
        .wait(RUN_TIMEOUT)?;
    if finished.success() {
        bail!("udp-client got a reply from a stopped server:\n{}", finished.describe());
    }
    say(
        "\n-- as expected, udp-client gave up and exited with an error: with UDP, silence is all you get",
    );
    Ok(())
}

fn lesson_5() -> anyhow::Result<()> {
    // First, why lesson 1's server is not enough: one silent client blocks
    // everybody else.
    let server = start_server("tcp-server", &["--quiet"])?;
    say("\n-- a client connects to it and sends nothing (the demo holds this connection open)");
    let silent =
        TcpStream::connect(server.address()).context("the silent client cannot connect")?;
    say("\n-- running tcp-client --timeout 1 while the server is busy with the silent client");
    let finished = start_client("tcp-client", &server, &["--timeout", "1"])?.wait(RUN_TIMEOUT)?;
    if finished.success() {
        bail!("tcp-client was served although the server was busy:\n{}", finished.describe());
    }
    say(
        "\n-- tcp-client connected (the system queues connections) but got no echo: one client at a time",
    );
    // Stop the server while it is still busy, so it never gets to the
    // client that gave up.
    server.stop();
    drop(silent);

    // Then the threaded server, in both modes, with the same silent client.
    let modes: [&[&str]; 2] = [
        &["--mode", "thread-per-connection", "--max-connections", "4"],
        &["--mode", "pool", "--workers", "2", "--max-connections", "4"],
    ];
    for args in modes {
        let server = start_server("threaded-server", args)?;
        say("\n-- the silent client connects again");
        let silent =
            TcpStream::connect(server.address()).context("the silent client cannot connect")?;
        // Let the server say what it did with the silent client before the
        // others come, so its lines come first.
        let address = silent.local_addr()?.to_string();
        server.process().wait_for_line(RUN_TIMEOUT, |line| {
            line.ends_with(&format!("serving {address}"))
                || line.ends_with("until it sends something")
        })?;
        say("\n-- running 3 tcp-clients at the same time, --quiet");
        let running: Vec<Process> = (0..3)
            .map(|_| start_client("tcp-client", &server, &["--quiet"]))
            .collect::<anyhow::Result<_>>()?;
        for client in running {
            let finished = client.wait(RUN_TIMEOUT)?;
            if !finished.success() {
                bail!("a client failed:\n{}", finished.describe());
            }
        }
        say("\n-- every client was served while the silent one was still connected; now it leaves");
        drop(silent);
        wait_for_server(server)?;
    }
    Ok(())
}

fn lesson_6() -> anyhow::Result<()> {
    say("\n-- running error-handling all");
    let finished =
        Process::start_labelled("error-handling", &["all"], Some(&label("error-handling")))?
            .wait(RUN_TIMEOUT)
            .context("error-handling did not finish")?;
    if !finished.success() {
        bail!("some scenarios did not go as expected:\n{}", finished.describe());
    }
    Ok(())
}

fn lesson_8() -> anyhow::Result<()> {
    // The same crowd as lesson 5's threaded servers, served by one thread.
    let server = start_server("event-server", &["--max-connections", "4"])?;
    let accepted = |count: usize| -> anyhow::Result<()> {
        let wanted = format!("accepted client {count} ");
        server.process().wait_for_line(RUN_TIMEOUT, |line| line.contains(&wanted))?;
        Ok(())
    };
    say("\n-- a client connects and sends nothing (the demo holds this connection open)");
    let silent =
        TcpStream::connect(server.address()).context("the silent client cannot connect")?;
    accepted(1)?;

    say("\n-- three clients connect, then take turns: each sends a line, and waits for its echo");
    let mut clients = Vec::new();
    for (number, name) in [(2, "A"), (3, "B"), (4, "C")] {
        let stream = TcpStream::connect(server.address())
            .with_context(|| format!("client {name} cannot connect"))?;
        stream.set_read_timeout(Some(RUN_TIMEOUT))?;
        // Wait until the server has accepted it, so the lines below come in
        // the order the clients spoke.
        accepted(number)?;
        clients.push((name, stream));
    }
    for round in 1..=2 {
        for (name, stream) in &mut clients {
            let line = format!("{name}, line {round}\n");
            stream.write_all(line.as_bytes())?;
            let mut echo = vec![0; line.len()];
            stream.read_exact(&mut echo).with_context(|| format!("no echo for client {name}"))?;
            say(format_args!("-- client {name} got its echo: {}", show::bytes(&echo)));
        }
    }
    for (_, stream) in &clients {
        stream.shutdown(Shutdown::Write)?;
    }
    for (name, mut stream) in clients {
        let mut rest = Vec::new();
        stream.read_to_end(&mut rest).with_context(|| format!("client {name} was not closed"))?;
    }
    say("\n-- every client was served while the silent one was still connected");
    say(threads_line(server.process().id()));
    say("\n-- now the silent client leaves");
    drop(silent);
    wait_for_server(server)
}

/// How many threads process `pid` runs, where the system tells it.
#[cfg(target_os = "linux")]
fn threads_line(pid: u32) -> String {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    match status.lines().find_map(|line| line.strip_prefix("Threads:")) {
        Some(count) => {
            let count = count.trim();
            let threads = if count == "1" { "thread" } else { "threads" };
            format!("-- the server's process runs {count} {threads} (Threads: in /proc/PID/status)")
        }
        None => "-- (the server's thread count is not readable here)".to_string(),
    }
}

#[cfg(not(target_os = "linux"))]
fn threads_line(_pid: u32) -> String {
    "-- (on Linux the demo reads the server's thread count here from /proc)".to_string()
}
