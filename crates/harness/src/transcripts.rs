//! Transcripts: the ```` ```text ```` blocks of the lessons that show a
//! command and what it printed. The docs test (`tests/it/docs.rs`) reruns
//! every one and compares; `just transcripts` reruns every one and writes
//! what the programs print today back into the lesson.
//!
//! How a lesson marks things:
//!
//! - A transcript is a ```` ```text ```` block whose first line starts with
//!   `$ `. Each `$ ` line is a command; the lines after it are its output.
//!   `$ just lesson-N` runs lesson N's demo. `$ cargo run -p SERVER` starts
//!   a server (on a free port, whatever port the text shows), and the
//!   `$ cargo run -p CLIENT` blocks after it in the same file run against
//!   that server; the server's block is compared when the next server
//!   starts or the file ends.
//!
//! When output is compared, port numbers and durations may differ, and so
//! may the interleaving of two programs' lines: each program's own lines
//! are compared in order. Lines of threaded-server, whose threads print in
//! whatever order they run, and of event-server, which serves its clients
//! in whatever order they become ready, are compared as a set, with thread
//! and client numbers left out. When `just transcripts`
//! rewrites a lesson, it keeps every command's lines that still compare
//! equal, so a rerun changes only what really changed.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{Process, RUN_TIMEOUT, Server};

/// The lesson programs a transcript or a lesson's command may run.
pub const PROGRAMS: &[&str] = &[
    "tcp-server",
    "tcp-client",
    "udp-server",
    "udp-client",
    "threaded-server",
    "error-handling",
    "event-server",
    "http-server",
    "http-client",
];
const SERVERS: &[&str] =
    &["tcp-server", "udp-server", "threaded-server", "event-server", "http-server"];
const CLIENTS: &[&str] = &["tcp-client", "udp-client"];

/// The course's folder: the workspace root.
pub fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// Every lesson file, in course order.
pub fn lesson_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = fs::read_dir(repository().join("lessons"))
        .expect("the lessons folder")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|extension| extension == "md"))
        .collect();
    files.sort();
    files
}

/// A fenced block: its info string, its lines, and the line before it.
pub struct Block {
    pub info: String,
    pub lines: Vec<String>,
    /// The last non-blank line before the block.
    pub caption: String,
    /// The line number (from 1) of the opening fence.
    pub line_number: usize,
}

impl Block {
    /// Whether this block is a transcript.
    pub fn is_transcript(&self) -> bool {
        self.info == "text" && self.lines.first().is_some_and(|line| line.starts_with("$ "))
    }
}

