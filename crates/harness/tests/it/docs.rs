//! The lessons in `lessons/` stay true: every transcript matches what the
//! programs print today, every code quote matches its source lines, and
//! every command a lesson tells you to type exists.
//!
//! Transcripts are replayed by `harness::transcripts`, which explains how a
//! lesson marks them; `just transcripts` rewrites the ones that changed.
//!
//! - A code quote is a ```` ```rust ```` block right after a caption line
//!   ``From [`PATH`](../PATH#LA-LB), lines A–B:``.
//! - Commands are the `$ ` lines of transcripts, every line of ```` ```sh ````
//!   blocks, and inline code that starts with `just ` or `cargo run -p `.

use std::collections::BTreeMap;
use std::fs;
use std::path::Path;

use harness::transcripts::{
    PROGRAMS, blocks, by_program, cargo_run, compare, lesson_files, normalise, reflow, replay,
    repository, words,
};

/// The recipes the justfile defines.
fn recipes() -> Vec<String> {
    let justfile = fs::read_to_string(repository().join("justfile")).expect("justfile");
    justfile
        .lines()
        .filter_map(|line| {
            let name = line.split(':').next()?;
            let first = name.split_whitespace().next()?;
            let valid = !line.starts_with(' ')
                && !line.starts_with('#')
                && line.contains(':')
                && !line.starts_with("set ");
            valid.then(|| first.to_string())
        })
        .collect()
}

/// What `exercise --help` lists: the exercise tool's commands.
fn exercise_tool_help() -> String {
    let path =
        harness::build_exercise("exercise-check", "exercise").expect("the exercise tool builds");
    let output = std::process::Command::new(path).arg("--help").output().expect("help");
    String::from_utf8_lossy(&output.stdout).to_string()
}

/// The options a program's --help lists.
fn options_of(program: &str) -> String {
    let output = crate::support::program(program).arg("--help").output().expect("help");
    String::from_utf8_lossy(&output.stdout).to_string()
}

fn check_command_exists(
    place: &str,
    line: &str,
    recipes: &[String],
    help: &mut BTreeMap<String, String>,
) -> Result<(), String> {
    let line = line.trim();
    let line = line.strip_prefix("$ ").unwrap_or(line);
    let line = line.split(" #").next().unwrap_or(line).trim();
    if line.is_empty() || line.starts_with('#') {
        return Ok(());
    }
    let command = words(line);
    match command.first().map(String::as_str) {
        Some("just") => match command.get(1) {
            None => Ok(()),
            Some(recipe) if recipes.contains(recipe) => Ok(()),
            Some(recipe) => {
                Err(format!("{place}: `just {recipe}`: the justfile has no such recipe"))
            }
        },
        Some("cargo") => {
            if let Some((program, args)) = cargo_run(&command) {
                if !PROGRAMS.contains(&program.as_str()) {
                    return Err(format!("{place}: `{line}`: there is no program {program}"));
                }
                let options = help.entry(program.clone()).or_insert_with(|| options_of(&program));
                for flag in args.iter().filter(|arg| arg.starts_with('-')) {
                    let listed = options.match_indices(flag.as_str()).any(|(at, _)| {
                        let after = options[at + flag.len()..].chars().next();
                        after.is_none_or(|c| !c.is_alphanumeric() && c != '-')
                    });
                    if !listed {
                        return Err(format!("{place}: `{line}`: {program} has no option {flag}"));
                    }
                }
                return Ok(());
            }
            // The exercise tool: its subcommand must exist.
            if command.starts_with(
                &["cargo", "run", "-p", "exercise-check", "--bin", "exercise"].map(String::from),
            ) {
                let subcommand = command.iter().skip_while(|word| *word != "--").nth(1);
                let help = exercise_tool_help();
                return match subcommand {
                    Some(name)
                        if help
                            .lines()
                            .any(|line| line.trim_start().starts_with(name.as_str())) =>
                    {
                        Ok(())
                    }
                    _ => Err(format!("{place}: `{line}`: the exercise tool has no such command")),
                };
            }
            match command.get(1).map(String::as_str) {
                Some("lesson") => match command.get(2).and_then(|n| n.parse::<u32>().ok()) {
                    Some(number)
                        if harness::lessons::LESSONS.iter().any(|(n, _, _)| *n == number) =>
                    {
                        Ok(())
                    }
                    _ => Err(format!("{place}: `{line}`: no such lesson")),
                },
                Some("test" | "install" | "build" | "fmt" | "clippy") => Ok(()),
                _ => Err(format!("{place}: `{line}`: not a command this course has")),
            }
        }
        Some("nc" | "socat" | "python3" | "rustup" | "curl") => Ok(()),
        _ => Err(format!("{place}: `{line}`: not a command this course has")),
    }
}

