//! `exercise`: check exercises, show hints and progress, grade a working
//! copy, prove the checks honest, and make a copy for students. The
//! justfile's recipes (`just exercise 1.2`, `just check 1`, `just hint 1.2`,
//! `just progress`, `just grade`, `just verify-exercises`,
//! `just student-copy DIR`) all come here.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};
use exercise_check::runner::{self, Code, Verdict};
use exercise_check::{EXERCISES, Exercise, grade, student_copy};
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
        #[command(flatten)]
        submission: SubmissionArgs,
        /// Also write the verdicts as Markdown to this file
        #[arg(long)]
        markdown: Option<PathBuf>,
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
    /// Check every exercise and print a table; optionally write reports.
    /// With --submission or --submissions, grade students' code with this
    /// course's checks
    Grade {
        /// Also write the results as JSON to this file (with --submissions:
        /// the gradebook)
        #[arg(long)]
        json: Option<PathBuf>,
        /// Also write the results as JUnit XML to this file
        #[arg(long)]
        junit: Option<PathBuf>,
        /// Also write the results as Markdown to this file
        #[arg(long)]
        markdown: Option<PathBuf>,
        /// With --submissions: write the gradebook as CSV to this file
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Grade every sub-folder of this folder, one student each, and
        /// write a gradebook (by default gradebook.csv and gradebook.json)
        #[arg(long, conflicts_with = "submission")]
        submissions: Option<PathBuf>,
        /// Only these exercises, such as 1.1,2.3 (default: all)
        #[arg(long, value_delimiter = ',')]
        only: Vec<String>,
        #[command(flatten)]
        submission: SubmissionArgs,
        #[command(flatten)]
        limit: Limit,
    },
    /// Prove every check fails on the starter code and on the wrong
    /// programs, with the expected message, and passes on the reference
    /// solution
    Verify {
        /// Only these exercises (default: all)
        only: Vec<String>,
        /// Also show what each check said
        #[arg(long)]
        messages: bool,
        #[command(flatten)]
        limit: Limit,
    },
    /// Check the current exercise each time a file is saved, and move on
    /// when it passes (Ctrl-C stops)
    Watch {
        /// Check until the current exercise, then stop instead of watching
        #[arg(long)]
        once: bool,
        #[command(flatten)]
        limit: Limit,
    },
    /// List the exercises
    List,
    /// Write a copy of the course without the reference solutions
    StudentCopy {
        /// An empty or new folder
        folder: PathBuf,
        /// The course to copy (default: this one)
        #[arg(long)]
        course: Option<PathBuf>,
        /// The course's template repository on GitHub (OWNER/NAME), where
        /// the copy's Classroom workflow takes the checks from
        #[arg(long)]
        course_repository: Option<String>,
    },
    /// Print the GitHub Classroom autograding workflow
    ClassroomWorkflow,
}

#[derive(clap::Args)]
struct SubmissionArgs {
    /// Check a student's folder: only its exercises' main.rs files are
    /// taken, into a scratch copy of this course; everything else,
    /// the checks included, comes from this course
    #[arg(long)]
    submission: Option<PathBuf>,
    /// The scratch folder for --submission(s) (default: target/grading)
    #[arg(long)]
    work: Option<PathBuf>,
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
        Action::Check { which, limit, submission, markdown } => {
            check(&which, limit.time_limit, submission, markdown)
        }
        Action::Hint { exercise, number } => hint(&exercise, number),
        Action::Progress { limit } => progress(limit.time_limit),
        Action::Grade { json, junit, markdown, csv, submissions, only, submission, limit } => {
            let options = grade::Options {
                json,
                junit,
                markdown,
                csv,
                submission: submission.submission,
                submissions,
                work: submission.work,
                only,
                limit: limit.time_limit,
            };
            grade::run(&repository(), &options)
        }
        Action::Verify { only, messages, limit } => verify(&only, messages, limit.time_limit),
        Action::Watch { once, limit } => {
            let folder = repository().join("crates/exercises/src/bin");
            exercise_check::watch::run(&folder, limit.time_limit, once);
            Ok(true)
        }
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
        Action::StudentCopy { folder, course, course_repository } => {
            let course = course.unwrap_or_else(repository);
            let copied =
                student_copy::student_copy(&course, &folder, course_repository.as_deref())?;
            println!(
                "Wrote {copied} files to {}, without the reference solutions.",
                folder.display()
            );
            println!(
                "Next: cd there, `git init`, commit, and use it as the template repository of the course."
            );
            Ok(true)
        }
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

fn check(
    which: &str,
    limit: Duration,
    submission: SubmissionArgs,
    markdown: Option<PathBuf>,
) -> anyhow::Result<bool> {
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
    let mut submitted = match &submission.submission {
        Some(folder) => grade::check_submission(
            &repository(),
            folder,
            submission.work.as_deref(),
            &chosen,
            limit,
        )?
        .into_iter(),
        None => Vec::new().into_iter(),
    };
    let mut passed = 0;
    let mut verdicts = Vec::new();
    for exercise in &chosen {
        println!("exercise {} ({}), in {}", exercise.id, exercise.title, exercise.lesson_file());
        let verdict = match submitted.next() {
            Some(verdict) => verdict,
            None => runner::check(exercise, Code::Learner, limit),
        };
        if verdict.passed {
            passed += 1;
            println!("  solved: the check passes\n");
        } else {
            println!("  not solved yet: {}", indent(&verdict.message));
            println!("  your code: crates/exercises/src/bin/{}/main.rs", exercise.name);
            println!("  stuck? `just hint {}` shows a hint\n", exercise.id);
        }
        verdicts.push(verdict);
    }
    runner::settle();
    if let Some(path) = markdown {
        grade::write_markdown(&path, &verdicts)?;
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
    let verdicts = EXERCISES.iter().map(|exercise| runner::check(exercise, code, limit)).collect();
    runner::settle();
    verdicts
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

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn verify(only: &[String], messages: bool, limit: Duration) -> anyhow::Result<bool> {
    if !repository().join("crates/exercise-solutions").is_dir() {
        println!(
            "This copy has no reference solutions (a student copy?), so there is nothing to verify."
        );
        return Ok(true);
    }
    for id in only {
        find(id)?;
    }
    Ok(exercise_check::verify::run(only, limit, messages))
}
