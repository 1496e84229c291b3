//! The wrong programs: beside the reference solutions, for each exercise,
//! one or more programs with a beginner's mistake, or that fake the result
//! without the network. `just verify-exercises` proves that each check
//! rejects each of them, and with the message listed here, so a check that
//! stops catching a mistake, or starts blaming the wrong cause, is noticed.
//!
//! A wrong program lives in
//! `crates/exercise-solutions/src/bin/wrong-exN-M-SHORTNAME/main.rs`; its
//! first line is a `//` comment naming the mistake.

/// One wrong program, and what the check must say about it.
pub struct Wrong {
    /// The binary's name, such as `"wrong-ex2-1-send-all-then-read"`.
    pub program: &'static str,
    /// The exercise it answers, such as `"2.1"`.
    pub exercise: &'static str,
    /// A part of the message the check must give.
    pub expected: &'static str,
}

macro_rules! wrong {
    ($($exercise:literal $program:literal $expected:literal;)*) => {
        /// Every wrong program, in course order.
        pub static WRONG: &[Wrong] = &[
            $(Wrong { program: $program, exercise: $exercise, expected: $expected },)*
        ];
    };
}

wrong! {
    "0.1" "wrong-ex0-1-parse-only" "`localhost 8080` can be resolved";
    "0.2" "wrong-ex0-2-two-ports" "should have the TCP listener's port";
    "0.2" "wrong-ex0-2-fake-udp" "could bind a UDP socket of its own";
    "0.2" "wrong-ex0-2-let-underscore" "could bind a UDP socket of its own";
    "0.2" "wrong-ex0-2-made-up-port" "before its standard input ended";
    "1.1" "wrong-ex1-1-one-read" "closed the connection before reading everything";
    "1.1" "wrong-ex1-1-one-client" "after its first clients, so the next one found nobody";
    "1.1" "wrong-ex1-1-greets-first" "first line should be `listening on ADDRESS`";
    "1.2" "wrong-ex1-2-one-read" "closed the connection before reading everything";
    "1.3" "wrong-ex1-3-one-read" "One read is not one line";
    "1.3" "wrong-ex1-3-stays-open" "your server should close the connection; it was still open";
    "2.1" "wrong-ex2-1-send-all-then-read" "stopped reading the echo while it was still sending";
    "2.1" "wrong-ex2-1-no-network" "never heard from your program";
    "2.2" "wrong-ex2-2-read-to-end" "still waiting 5 s after the echo had come back";
    "2.2" "wrong-ex2-2-one-read" "one read may return only the first";
    "2.3" "wrong-ex2-3-bare-newlines" "the request should be";
    "3.1" "wrong-ex3-1-text-not-bytes" "sent the datagram \"abc, XYZ";
    "3.2" "wrong-ex3-2-counts-stats" "after echoing \"a\" and \"bb\", STATS";
    "3.3" "wrong-ex3-3-small-buffer" "a 513-byte datagram is too big";
    "4.1" "wrong-ex4-1-no-timeout" "set a read timeout";
    "4.2" "wrong-ex4-2-printed-only" "Printing a doubled wait is not enough";
    "4.2" "wrong-ex4-2-no-resend" "should receive 4 attempts";
    "4.3" "wrong-ex4-3-send-to" "waited for the whole timeout";
    "5.1" "wrong-ex5-1-one-at-a-time" "client 2, while the others stay connected";
    "5.2" "wrong-ex5-2-stops-at-once" "as soon as /shutdown came";
    "5.3" "wrong-ex5-3-write-under-lock" "one client does not read";
    "6.1" "wrong-ex6-1-no-pause" "the pauses between attempts";
    "6.2" "wrong-ex6-2-os-words" "should say `no server is listening at";
    "6.3" "wrong-ex6-3-no-goodbye" "should get a goodbye line";
    "7.1" "wrong-ex7-1-gaps-are-losses" "through a relay that drops datagram 2";
    "7.2" "wrong-ex7-2-no-resend" "a lost datagram must be sent again";
    "7.3" "wrong-ex7-3-one-read" "one byte at a time";
    "7.3" "wrong-ex7-3-prints-arguments" "never heard from your program";
    "8.1" "wrong-ex8-1-read-is-a-line" "expected the line \"dlrow ,olleh\\n\"";
    "8.1" "wrong-ex8-1-shared-buffer" "while the first had sent only";
    "8.1" "wrong-ex8-1-once-per-event" "Do you read until WouldBlock?";
    "8.1" "wrong-ex8-1-off-by-one" "is the limit off by one?";
    "8.1" "wrong-ex8-1-checks-only-the-rest" "checked only on what is left after the complete lines";
    "8.2" "wrong-ex8-2-deadline-never-moves" "does each read push its deadline back?";
    "8.2" "wrong-ex8-2-no-poll-timeout" "only poll's timeout can wake the loop";
    "8.2" "wrong-ex8-2-whole-timeout" "instead of until the nearest deadline?";
    "8.2" "wrong-ex8-2-ticks" "your server woke up";
    "8.3" "wrong-ex8-3-no-cap" "kept A's lines for it instead of disconnecting it";
    "8.3" "wrong-ex8-3-queue-only" "write it at once";
    "9.1" "wrong-ex9-1-one-read" "the body of the answer to the second request";
    "9.2" "wrong-ex9-2-end-exclusive" "both included";
    "9.3" "wrong-ex9-3-from-the-start" "Does each phase start where the previous one ended";
}

/// Wrong programs that only Linux can catch, because the check looks at
/// what only Linux shows: how often the program wakes up
/// (`/proc/PID/status`). Elsewhere they pass, and are not tried.
pub static LINUX_ONLY: &[&str] = &["wrong-ex8-2-ticks"];

/// The wrong programs of one exercise that this system's checks can catch.
pub fn of_exercise(id: &str) -> Vec<&'static Wrong> {
    WRONG
        .iter()
        .filter(|wrong| wrong.exercise == id)
        .filter(|wrong| cfg!(target_os = "linux") || !LINUX_ONLY.contains(&wrong.program))
        .collect()
}
