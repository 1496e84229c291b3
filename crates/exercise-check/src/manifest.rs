//! The manifest: one line per exercise.
//!
//! Each line names the module for the check, the exercise's id, its folder
//! (and binary) in `crates/exercises/src/bin/`, and its title. The check
//! (`check.rs`) and the hints (`hints.md`) are read from that folder. To
//! add an exercise, see "Adding an exercise" in `lessons/INSTRUCTORS.md`.

use crate::Exercise;

macro_rules! exercises {
    ($($module:ident $id:literal $name:literal $title:literal;)*) => {
        $(
            mod $module {
                #[allow(unused_imports)]
                use crate::prelude::*;
                include!(concat!(env!("CARGO_MANIFEST_DIR"), "/../exercises/src/bin/", $name, "/check.rs"));
            }
        )*

        /// Every exercise, in course order.
        pub static EXERCISES: &[Exercise] = &[
            $(
                Exercise {
                    id: $id,
                    name: $name,
                    title: $title,
                    check: $module::check,
                    hints: include_str!(concat!(
                        env!("CARGO_MANIFEST_DIR"), "/../exercises/src/bin/", $name, "/hints.md"
                    )),
                },
            )*
        ];
    };
}

exercises! {
    e0_1 "0.1" "ex0-1-resolve" "Resolve";
    e0_2 "0.2" "ex0-2-two-protocols" "Two protocols, one port number";
    e1_1 "1.1" "ex1-1-shouting-echo" "Shouting echo";
    e1_2 "1.2" "ex1-2-byte-counter" "Byte counter";
    e1_3 "1.3" "ex1-3-line-protocol" "A line protocol";
    e2_1 "2.1" "ex2-1-send-stdin" "Send standard input";
    e2_2 "2.2" "ex2-2-no-shutdown" "No shutdown";
    e2_3 "2.3" "ex2-3-http-head" "Speak HTTP";
    e3_1 "3.1" "ex3-1-shouting-datagrams" "Shouting datagrams";
    e3_2 "3.2" "ex3-2-statistics" "Statistics";
    e3_3 "3.3" "ex3-3-too-big" "Too big";
    e4_1 "4.1" "ex4-1-ping" "Ping";
    e4_2 "4.2" "ex4-2-back-off" "Back off";
    e4_3 "4.3" "ex4-3-connected-udp" "A connected UDP socket";
    e5_1 "5.1" "ex5-1-stats-server" "Statistics";
    e5_2 "5.2" "ex5-2-graceful-shutdown" "Graceful shutdown";
    e5_3 "5.3" "ex5-3-chat-room" "Chat room";
    e6_1 "6.1" "ex6-1-retry" "Retry with back-off";
    e6_2 "6.2" "ex6-2-errors-for-people" "Errors for people";
    e6_3 "6.3" "ex6-3-say-goodbye" "Say goodbye";
    e7_1 "7.1" "ex7-1-numbered" "Number your datagrams";
    e7_2 "7.2" "ex7-2-reliable-udp" "Reliable UDP";
    e7_3 "7.3" "ex7-3-framing" "Messages over TCP";
    e8_1 "8.1" "ex8-1-reverse-lines" "Lines on the loop";
    e8_2 "8.2" "ex8-2-idle-clients" "Idle clients";
    e8_3 "8.3" "ex8-3-chat-room" "Chat room on one thread";
    e9_1 "9.1" "ex9-1-echo-headers" "Echo the headers";
    e9_2 "9.2" "ex9-2-range" "Range requests";
    e9_3 "9.3" "ex9-3-phases" "Time each phase";
}
