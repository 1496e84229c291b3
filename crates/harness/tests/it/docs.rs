//! The lessons in `lessons/` stay true: every transcript matches what the
//! programs print today, every code quote matches its source lines, and
//! every command a lesson tells you to type exists.
//!
//! How a lesson marks things so this test can find them:
//!
//! - A transcript is a ```` ```text ```` block whose first line starts with
//!   `$ `. Each `$ ` line is a command; the lines after it are its output.
//!   `$ just lesson-N` runs lesson N's demo. `$ cargo run -p SERVER` starts
//!   a server (on a free port, whatever port the text shows), and the
//!   `$ cargo run -p CLIENT` blocks after it in the same file run against
//!   that server; the server's block is compared when the next server
//!   starts or the file ends.
//! - A code quote is a ```` ```rust ```` block right after a caption line
//!   ``From [`PATH`](../PATH#LA-LB), lines A–B:``.
//! - Commands are the `$ ` lines of transcripts, every line of ```` ```sh ````
//!   blocks, and inline code that starts with `just ` or `cargo run -p `.
//!
//! When output is compared, port numbers and durations may differ, and so
//! may the interleaving of two programs' lines: each program's own lines
//! are compared in order. Lines of threaded-server, whose threads print in
//! whatever order they run, are compared as a set.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use harness::{Process, RUN_TIMEOUT, Server};

const PROGRAMS: &[&str] =
    &["tcp-server", "tcp-client", "udp-server", "udp-client", "threaded-server", "error-handling"];
const SERVERS: &[&str] = &["tcp-server", "udp-server", "threaded-server"];
const CLIENTS: &[&str] = &["tcp-client", "udp-client"];

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every lesson file, in course order.
fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repository().join("lessons"))
        .expect("the lessons folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    files.sort();
    files
}

/// A fenced block: its info string, its lines, and the line before it.
struct Block {
    info: String,
    lines: Vec<String>,
    caption: String,
    line_number: usize,
}

fn blocks(text: &str) -> Vec<Block> {
    let mut blocks = Vec::new();
    let mut lines = text.lines().enumerate();
    let mut previous = String::new();
    while let Some((number, line)) = lines.next() {
        if let Some(info) = line.strip_prefix("```") {
            let mut body = Vec::new();
            for (_, inner) in lines.by_ref() {
                if inner.starts_with("```") {
                    break;
                }
                body.push(inner.to_string());
            }
            blocks.push(Block {
                info: info.trim().to_string(),
                lines: body,
                caption: previous.clone(),
                line_number: number + 1,
            });
        } else if !line.trim().is_empty() {
            previous = line.to_string();
        }
    }
    blocks
}

/// Splits a command line into words, honouring double quotes.
fn words(command: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut quoted = false;
    let mut any = false;
    for character in command.chars() {
        match character {
            '"' => {
                quoted = !quoted;
                any = true;
            }
            ' ' if !quoted => {
                if any {
                    words.push(std::mem::take(&mut word));
                    any = false;
                }
            }
            _ => {
                word.push(character);
                any = true;
            }
        }
    }
    if any {
        words.push(word);
    }
    words
}

/// Replaces what may differ between runs: port numbers after an address,
/// and durations such as `12.5µs` or `300ms`.
fn normalise(line: &str) -> String {
    // A port given on a command line the demo shows: `--port 41234`.
    let line = &match line.split_once("--port ") {
        Some((before, after)) if after.starts_with(|c: char| c.is_ascii_digit() && c != '0') => {
            let rest = after.trim_start_matches(|c: char| c.is_ascii_digit());
            format!("{before}--port PORT{rest}")
        }
        _ => line.to_string(),
    };
    let characters: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut index = 0;
    while index < characters.len() {
        let character = characters[index];
        // A port: ':' after a digit or ']', followed by digits.
        if character == ':'
            && index > 0
            && (characters[index - 1].is_ascii_digit() || characters[index - 1] == ']')
            && characters.get(index + 1).is_some_and(char::is_ascii_digit)
        {
            out.push_str(":PORT");
            index += 1;
            while characters.get(index).is_some_and(char::is_ascii_digit) {
                index += 1;
            }
            continue;
        }
        // A duration: digits, maybe a fraction, then a unit, at a word start.
        if character.is_ascii_digit() && (index == 0 || !characters[index - 1].is_alphanumeric()) {
            let mut end = index;
            while characters.get(end).is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                end += 1;
            }
            let rest: String = characters[end..].iter().take(3).collect();
            for unit in ["ns", "µs", "ms", "s"] {
                if rest.starts_with(unit) {
                    let after = characters.get(end + unit.chars().count());
                    if after.is_none_or(|c| !c.is_alphanumeric()) {
                        out.push_str("TIME");
                        index = end + unit.chars().count();
                        break;
                    }
                }
            }
            if index >= end {
                continue;
            }
        }
        out.push(character);
        index += 1;
    }
    out
}

