//! `exercise grade`: grading the working copy, one submission, or a folder
//! of submissions, and writing the reports.
//!
//! Reports are written only after every check has ended and every program
//! a check started has been stopped ([`runner::settle`]), so that no
//! learner's program can change a report after it is written.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};

use crate::report::{self, Context};
use crate::runner::{self, Code, Verdict};
use crate::submission::{self, Graded, Scratch};
use crate::{EXERCISES, Exercise, gradebook};

/// What `exercise grade` was asked to do.
pub struct Options {
    /// The JSON report (with `submissions`: the gradebook as JSON).
    pub json: Option<PathBuf>,
    /// The JUnit XML report.
    pub junit: Option<PathBuf>,
    /// A Markdown report, for a learner's feedback.
    pub markdown: Option<PathBuf>,
    /// The gradebook as CSV (with `submissions`).
    pub csv: Option<PathBuf>,
    /// Grade this student's folder with the course's checks.
    pub submission: Option<PathBuf>,
    /// Grade every folder in this one, one student each.
    pub submissions: Option<PathBuf>,
    /// The scratch folder; by default `target/grading` in the course.
    pub work: Option<PathBuf>,
    /// Only these exercises (by id); all when empty.
    pub only: Vec<String>,
    /// The time limit of one check.
    pub limit: Duration,
}

/// The exercises chosen by `only`: all of them when it is empty.
pub fn chosen(only: &[String]) -> anyhow::Result<Vec<&'static Exercise>> {
    for id in only {
        if crate::find(id).is_none() {
            bail!("there is no exercise {id:?}; `just exercises` lists them");
        }
    }
    Ok(EXERCISES
        .iter()
        .filter(|exercise| only.is_empty() || only.iter().any(|id| id == exercise.id))
        .collect())
}

/// Runs `exercise grade` in the course at `root`. Grading succeeds
/// whatever the grades, so that CI systems keep the reports.
pub fn run(root: &Path, options: &Options) -> anyhow::Result<bool> {
    let exercises = chosen(&options.only)?;
    let work = options.work.clone().unwrap_or_else(|| root.join("target/grading"));
    if let Some(folder) = &options.submissions {
        return class(root, &work, folder, &exercises, options);
    }
    let (verdicts, context) = match &options.submission {
        Some(folder) => {
            if !folder.is_dir() {
                bail!("{} is not a folder", folder.display());
            }
            let scratch = Scratch::prepare(root, &work)?;
            let graded = submission::grade(&scratch, folder, &exercises, options.limit, |_| {});
            print_warnings(&graded.warnings);
            (graded.verdicts, graded.context)
        }
        None => {
            let verdicts: Vec<Verdict> = exercises
                .iter()
                .map(|exercise| runner::check(exercise, Code::Learner, options.limit))
                .collect();
            runner::settle();
            (verdicts, Context::now(submission::commit(root), None))
        }
    };
    print!("{}", report::table(&verdicts));
    write(&options.json, || report::json(&verdicts, &context))?;
    write(&options.junit, || report::junit(&verdicts, &context))?;
    write(&options.markdown, || report::markdown(&verdicts, &context))?;
    Ok(true)
}

fn write(path: &Option<PathBuf>, text: impl FnOnce() -> String) -> anyhow::Result<()> {
    if let Some(path) = path {
        fs::write(path, text()).with_context(|| format!("cannot write {}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}

/// Writes the verdicts as Markdown to `path`, creating its folder.
pub fn write_markdown(path: &Path, verdicts: &[Verdict]) -> anyhow::Result<()> {
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    let context = Context::now(None, None);
    fs::write(path, report::markdown(verdicts, &context))
        .with_context(|| format!("cannot write {}", path.display()))
}

fn print_warnings(warnings: &[String]) {
    if warnings.is_empty() {
        return;
    }
    println!(
        "warning: {} file(s) of the submission differ from the course; only the exercises' \
         main.rs files were graded, with the course's own checks:",
        warnings.len()
    );
    for warning in warnings.iter().take(20) {
        println!("  {warning}");
    }
    if warnings.len() > 20 {
        println!("  … and {} more", warnings.len() - 20);
    }
}

/// Grades every sub-folder of `folder`, one student each, reusing one
/// scratch copy and one target folder, and writes the gradebook.
fn class(
    root: &Path,
    work: &Path,
    folder: &Path,
    exercises: &[&'static Exercise],
    options: &Options,
) -> anyhow::Result<bool> {
    let mut students: Vec<PathBuf> = fs::read_dir(folder)
        .with_context(|| format!("cannot read {}", folder.display()))?
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_ok_and(|kind| kind.is_dir()))
        .filter(|entry| !entry.file_name().to_string_lossy().starts_with('.'))
        .map(|entry| entry.path())
        .collect();
    students.sort();
    if students.is_empty() {
        bail!("{} holds no student folders", folder.display());
    }
    let scratch = Scratch::prepare(root, work)?;
    let started = Instant::now();
    let mut graded: Vec<Graded> = Vec::new();
    for (index, student) in students.iter().enumerate() {
        let result = submission::grade(&scratch, student, exercises, options.limit, |_| {});
        println!(
            "{}/{} {}: {} of {} points, {} warning(s), graded in {:.1} s",
            index + 1,
            students.len(),
            result.student,
            report::points(&result.verdicts),
            result.verdicts.len(),
            result.warnings.len(),
            result.duration.as_secs_f64()
        );
        graded.push(result);
    }
    let seconds = started.elapsed().as_secs_f64();
    println!(
        "graded {} students in {seconds:.0} s, {:.1} s per student",
        graded.len(),
        seconds / graded.len() as f64
    );
    let (csv, json) = match (&options.csv, &options.json) {
        (None, None) => {
            (Some(PathBuf::from("gradebook.csv")), Some(PathBuf::from("gradebook.json")))
        }
        (csv, json) => (csv.clone(), json.clone()),
    };
    write(&csv, || gradebook::csv(exercises, &graded))?;
    write(&json, || gradebook::json(exercises, &graded))?;
    Ok(true)
}

/// `exercise check ID --submission DIR`: checks exercises of a submission
/// with the course's checks, as a learner would see it. The GitHub
/// Classroom workflow runs this, one step per exercise.
pub fn check_submission(
    root: &Path,
    folder: &Path,
    work: Option<&Path>,
    exercises: &[&'static Exercise],
    limit: Duration,
) -> anyhow::Result<Vec<Verdict>> {
    if !folder.is_dir() {
        bail!("{} is not a folder", folder.display());
    }
    let work = work.map(Path::to_path_buf).unwrap_or_else(|| root.join("target/grading"));
    let scratch = Scratch::prepare(root, &work)?;
    print_warnings(&scratch.warnings(folder, exercises));
    let verdicts =
        exercises.iter().map(|exercise| scratch.check(folder, exercise, limit)).collect();
    runner::settle();
    Ok(verdicts)
}
