//! `just lesson-N`: every demo runs to the end and shows its key lines,
//! each labelled with the program that printed it.

use predicates::prelude::*;

use crate::support::*;

fn lesson(number: u32) -> assert_cmd::assert::Assert {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson"));
    command
        .timeout(netlessons::harness::RUN_TIMEOUT)
        .arg(number.to_string());
    command.assert().success()
}

/// Lesson 1: server and client both narrate; the server exits when done.
#[test]
fn lesson_1() {
    lesson(1)
        .stdout(predicate::str::contains(
            "     tcp-server | listening on 127.0.0.1:",
        ))
        .stdout(predicate::str::contains(
            "     tcp-server | received 16 bytes: \"This is the mess\"",
        ))
        .stdout(predicate::str::contains(
            "     tcp-client | echo complete: all 41 bytes came back unchanged",
        ))
        .stdout(predicate::str::contains(
            "-- tcp-server has served its clients and exited",
        ))
        .stdout(predicate::str::contains("Next: lesson 2"));
}

/// Lesson 2: text and binary messages.
#[test]
fn lesson_2() {
    lesson(2)
        .stdout(predicate::str::contains(
            "tcp-client | echo complete: all 29 bytes came back unchanged",
        ))
        .stdout(predicate::str::contains(
            "tcp-client | echo complete: all 20 bytes came back unchanged",
        ));
}

/// Lesson 3: UDP datagrams both ways.
#[test]
fn lesson_3() {
    lesson(3)
        .stdout(predicate::str::contains(
            "udp-server | listening on 127.0.0.1:",
        ))
        .stdout(predicate::str::contains(
            "udp-client | echo complete: all 20 bytes came back unchanged",
        ));
}

/// Lesson 4: an answer, then silence and retries.
#[test]
fn lesson_4() {
    lesson(4)
        .stdout(predicate::str::contains(
            "udp-client | echo complete: all 17 bytes came back unchanged",
        ))
        .stdout(predicate::str::contains("udp-client | sending 41 bytes to 127.0.0.1:").count(3))
        .stdout(predicate::str::contains(
            "udp-client ! error: no reply from 127.0.0.1:",
        ));
}

/// Lesson 5: both modes serve several clients at once.
#[test]
fn lesson_5() {
    lesson(5)
        .stdout(predicate::str::contains("(thread-per-connection mode)"))
        .stdout(predicate::str::contains(
            "threaded-server | [thread-3] serving",
        ))
        .stdout(predicate::str::contains("(pool mode)"))
        .stdout(predicate::str::contains("threaded-server | [worker-"))
        .stdout(predicate::str::contains("tcp-client | echo complete").count(7));
}

/// Lesson 6: every error scenario.
#[test]
fn lesson_6() {
    lesson(6)
        .stdout(predicate::str::contains(
            "error-handling | == address-in-use",
        ))
        .stdout(predicate::str::contains(
            "error-handling | == udp-no-listener",
        ));
}

/// Without a number, the lesson runner lists the lessons; a wrong number
/// is one clear error.
#[test]
fn list_and_wrong_number() {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson"))
        .assert()
        .success()
        .stdout(predicate::str::contains("just lesson-1"))
        .stdout(predicate::str::contains("just lesson-6"));
    let output = assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson"))
        .arg("9")
        .output()
        .expect("run");
    assert_one_line_error(&output, 1, "there is no lesson 9");
}
