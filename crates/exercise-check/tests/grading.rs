//! The instructor's tools end to end: `student-copy` and `grade`.
//!
//! The quick tests run with `just test`. The heavy ones build a student
//! copy and grade a class of made-up submissions, each trying a cheat; they
//! take minutes, so they are `#[ignore]`d and CI runs them with
//! `just test-grading`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use exercise_check::EXERCISES;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A new empty folder for one test, under the system's temporary folder.
fn scratch_folder(name: &str) -> PathBuf {
    let folder = std::env::temp_dir().join(format!("netlessons-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&folder);
    fs::create_dir_all(&folder).expect("create a temporary folder");
    folder
}

fn write(path: &Path, text: &str) {
    fs::create_dir_all(path.parent().expect("a parent")).expect("create folders");
    fs::write(path, text).expect("write a file");
}

fn git(folder: &Path, args: &[&str]) {
    let status = Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args(args)
        .status()
        .expect("run git");
    assert!(status.success(), "git {args:?} failed");
}

fn exercise_tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_exercise")).args(args).output().expect("run the exercise tool")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A tiny course in a git repository: what student-copy cares about.
fn tiny_course(folder: &Path) {
    write(&folder.join("README.md"), "a course\n");
    write(
        &folder.join("justfile"),
        "lesson-1:\n    @cargo build --workspace --bins --exclude exercises --exclude exercise-solutions\n",
    );
    write(
        &folder.join("Cargo.lock"),
        "version = 4\n\n[[package]]\nname = \"exercise-solutions\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"exercises\"\nversion = \"0.1.0\"\n",
    );
    write(&folder.join("crates/exercise-solutions/src/bin/solution/main.rs"), "fn main() {}\n");
    write(&folder.join("crates/exercises/src/bin/ex/main.rs"), "fn main() {}\n");
    write(
        &folder.join(".github/workflows/classroom.yml"),
        &format!("env:\n  {}\n", exercise_check::classroom::COURSE_PLACEHOLDER),
    );
    git(folder, &["init", "-q"]);
    git(folder, &["add", "-A"]);
    git(folder, &["commit", "-q", "-m", "course"]);
}

/// student-copy refuses while a file is untracked or changed and not
/// committed, and then copies without the solutions, with a justfile and
/// Cargo.lock that do not name them, and the course's repository set in
/// the Classroom workflow.
#[test]
fn student_copy_refuses_uncommitted_changes_and_leaves_out_solutions() {
    let folder = scratch_folder("student-copy");
    let course = folder.join("course");
    tiny_course(&course);
    let course_arg = course.to_str().expect("a UTF-8 path");
    let copy = folder.join("copy");
    let copy_arg = copy.to_str().expect("a UTF-8 path");
    let copy_args =
        ["student-copy", copy_arg, "--course", course_arg, "--course-repository", "teacher/course"];

    write(&course.join("notes.txt"), "not committed\n");
    let output = exercise_tool(&copy_args);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("not committed"), "{}", text(&output));
    assert!(text(&output).contains("notes.txt"), "{}", text(&output));
    fs::remove_file(course.join("notes.txt")).expect("remove");

    write(&course.join("README.md"), "changed\n");
    let output = exercise_tool(&copy_args);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("README.md"), "{}", text(&output));
    git(&course, &["checkout", "-q", "README.md"]);

    let output = exercise_tool(&copy_args);
    assert!(output.status.success(), "{}", text(&output));
    assert!(!copy.join("crates/exercise-solutions").exists());
    assert!(copy.join("crates/exercises/src/bin/ex/main.rs").is_file());
    for file in ["justfile", "Cargo.lock"] {
        let content = fs::read_to_string(copy.join(file)).expect("read");
        assert!(!content.contains("exercise-solutions"), "{file}: {content}");
    }
    let lock = fs::read_to_string(copy.join("Cargo.lock")).expect("read");
    assert!(lock.contains("name = \"exercises\""), "{lock}");
    let workflow = fs::read_to_string(copy.join(".github/workflows/classroom.yml")).expect("read");
    assert!(workflow.contains("COURSE_REPOSITORY: \"teacher/course\""), "{workflow}");
    let _ = fs::remove_dir_all(&folder);
}

