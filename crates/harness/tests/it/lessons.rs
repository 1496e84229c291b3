//! `just lesson-N`: every demo runs to the end and shows its key lines,
//! each labelled with the program that printed it.

use predicates::prelude::*;

use crate::support::*;

fn lesson(number: u32) -> assert_cmd::assert::Assert {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson"));
    command.timeout(harness::RUN_TIMEOUT).arg(number.to_string());
    command.assert().success()
}

/// Lesson 0: the same server and client over IPv6, then over IPv4.
#[test]
fn lesson_0() {
    lesson(0)
        .stdout(predicate::str::contains("     tcp-server | listening on [::1]:"))
        .stdout(predicate::str::contains("     tcp-server | listening on 127.0.0.1:"))
        .stdout(predicate::str::contains(
            "     tcp-client | echo complete: all 15 bytes came back unchanged",
        ))
        .stdout(predicate::str::contains("Next: lesson 1"));
}

/// Lesson 1: server and client both narrate; the server exits when done.
#[test]
fn lesson_1() {
    lesson(1)
        .stdout(predicate::str::contains("     tcp-server | listening on 127.0.0.1:"))
        .stdout(predicate::str::contains(
            "     tcp-server | received 16 bytes: \"This is the mess\"",
        ))
        .stdout(predicate::str::contains(
            "     tcp-client | echo complete: all 41 bytes came back unchanged",
        ))
        .stdout(predicate::str::contains("-- tcp-server has served its clients and exited"))
        .stdout(predicate::str::contains("-- median round trip with Nagle's algorithm off"))
        .stdout(predicate::str::contains(
            "-- median round trip with Nagle's algorithm on (--nagle)",
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
    lesson(3).stdout(predicate::str::contains("udp-server | listening on 127.0.0.1:")).stdout(
        predicate::str::contains("udp-client | echo complete: all 20 bytes came back unchanged"),
    );
}

/// Lesson 4: an answer, then silence and retries.
#[test]
fn lesson_4() {
    lesson(4)
        .stdout(predicate::str::contains(
            "udp-client | echo complete: all 17 bytes came back unchanged",
        ))
        .stdout(predicate::str::contains("udp-client | sending 41 bytes to 127.0.0.1:").count(3))
        .stdout(predicate::str::contains("udp-client ! error: no reply from 127.0.0.1:"));
}

/// Lesson 5: a silent client blocks the lesson-1 server but not the
/// threaded one, in either mode; the pool sets clients aside.
#[test]
fn lesson_5() {
    lesson(5)
        .stdout(predicate::str::contains(
            "tcp-client ! error: no echo within 1s: got 0 of 41 bytes",
        ))
        .stdout(predicate::str::contains("(thread-per-connection mode)"))
        .stdout(predicate::str::contains("threaded-server | [thread-3] serving"))
        .stdout(predicate::str::contains("(pool mode)"))
        .stdout(predicate::str::contains("threaded-server | [worker-"))
        .stdout(predicate::str::contains(", set aside until it sends something"))
        .stdout(predicate::str::contains("tcp-client | echo complete").count(6));
}

/// Lesson 6: every error scenario.
#[test]
fn lesson_6() {
    lesson(6)
        .stdout(predicate::str::contains("error-handling | == address-in-use"))
        .stdout(predicate::str::contains("error-handling | == udp-no-listener"));
}

/// Lesson 7: TCP keeps every byte in order, and the server's reads cut
/// across the messages; UDP through the simulated lossy network loses one
/// datagram and reorders another.
#[test]
fn lesson_7() {
    lesson(7)
        .stdout(predicate::str::contains("tcp-server | received 16 bytes: \"message 1.messag\""))
        .stdout(predicate::str::contains("tcp-server | received 2 bytes: \"5.\""))
        .stdout(predicate::str::contains(
            "what came back: \"message 1.message 2.message 3.message 4.message 5.\"",
        ))
        .stdout(predicate::str::contains("5 of 5 replies came back"))
        .stdout(predicate::str::contains(
            "reply: \"message 1.\"\nreply: \"message 4.\"\nreply: \"message 3.\"\nreply: \"message 5.\"\n4 of 5",
        ))
        .stdout(predicate::str::is_match("TCP: median .+ per round trip\nUDP: median .+ per round trip\nTCP only: median .+ to connect").expect("regex"));
}

/// Lesson 8: one thread serves three clients, taking turns, while a
/// silent one stays connected, and every server line names the client
/// that was ready: their reads interleave, A, B, C, then A, B, C again.
#[test]
fn lesson_8() {
    let assert = lesson(8)
        .stdout(predicate::str::contains("event-server | listening on 127.0.0.1:"))
        .stdout(
            predicate::str::is_match(
                "client 2 [^\n]*read 10 bytes: .A, line 1(.|\n)*\
                 client 3 [^\n]*read 10 bytes: .B, line 1(.|\n)*\
                 client 4 [^\n]*read 10 bytes: .C, line 1(.|\n)*\
                 client 2 [^\n]*read 10 bytes: .A, line 2",
            )
            .expect("regex"),
        )
        .stdout(predicate::str::contains("-- client C got its echo: \"C, line 2\\n\""))
        .stdout(predicate::str::contains("): closing, echoed 0 bytes"))
        .stdout(predicate::str::contains("-- event-server has served its clients and exited"));
    if cfg!(target_os = "linux") {
        assert.stdout(predicate::str::contains("-- the server's process runs 1 thread"));
    }
}

/// Lesson 9: a page fetched with http-client, requests written by hand on
/// one connection (the second one refused with 400), and keep-alive timed.
#[test]
fn lesson_9() {
    lesson(9)
        .stdout(predicate::str::contains("    http-client | Hello from http-server."))
        .stdout(predicate::str::contains("http-client ! Content-Length: 24"))
        .stdout(predicate::str::contains(
            "received \"Connection: keep-alive\\r\\n\"\nreceived \"\\r\\n\"\nreceived \"Hello from http-server.\\n\"",
        ))
        .stdout(predicate::str::contains("received \"HTTP/1.1 400 Bad Request\\r\\n\""))
        .stdout(predicate::str::contains("the server closed the connection, as asked (0 bytes after the body)"))
        .stdout(predicate::str::is_match("one connection for all: +.+ per request").expect("regex"));
}

/// Without a number, the lesson runner lists the lessons; a wrong number
/// is one clear error.
#[test]
fn list_and_wrong_number() {
    assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson"))
        .assert()
        .success()
        .stdout(predicate::str::contains("just lesson-1"))
        .stdout(predicate::str::contains("just lesson-7"))
        .stdout(predicate::str::contains("just lesson-8"));
    let output =
        assert_cmd::Command::new(env!("CARGO_BIN_EXE_lesson")).arg("99").output().expect("run");
    assert_one_line_error(&output, 1, "there is no lesson 99");
}
