//! `exercise`: check exercises, show hints and progress, grade a working
//! copy, prove the checks honest, and make a copy for students. The
//! justfile's recipes (`just exercise 1.2`, `just check 1`, `just hint 1.2`,
//! `just progress`, `just grade`, `just verify-exercises`,
//! `just student-copy DIR`) all come here.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use exercise_check::runner::{self, Code, Verdict};
use exercise_check::{EXERCISES, Exercise, report};
use netlessons::cli;

/// Check, grade and manage the netlessons exercises
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(subcommand)]
    command: Action,
}

#[derive(Subcommand)]
enum Action {
    /// Check one exercise (1.2) or every exercise of a lesson (1)
    Check {
        /// An exercise such as 1.2, or a lesson number such as 1
        which: String,
        #[command(flatten)]
        limit: Limit,
    },
    /// Show a hint for an exercise
    Hint {
        /// The exercise, such as 1.2
        exercise: String,
        /// Which hint: 1 is the gentlest
        #[arg(default_value_t = 1)]
        number: usize,
    },
    /// Show which exercises pass, lesson by lesson
    Progress {
        #[command(flatten)]
        limit: Limit,
    },
    /// Check every exercise and print a table; optionally write reports
    Grade {
        /// Also write the results as JSON to this file
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also write the results as JUnit XML to this file
        #[arg(long)]
        junit: Option<PathBuf>,
        #[command(flatten)]
        limit: Limit,
    },
    /// Prove every check fails on the starter code and passes on the
    /// reference solution
    Verify {
        /// Only these exercises (default: all)
        only: Vec<String>,
        #[command(flatten)]
        limit: Limit,
    },
    /// List the exercises
    List,
    /// Write a copy of the course without the reference solutions
    StudentCopy {
        /// An empty or new folder
        folder: PathBuf,
    },
    /// Print the GitHub Classroom autograding workflow
    ClassroomWorkflow,
}

#[derive(clap::Args)]
struct Limit {
    /// Seconds one check may take before it fails
    #[arg(long, default_value = "60", value_parser = cli::seconds)]
    time_limit: Duration,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    match run(args) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => cli::exit_status(Err(error)),
    }
}

/// Runs the action; `Ok(false)` means "ran fine, but not everything passed".
fn run(args: Args) -> anyhow::Result<bool> {
    match args.command {
        Action::Check { which, limit } => check(&which, limit.time_limit),
        Action::Hint { exercise, number } => hint(&exercise, number),
        Action::Progress { limit } => progress(limit.time_limit),
        Action::Grade { json, junit, limit } => grade(json, junit, limit.time_limit),
        Action::Verify { only, limit } => verify(&only, limit.time_limit),
        Action::List => {
            for exercise in EXERCISES {
                println!(
                    "{:<5} {:<26} {:<32} {}",
                    exercise.id,
                    exercise.title,
                    exercise.name,
                    exercise.lesson_file()
                );
            }
            Ok(true)
        }
        Action::StudentCopy { folder } => student_copy(&folder).map(|()| true),
        Action::ClassroomWorkflow => {
            print!("{}", exercise_check::classroom_workflow());
            Ok(true)
        }
    }
}

fn find(id: &str) -> anyhow::Result<&'static Exercise> {
    match exercise_check::find(id) {
        Some(exercise) => Ok(exercise),
        None => bail!("there is no exercise {id:?}; `just exercises` lists them"),
    }
}

fn check(which: &str, limit: Duration) -> anyhow::Result<bool> {
    let chosen: Vec<&'static Exercise> = if which.contains('.') {
        vec![find(which)?]
    } else {
        let lesson: u32 = which
            .parse()
            .with_context(|| format!("{which:?} is neither an exercise (1.2) nor a lesson (1)"))?;
        let chosen = exercise_check::of_lesson(lesson);
        if chosen.is_empty() {
            bail!("lesson {lesson} has no exercises");
        }
        chosen
    };
    let mut passed = 0;
    for exercise in &chosen {
        println!("exercise {} ({}), in {}", exercise.id, exercise.title, exercise.lesson_file());
        let verdict = runner::check(exercise, Code::Learner, limit);
        if verdict.passed {
            passed += 1;
            println!("  solved: the check passes\n");
        } else {
            println!("  not solved yet: {}", indent(&verdict.message));
            println!("  your code: crates/exercises/src/bin/{}/main.rs", exercise.name);
            println!("  stuck? `just hint {}` shows a hint\n", exercise.id);
        }
    }
    if chosen.len() > 1 {
        println!("{passed} of {} exercises solved", chosen.len());
    }
    Ok(passed == chosen.len())
}

fn indent(message: &str) -> String {
    message.lines().collect::<Vec<_>>().join("\n    ")
}