/// The README and the instructor guide count the exercises there are, and
/// the guide's table lists exactly the manifest's exercises.
#[test]
fn counts_in_the_documents_match_the_manifest() {
    let count = EXERCISES.len();
    let readme = fs::read_to_string(repository().join("README.md")).expect("README");
    assert!(
        readme.contains(&format!("Every lesson ends with exercises, {count} in all.")),
        "README.md should say there are {count} exercises"
    );
    let guide = fs::read_to_string(repository().join("lessons/INSTRUCTORS.md")).expect("guide");
    let listed: Vec<&str> = guide
        .lines()
        .filter_map(|line| line.strip_prefix("| "))
        .filter_map(|rest| rest.split(' ').next())
        .filter(|id| id.contains('.') && id.chars().all(|c| c.is_ascii_digit() || c == '.'))
        .collect();
    let expected: Vec<&str> = EXERCISES.iter().map(|exercise| exercise.id).collect();
    assert_eq!(listed, expected, "the table in lessons/INSTRUCTORS.md");
    // Any "N exercises" with N of two digits must be the total.
    for (name, text) in [("README.md", &readme), ("lessons/INSTRUCTORS.md", &guide)] {
        let words: Vec<&str> = text.split_whitespace().collect();
        for pair in words.windows(2) {
            if pair[1].starts_with("exercises")
                && pair[0].len() == 2
                && let Ok(number) = pair[0].parse::<usize>()
            {
                assert_eq!(number, count, "{name} says {number} exercises");
            }
        }
    }
}

/// A folder that keeps the heavy tests' builds between runs, in the
/// target folder of this build.
fn kept_folder(name: &str) -> PathBuf {
    let me = std::env::current_exe().expect("the test's path");
    // target/debug/deps/grading-HASH → target/grading-test/NAME
    let target = me.ancestors().nth(3).expect("the target folder");
    let folder = target.join("grading-test").join(name);
    fs::create_dir_all(&folder).expect("create");
    folder
}

fn copy_tree(from: &Path, to: &Path) {
    for file in exercise_check::submission::walk(from).expect("list") {
        let target = to.join(&file);
        fs::create_dir_all(target.parent().expect("parent")).expect("create");
        fs::copy(from.join(&file), &target).expect("copy");
    }
}

/// A committed copy of this course as it is now, so that student-copy
/// works whatever is uncommitted here.
fn committed_course(folder: &Path) -> PathBuf {
    let course = folder.join("course");
    for file in exercise_check::submission::course_files(&repository()).expect("list") {
        let target = course.join(&file);
        fs::create_dir_all(target.parent().expect("parent")).expect("create");
        fs::copy(repository().join(&file), &target).expect("copy");
    }
    git(&course, &["init", "-q"]);
    git(&course, &["add", "-A"]);
    git(&course, &["commit", "-q", "-m", "course"]);
    course
}

fn replace_in(path: &Path, from: &str, to: &str) {
    let content = fs::read_to_string(path).expect("read");
    assert!(content.contains(from), "{} lacks {from:?}", path.display());
    fs::write(path, content.replace(from, to)).expect("write");
}

/// The line of a student's row in the gradebook JSON.
fn row<'a>(gradebook: &'a str, student: &str) -> &'a str {
    gradebook
        .lines()
        .find(|line| line.contains(&format!("{{\"student\": \"{student}\"")))
        .unwrap_or_else(|| panic!("no row for {student} in {gradebook}"))
}

