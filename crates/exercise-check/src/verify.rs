//! `exercise verify`: the proof that every check is honest. For each
//! exercise, the check must fail on the starter code, pass on the reference
//! solution, and fail on every wrong program (see [`crate::wrong`]) with
//! the message listed for it.
//!
//! All programs of the two exercise packages are built first, with one
//! cargo command each, which is much faster than one build per program;
//! the checks then find them built. Each check starts its programs on
//! ports the system picks, so two verifications can run at once.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::runner::{self, Code, Verdict};
use crate::wrong::{self, Wrong};
use crate::{EXERCISES, Exercise};

/// How one program fared against its exercise's check.
pub struct Proof {
    /// What ran: "starter code", "reference solution" or a wrong program.
    pub what: String,
    /// Whether the check did what it should.
    pub honest: bool,
    /// What went wrong, when it did not.
    pub problem: String,
    /// How long the build and the check took.
    pub duration: Duration,
    /// What the check said; empty when it passed.
    pub message: String,
}

/// Checks the starter code, the reference solution and the wrong
/// programs of one exercise.
pub fn exercise(exercise: &'static Exercise, limit: Duration) -> Vec<Proof> {
    let mut proofs = Vec::new();
    let starter = runner::check(exercise, Code::Learner, limit);
    proofs.push(Proof {
        what: "starter code".to_string(),
        honest: !starter.passed,
        problem: "the check PASSES on the starter code: it is too weak".to_string(),
        duration: starter.duration,
        message: starter.message,
    });
    let solution = runner::check(exercise, Code::Solution, limit);
    proofs.push(Proof {
        what: "reference solution".to_string(),
        honest: solution.passed,
        problem: format!("the check FAILS on the reference solution: {}", solution.message),
        duration: solution.duration,
        message: solution.message,
    });
    for wrong in wrong::of_exercise(exercise.id) {
        let verdict = runner::check(exercise, Code::Wrong(wrong.program), limit);
        proofs.push(judge(wrong, &verdict));
    }
    proofs
}

/// Whether the check rejected a wrong program with the expected message.
pub fn judge(wrong: &Wrong, verdict: &Verdict) -> Proof {
    let (honest, problem) = if verdict.passed {
        (false, "the check PASSES on this wrong program".to_string())
    } else if !verdict.message.contains(wrong.expected) {
        let problem = format!(
            "the check fails, but its message lacks {:?}; it said: {}",
            wrong.expected, verdict.message
        );
        (false, problem)
    } else {
        (true, String::new())
    };
    Proof {
        what: wrong.program.to_string(),
        honest,
        problem,
        duration: verdict.duration,
        message: verdict.message.clone(),
    }
}

/// Builds every binary of `package` with one cargo command, so that the
/// checks' own builds find nothing left to do. Returns false when that
/// failed (a learner's unfinished exercise, say); the checks then build
/// one program at a time and report what does not compile.
pub fn build_package(package: &str) -> bool {
    let (Some(cargo), Ok(me)) = (std::env::var_os("CARGO"), std::env::current_exe()) else {
        // Not run by cargo: the programs beside this one are used as they are.
        return true;
    };
    let Some(directory) = me.parent() else { return false };
    let profile = match directory.file_name().and_then(|name| name.to_str()) {
        Some("debug") => "dev",
        Some(other) => other,
        None => return false,
    };
    let Some(target) = directory.parent() else { return false };
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    Command::new(cargo)
        .args(["build", "--quiet", "--bins", "-p", package, "--profile", profile])
        .arg("--target-dir")
        .arg(target)
        .arg("--manifest-path")
        .arg(manifest)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

/// Verifies the exercises with these ids (all when `only` is empty),
/// printing one line per program, and with `messages` what each check
/// said; returns whether every check is honest.
pub fn run(only: &[String], limit: Duration, messages: bool) -> bool {
    let started = Instant::now();
    println!("Building the starter code, the solutions and the wrong programs...");
    for package in ["exercises", "exercise-solutions"] {
        if !build_package(package) {
            println!("  (some of {package} does not compile; each program is built on its own)");
        }
    }
    let mut honest = true;
    let mut count = 0;
    for exercise in EXERCISES
        .iter()
        .filter(|exercise| only.is_empty() || only.iter().any(|id| id == exercise.id))
    {
        println!("{} {}", exercise.id, exercise.title);
        for proof in self::exercise(exercise, limit) {
            count += 1;
            if proof.honest {
                let how = if proof.what == "reference solution" { "passes" } else { "fails" };
                println!("  {:<36} {how}, as it should ({:.1?})", proof.what, proof.duration);
                if messages && !proof.message.is_empty() {
                    println!("      {}", indent(&proof.message));
                }
            } else {
                honest = false;
                println!(
                    "  {:<36} WRONG ({:.1?}): {}",
                    proof.what,
                    proof.duration,
                    indent(&proof.problem)
                );
            }
        }
    }
    println!(
        "\n{count} programs checked in {:.0?}. {}",
        started.elapsed(),
        if honest {
            "Every check fails on the starter code and on the wrong programs, with the expected \
             message, and passes on the reference solution."
        } else {
            "Some checks are not honest: see above."
        }
    );
    honest
}

fn indent(message: &str) -> String {
    message.lines().collect::<Vec<_>>().join("\n      ")
}
