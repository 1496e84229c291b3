//! `exercise watch` (`just watch`): the current exercise, checked again
//! each time a file is saved, as Rustlings does.
//!
//! The current exercise is the first one, in course order, whose check
//! does not pass yet. Once it passes, the next one becomes current. Saving
//! is noticed by polling: every half second the tool looks at the size
//! and modification time of every file under `crates/exercises/src/bin`.
//! Polling needs nothing beyond the standard library and works the same
//! on every system; half a second is quick enough for a person.
//!
//! Ctrl-C ends the watch. The terminal sends the interrupt to its
//! foreground process group: this tool, and the cargo build it may be
//! running. A learner's program is not in that group: the harness runs it
//! in a group of its own, with a watchdog that stops the whole group as
//! soon as this tool has ended (see `crates/harness/src/process.rs`). So
//! nothing is left running.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::thread;
use std::time::{Duration, SystemTime};

use crate::runner::{self, Code};
use crate::{EXERCISES, Exercise};

/// How often the files are looked at.
pub const POLL: Duration = Duration::from_millis(500);

/// Every file under a folder, with its size and modification time.
pub type Snapshot = BTreeMap<PathBuf, (u64, Option<SystemTime>)>;

/// Looks at every file under `folder`, sub-folders included. Files that
/// cannot be read are left out (an editor may be replacing one).
pub fn snapshot(folder: &Path) -> Snapshot {
    let mut files = Snapshot::new();
    let mut folders = vec![folder.to_path_buf()];
    while let Some(folder) = folders.pop() {
        let Ok(entries) = fs::read_dir(&folder) else { continue };
        for entry in entries.filter_map(Result::ok) {
            let Ok(metadata) = entry.metadata() else { continue };
            if metadata.is_dir() {
                folders.push(entry.path());
            } else {
                files.insert(entry.path(), (metadata.len(), metadata.modified().ok()));
            }
        }
    }
    files
}

/// The files that were added, removed or changed between two snapshots.
pub fn changes(before: &Snapshot, after: &Snapshot) -> Vec<PathBuf> {
    let mut changed: Vec<PathBuf> = after
        .iter()
        .filter(|(path, stamp)| before.get(*path) != Some(stamp))
        .map(|(path, _)| path.clone())
        .collect();
    changed.extend(before.keys().filter(|path| !after.contains_key(*path)).cloned());
    changed
}

/// The first exercise from `start` on that does not pass, asking `passes`
/// about each in turn; `total` when every one passes.
pub fn first_unsolved(start: usize, total: usize, mut passes: impl FnMut(usize) -> bool) -> usize {
    (start..total).find(|&index| !passes(index)).unwrap_or(total)
}

/// A progress bar: `[#####---------------]  5 of 23 done`.
pub fn progress(done: usize, total: usize) -> String {
    const WIDTH: usize = 20;
    let filled = (done * WIDTH).checked_div(total).unwrap_or(WIDTH);
    format!("[{}{}] {done} of {total} done", "#".repeat(filled), "-".repeat(WIDTH - filled))
}

/// Checks one exercise and prints the verdict; returns whether it passed.
fn check(exercise: &'static Exercise, limit: Duration) -> bool {
    println!("checking exercise {} ({})...", exercise.id, exercise.title);
    let verdict = runner::check(exercise, Code::Learner, limit);
    if verdict.passed {
        println!("  solved: the check passes\n");
    } else {
        println!(
            "  not solved yet: {}",
            verdict.message.lines().collect::<Vec<_>>().join("\n    ")
        );
        println!("  your code: crates/exercises/src/bin/{}/main.rs", exercise.name);
        println!("  the exercise: {}", exercise.lesson_file());
        println!("  stuck? `just hint {}` shows a hint\n", exercise.id);
    }
    verdict.passed
}

/// Watches `folder` and checks the current exercise each time something
/// in it changes. With `once`, checks until the current exercise and
/// stops there.
pub fn run(folder: &Path, limit: Duration, once: bool) {
    let total = EXERCISES.len();
    println!("Watching the exercises in crates/exercises/src/bin (Ctrl-C stops).\n");
    let mut current = 0;
    loop {
        // Taken before checking, so that a save during a check counts.
        let before = snapshot(folder);
        current = first_unsolved(current, total, |index| check(&EXERCISES[index], limit));
        println!("{}", progress(current, total));
        if current == total {
            println!("Every exercise is solved. Well done!");
            return;
        }
        if once {
            return;
        }
        println!(
            "Edit {} and save; the check runs again.\n",
            Path::new("crates/exercises/src/bin")
                .join(EXERCISES[current].name)
                .join("main.rs")
                .display()
        );
        loop {
            thread::sleep(POLL);
            let changed = changes(&before, &snapshot(folder));
            if !changed.is_empty() {
                let name = changed[0].strip_prefix(folder).unwrap_or(&changed[0]);
                println!("---- {} changed\n", name.display());
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The current exercise is the first that does not pass, from where
    /// the watch is; every exercise is asked about at most once.
    #[test]
    fn the_first_unsolved_exercise_is_current() {
        let solved = [true, true, false, true, false];
        let mut asked = Vec::new();
        let current = first_unsolved(0, solved.len(), |index| {
            asked.push(index);
            solved[index]
        });
        assert_eq!(current, 2);
        assert_eq!(asked, [0, 1, 2]);
        // Exercise 2 now passes: the watch moves on, and past 3.
        assert_eq!(first_unsolved(2, solved.len(), |index| index != 4), 4);
        assert_eq!(first_unsolved(0, solved.len(), |_| true), solved.len());
        assert_eq!(first_unsolved(5, solved.len(), |_| unreachable!()), 5);
    }

    /// A file written, added or removed is a change; looking twice at
    /// files nobody touched is not.
    #[test]
    fn saving_a_file_is_a_change() {
        let folder = std::env::temp_dir().join(format!("watch-test-{}", std::process::id()));
        let nested = folder.join("ex1-1");
        fs::create_dir_all(&nested).unwrap();
        fs::write(nested.join("main.rs"), "fn main() {}\n").unwrap();
        let first = snapshot(&folder);
        assert_eq!(first.len(), 1);
        assert!(changes(&first, &snapshot(&folder)).is_empty());

        // A different size is seen even where timestamps are coarse.
        fs::write(nested.join("main.rs"), "fn main() { println!(); }\n").unwrap();
        let second = snapshot(&folder);
        assert_eq!(changes(&first, &second), [nested.join("main.rs")]);

        fs::write(folder.join("new.rs"), "").unwrap();
        let third = snapshot(&folder);
        assert_eq!(changes(&second, &third), [folder.join("new.rs")]);
        fs::remove_file(folder.join("new.rs")).unwrap();
        assert_eq!(changes(&third, &snapshot(&folder)), [folder.join("new.rs")]);
        fs::remove_dir_all(&folder).unwrap();
    }

    /// The bar fills with the exercises done.
    #[test]
    fn progress_shows_how_far() {
        assert_eq!(progress(0, 4), "[--------------------] 0 of 4 done");
        assert_eq!(progress(2, 4), "[##########----------] 2 of 4 done");
        assert_eq!(progress(4, 4), "[####################] 4 of 4 done");
    }
}
