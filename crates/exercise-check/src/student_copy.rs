//! `exercise student-copy`: a copy of the course for students.
//!
//! It copies the files git tracks, so it refuses while any file is changed
//! and not committed, or new and not tracked: such a copy would silently
//! lack the change. It leaves out what only instructors need
//! ([`submission::instructor_only`]: the reference solutions and the wrong
//! programs beside them) and removes every mention of the solutions'
//! package from the copy's `justfile` and `Cargo.lock`, so that cargo does
//! not warn about a package that is not there. The instructor guide stays:
//! it holds no solutions, and the README links to it.

use std::fs;
use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, bail};

use crate::classroom::with_course;
use crate::submission::{self, student_version};

/// Writes a student copy of the course at `root` into `folder` (new or
/// empty), and returns how many files it wrote. With `course_repository`
/// (`OWNER/NAME`), the copy's Classroom workflow takes its checks from there.
pub fn student_copy(
    root: &Path,
    folder: &Path,
    course_repository: Option<&str>,
) -> anyhow::Result<usize> {
    if folder.exists() && fs::read_dir(folder)?.next().is_some() {
        bail!("{} is not empty; give a new or empty folder", folder.display());
    }
    let status = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["status", "--porcelain", "--untracked-files=all"])
        .output();
    let files = match status {
        Ok(output) if output.status.success() => {
            let changes = String::from_utf8_lossy(&output.stdout).to_string();
            if !changes.trim().is_empty() {
                let listed: Vec<&str> = changes.lines().take(10).collect();
                bail!(
                    "the course has changes that are not committed (commit them, or stash them, first): {}{}",
                    listed.join("; "),
                    if changes.lines().count() > 10 { "; …" } else { "" }
                );
            }
            submission::course_files(root)?
        }
        _ => {
            println!(
                "{} is not a git repository: copying every file but target/ and .git/",
                root.display()
            );
            submission::walk(root)?
        }
    };
    let mut copied = 0;
    for file in files {
        let bytes = fs::read(root.join(&file))
            .with_context(|| format!("cannot read {}", file.display()))?;
        let Some(mut bytes) = student_version(&file, bytes) else {
            continue;
        };
        if let Some(repository) = course_repository
            && file == Path::new(".github/workflows/classroom.yml")
        {
            bytes = with_course(&String::from_utf8_lossy(&bytes), repository).into_bytes();
        }
        let target = folder.join(&file);
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&target, bytes).with_context(|| format!("cannot write {}", target.display()))?;
        // Keep the permissions, so that scripts stay executable.
        fs::set_permissions(&target, fs::metadata(root.join(&file))?.permissions())?;
        copied += 1;
    }
    Ok(copied)
}