/// Splits demo output into each program's lines (`name |` for standard
/// output, `name !` for standard error) and the demo's own lines.
fn by_program(lines: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        let trimmed = line.trim_start();
        let labelled = PROGRAMS.iter().find_map(|name| {
            let rest = trimmed.strip_prefix(name)?;
            let (mark, text) = if let Some(text) = rest.strip_prefix(" |") {
                ("|", text)
            } else {
                ("!", rest.strip_prefix(" !")?)
            };
            Some((format!("{name} {mark}"), text.strip_prefix(' ').unwrap_or(text).to_string()))
        });
        let (group, text) = labelled.unwrap_or_else(|| ("(demo)".to_string(), line.clone()));
        groups.entry(group).or_default().push(normalise(&text));
    }
    // Threads print in whatever order they run: compare those lines as a set,
    // with the thread numbers left out.
    for (group, lines) in groups.iter_mut() {
        if group.starts_with("threaded-server") {
            for line in lines.iter_mut() {
                *line = number_free_threads(line);
            }
            lines.sort();
        }
    }
    groups
}

fn number_free_threads(line: &str) -> String {
    let mut out = line.to_string();
    for prefix in ["[thread-", "[worker-", "starting thread-"] {
        if let Some(start) = out.find(prefix) {
            let digits_start = start + prefix.len();
            let digits = out[digits_start..].chars().take_while(char::is_ascii_digit).count();
            out.replace_range(digits_start..digits_start + digits, "N");
        }
    }
    out
}

/// Compares what a program printed with what the lesson shows, line by line,
/// and explains the first difference.
fn compare(place: &str, what: &str, shown: &[String], printed: &[String]) -> Result<(), String> {
    if shown == printed {
        return Ok(());
    }
    let first = shown
        .iter()
        .zip(printed)
        .position(|(a, b)| a != b)
        .unwrap_or(shown.len().min(printed.len()));
    Err(format!(
        "{place}: {what} differs from the lesson at its line {}:\n  lesson shows: {:?}\n  program says: {:?}\n--- the program printed ---\n{}",
        first + 1,
        shown.get(first),
        printed.get(first),
        printed.join("\n")
    ))
}

/// One transcript command and the output the lesson shows for it.
struct Shown {
    command: Vec<String>,
    output: Vec<String>,
}

fn transcript(block: &Block) -> Vec<Shown> {
    let mut shown: Vec<Shown> = Vec::new();
    for line in &block.lines {
        if let Some(command) = line.strip_prefix("$ ") {
            shown.push(Shown { command: words(command), output: Vec::new() });
        } else if let Some(last) = shown.last_mut() {
            last.output.push(line.clone());
        }
    }
    shown
}

/// `cargo run -p NAME -- ARGS` as (NAME, ARGS).
fn cargo_run(command: &[String]) -> Option<(String, Vec<String>)> {
    if command.len() < 4 || command[0] != "cargo" || command[1] != "run" || command[2] != "-p" {
        return None;
    }
    let args = match command.get(4).map(String::as_str) {
        Some("--") => command[5..].to_vec(),
        Some(_) => return None,
        None => Vec::new(),
    };
    Some((command[3].clone(), args))
}

/// Replaces `--port` in `args`, or adds it when `add` is true.
fn with_port(args: &[String], port: &str, add: bool) -> Vec<String> {
    let mut out = Vec::new();
    let mut replaced = false;
    let mut iterator = args.iter();
    while let Some(arg) = iterator.next() {
        out.push(arg.clone());
        if arg == "--port" {
            iterator.next();
            out.push(port.to_string());
            replaced = true;
        }
    }
    if add && !replaced {
        out.extend(["--port".to_string(), port.to_string()]);
    }
    out
}

/// A server started by a transcript, and what the lesson shows it print.
struct Session {
    server: Server,
    shown: Vec<String>,
    place: String,
}

impl Session {
    fn finish(self) -> Result<(), String> {
        let shown: Vec<String> = self.shown.iter().map(|line| normalise(line)).collect();
        // Wait until the server has printed as much as the lesson shows.
        self.server.process().wait_for_line_count(shown.len(), Duration::from_secs(20));
        let finished = self.server.stop();
        let printed: Vec<String> =
            finished.stdout.iter().chain(&finished.stderr).map(|line| normalise(line)).collect();
        compare(&self.place, "the server's output", &shown, &printed)
    }
}

fn run_one_shot(name: &str, args: &[String]) -> Result<Vec<String>, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let finished = Process::start(name, &args)
        .and_then(|process| process.wait(RUN_TIMEOUT))
        .map_err(|error| format!("{error:#}"))?;
    Ok(finished.stdout.iter().chain(&finished.stderr).map(|line| normalise(line)).collect())
}

