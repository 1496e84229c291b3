//! The course's shared test crate: it starts the lesson programs, talks to
//! them, and always stops them again.
//!
//! - The crate root (from `process.rs`): building the lesson programs once
//!   per run, starting a [`Process`] or a [`Server`] on a port the operating
//!   system picks, reading the address a server announced, and stopping
//!   every program that was started. The tests, the lesson demos, the
//!   exercise checks and the benchmark all use it.
//! - [`lessons`]: the demos that `just lesson-N` runs, with
//!   [`round_trips`], lesson 1's measurement of Nagle's delay, and [`compare`],
//!   lesson 7's side-by-side run of TCP and UDP, with [`lossy`], its
//!   simulated lossy network, and [`http`], lesson 9's requests by hand.
//! - `tests/it/`: the integration tests, every client against every server.
//!
//! The lesson programs themselves use only the small `netlessons` crate
//! (options, byte display, the narrator), so none of this is built into
//! them.

mod process;

pub mod compare;
pub mod http;
pub mod lessons;
pub mod lossy;
pub mod round_trips;
pub mod transcripts;

pub use process::*;