fn check_commands(
    file: &Path,
    text: &str,
    recipes: &[String],
    help: &mut BTreeMap<String, String>,
) -> Vec<String> {
    let name = file.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    let mut problems = Vec::new();
    for block in blocks(text) {
        let place = format!("{name}:{}", block.line_number);
        let transcript = block.is_transcript();
        for line in &block.lines {
            let is_command = block.info == "sh" || (transcript && line.starts_with("$ "));
            if is_command && let Err(problem) = check_command_exists(&place, line, recipes, help) {
                problems.push(problem);
            }
        }
    }
    // Inline code in the prose: `just lesson-2`, `cargo run -p tcp-client`.
    let mut in_block = false;
    for (number, line) in text.lines().enumerate() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        if in_block {
            continue;
        }
        for (index, span) in line.split('`').enumerate() {
            if index % 2 == 1
                && (span.starts_with("just ")
                    || span.starts_with("cargo run -p ")
                    || span.starts_with("cargo lesson"))
            {
                let place = format!("{name}:{}", number + 1);
                if let Err(problem) = check_command_exists(&place, span, recipes, help) {
                    problems.push(problem);
                }
            }
        }
    }
    problems
}

fn check_quotes(file: &Path, text: &str) -> Vec<String> {
    let name = file.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    let mut problems = Vec::new();
    for block in blocks(text) {
        if block.info != "rust" {
            continue;
        }
        let place = format!("{name}:{}", block.line_number);
        let Some(quote) = parse_caption(&block.caption) else {
            problems.push(format!(
                "{place}: a rust block must follow a caption like From [`PATH`](../PATH#L1-L5), lines 1–5:"
            ));
            continue;
        };
        let (path, link, first, last) = quote;
        if link != format!("../{path}#L{first}-L{last}") {
            problems.push(format!(
                "{place}: the link {link} does not match {path}, lines {first}–{last}"
            ));
        }
        let Ok(source) = fs::read_to_string(repository().join(&path)) else {
            problems.push(format!("{place}: {path} does not exist"));
            continue;
        };
        let source: Vec<&str> = source.lines().collect();
        let quoted: Vec<&str> =
            source.get(first - 1..last).map(<[&str]>::to_vec).unwrap_or_default();
        let shown: Vec<&str> = block.lines.iter().map(String::as_str).collect();
        if quoted != shown {
            problems.push(format!(
                "{place}: the quote of {path}, lines {first}–{last}, no longer matches the source; the source now says:\n{}",
                quoted.join("\n")
            ));
        }
    }
    problems
}

/// Reads ``From [`PATH`](LINK), lines A–B:``.
fn parse_caption(caption: &str) -> Option<(String, String, usize, usize)> {
    let rest = caption.strip_prefix("From [`")?;
    let (path, rest) = rest.split_once("`](")?;
    let (link, rest) = rest.split_once("), lines ")?;
    let range = rest.strip_suffix(':')?;
    let (first, last) = range.split_once('–')?;
    Some((path.to_string(), link.to_string(), first.parse().ok()?, last.parse().ok()?))
}

/// Every lesson's transcripts match what the programs print today.
///
/// The transcripts were recorded on Linux, and some lines carry the
/// operating system's own wording of an error, so this runs on Linux only.
#[test]
#[cfg_attr(not(target_os = "linux"), ignore = "the transcripts show Linux's wording of OS errors")]
fn transcripts_match_the_programs() {
    let mut problems = Vec::new();
    for file in lesson_files() {
        let text = fs::read_to_string(&file).expect("lesson");
        problems.extend(replay(&file, &text).into_iter().filter_map(|one| one.outcome.err()));
    }
    assert!(
        problems.is_empty(),
        "\n{}\n\nIf the programs changed on purpose, `just transcripts` updates the lessons.",
        problems.join("\n\n")
    );
}