fn check_transcripts(file: &Path, text: &str) -> Vec<String> {
    let mut problems = Vec::new();
    let mut session: Option<Session> = None;
    let name = file.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    for block in blocks(text) {
        if block.info != "text" || !block.lines.first().is_some_and(|line| line.starts_with("$ ")) {
            continue;
        }
        let place = format!("{name}:{}", block.line_number);
        for shown in transcript(&block) {
            let result = check_command(&place, &shown, &mut session);
            if let Err(problem) = result {
                problems.push(problem);
            }
        }
    }
    if let Some(session) = session.take()
        && let Err(problem) = session.finish()
    {
        problems.push(problem);
    }
    problems
}

fn check_command(place: &str, shown: &Shown, session: &mut Option<Session>) -> Result<(), String> {
    let command = &shown.command;
    let expected: Vec<String> = shown.output.iter().map(|line| normalise(line)).collect();
    if command.len() == 2 && command[0] == "just" && command[1].starts_with("lesson-") {
        let number = &command[1]["lesson-".len()..];
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_lesson"))
            .arg(number)
            .output()
            .map_err(|error| format!("{place}: cannot run the lesson demo: {error}"))?;
        let printed: Vec<String> =
            String::from_utf8_lossy(&output.stdout).lines().map(str::to_string).collect();
        let printed = by_program(&printed);
        let shown = by_program(&shown.output);
        let names: Vec<&String> = printed.keys().chain(shown.keys()).collect();
        for group in names {
            compare(
                place,
                &format!("the lines of {group}"),
                shown.get(group).map(Vec::as_slice).unwrap_or(&[]),
                printed.get(group).map(Vec::as_slice).unwrap_or(&[]),
            )?;
        }
        return Ok(());
    }
    let Some((program, args)) = cargo_run(command) else {
        return Err(format!(
            "{place}: the test cannot run `{}`; show its output in prose instead",
            command.join(" ")
        ));
    };
    if SERVERS.contains(&program.as_str())
        && expected.iter().any(|line| line.starts_with("listening on "))
    {
        if let Some(previous) = session.take() {
            previous.finish()?;
        }
        // The harness adds --port 0, so drop any port the lesson shows.
        let mut kept = Vec::new();
        let mut iterator = args.iter();
        while let Some(arg) = iterator.next() {
            if arg == "--port" {
                iterator.next();
            } else {
                kept.push(arg.as_str());
            }
        }
        let args = kept;
        let server =
            Server::start(&program, &args).map_err(|error| format!("{place}: {error:#}"))?;
        *session = Some(Session { server, shown: shown.output.clone(), place: place.to_string() });
        return Ok(());
    }
    // Only programs aimed at this machine are pointed at the lesson's server.
    let host = args.iter().skip_while(|arg| *arg != "--host").nth(1).map(String::as_str);
    let local = matches!(host, None | Some("127.0.0.1" | "::1" | "[::1]" | "localhost"));
    let args = match session {
        Some(session) if local => {
            let port = session.server.port();
            // Clients go to the lesson's server; so does a second server,
            // which shows what happens when a port is taken.
            let to_server =
                CLIENTS.contains(&program.as_str()) || SERVERS.contains(&program.as_str());
            with_port(&args, &port, to_server)
        }
        None if CLIENTS.contains(&program.as_str())
            && !args.iter().any(|arg| arg == "no.such.host.invalid") =>
        {
            return Err(format!(
                "{place}: `{}` needs a server started before it",
                command.join(" ")
            ));
        }
        _ => args,
    };
    let printed = run_one_shot(&program, &args).map_err(|error| format!("{place}: {error}"))?;
    compare(place, &format!("the output of {program}"), &expected, &printed)
}

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
                    Some(1..=7) => Ok(()),
                    _ => Err(format!("{place}: `{line}`: no such lesson")),
                },
                Some("test" | "install" | "build" | "fmt" | "clippy") => Ok(()),
                _ => Err(format!("{place}: `{line}`: not a command this course has")),
            }
        }
        Some("nc" | "socat" | "python3" | "rustup") => Ok(()),
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
        let transcript =
            block.info == "text" && block.lines.first().is_some_and(|line| line.starts_with("$ "));
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
        problems.extend(check_transcripts(&file, &text));
    }
    assert!(problems.is_empty(), "\n{}", problems.join("\n\n"));
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

/// Demo output is split per program; thread numbers are ignored.
#[test]
fn demo_output_is_grouped_by_program() {
    let lines: Vec<String> = [
        "-- starting",
        "     tcp-server | listening on 127.0.0.1:7",
        "     tcp-client ! error: no echo",
        "threaded-server | [worker-2] serving 127.0.0.1:5",
        "threaded-server | [main] connection",
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
