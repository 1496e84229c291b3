//! Grading a student's submission with the instructor's own checks.
//!
//! Only the exercise programs, `crates/exercises/src/bin/NAME/main.rs`, are
//! taken from a submission. They are copied into a scratch copy of the
//! instructor's course (by default in `target/grading/course`), which is
//! built into a target folder of its own (`target/grading/target`). The
//! checks are the ones compiled into the running `exercise` tool, from the
//! instructor's files. So nothing else in the submission counts: not its
//! checks, manifest, checker, harness, Cargo files, `.cargo/config.toml`,
//! justfile or build scripts. Files of the submission that differ from the
//! course are listed as a warning, for the instructor to look at.
//!
//! The scratch copy and its target folder are reused from one student to
//! the next: only the `main.rs` files change, so cargo rebuilds only the
//! exercises whose code differs, and the libraries are compiled once. A
//! built program is also kept beside a copy of its `main.rs`
//! (`work/built/VERSION/NAME/`) and reused when another submission has the
//! same bytes, for the same version of the course.
//!
//! What a `main.rs` can still do: it is code, run by the instructor's
//! account. At compile time, `include!`, `include_str!` and `#[path]` can
//! read any file the account can (the scratch copy holds no solutions, and
//! the checks are already compiled, so reading them changes nothing); at
//! run time the program can do anything the account can. Grade untrusted
//! code in a container or a throwaway account (see
//! `lessons/INSTRUCTORS.md`). Such lines are listed as a warning.

use std::collections::BTreeSet;
use std::fs;
use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use crate::report::Context;
use crate::runner::{self, Verdict};
use crate::{EXERCISES, Exercise};

/// The folder of the exercise programs in a course.
pub const EXERCISE_FOLDER: &str = "crates/exercises/src/bin";

/// The largest `main.rs` taken from a submission.
const MAIN_LIMIT: u64 = 1024 * 1024;

/// Where an exercise's program is, relative to a course or a submission.
pub fn main_path(exercise: &Exercise) -> PathBuf {
    Path::new(EXERCISE_FOLDER).join(exercise.name).join("main.rs")
}

/// Whether a file is only for instructors, and left out of student copies
/// (and of the scratch copy used for grading): the reference solutions and
/// the wrong programs kept beside them.
pub fn instructor_only(path: &Path) -> bool {
    path.starts_with("crates/exercise-solutions")
}

/// The file as a student copy holds it: `None` when it is left out; the
/// justfile and Cargo.lock without any mention of `exercise-solutions`.
pub fn student_version(path: &Path, bytes: Vec<u8>) -> Option<Vec<u8>> {
    if instructor_only(path) {
        return None;
    }
    if path == Path::new("justfile") {
        let text = String::from_utf8_lossy(&bytes).replace(" --exclude exercise-solutions", "");
        return Some(text.into_bytes());
    }
    if path == Path::new("Cargo.lock") {
        let text = String::from_utf8_lossy(&bytes);
        let kept: Vec<&str> = text
            .split("\n\n")
            .filter(|block| !block.contains("name = \"exercise-solutions\""))
            .collect();
        return Some(kept.join("\n\n").into_bytes());
    }
    Some(bytes)
}

/// The course's files, relative to `root`: what git knows of (tracked, and
/// untracked but not ignored), or outside git every file but `target` and
/// `.git`.
pub fn course_files(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let listed = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .output();
    if let Ok(output) = listed
        && output.status.success()
    {
        let mut files: Vec<PathBuf> = output
            .stdout
            .split(|byte| *byte == 0)
            .filter(|name| !name.is_empty())
            .map(|name| PathBuf::from(String::from_utf8_lossy(name).to_string()))
            .filter(|name| root.join(name).is_file())
            .collect();
        files.sort();
        files.dedup();
        return Ok(files);
    }
    walk(root)
}

/// Every file under `root` but those in `target` and `.git`, relative to
/// `root`. Symbolic links are listed, not followed.
pub fn walk(root: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    let mut folders = vec![PathBuf::new()];
    while let Some(folder) = folders.pop() {
        let entries = fs::read_dir(root.join(&folder))
            .with_context(|| format!("cannot read {}", root.join(&folder).display()))?;
        for entry in entries {
            let entry = entry?;
            let name = entry.file_name();
            if name == "target" || name == ".git" {
                continue;
            }
            let relative = folder.join(&name);
            if entry.file_type()?.is_dir() {
                folders.push(relative);
            } else {
                files.push(relative);
            }
        }
    }
    files.sort();
    Ok(files)
}

