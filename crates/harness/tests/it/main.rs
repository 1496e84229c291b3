//! Integration tests: the lesson programs, run for real on the loopback
//! address. All of them compile into this one test binary.
//!
//! Every server is started on port 0 through the harness, which reads the
//! port from the server's first line and kills the server when the test
//! ends, pass or fail. Every client run has a time limit, so a hung program
//! fails its test instead of hanging the suite.

mod support;

mod cli;
mod containment;
mod docs;
mod errors;
mod event;
mod http;
mod lessons;
mod load;
mod suspend;
mod tcp;
mod threaded;
mod udp;
