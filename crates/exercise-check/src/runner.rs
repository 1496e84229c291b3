//! Building an exercise and running its check within a time limit.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

use crate::Exercise;
use crate::prelude::Program;

/// How long one check may take, unless told otherwise.
pub const TIME_LIMIT: Duration = Duration::from_secs(60);

/// Which code a check runs against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Code {
    /// The learner's code in `crates/exercises`: the starter code until the
    /// exercise is solved.
    Learner,
    /// The reference solution in `crates/exercise-solutions`.
    Solution,
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
    let started = Instant::now();
    let outcome = build_and_check(exercise, code, limit);
    let duration = started.elapsed();
    match outcome {
        Ok(()) => Verdict { exercise, passed: true, message: String::new(), duration },
        Err(message) => Verdict { exercise, passed: false, message, duration },
    }
}

fn build_and_check(exercise: &'static Exercise, code: Code, limit: Duration) -> Result<(), String> {
    let (package, binary) = match code {
        Code::Learner => ("exercises", exercise.name.to_string()),
        Code::Solution => ("exercise-solutions", format!("solution-{}", exercise.name)),
    };
    let path = harness::build_exercise(package, &binary).map_err(|error| {
        let messages: Vec<String> =
            format!("{error:#}").lines().take(30).map(str::to_string).collect();
        format!("the program does not compile. The compiler says:\n{}", messages.join("\n"))
    })?;

    // The check runs on a thread of its own, so that a check stuck on a
    // program that never answers can be abandoned when time is up.
    let (report, outcome) = mpsc::channel();
    thread::spawn(move || {
        let program = Program { path };
        let result = panic::catch_unwind(AssertUnwindSafe(|| (exercise.check)(&program)));
        let _ = report.send(result);
    });
    match outcome.recv_timeout(limit) {
        Ok(Ok(result)) => result,
        Ok(Err(_)) => Err("the check itself crashed; please report this as a bug".to_string()),
        Err(_) => {
            // Stop every program the check started, so nothing is left behind.
            harness::stop_all();
            Err(format!(
                "the check did not finish within {limit:?}: your program probably waits for \
                 something that never comes"
            ))
        }
    }
}
