//! Checks for the exercises, and the tools around them: hints, progress,
//! grading reports, and the proof that every check can fail.
//!
//! An exercise is a folder in `crates/exercises/src/bin/` holding the
//! starter code (`main.rs`), the check (`check.rs`) and the hints
//! (`hints.md`), one line in [`manifest`], and a reference solution in
//! `crates/exercise-solutions/src/bin/solution-NAME/main.rs`. A check tests
//! the program from outside, as a user would: it starts it, talks to it
//! over the loopback address, and compares bytes and output. Any correct
//! solution passes, not only ours.

pub mod classroom;
pub mod grade;
pub mod gradebook;
pub mod prelude;
pub mod report;
pub mod runner;
pub mod student_copy;
pub mod submission;
pub mod verify;
pub mod watch;
pub mod wrong;

mod manifest;

pub use classroom::classroom_workflow;
pub use manifest::EXERCISES;

/// The outcome of a check: `Err` holds a sentence for the learner that says
/// what was expected and what happened instead.
pub type Outcome = Result<(), String>;

/// One exercise, as the manifest lists it.
pub struct Exercise {
    /// Lesson and number, such as `"1.2"`.
    pub id: &'static str,
    /// The binary's name, which is also its folder's name.
    pub name: &'static str,
    /// A short title, as in the lesson.
    pub title: &'static str,
    /// The check: tests the program at the given path.
    pub check: fn(&prelude::Program) -> Outcome,
    /// The hints, separated by lines holding only `---`.
    pub hints: &'static str,
}

impl Exercise {
    /// The lesson this exercise belongs to.
    pub fn lesson(&self) -> u32 {
        self.id.split('.').next().and_then(|number| number.parse().ok()).unwrap_or(0)
    }

    /// The hints, one string each.
    pub fn hint_list(&self) -> Vec<&'static str> {
        self.hints.split("\n---\n").map(str::trim).filter(|hint| !hint.is_empty()).collect()
    }

    /// The file of the lesson that states this exercise.
    pub fn lesson_file(&self) -> String {
        let lesson = self.lesson();
        let file = harness::lessons::LESSONS
            .iter()
            .find(|(number, _, _)| *number == lesson)
            .map(|(_, _, file)| *file)
            .unwrap_or("0-concepts.md");
        format!("lessons/{file}")
    }
}

/// Finds an exercise by its id (`1.2`).
pub fn find(id: &str) -> Option<&'static Exercise> {
    EXERCISES.iter().find(|exercise| exercise.id == id)
}

/// The exercises of one lesson.
pub fn of_lesson(lesson: u32) -> Vec<&'static Exercise> {
    EXERCISES.iter().filter(|exercise| exercise.lesson() == lesson).collect()
}
