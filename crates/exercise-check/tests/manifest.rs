//! The exercises hang together: every folder is in the manifest, every
//! exercise has its statement in a lesson, hints and a reference solution,
//! and the GitHub Classroom workflow lists exactly the exercises there are.
//!
//! These tests never run a check, so a learner's solved (or half-solved)
//! exercise cannot make them fail.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use exercise_check::EXERCISES;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn folders(path: &Path) -> BTreeSet<String> {
    fs::read_dir(path)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter(|entry| entry.path().is_dir())
                .map(|entry| entry.file_name().to_string_lossy().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every exercise folder is in the manifest, and the other way round.
#[test]
fn folders_and_manifest_agree() {
    let on_disk = folders(&repository().join("crates/exercises/src/bin"));
    let listed: BTreeSet<String> =
        EXERCISES.iter().map(|exercise| exercise.name.to_string()).collect();
    assert_eq!(on_disk, listed);
    for exercise in EXERCISES {
        let expected_prefix = format!("ex{}-", exercise.id.replace('.', "-"));
        assert!(
            exercise.name.starts_with(&expected_prefix),
            "{} should start with {expected_prefix}",
            exercise.name
        );
    }
}

/// Each exercise has a reference solution (unless this is a student copy,
/// which has none), and no solution lacks its exercise. Beside them, a
/// wrong program (`wrong-exN-M-MISTAKE`) belongs to an exercise too.
#[test]
fn every_exercise_has_a_solution() {
    let solutions = repository().join("crates/exercise-solutions/src/bin");
    if !solutions.exists() {
        return;
    }
    // Wrong programs (`wrong-exN-M-...`) sit beside the solutions.
    let (wrong, on_disk): (BTreeSet<String>, BTreeSet<String>) =
        folders(&solutions).into_iter().partition(|name| name.starts_with("wrong-"));
    let expected: BTreeSet<String> =
        EXERCISES.iter().map(|exercise| format!("solution-{}", exercise.name)).collect();
    assert_eq!(on_disk, expected);
    for name in wrong {
        let exercise = EXERCISES.iter().find(|exercise| {
            let prefix = exercise.name.splitn(3, '-').take(2).collect::<Vec<_>>().join("-");
            name.starts_with(&format!("wrong-{prefix}-"))
        });
        assert!(exercise.is_some(), "{name} belongs to no exercise");
    }
}

/// Lessons 1 to 9 have at least three exercises, lesson 0 at least two;
/// every exercise has at least one hint.
#[test]
fn enough_exercises_and_hints() {
    for lesson in 0..=9 {
        let count = exercise_check::of_lesson(lesson).len();
        let wanted = if lesson == 0 { 2 } else { 3 };
        assert!(count >= wanted, "lesson {lesson} has {count} exercises");
    }
    for exercise in EXERCISES {
        assert!(!exercise.hint_list().is_empty(), "exercise {} has no hint", exercise.id);
    }
}

/// Each exercise is stated in its lesson (`- **1.2 Title.**`), and each
/// statement in a lesson is an exercise.
#[test]
fn lessons_state_every_exercise() {
    for exercise in EXERCISES {
        let text =
            fs::read_to_string(repository().join(exercise.lesson_file())).expect("lesson text");
        let statement = format!("- **{} {}.**", exercise.id, exercise.title);
        assert!(
            text.contains(&statement),
            "{} should contain {statement:?}",
            exercise.lesson_file()
        );
    }
    let ids: BTreeSet<&str> = EXERCISES.iter().map(|exercise| exercise.id).collect();
    for entry in fs::read_dir(repository().join("lessons")).expect("lessons") {
        let path = entry.expect("entry").path();
        let text = fs::read_to_string(&path).expect("lesson");
        for line in text.lines() {
            if let Some(rest) = line.strip_prefix("- **")
                && let Some(id) = rest.split_whitespace().next()
                && id.contains('.')
                && id.chars().all(|c| c.is_ascii_digit() || c == '.')
            {
                assert!(
                    ids.contains(id),
                    "{} states exercise {id}, which the manifest lacks",
                    path.display()
                );
            }
        }
    }
}

/// The committed GitHub Classroom workflow is the one the tool generates.
#[test]
fn classroom_workflow_is_up_to_date() {
    let committed =
        fs::read_to_string(repository().join(".github/workflows/classroom.yml")).expect("workflow");
    assert_eq!(
        committed,
        exercise_check::classroom_workflow(),
        "regenerate it: cargo run -p exercise-check --bin exercise -- classroom-workflow > .github/workflows/classroom.yml"
    );
}

fn exercise_tool(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_exercise")).args(args).output().expect("run the exercise tool")
}

/// Hints come one at a time and name the next; a wrong id is one clear line.
#[test]
fn hints_and_wrong_ids() {
    let output = exercise_tool(&["hint", "1.1"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(text.starts_with("Hint 1 of 2 for exercise 1.1 (Shouting echo):"), "{text}");
    assert!(text.contains("Another hint: `just hint 1.1 2`"), "{text}");

    for args in [&["hint", "1.1", "9"][..], &["hint", "99.9"], &["check", "99.9"], &["check", "99"]]
    {
        let output = exercise_tool(args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.starts_with("error: "), "{stderr}");
    }
}

/// The grade reports are well-formed for a given set of verdicts: points,
/// commit and timestamp in JSON, what the JUnit schema requires in XML.
#[test]
fn reports_have_every_exercise() {
    use exercise_check::report;
    use exercise_check::runner::Verdict;
    use std::time::Duration;
    let verdicts: Vec<Verdict> = EXERCISES
        .iter()
        .enumerate()
        .map(|(index, exercise)| Verdict {
            exercise,
            passed: index % 2 == 0,
            message: if index % 2 == 0 {
                String::new()
            } else {
                "expected \"a\" <b> & c".to_string()
            },
            duration: Duration::from_millis(5),
        })
        .collect();
    let table = report::table(&verdicts);
    assert!(table.contains("1.1    Shouting echo"), "{table}");
    assert!(table.ends_with(&format!(
        "{} of {} exercises pass\n",
        EXERCISES.len().div_ceil(2),
        EXERCISES.len()
    )));
    let context = report::Context {
        timestamp: 1_796_031_045,
        commit: Some("0123abc".to_string()),
        subject: None,
    };
    let json = report::json(&verdicts, &context);
    assert_eq!(json.matches("\"id\": ").count(), EXERCISES.len());
    assert!(json.contains(r#""message": "expected \"a\" <b> & c""#), "{json}");
    let points = EXERCISES.len().div_ceil(2);
    assert!(json.contains(&format!("\"points\": {points},")), "{json}");
    assert!(json.contains(&format!("\"max_points\": {},", EXERCISES.len())), "{json}");
    assert!(json.contains("\"commit\": \"0123abc\","), "{json}");
    assert!(json.contains("\"timestamp\": \"2026-11-30T09:30:45Z\","), "{json}");
    let junit = report::junit(&verdicts, &context);
    assert_eq!(junit.matches("<testcase ").count(), EXERCISES.len());
    assert_eq!(junit.matches("<failure type=\"check\" ").count(), EXERCISES.len() / 2);
    assert!(junit.contains("expected &quot;a&quot; &lt;b&gt; &amp; c"), "{junit}");
    // What the common JUnit schema (Windy Road's JUnit.xsd) requires of a
    // testsuite inside testsuites: these attributes, then properties,
    // the test cases, system-out and system-err, in that order.
    let suite = junit.lines().find(|line| line.contains("<testsuite ")).expect("a testsuite");
    for attribute in [
        "package=\"netlessons\"",
        "id=\"0\"",
        "name=\"netlessons exercises\"",
        "timestamp=\"2026-11-30T09:30:45\"",
        "hostname=\"localhost\"",
        &format!("tests=\"{}\"", EXERCISES.len()),
        &format!("failures=\"{}\"", EXERCISES.len() / 2),
        "errors=\"0\"",
        "time=\"",
    ] {
        assert!(suite.contains(attribute), "{attribute} missing in {suite}");
    }
    let order = ["<properties>", "<testcase ", "<system-out/>", "<system-err/>", "</testsuite>"];
    let positions: Vec<usize> =
        order.iter().map(|element| junit.find(element).expect("element")).collect();
    assert!(positions.is_sorted(), "{junit}");
}

/// Every exercise has at least one wrong program listed in the table that
/// `verify` uses, each named after its exercise.
#[test]
fn every_exercise_has_a_wrong_program() {
    use exercise_check::wrong;
    if !repository().join("crates/exercise-solutions").exists() {
        return;
    }
    for exercise in EXERCISES {
        assert!(
            !wrong::of_exercise(exercise.id).is_empty(),
            "exercise {} has no wrong program in crates/exercise-check/src/wrong.rs",
            exercise.id
        );
    }
    for wrong in wrong::WRONG {
        let prefix = format!("wrong-ex{}-", wrong.exercise.replace('.', "-"));
        assert!(wrong.program.starts_with(&prefix), "{} should start with {prefix}", wrong.program);
        assert!(
            exercise_check::find(wrong.exercise).is_some(),
            "{}: no such exercise",
            wrong.program
        );
        assert!(!wrong.expected.is_empty(), "{}: no expected message", wrong.program);
    }
}

/// Every wrong program said to be caught on Linux only is in the table.
#[test]
fn linux_only_wrong_programs_are_listed() {
    use exercise_check::wrong;
    for name in wrong::LINUX_ONLY {
        assert!(
            wrong::WRONG.iter().any(|wrong| wrong.program == *name),
            "{name} is in LINUX_ONLY but not in the table"
        );
    }
}

/// Every wrong program on disk is in the table, and the other way round;
/// each one's first line is a comment naming its mistake.
#[test]
fn every_wrong_program_is_listed() {
    let programs = repository().join("crates/exercise-solutions/src/bin");
    if !programs.exists() {
        return;
    }
    let on_disk: BTreeSet<String> =
        folders(&programs).into_iter().filter(|name| name.starts_with("wrong-")).collect();
    let listed: BTreeSet<String> =
        exercise_check::wrong::WRONG.iter().map(|wrong| wrong.program.to_string()).collect();
    assert_eq!(on_disk, listed);
    for name in &on_disk {
        let text = fs::read_to_string(programs.join(name).join("main.rs")).expect("main.rs");
        let first = text.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("// ") && !first.starts_with("///") && first.len() > 20,
            "{name}: the first line should be a comment naming the mistake, not {first:?}"
        );
    }
}

/// `exercise watch --once` checks exercises in course order up to the first
/// that does not pass, shows the progress, and ends.
#[test]
fn watch_once_shows_the_current_exercise_and_progress() {
    let output = exercise_tool(&["watch", "--once"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{text}");
    assert!(text.starts_with("Watching the exercises in crates/exercises/src/bin"), "{text}");
    assert!(text.contains("checking exercise 0.1 (Resolve)..."), "{text}");
    let total = EXERCISES.len();
    let done = text
        .lines()
        .find_map(|line| line.split("] ").nth(1)?.strip_suffix(&format!(" of {total} done")))
        .and_then(|done| done.parse::<usize>().ok())
        .unwrap_or_else(|| panic!("no progress line: {text}"));
    // Each exercise before the current one was checked and solved.
    assert_eq!(text.matches("  solved: the check passes").count(), done, "{text}");
    if done < total {
        let current = &EXERCISES[done];
        assert!(text.contains(&format!("checking exercise {} (", current.id)), "{text}");
        assert!(text.contains("not solved yet: "), "{text}");
    }
}