pub fn blocks(text: &str) -> Vec<Block> {
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
pub fn words(command: &str) -> Vec<String> {
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
/// durations such as `12.5µs` or `300ms`, and the time in an HTTP `Date:`
/// header (`Date: Mon, 30 Nov 2026 09:47:41 GMT`).
pub fn normalise(line: &str) -> String {
    let line = &match line.split_once("Date: ") {
        Some((before, after)) if after.contains(" GMT") => {
            let rest = &after[after.find(" GMT").expect("checked") + " GMT".len()..];
            format!("{before}Date: DATE{rest}")
        }
        _ => line.to_string(),
    };
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
pub fn by_program(lines: &[String]) -> BTreeMap<String, Vec<String>> {
    let mut groups: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for line in lines {
        let (group, text) = labelled(line);
        groups.entry(group).or_default().push(normalise(&text));
    }
    // Threads print in whatever order they run, and an event loop serves
    // clients in whatever order they are ready: compare those lines as a
    // set, with the thread and client numbers left out.
    for (group, lines) in groups.iter_mut() {
        if group.starts_with("threaded-server") || group.starts_with("event-server") {
            for line in lines.iter_mut() {
                *line = number_free_threads(line);
            }
            lines.sort();
        }
    }
    groups
}

/// A demo line's group (`tcp-server |` for standard output, `tcp-server !`
/// for standard error, `(demo)` for the demo's own lines) and its text.
fn labelled(line: &str) -> (String, String) {
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
    labelled.unwrap_or_else(|| ("(demo)".to_string(), line.to_string()))
}

/// New demo output laid out like the lesson's old lines: the k-th line of
/// each program takes the place of that program's k-th old line, so the
/// interleaving the lesson chose (programs run at once, and their lines
/// arrive in any order) survives a rerun. Extra lines go after the
/// program's last line; lines no longer printed are dropped.
pub fn reflow(old: &[String], new: &[String]) -> Vec<String> {
    let mut queues: BTreeMap<String, std::collections::VecDeque<String>> = BTreeMap::new();
    for line in new {
        queues.entry(labelled(line).0).or_default().push_back(line.clone());
    }
    let mut out: Vec<String> = Vec::new();
    let mut last_of: BTreeMap<String, usize> = BTreeMap::new();
    for line in old {
        let group = labelled(line).0;
        if let Some(next) = queues.get_mut(&group).and_then(|queue| queue.pop_front()) {
            out.push(next);
            last_of.insert(group, out.len());
        }
    }
    // What is left, in the order it was printed, after its program's last
    // line (or at the end, for a program the lesson did not show).
    for line in new {
        let group = labelled(line).0;
        let Some(queue) = queues.get_mut(&group) else { continue };
        if queue.front() != Some(line) {
            continue;
        }
        let line = queue.pop_front().expect("front exists");
        let at = last_of.get(&group).copied().unwrap_or(out.len());
        out.insert(at, line);
        for position in last_of.values_mut() {
            if *position >= at {
                *position += 1;
            }
        }
        last_of.insert(group, at + 1);
    }
    out
}

fn number_free_threads(line: &str) -> String {
    let mut out = line.to_string();
    for prefix in ["[thread-", "[worker-", "starting thread-", "client "] {
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
pub fn compare(
    place: &str,
    what: &str,
    shown: &[String],
    printed: &[String],
) -> Result<(), String> {
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
pub struct Shown {
    pub command: Vec<String>,
    pub output: Vec<String>,
    /// Where the output lines are in the block, counted from its first line.
    pub first_output_line: usize,
}

pub fn transcript(block: &Block) -> Vec<Shown> {
    let mut shown: Vec<Shown> = Vec::new();
    for (index, line) in block.lines.iter().enumerate() {
        if let Some(command) = line.strip_prefix("$ ") {
            shown.push(Shown {
                command: words(command),
                output: Vec::new(),
                first_output_line: index + 1,
            });
        } else if let Some(last) = shown.last_mut() {
            last.output.push(line.clone());
        }
    }
    shown
}

/// `cargo run -p NAME -- ARGS` as (NAME, ARGS).
pub fn cargo_run(command: &[String]) -> Option<(String, Vec<String>)> {
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

/// What rerunning one transcript command found.
pub struct Replayed {
    /// `lesson.md:LINE`, the block's place, for messages.
    pub place: String,
    /// Where the command's output lines are in the file (from 0), and how
    /// many lines the lesson shows.
    pub first_line: usize,
    pub shown_lines: usize,
    /// What the lesson shows.
    pub shown: Vec<String>,
    /// Whether the command is a lesson demo, whose programs' lines interleave.
    pub demo: bool,
    /// What the program printed, as it printed it, when it could be run.
    pub printed: Option<Vec<String>>,
    /// `Err` explains how the lesson and the program differ.
    pub outcome: Result<(), String>,
}

/// A server started by a transcript, waiting for its clients to finish.
struct Session {
    server: Server,
    shown: Vec<String>,
    place: String,
    first_line: usize,
}

impl Session {
    fn finish(self) -> Replayed {
        let shown: Vec<String> = self.shown.iter().map(|line| normalise(line)).collect();
        // Wait until the server has printed as much as the lesson shows.
        self.server.process().wait_for_line_count(shown.len(), Duration::from_secs(20));
        let finished = self.server.stop();
        let raw: Vec<String> = finished.stdout.iter().chain(&finished.stderr).cloned().collect();
        let printed: Vec<String> = raw.iter().map(|line| normalise(line)).collect();
        Replayed {
            outcome: compare(&self.place, "the server's output", &shown, &printed),
            place: self.place,
            first_line: self.first_line,
            shown_lines: self.shown.len(),
            shown: self.shown,
            demo: false,
            printed: Some(raw),
        }
    }
}

fn run_one_shot(name: &str, args: &[String]) -> Result<Vec<String>, String> {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let finished = Process::start(name, &args)
        .and_then(|process| process.wait(RUN_TIMEOUT))
        .map_err(|error| format!("{error:#}"))?;
    Ok(finished.stdout.iter().chain(&finished.stderr).cloned().collect())
}

/// Reruns every transcript of one lesson, in order, and says for each
/// command whether the lesson still shows what the program prints.
pub fn replay(file: &Path, text: &str) -> Vec<Replayed> {
    let mut replayed = Vec::new();
    let mut session: Option<Session> = None;
    let name = file.file_name().map(|name| name.to_string_lossy().to_string()).unwrap_or_default();
    for block in blocks(text) {
        if !block.is_transcript() {
            continue;
        }
        let place = format!("{name}:{}", block.line_number);
        for shown in transcript(&block) {
            // The fence is at line_number (from 1), so the block's first
            // line is at index line_number in the file's lines.
            let first_line = block.line_number + shown.first_output_line;
            let mut result = Replayed {
                place: place.clone(),
                first_line,
                shown_lines: shown.output.len(),
                shown: shown.output.clone(),
                demo: shown.command.first().is_some_and(|word| word == "just"),
                printed: None,
                outcome: Ok(()),
            };
            match run_command(&place, &shown, first_line, &mut session, &mut replayed) {
                Ok(Some(printed)) => {
                    result.outcome = printed.1;
                    result.printed = Some(printed.0);
                    replayed.push(result);
                }
                // A server: its lines are compared when it stops.
                Ok(None) => {}
                Err(problem) => {
                    result.outcome = Err(problem);
                    replayed.push(result);
                }
            }
        }
    }
    if let Some(session) = session.take() {
        replayed.push(session.finish());
    }
    replayed
}

type Printed = (Vec<String>, Result<(), String>);

/// Runs one command. `Ok(None)` for a server, which goes on running.
fn run_command(
    place: &str,
    shown: &Shown,
    first_line: usize,
    session: &mut Option<Session>,
    replayed: &mut Vec<Replayed>,
) -> Result<Option<Printed>, String> {
    let command = &shown.command;
    let expected: Vec<String> = shown.output.iter().map(|line| normalise(line)).collect();
    if command.len() == 2 && command[0] == "just" && command[1].starts_with("lesson-") {
        let number = &command[1]["lesson-".len()..];
        let lesson = crate::binary("lesson").map_err(|error| format!("{place}: {error:#}"))?;
        let output = std::process::Command::new(lesson)
            .arg(number)
            .output()
            .map_err(|error| format!("{place}: cannot run the lesson demo: {error}"))?;
        let raw: Vec<String> =
            String::from_utf8_lossy(&output.stdout).lines().map(str::to_string).collect();
        let outcome = compare_demo(place, &shown.output, &raw);
        return Ok(Some((raw, outcome)));
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
            replayed.push(previous.finish());
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
        let server =
            Server::start(&program, &kept).map_err(|error| format!("{place}: {error:#}"))?;
        *session = Some(Session {
            server,
            shown: shown.output.clone(),
            place: place.to_string(),
            first_line,
        });
        return Ok(None);
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
    let raw = run_one_shot(&program, &args).map_err(|error| format!("{place}: {error}"))?;
    let printed: Vec<String> = raw.iter().map(|line| normalise(line)).collect();
    let outcome = compare(place, &format!("the output of {program}"), &expected, &printed);
    Ok(Some((raw, outcome)))
}

/// Compares a demo's output with what the lesson shows, program by program.
pub fn compare_demo(place: &str, shown: &[String], printed: &[String]) -> Result<(), String> {
    let printed = by_program(printed);
    let shown = by_program(shown);
    let names: Vec<&String> = printed.keys().chain(shown.keys()).collect();
    for group in names {
        compare(
            place,
            &format!("the lines of {group}"),
            shown.get(group).map(Vec::as_slice).unwrap_or(&[]),
            printed.get(group).map(Vec::as_slice).unwrap_or(&[]),
        )?;
    }
    Ok(())
}

/// The lines a lesson shows for `$ just lesson-N`, if it shows them.
pub fn demo_transcript(text: &str, number: u32) -> Option<Vec<String>> {
    let wanted = format!("lesson-{number}");
    blocks(text).iter().filter(|block| block.is_transcript()).find_map(|block| {
        transcript(block)
            .into_iter()
            .find(|shown| shown.command == ["just", wanted.as_str()])
            .map(|shown| shown.output)
    })
}

/// The lesson's text with every transcript that no longer matches replaced
/// by what the programs print today, and how many commands changed.
///
/// A command that could not be run at all is an error: its lines are not
/// guessed at.
pub fn regenerate(file: &Path, text: &str) -> Result<(String, usize), String> {
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let mut replayed = replay(file, text);
    // Replace from the end, so earlier line numbers stay right.
    replayed.sort_by_key(|one| std::cmp::Reverse(one.first_line));
    let mut changed = 0;
    for one in replayed {
        match (&one.outcome, one.printed) {
            (Ok(()), _) => {}
            (Err(_), Some(printed)) => {
                let printed = if one.demo { reflow(&one.shown, &printed) } else { printed };
                // A line that only differs in a port or a duration keeps the
                // lesson's wording, so a rerun changes only what changed.
                let printed: Vec<String> = printed
                    .into_iter()
                    .enumerate()
                    .map(|(index, line)| match one.shown.get(index) {
                        Some(old) if normalise(old) == normalise(&line) => old.clone(),
                        _ => line,
                    })
                    .collect();
                lines.splice(one.first_line..one.first_line + one.shown_lines, printed);
                changed += 1;
            }
            (Err(problem), None) => return Err(problem.clone()),
        }
    }
    let mut out = lines.join("\n");
    if text.ends_with('\n') {
        out.push('\n');
    }
    Ok((out, changed))
}
