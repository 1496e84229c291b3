//! `stray`: a badly behaved program for the harness's own tests, not part
//! of the course. It does what a learner's program might do by mistake, so
//! that the tests can show that the harness contains it:
//!
//! - `stray hold`: listens on a free loopback port, prints
//!   `holding ADDRESS`, and sleeps for two minutes.
//! - `stray leave`: starts `stray hold` in the background, with our standard
//!   error passed on to it, prints its `holding ADDRESS` line and exits at
//!   once, leaving it behind with the port and the pipe.
//! - `stray nest`: starts `stray hold` through the harness, prints its
//!   line, and sleeps, as the lesson runner or a checker would; ending
//!   `stray nest` (Ctrl-C) must end `stray hold` too.
//! - `stray flood MIB`: prints MIB mebibytes of `x` on standard output.
//! - `stray wait`: listens on a free loopback port, prints
//!   `holding ADDRESS`, reads its standard input to the end, prints
//!   `input ended after N bytes` and exits.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::process::{Command, ExitCode, Stdio};
use std::thread;
use std::time::Duration;

const HOLD: Duration = Duration::from_secs(120);

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let words: Vec<&str> = args.iter().map(String::as_str).collect();
    let result = match words.as_slice() {
        ["hold"] => hold(),
        ["leave"] => leave(),
        ["nest"] => nest(),
        ["flood", mebibytes] => flood(mebibytes),
        ["wait"] => wait(),
        _ => Err("usage: stray hold | leave | nest | flood MIB | wait".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}

fn hold() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    println!("holding {address}");
    std::io::stdout().flush().map_err(|error| error.to_string())?;
    thread::sleep(HOLD);
    Ok(())
}

fn leave() -> Result<(), String> {
    let me = std::env::current_exe().map_err(|error| error.to_string())?;
    // The child's standard error is ours: it keeps our caller's pipe open.
    let mut child = Command::new(me)
        .arg("hold")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .map_err(|error| error.to_string())?;
    let pipe = child.stdout.take().ok_or("no pipe")?;
    let mut line = String::new();
    BufReader::new(pipe).read_line(&mut line).map_err(|error| error.to_string())?;
    print!("{line}");
    // Exit without waiting for the child: it is left behind.
    Ok(())
}

fn nest() -> Result<(), String> {
    let me = std::env::current_exe().map_err(|error| error.to_string())?;
    let held = harness::Process::start_path(&me, "stray", &["hold"], None)
        .map_err(|error| format!("{error:#}"))?;
    let line = held
        .wait_for_line(Duration::from_secs(30), |line| line.starts_with("holding "))
        .map_err(|error| format!("{error:#}"))?;
    println!("{line}");
    std::io::stdout().flush().map_err(|error| error.to_string())?;
    thread::sleep(HOLD);
    Ok(())
}

fn flood(mebibytes: &str) -> Result<(), String> {
    let mebibytes: usize = mebibytes.parse().map_err(|_| "MIB must be a number".to_string())?;
    let block = vec![b'x'; 1024 * 1024];
    let mut stdout = std::io::stdout().lock();
    for _ in 0..mebibytes {
        stdout.write_all(&block).map_err(|error| error.to_string())?;
    }
    Ok(())
}

fn wait() -> Result<(), String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|error| error.to_string())?;
    let address = listener.local_addr().map_err(|error| error.to_string())?;
    println!("holding {address}");
    std::io::stdout().flush().map_err(|error| error.to_string())?;
    // Counted, not kept: whatever comes, memory stays bounded.
    let count = std::io::copy(&mut std::io::stdin().lock(), &mut std::io::sink())
        .map_err(|error| error.to_string())?;
    println!("input ended after {count} bytes");
    drop(listener);
    Ok(())
}
