//! Ctrl-Z and `fg` in the middle of a lesson demo: every program stops and
//! goes on again, and the demo still prints what the lesson shows.
//!
//! A terminal's Ctrl-Z sends SIGTSTP to the whole foreground process group,
//! and `fg` sends SIGCONT. On Linux a blocking socket call with a timeout
//! that is stopped and continued fails with `Interrupted` (signal(7)), so a
//! program that does not retry it dies half-way.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::os::unix::process::CommandExt;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use harness::transcripts::{compare_demo, demo_transcript, repository};

/// Runs lesson `number`'s demo in a process group of its own, stops and
/// continues the whole group once its output is half-way, and compares the
/// output with the lesson's transcript.
fn demo_survives_a_stop(number: u32) {
    let (_, _, file) =
        harness::lessons::LESSONS.iter().find(|(n, _, _)| *n == number).expect("the lesson exists");
    let text = std::fs::read_to_string(repository().join("lessons").join(file)).expect("lesson");
    let shown = demo_transcript(&text, number).expect("the lesson shows its demo");

    let mut child = Command::new(harness::binary("lesson").expect("the lesson runner"))
        .arg(number.to_string())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("start the demo");
    let group = child.id();
    let stdout = child.stdout.take().expect("piped");
    let (lines, received) = mpsc::channel();
    let reader = thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines.send(line);
        }
    });

    let stop_after = (shown.len() / 2).max(1);
    let mut printed = Vec::new();
    let mut stopped = false;
    loop {
        match received.recv_timeout(harness::RUN_TIMEOUT) {
            Ok(line) => {
                printed.push(line);
                if !stopped && printed.len() == stop_after {
                    stopped = true;
                    signal_group(group, "-STOP");
                    thread::sleep(Duration::from_millis(200));
                    signal_group(group, "-CONT");
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
            Err(mpsc::RecvTimeoutError::Timeout) => {
                signal_group(group, "-KILL");
                break;
            }
        }
    }
    let _ = child.wait();
    let _ = reader.join();
    // Nothing of the demo may outlive it.
    signal_group_quietly(group, "-KILL");
    assert!(stopped, "lesson {number}: the demo ended before it was half-way");
    let place = format!("lesson {number} stopped after line {stop_after}");
    if let Err(problem) = compare_demo(&place, &shown, &printed) {
        panic!("{problem}");
    }
}

fn signal_group(group: u32, signal: &str) {
    let status =
        Command::new("kill").args([signal, "--", &format!("-{group}")]).status().expect("run kill");
    assert!(status.success(), "kill {signal} -{group} failed");
}

fn signal_group_quietly(group: u32, signal: &str) {
    let _ = Command::new("kill")
        .args([signal, "--", &format!("-{group}")])
        .stderr(Stdio::null())
        .status();
}

/// Every lesson demo survives a Ctrl-Z and `fg` half-way through.
#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "the transcripts show Linux's wording of OS errors")]
fn every_demo_survives_ctrl_z_and_fg() {
    let mut problems = Vec::new();
    for (number, _, _) in harness::lessons::LESSONS {
        if let Err(panic) = std::panic::catch_unwind(|| demo_survives_a_stop(*number)) {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|text| text.to_string()))
                .unwrap_or_default();
            problems.push(message);
        }
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}