/// A student copy builds the lesson programs without cargo warning about
/// the missing exercise-solutions, as `just lesson-1` builds them.
#[test]
#[ignore = "builds a student copy: minutes; CI runs it with just test-grading"]
fn a_student_copy_builds_without_warnings() {
    let folder = scratch_folder("copy-build");
    let course = committed_course(&folder);
    let copy = folder.join("copy");
    let output = exercise_tool(&[
        "student-copy",
        copy.to_str().expect("UTF-8"),
        "--course",
        course.to_str().expect("UTF-8"),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    // The copy's own lesson-1 recipe, as just would run it.
    let justfile = fs::read_to_string(copy.join("justfile")).expect("justfile");
    let recipe = justfile
        .split("\nlesson-1:\n")
        .nth(1)
        .and_then(|rest| rest.lines().find(|line| line.trim().starts_with("@cargo build")))
        .expect("lesson-1 builds with cargo");
    let words: Vec<&str> = recipe.trim().trim_start_matches('@').split_whitespace().collect();
    let output = Command::new(words[0])
        .args(&words[1..])
        .arg("--target-dir")
        .arg(kept_folder("copy-target"))
        .current_dir(&copy)
        .output()
        .expect("run cargo");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(!stderr.contains("warning"), "{stderr}");
    let _ = fs::remove_dir_all(&folder);
}

/// `grade --submissions` with the course's own checks: a solved submission
/// gets every point; each cheat from issue 9 gets none, and its changed
/// files are listed; so does a main.rs that includes the solution, one
/// that prints without end, and one that leaves a child running.
#[test]
#[ignore = "grades a class of submissions: minutes; CI runs it with just test-grading"]
fn cheats_do_not_change_the_grade() {
    let folder = scratch_folder("cheats");
    let course = committed_course(&folder);
    let copy = folder.join("copy");
    let output = exercise_tool(&[
        "student-copy",
        copy.to_str().expect("UTF-8"),
        "--course",
        course.to_str().expect("UTF-8"),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let class = folder.join("class");
    let student = |name: &str| {
        let path = class.join(name);
        copy_tree(&copy, &path);
        path
    };
    let exercise = |name: &str| format!("crates/exercises/src/bin/{name}");

    student("untouched");
    let solved = student("solved");
    for id in ["ex1-1-shouting-echo", "ex2-1-send-stdin"] {
        fs::copy(
            repository().join(format!("crates/exercise-solutions/src/bin/solution-{id}/main.rs")),
            solved.join(exercise(id)).join("main.rs"),
        )
        .expect("copy a solution");
    }
    git(&solved, &["init", "-q"]);
    git(&solved, &["add", "-A"]);
    git(&solved, &["commit", "-q", "-m", "solved"]);

    let cheat = student("check-ok");
    for id in ["ex1-1-shouting-echo", "ex2-1-send-stdin"] {
        write(
            &cheat.join(exercise(id)).join("check.rs"),
            "pub fn check(_program: &Program) -> Outcome {\n    Ok(())\n}\n",
        );
    }
    let cheat = student("runner-line");
    replace_in(
        &cheat.join("crates/exercise-check/src/runner.rs"),
        "Verdict { exercise, passed: false,",
        "Verdict { exercise, passed: true,",
    );
    let cheat = student("cargo-runner");
    let config = cheat.join(".cargo/config.toml");
    let old = fs::read_to_string(&config).expect("config");
    fs::write(&config, format!("{old}\n[target.'cfg(all())']\nrunner = \"true\"\n"))
        .expect("write");
    let cheat = student("grade-recipe");
    replace_in(
        &cheat.join("justfile"),
        "@cargo run --quiet -p exercise-check --bin exercise -- grade {{options}}",
        "@echo 23 of 23 exercises pass",
    );
    let cheat = student("manifest");
    replace_in(
        &cheat.join("crates/exercise-check/src/manifest.rs"),
        "    e1_1 \"1.1\" \"ex1-1-shouting-echo\" \"Shouting echo\";\n",
        "",
    );
    let cheat = student("build-rs");
    write(
        &cheat.join("crates/exercise-check/build.rs"),
        "fn main() {\n    println!(\"cargo:rustc-env=CHEAT=1\");\n}\n",
    );
    let cheat = student("include-solution");
    write(
        &cheat.join(exercise("ex1-1-shouting-echo")).join("main.rs"),
        "include!(\"../../../../exercise-solutions/src/bin/solution-ex1-1-shouting-echo/main.rs\");\n",
    );
    let cheat = student("flood");
    write(
        &cheat.join(exercise("ex2-1-send-stdin")).join("main.rs"),
        "use std::io::Write;\nfn main() {\n    let block = vec![b'x'; 1 << 20];\n    let mut out = std::io::stdout().lock();\n    for _ in 0..64 {\n        let _ = out.write_all(&block);\n    }\n}\n",
    );
    #[cfg(target_os = "linux")]
    let pid_file = folder.join("left-behind.pid");
    #[cfg(target_os = "linux")]
    {
        let cheat = student("leaves-a-child");
        write(
            &cheat.join(exercise("ex2-1-send-stdin")).join("main.rs"),
            &format!(
                "fn main() {{\n    let child = std::process::Command::new(\"sleep\").arg(\"300\").spawn().expect(\"sleep\");\n    std::fs::write({:?}, child.id().to_string()).expect(\"pid\");\n}}\n",
                pid_file
            ),
        );
    }

    let gradebook = folder.join("gradebook.json");
    let csv = folder.join("gradebook.csv");
    let work = kept_folder("work");
    let output = exercise_tool(&[
        "grade",
        "--submissions",
        class.to_str().expect("UTF-8"),
        "--only",
        "1.1,2.1",
        "--work",
        work.to_str().expect("UTF-8"),
        "--json",
        gradebook.to_str().expect("UTF-8"),
        "--csv",
        csv.to_str().expect("UTF-8"),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    let book = fs::read_to_string(&gradebook).expect("gradebook");
    let solved_row = row(&book, "solved");
    assert!(solved_row.contains("\"total\": 2, \"max_points\": 2"), "{solved_row}");
    assert!(solved_row.contains("\"commit\": \""), "a git repository has a commit: {solved_row}");
    assert!(row(&book, "untouched").contains("\"commit\": null"), "{book}");
    for (name, changed) in [
        ("untouched", None),
        ("check-ok", Some("changed: crates/exercises/src/bin/ex1-1-shouting-echo/check.rs")),
        ("runner-line", Some("changed: crates/exercise-check/src/runner.rs")),
        ("cargo-runner", Some("changed: .cargo/config.toml")),
        ("grade-recipe", Some("changed: justfile")),
        ("manifest", Some("changed: crates/exercise-check/src/manifest.rs")),
        ("build-rs", Some("added: crates/exercise-check/build.rs")),
        ("include-solution", Some("reads another file at compile time")),
        ("flood", None),
        #[cfg(target_os = "linux")]
        ("leaves-a-child", None),
    ] {
        let line = row(&book, name);
        assert!(line.contains("\"total\": 0, \"max_points\": 2"), "{name} scored: {line}");
        if let Some(changed) = changed {
            assert!(line.contains(changed), "{name} should be warned about: {line}");
        }
    }
    let table = fs::read_to_string(&csv).expect("csv");
    assert_eq!(table.lines().count(), 1 + 11 - usize::from(cfg!(not(target_os = "linux"))));
    assert!(table.starts_with("student,commit,timestamp,1.1,2.1,total,max_points,warnings\n"));

    // One submission, with reports: the flood's message is cut.
    let report = folder.join("flood.json");
    let junit = folder.join("flood.xml");
    let output = exercise_tool(&[
        "grade",
        "--submission",
        class.join("flood").to_str().expect("UTF-8"),
        "--only",
        "2.1",
        "--work",
        work.to_str().expect("UTF-8"),
        "--json",
        report.to_str().expect("UTF-8"),
        "--junit",
        junit.to_str().expect("UTF-8"),
    ]);
    assert!(output.status.success(), "{}", text(&output));
    for path in [&report, &junit] {
        let size = fs::metadata(path).expect("report").len();
        assert!(size < 8 * 1024, "{} is {size} bytes", path.display());
    }

    // Nothing the graded programs started is left running.
    #[cfg(target_os = "linux")]
    {
        let pid = fs::read_to_string(&pid_file).expect("the program wrote its child's id");
        let state = fs::read_to_string(format!("/proc/{}/stat", pid.trim())).unwrap_or_default();
        // Gone, or a zombie waiting for its new parent to collect it.
        let state = state.rsplit(')').next().and_then(|rest| rest.split_whitespace().next());
        assert!(matches!(state, None | Some("Z")), "sleep {pid} still runs: {state:?}");
    }
    let _ = fs::remove_dir_all(&folder);
}