/// Every code quote matches the lines of the file it names.
#[test]
fn code_quotes_match_the_source() {
    let mut problems = Vec::new();
    for file in lesson_files() {
        let text = fs::read_to_string(&file).expect("lesson");
        problems.extend(check_quotes(&file, &text));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
}

/// Every command a lesson (or the README) tells you to type exists.
#[test]
fn commands_exist() {
    let recipes = recipes();
    let mut help = BTreeMap::new();
    let mut problems = Vec::new();
    let mut files = lesson_files();
    files.push(repository().join("README.md"));
    for file in files {
        let text = fs::read_to_string(&file).expect("lesson");
        problems.extend(check_commands(&file, &text, &recipes, &mut help));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n"));
}

/// Every lesson the runner knows has its text.
#[test]
fn every_lesson_has_a_text() {
    for (_, _, file) in harness::lessons::LESSONS {
        assert!(repository().join("lessons").join(file).is_file(), "lessons/{file} is missing");
    }
    assert!(repository().join("lessons/0-concepts.md").is_file());
    assert!(repository().join("lessons/README.md").is_file());
}

// The checker's own pieces, tested on small inputs, so that a broken
// checker cannot pass everything silently.

/// Ports and durations are normalised; other numbers are kept.
#[test]
fn normalise_hides_ports_and_durations_only() {
    assert_eq!(normalise("listening on 127.0.0.1:7"), "listening on 127.0.0.1:PORT");
    assert_eq!(normalise("from [::1]:5 to [::1]:9"), "from [::1]:PORT to [::1]:PORT");
    assert_eq!(
        normalise("no echo within 1.5s: got 16 of 41 bytes"),
        "no echo within TIME: got 16 of 41 bytes"
    );
    assert_eq!(normalise("TCP: 12.3µs per round trip, 300ms"), "TCP: TIME per round trip, TIME");
    assert_eq!(normalise("kind:   io::ErrorKind::AddrInUse"), "kind:   io::ErrorKind::AddrInUse");
    assert_eq!(normalise("received 16 bytes: \"3s\""), "received 16 bytes: \"TIME\"");
    assert_eq!(
        normalise("-- running tcp-client --port 41234 --quiet"),
        "-- running tcp-client --port PORT --quiet"
    );
    assert_eq!(normalise("tcp-server --port 0 (free)"), "tcp-server --port 0 (free)");
    assert_eq!(
        normalise(r#"received "Date: Mon, 30 Nov 2026 09:47:41 GMT\r\n""#),
        r#"received "Date: DATE\r\n""#
    );
    assert_eq!(normalise("Date: Sun, 06 Nov 1994 08:49:37 GMT"), "Date: DATE");
}

/// A changed line is reported; the same lines pass.
#[test]
fn compare_reports_the_first_difference() {
    let shown = vec!["a".to_string(), "b".to_string()];
    assert!(compare("here", "it", &shown, &shown).is_ok());
    let error = compare("here", "it", &shown, &["a".to_string(), "c".to_string()]).unwrap_err();
    assert!(error.contains("at its line 2"), "{error}");
    assert!(compare("here", "it", &shown, &shown[..1]).is_err());
}

/// Demo output is split per program; thread and client numbers are ignored.
#[test]
fn demo_output_is_grouped_by_program() {
    let lines: Vec<String> = [
        "-- starting",
        "     tcp-server | listening on 127.0.0.1:7",
        "     tcp-client ! error: no echo",
        "threaded-server | [worker-2] serving 127.0.0.1:5",
        "threaded-server | [main] connection",
        "   event-server | client 3 (127.0.0.1:5): wrote 41 bytes",
        "   event-server | listener: readable, accepted client 2 (127.0.0.1:6)",
    ]
    .iter()
    .map(|line| line.to_string())
    .collect();
    let groups = by_program(&lines);
    assert_eq!(groups["(demo)"], ["-- starting"]);
    assert_eq!(groups["tcp-server |"], ["listening on 127.0.0.1:PORT"]);
    assert_eq!(groups["tcp-client !"], ["error: no echo"]);
    assert_eq!(
        groups["threaded-server |"],
        ["[main] connection", "[worker-N] serving 127.0.0.1:PORT"]
    );
    assert_eq!(
        groups["event-server |"],
        [
            "client N (127.0.0.1:PORT): wrote 41 bytes",
            "listener: readable, accepted client N (127.0.0.1:PORT)"
        ]
    );
}

/// Captions name a file and a line range.
#[test]
fn captions_are_parsed() {
    assert_eq!(
        parse_caption("From [`crates/a/src/main.rs`](../crates/a/src/main.rs#L3-L9), lines 3–9:"),
        Some(("crates/a/src/main.rs".into(), "../crates/a/src/main.rs#L3-L9".into(), 3, 9))
    );
    assert_eq!(parse_caption("Some prose:"), None);
}

/// Quoted arguments stay one word.
#[test]
fn words_honour_quotes() {
    assert_eq!(words(r#"cargo run -p tcp-client -- --message "hi there""#).len(), 7);
    assert_eq!(words(r#"--message """#), ["--message", ""]);
}

/// Regenerated demo output keeps the lesson's interleaving of programs:
/// each program's k-th line takes the place of its k-th old line, extra
/// lines follow that program's last line, and missing ones are dropped.
#[test]
fn reflow_keeps_the_interleaving() {
    let lines = |text: &[&str]| text.iter().map(|line| line.to_string()).collect::<Vec<_>>();
    let old = lines(&["-- start", "  tcp-server | a1", "  tcp-client | b1", "  tcp-server | a2"]);
    let new = lines(&[
        "-- start",
        "  tcp-client | B1",
        "  tcp-client | B2",
        "  tcp-server | A1",
        "  tcp-server | A2",
        "  tcp-server | A3",
    ]);
    assert_eq!(
        reflow(&old, &new),
        lines(&[
            "-- start",
            "  tcp-server | A1",
            "  tcp-client | B1",
            "  tcp-client | B2",
            "  tcp-server | A2",
            "  tcp-server | A3",
        ])
    );
    assert_eq!(reflow(&old, &lines(&["-- start"])), lines(&["-- start"]));
}

/// The reading times in lessons/README.md follow its own rule: the
/// lesson's words at about 200 a minute, plus a few minutes for its demo.
#[test]
fn reading_times_follow_the_rule() {
    let index = fs::read_to_string(repository().join("lessons/README.md")).expect("index");
    let mut rows = 0;
    for line in index.lines().filter(|line| line.starts_with("| ") && line.ends_with(" min |")) {
        let Some(file) = line.split("](").nth(1).and_then(|rest| rest.split(')').next()) else {
            continue;
        };
        let minutes: usize = line
            .rsplit('|')
            .nth(1)
            .and_then(|cell| cell.trim().strip_suffix(" min"))
            .and_then(|number| number.parse().ok())
            .unwrap_or_else(|| panic!("no time in {line}"));
        let text = fs::read_to_string(repository().join("lessons").join(file)).expect("lesson");
        let reading = text.split_whitespace().count().div_ceil(200);
        assert!(
            (reading..=reading + 10).contains(&minutes),
            "lessons/README.md gives {file} {minutes} min, but its {} words take about {reading} \
             min to read; give between {reading} and {} min",
            text.split_whitespace().count(),
            reading + 10
        );
        rows += 1;
    }
    assert!(rows >= 10, "expected a time for every lesson, found {rows}");
}

/// Each `just lesson-N` builds exactly the programs its demo runs, and the
/// lesson runner: no more (a first lesson stays quick to build), no less
/// (the demo would build the rest silently).
#[test]
fn lesson_recipes_build_what_the_demo_runs() {
    let justfile = fs::read_to_string(repository().join("justfile")).expect("justfile");
    for (number, _, _) in harness::lessons::LESSONS {
        let recipe = format!("lesson-{number}:");
        let build = justfile
            .lines()
            .skip_while(|line| *line != recipe)
            .nth(1)
            .unwrap_or_else(|| panic!("the justfile has no recipe {recipe}"));
        let words: Vec<&str> = build.split_whitespace().collect();
        let after = |flag: &str| -> std::collections::BTreeSet<String> {
            words
                .windows(2)
                .filter(|pair| pair[0] == flag)
                .map(|pair| pair[1].to_string())
                .collect()
        };
        let mut programs: std::collections::BTreeSet<String> =
            harness::lessons::programs_of(*number).iter().map(|name| name.to_string()).collect();
        let mut packages = programs.clone();
        packages.insert("harness".to_string());
        programs.insert("lesson".to_string());
        assert!(build.trim_start().starts_with("@cargo build "), "{recipe} {build}");
        assert_eq!(after("--bin"), programs, "the programs `just lesson-{number}` builds");
        assert_eq!(after("-p"), packages, "the packages `just lesson-{number}` builds");
    }
}