/// The commit a folder's git repository has checked out, when the folder
/// is the top of a git repository.
pub fn commit(folder: &Path) -> Option<String> {
    let git = |args: &[&str]| {
        let output = Command::new("git").arg("-C").arg(folder).args(args).output().ok()?;
        output.status.success().then(|| String::from_utf8_lossy(&output.stdout).trim().to_string())
    };
    let top = PathBuf::from(git(&["rev-parse", "--show-toplevel"])?);
    if fs::canonicalize(&top).ok()? != fs::canonicalize(folder).ok()? {
        return None;
    }
    git(&["rev-parse", "HEAD"])
}

/// A scratch copy of the instructor's course, and the target folder its
/// exercises are built in.
pub struct Scratch {
    root: PathBuf,
    course: PathBuf,
    target: PathBuf,
    /// The course's files, relative to `course`.
    files: BTreeSet<PathBuf>,
    /// Built programs kept by their exact source, for this version of the
    /// course: `work/built/VERSION/NAME/`.
    built: PathBuf,
}

impl Scratch {
    /// Brings `work/course` up to date with the course at `root` (as a
    /// student copy of it, without instructor-only files), writing only
    /// the files that changed, so that cargo's work is kept.
    pub fn prepare(root: &Path, work: &Path) -> anyhow::Result<Scratch> {
        let course = work.join("course");
        let target = work.join("target");
        fs::create_dir_all(&course)
            .with_context(|| format!("cannot create {}", course.display()))?;
        fs::create_dir_all(&target)?;
        let mut files = BTreeSet::new();
        // A digest of the course's own files (the exercises' main.rs files
        // left out): programs built for another version are not reused.
        let mut version = std::collections::hash_map::DefaultHasher::new();
        for file in course_files(root)? {
            let bytes = fs::read(root.join(&file))
                .with_context(|| format!("cannot read {}", file.display()))?;
            let Some(bytes) = student_version(&file, bytes) else {
                continue;
            };
            write_if_changed(&course.join(&file), &bytes)?;
            if !is_exercise_main(&file) {
                file.hash(&mut version);
                bytes.hash(&mut version);
            }
            files.insert(file);
        }
        let built = work.join("built").join(format!("{:016x}", version.finish()));
        // Files left from an older version of the course go.
        for file in walk(&course)? {
            if !files.contains(&file) {
                fs::remove_file(course.join(&file))?;
            }
        }
        Ok(Scratch { root: root.to_path_buf(), course, target, files, built })
    }

    /// Copies the exercise's `main.rs` from `submission` into the scratch
    /// copy. Fails, with a sentence for the report, when the submission
    /// has none, or has something else than a plain file there.
    pub fn take(&self, submission: &Path, exercise: &Exercise) -> Result<(), String> {
        let relative = main_path(exercise);
        let source = submission.join(&relative);
        let shown = relative.display();
        let metadata =
            fs::symlink_metadata(&source).map_err(|_| format!("the submission has no {shown}"))?;
        if !metadata.is_file() {
            return Err(format!("{shown} in the submission is not a plain file"));
        }
        if metadata.len() > MAIN_LIMIT {
            return Err(format!("{shown} in the submission is larger than 1 MiB"));
        }
        let bytes = fs::read(&source).map_err(|error| format!("cannot read {shown}: {error}"))?;
        write_if_changed(&self.course.join(&relative), &bytes)
            .map_err(|error| format!("cannot copy {shown}: {error:#}"))
    }

    /// Builds the exercise's program in the scratch copy. A program built
    /// before from the very same `main.rs` (compared byte for byte), for
    /// the same version of the course, is reused: an exercise many
    /// students left untouched is built once.
    pub fn build(&self, exercise: &Exercise) -> anyhow::Result<PathBuf> {
        let source = fs::read(self.course.join(main_path(exercise)))?;
        let kept = self.built.join(exercise.name);
        let kept_program = kept.join(format!("{}{}", exercise.name, std::env::consts::EXE_SUFFIX));
        if fs::read(kept.join("main.rs")).is_ok_and(|old| old == source) && kept_program.is_file() {
            return Ok(kept_program);
        }
        let path = harness::build_in(
            &self.course,
            &self.target,
            "exercises",
            exercise.name,
            harness::BUILD_LIMIT,
        )?;
        // Kept for the next student with the same code; the copy is made
        // afresh, so a half-written one is never reused.
        let _ = fs::remove_dir_all(&kept);
        fs::create_dir_all(&kept)?;
        fs::copy(&path, &kept_program)?;
        fs::write(kept.join("main.rs"), &source)?;
        Ok(kept_program)
    }

