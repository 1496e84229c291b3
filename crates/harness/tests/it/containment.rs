//! The harness contains what a program leaves behind: children that hold
//! ports and pipes, endless output, and programs whose parent dies.
//! `stray` (in `src/bin/`) misbehaves on purpose.

use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::time::{Duration, Instant};

use harness::{OUTPUT_CAP, OUTPUT_CUT, Process};

fn stray() -> &'static Path {
    Path::new(env!("CARGO_BIN_EXE_stray"))
}

fn held_address(line: &str) -> SocketAddr {
    line.strip_prefix("holding ").and_then(|rest| rest.trim().parse().ok()).expect("an address")
}

/// Waits (at most 10 s) until connections to `address` are refused: the
/// program that listened there is gone. (A full accept queue also makes
/// connecting fail, by timing out; only a refusal counts.)
fn assert_port_freed(address: SocketAddr) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        match TcpStream::connect_timeout(&address, Duration::from_secs(1)) {
            Err(error) if error.kind() == std::io::ErrorKind::ConnectionRefused => return,
            _ => assert!(Instant::now() < deadline, "something still listens on {address}"),
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A program that exits leaving a child with its port and our pipe: the
/// harness returns at once, without waiting on the pipe, and the child is
/// gone with its port.
#[test]
fn children_left_behind_are_stopped() {
    let started = Instant::now();
    let process = Process::start_path(stray(), "stray", &["leave"], None).expect("start");
    let finished = process.wait(Duration::from_secs(60)).expect("stray leave exits by itself");
    // The child holds the pipe for 120 s; we must not have waited for it.
    assert!(started.elapsed() < Duration::from_secs(60), "waited {:?}", started.elapsed());
    assert!(finished.success(), "{}", finished.describe());
    assert_eq!(finished.stdout.len(), 1, "{}", finished.describe());
    assert_port_freed(held_address(&finished.stdout[0]));
}

/// Endless output is cut at OUTPUT_CAP, with a marker, and the program is
/// still read to its end (it is not blocked on a full pipe).
#[test]
fn output_is_capped() {
    let process = Process::start_path(stray(), "stray", &["flood", "64"], None).expect("start");
    let finished = process.wait(Duration::from_secs(120)).expect("stray flood ends");
    assert!(finished.success(), "status {:?}", finished.status);
    let marker = format!("\n{OUTPUT_CUT}\n");
    assert_eq!(finished.stdout_bytes.len(), OUTPUT_CAP + marker.len());
    assert!(finished.stdout_bytes.ends_with(marker.as_bytes()));
    assert_eq!(finished.stdout.last().map(String::as_str), Some(OUTPUT_CUT));
}

/// Programs run without RUST_BACKTRACE and RUST_LIB_BACKTRACE, whatever
/// our own environment holds.
#[cfg(unix)]
#[test]
fn backtrace_variables_are_removed() {
    let mut command = std::process::Command::new("sh");
    command.args(["-c", "echo \"[${RUST_BACKTRACE-unset}] [${RUST_LIB_BACKTRACE-unset}]\""]);
    command.env("RUST_BACKTRACE", "1").env("RUST_LIB_BACKTRACE", "full");
    let process = Process::start_command(command, "sh", None, None).expect("start");
    let finished = process.wait(Duration::from_secs(30)).expect("sh ends");
    assert_eq!(finished.stdout, ["[unset] [unset]"]);
}

/// When the program that started others through the harness is killed
/// (as Ctrl-C kills it), what it started is stopped too, by the watchdog.
#[cfg(unix)]
#[test]
fn a_killed_parent_leaves_nothing() {
    let nest = Process::start_path(stray(), "stray", &["nest"], None).expect("start");
    let line = nest
        .wait_for_line(Duration::from_secs(30), |line| line.starts_with("holding "))
        .expect("stray nest started stray hold");
    // SIGINT, as Ctrl-C sends it, to `stray nest` alone: not to its group.
    let status = std::process::Command::new("kill")
        .args(["-s", "INT", &nest.id().to_string()])
        .status()
        .expect("run kill");
    assert!(status.success());
    assert_port_freed(held_address(&line));
    drop(nest);
}

/// The same for a caller that reads the pipes itself (`Contained`): the
/// program's group is killed when it ends, and the readers are not waited
/// for past the grace period.
#[test]
fn contained_programs_leave_nothing() {
    use std::io::Read;
    use std::process::{Command, Stdio};
    let started = Instant::now();
    let (program, pipes) = harness::Contained::spawn(
        Command::new(stray())
            .arg("leave")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped()),
    )
    .expect("start");
    let read = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = read(pipes.stdout.map(|pipe| Box::new(pipe) as Box<dyn Read + Send>));
    let stderr = read(pipes.stderr.map(|pipe| Box::new(pipe) as Box<dyn Read + Send>));
    let status = program.wait_or_stop(Duration::from_secs(60));
    assert!(status.is_some_and(|status| status.success()), "{status:?}");
    let stdout = harness::join_within(stdout, harness::OUTPUT_GRACE).expect("stdout closed");
    let _ = harness::join_within(stderr, harness::OUTPUT_GRACE);
    assert!(started.elapsed() < Duration::from_secs(60), "waited {:?}", started.elapsed());
    assert_port_freed(held_address(&String::from_utf8_lossy(&stdout)));
}

/// A program started with its input held open keeps running while the
/// input is open, and sees the end of input (and exits by itself) once
/// `close_input` is called.
#[test]
fn held_input_ends_when_closed() {
    let process = Process::start_holding_input(stray(), "stray", &["wait"]).expect("start");
    let line = process
        .wait_for_line(Duration::from_secs(30), |line| line.starts_with("holding "))
        .expect("stray wait started");
    // It is still reading its input, and still holds its port.
    assert_eq!(process.exit_status(), None);
    TcpStream::connect_timeout(&held_address(&line), Duration::from_secs(5))
        .expect("stray wait still listens");
    process.close_input();
    process.close_input();
    let finished = process.wait(Duration::from_secs(30)).expect("stray wait exits by itself");
    assert!(finished.success(), "{}", finished.describe());
    assert_eq!(finished.stdout.last().map(String::as_str), Some("input ended after 0 bytes"));
}

/// Dropping a program whose input is held kills it, even one that never
/// reads its input: its port is freed long before it would end by itself.
#[test]
fn dropping_a_process_with_held_input_kills_it() {
    let process = Process::start_holding_input(stray(), "stray", &["hold"]).expect("start");
    let line = process
        .wait_for_line(Duration::from_secs(30), |line| line.starts_with("holding "))
        .expect("stray hold started");
    drop(process);
    // `stray hold` sleeps for 120 s; assert_port_freed gives it 10.
    assert_port_freed(held_address(&line));
}