fn hint(id: &str, number: usize) -> anyhow::Result<bool> {
    let exercise = find(id)?;
    let hints = exercise.hint_list();
    let Some(text) = number.checked_sub(1).and_then(|index| hints.get(index)) else {
        bail!("exercise {id} has hints 1 to {}", hints.len());
    };
    println!(
        "Hint {number} of {} for exercise {id} ({}):\n\n{text}\n",
        hints.len(),
        exercise.title
    );
    if number < hints.len() {
        println!("Another hint: `just hint {id} {}`", number + 1);
    }
    Ok(true)
}

fn check_all(code: Code, limit: Duration) -> Vec<Verdict> {
    EXERCISES.iter().map(|exercise| runner::check(exercise, code, limit)).collect()
}

fn progress(limit: Duration) -> anyhow::Result<bool> {
    println!("Checking every exercise; this takes a minute.\n");
    let verdicts = check_all(Code::Learner, limit);
    let mut lesson = None;
    for verdict in &verdicts {
        let this = verdict.exercise.lesson();
        let label = if lesson == Some(this) { String::new() } else { format!("lesson {this}") };
        lesson = Some(this);
        let mark = if verdict.passed { "[x]" } else { "[ ]" };
        println!("{label:<9} {mark} {} {}", verdict.exercise.id, verdict.exercise.title);
    }
    let passed = verdicts.iter().filter(|verdict| verdict.passed).count();
    println!(
        "\n{passed} of {} exercises solved. `just exercise ID` says what is missing.",
        verdicts.len()
    );
    Ok(true)
}

fn grade(json: Option<PathBuf>, junit: Option<PathBuf>, limit: Duration) -> anyhow::Result<bool> {
    let verdicts = check_all(Code::Learner, limit);
    print!("{}", report::table(&verdicts));
    if let Some(path) = json {
        fs::write(&path, report::json(&verdicts))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    if let Some(path) = junit {
        fs::write(&path, report::junit(&verdicts))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    // Grading itself succeeded, whatever the grades: exit 0 so that CI
    // systems keep the reports.
    Ok(true)
}

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn verify(only: &[String], limit: Duration) -> anyhow::Result<bool> {
    if !repository().join("crates/exercise-solutions").is_dir() {
        println!(
            "This copy has no reference solutions (a student copy?), so there is nothing to verify."
        );
        return Ok(true);
    }
    println!("{:<6} {:<32} {:<24} reference solution", "id", "exercise", "starter code");
    let mut honest = true;
    for exercise in EXERCISES
        .iter()
        .filter(|exercise| only.is_empty() || only.iter().any(|id| id == exercise.id))
    {
        let starter = runner::check(exercise, Code::Learner, limit);
        let solution = runner::check(exercise, Code::Solution, limit);
        let starter_ok = !starter.passed;
        let solution_ok = solution.passed;
        honest &= starter_ok && solution_ok;
        println!(
            "{:<6} {:<32} {:<24} {}",
            exercise.id,
            exercise.title,
            if starter_ok { "fails, as it should" } else { "PASSES: check too weak" },
            if solution_ok { "passes, as it should" } else { "FAILS" },
        );
        if !solution_ok {
            println!("       the solution failed: {}", indent(&solution.message));
        }
    }
    if honest {
        println!("\nEvery check fails on the starter code and passes on the reference solution.");
    } else {
        println!("\nSome checks are not honest: see above.");
    }
    Ok(honest)
}

/// The files of the course that git knows of (or, outside git, every file
/// but build output), as paths relative to the repository.
fn course_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let listed = Command::new("git").arg("-C").arg(root).args(["ls-files", "-z"]).output();
    if let Ok(output) = listed
        && output.status.success()
    {
        return Ok(output
            .stdout
            .split(|byte| *byte == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).to_string()))
            .collect());
    }
    let mut files = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        for entry in fs::read_dir(root.join(&folder))? {
            let entry = entry?;
            let relative = folder.join(entry.file_name());
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            if entry.file_type()?.is_dir() {
                folders.push(relative);
            } else {
                files.push(relative);
            }
        }
    }
    Ok(files)
}

fn student_copy(folder: &Path) -> anyhow::Result<()> {
    if folder.exists() && fs::read_dir(folder)?.next().is_some() {
        bail!("{} is not empty; give a new or empty folder", folder.display());
    }
    let root = repository();
    let mut copied = 0;
    for file in course_files(&root)? {
        if file.starts_with("crates/exercise-solutions") || !root.join(&file).is_file() {
            continue;
        }
        let target = folder.join(&file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::copy(root.join(&file), &target)
            .with_context(|| format!("cannot copy {}", file.display()))?;
        copied += 1;
    }
    println!("Wrote {copied} files to {}, without the reference solutions.", folder.display());
    println!(
        "Next: cd there, `git init`, commit, and use it as the template repository of the course."
    );
    Ok(())
}
