//! Plumbing shared by the netlessons programs, so that each lesson's
//! `main.rs` can show the socket steps and nothing else.
//!
//! - [`cli`]: the options every program has (`--host`, `--port`, `--quiet`),
//!   value checks, and one-line error reporting.
//! - [`show`]: printing bytes readably, and generating test data.
//! - [`Narrator`]: the "what am I doing now" lines, silenced by `--quiet`.
//!
//! Starting programs, the lesson demos and the integration tests live in
//! the `harness` crate, so a lesson program builds only what it uses.

pub mod cli;
pub mod show;

use std::fmt::Display;
use std::io::{self, Write};

/// Prints what a program is doing, one line per step.
///
/// Steps are hidden by `--quiet`; results and errors are always shown.
/// Writing to a closed pipe (for example `tcp-server | head -n 1`) is ignored
/// rather than turned into a panic, as `println!` would.
#[derive(Clone, Copy, Debug)]
pub struct Narrator {
    quiet: bool,
}

impl Narrator {
    pub fn new(quiet: bool) -> Self {
        Narrator { quiet }
    }

    /// A step of the lesson: "waiting for a connection", "received 16 bytes".
    pub fn step(&self, message: impl Display) {
        if !self.quiet {
            self.result(message);
        }
    }

    /// A result, shown even with `--quiet`: the address a server listens on,
    /// or the outcome of a client's exchange.
    pub fn result(&self, message: impl Display) {
        let _ = writeln!(io::stdout().lock(), "{message}");
    }

    /// A problem that the program survives, such as one client's connection
    /// failing. It goes to standard error.
    pub fn problem(&self, message: impl Display) {
        let _ = writeln!(io::stderr().lock(), "{message}");
    }
}

/// Whether an I/O error means "the timeout we set ran out".
///
/// A read or write timeout shows up as `WouldBlock` on Unix and as `TimedOut`
/// on Windows, so a program must accept both.
pub fn is_timeout(error: &io::Error) -> bool {
    matches!(error.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut)
}