    /// Takes the exercise from `submission`, builds it and runs its check.
    pub fn check(
        &self,
        submission: &Path,
        exercise: &'static Exercise,
        limit: Duration,
    ) -> Verdict {
        let taken = self.take(submission, exercise);
        runner::check_built(
            exercise,
            || {
                taken.map_err(|message| anyhow::anyhow!("{message}"))?;
                self.build(exercise)
            },
            limit,
        )
    }

    /// Files of `submission` that differ from the course (`changed`), that
    /// the course lacks (`added`), or that it has and the submission lacks
    /// (`missing`), apart from the exercises' `main.rs` files; and lines of
    /// those that read other files at compile time.
    pub fn warnings(&self, submission: &Path, exercises: &[&'static Exercise]) -> Vec<String> {
        let mut warnings = Vec::new();
        let taken: BTreeSet<PathBuf> = EXERCISES.iter().map(main_path).collect();
        let submitted = match walk(submission) {
            Ok(files) => files,
            Err(error) => return vec![format!("cannot list the submission: {error:#}")],
        };
        let submitted_set: BTreeSet<&PathBuf> = submitted.iter().collect();
        for file in &submitted {
            if taken.contains(file) {
                continue;
            }
            if !self.files.contains(file) {
                warnings.push(format!("added: {}", file.display()));
                continue;
            }
            let theirs = fs::read(submission.join(file)).ok();
            let ours = fs::read(self.course.join(file)).ok();
            if theirs != ours {
                warnings.push(format!("changed: {}", file.display()));
            }
        }
        for file in &self.files {
            if !taken.contains(file) && !submitted_set.contains(file) {
                warnings.push(format!("missing: {}", file.display()));
            }
        }
        for exercise in exercises {
            let path = submission.join(main_path(exercise));
            let Ok(text) = fs::read_to_string(&path) else { continue };
            for (number, line) in text.lines().enumerate() {
                if reads_other_files(line) {
                    warnings.push(format!(
                        "reads another file at compile time: {}:{}: {}",
                        main_path(exercise).display(),
                        number + 1,
                        runner::cut(line.trim(), 200)
                    ));
                }
            }
        }
        warnings
    }

    /// The instructor's course this copy is made from.
    pub fn root(&self) -> &Path {
        &self.root
    }
}

/// Whether `file` is one of the exercises' `main.rs` files.
fn is_exercise_main(file: &Path) -> bool {
    EXERCISES.iter().any(|exercise| main_path(exercise) == file)
}

/// Whether a line of Rust may pull in another file at compile time.
fn reads_other_files(line: &str) -> bool {
    let code = line.split("//").next().unwrap_or("").trim();
    let module_file =
        (code.starts_with("mod ") || code.starts_with("pub mod ")) && code.ends_with(';');
    module_file
        || ["include!", "include_str!", "include_bytes!", "#[path"]
            .iter()
            .any(|pattern| code.contains(pattern))
}

fn write_if_changed(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    if fs::symlink_metadata(path).is_ok_and(|metadata| metadata.is_file())
        && fs::read(path).is_ok_and(|old| old == bytes)
    {
        return Ok(());
    }
    if let Some(parent) = path.parent() {
        fs::create_dir_all(parent)?;
    }
    // Remove first, so that a symbolic link is replaced, never followed.
    let _ = fs::remove_file(path);
    fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

/// One student's grade.
pub struct Graded {
    /// The submission's folder name.
    pub student: String,
    pub context: Context,
    pub verdicts: Vec<Verdict>,
    pub warnings: Vec<String>,
    /// How long grading took, building included.
    pub duration: Duration,
}

/// Grades one submission: every exercise in `exercises`.
pub fn grade(
    scratch: &Scratch,
    submission: &Path,
    exercises: &[&'static Exercise],
    limit: Duration,
    mut progress: impl FnMut(&Verdict),
) -> Graded {
    let started = Instant::now();
    let student = submission
        .file_name()
        .map(|name| name.to_string_lossy().to_string())
        .unwrap_or_else(|| submission.display().to_string());
    let context = Context::now(commit(submission), Some(student.clone()));
    let warnings = scratch.warnings(submission, exercises);
    let mut verdicts = Vec::new();
    for exercise in exercises {
        let verdict = scratch.check(submission, exercise, limit);
        progress(&verdict);
        verdicts.push(verdict);
    }
    runner::settle();
    Graded { student, context, verdicts, warnings, duration: started.elapsed() }
}
