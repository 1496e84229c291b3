//! Building an exercise and running its check within a time limit, so that
//! nothing the learner's program started outlives the check.
//!
//! Limits: the build has a limit of its own, [`harness::BUILD_LIMIT`]
//! (five minutes), apart from the check's `--time-limit`, because a first
//! build also compiles the libraries. Every program a check starts runs in
//! a process group of its own (see the harness), which is killed when the
//! check drops the program, at the latest when the check ends; a check that
//! runs out of time has every program stopped ([`harness::stop_all`]). The
//! callers write reports only after [`settle`], once no learner's program
//! can run any more.

use std::panic::{self, AssertUnwindSafe};
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, mpsc};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use crate::Exercise;
use crate::prelude::Program;

/// How long one check may take, unless told otherwise.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// The longest message a verdict keeps; the rest is cut, with a note.
pub const MESSAGE_LIMIT: usize = 8 * 1024;

/// Which code a check runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The learner's code in `crates/exercises`: the starter code until the
    /// exercise is solved.
    Learner,
    /// The reference solution in `crates/exercise-solutions`.
    Solution,
    /// A wrong program beside the solution (see [`crate::wrong`]), by its
    /// binary's name.
    Wrong(&'static str),
}

/// How one check went.
pub struct Verdict {
    pub exercise: &'static Exercise,
    pub passed: bool,
    /// Empty when the check passed; otherwise what went wrong, for the learner.
    pub message: String,
    pub duration: Duration,
}

/// Builds the exercise's program and runs its check, for at most `limit`.
pub fn check(exercise: &'static Exercise, code: Code, limit: Duration) -> Verdict {
    let (package, binary) = match code {
        Code::Learner => ("exercises", exercise.name.to_string()),
        Code::Solution => ("exercise-solutions", format!("solution-{}", exercise.name)),
        Code::Wrong(name) => ("exercise-solutions", name.to_string()),
    };
    check_built(exercise, || harness::build_exercise(package, &binary), limit)
}

/// Builds the program with `build` (which returns its path), then runs the
/// exercise's check against it, for at most `limit` (the build not
/// counted: it has its own limit).
pub fn check_built(
    exercise: &'static Exercise,
    build: impl FnOnce() -> anyhow::Result<PathBuf>,
    limit: Duration,
) -> Verdict {
    let started = Instant::now();
    let outcome = build_and_check(exercise, build, limit);
    let duration = started.elapsed();
    match outcome {
        Ok(()) => Verdict { exercise, passed: true, message: String::new(), duration },
        Err(message) => {
            Verdict { exercise, passed: false, message: cut(&message, MESSAGE_LIMIT), duration }
        }
    }
}

/// `text`, cut to at most `limit` bytes (at a character boundary) with a
/// note saying so.
pub fn cut(text: &str, limit: usize) -> String {
    if text.len() <= limit {
        return text.to_string();
    }
    let mut end = limit;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}\n[message cut at {} KiB]", &text[..end], limit / 1024)
}

fn build_and_check(
    exercise: &'static Exercise,
    build: impl FnOnce() -> anyhow::Result<PathBuf>,
    limit: Duration,
) -> Result<(), String> {
    let path = build().map_err(|error| {
        let messages: Vec<String> =
            format!("{error:#}").lines().take(30).map(str::to_string).collect();
        format!("the program does not compile. The compiler says:\n{}", messages.join("\n"))
    })?;

    // The check runs on a thread of its own, so that a check stuck on a
    // program that never answers can be abandoned when time is up.
    let (report, outcome) = mpsc::channel();
    let checking = thread::spawn(move || {
        let program = Program { path };
        let result = panic::catch_unwind(AssertUnwindSafe(|| (exercise.check)(&program)));
        let _ = report.send(result);
    });
    match outcome.recv_timeout(limit) {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the check itself crashed; please report this as a bug".to_string()),
        Err(_) => Err({
            // Stop every program the check started, so nothing is left
            // behind. (A check that ends by itself has dropped its
            // programs, and with them their process groups, already.)
            harness::stop_all();
            abandoned().push(checking);
            format!(
                "the check did not finish within {limit:?}: your program probably waits for \
             something that never comes"
            )
        }),
    }
}

/// The threads of checks that ran out of time. They end by themselves,
/// since every step of a check has a timeout, but until then they could
/// start another program.
fn abandoned() -> MutexGuard<'static, Vec<JoinHandle<()>>> {
    static ABANDONED: Mutex<Vec<JoinHandle<()>>> = Mutex::new(Vec::new());
    ABANDONED.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// How long [`settle`] waits for abandoned checks.
const SETTLE_LIMIT: Duration = Duration::from_secs(60);

/// Waits (at most a minute) for the checks that ran out of time to end,
/// then stops every program again. Call it before writing reports, so that
/// no learner's program can run, and change a report, after it is written.
pub fn settle() {
    let deadline = Instant::now() + SETTLE_LIMIT;
    let threads = std::mem::take(&mut *abandoned());
    for thread in threads {
        while !thread.is_finished() && Instant::now() < deadline {
            harness::stop_all();
            thread::sleep(Duration::from_millis(50));
        }
    }
    harness::stop_all();
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Long messages are cut at a character boundary, with a note.
    #[test]
    fn cuts_long_messages() {
        assert_eq!(cut("short", 2048), "short");
        let long = "é".repeat(2000);
        let cut = cut(&long, 2048);
        assert!(cut.ends_with("\n[message cut at 2 KiB]"), "{cut}");
        assert!(cut.len() <= 2048 + 30);
    }
}
