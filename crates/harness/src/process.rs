//! Starting lesson programs, talking to them, and always stopping them.
//!
//! The tests and the lesson runner need the same few things: start a server
//! on a port the operating system picks (`--port 0`), learn that port from
//! the line the server prints first, run clients against it, collect what
//! every program printed, and stop every process again, even when a test
//! fails half-way. [`Process`] and [`Server`] do that; dropping one kills
//! the program and waits for it, so nothing is left running.
//!
//! # Which binary runs
//!
//! Cargo builds a test's own package, not the other workspace members, so a
//! test that simply looked in `target/debug` could run an old build of
//! `tcp-server`. [`binary`] avoids that: the first time a process asks for a
//! binary, it runs `cargo build --workspace --bins` (a no-op when nothing
//! changed) with the same profile and target directory as the running
//! program, then uses the binaries next to it.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// How long a server may take to announce its address.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a client run may take before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The text a server prints before its address, on its first line.
pub const ANNOUNCEMENT: &str = "listening on ";

/// The workspace packages that hold exercises. They are built one binary
/// at a time, on demand, so that a learner's unfinished exercise can never
/// stop the lesson programs from building.
pub const EXERCISE_PACKAGES: &[&str] = &["exercises", "exercise-solutions"];

/// The path of a lesson program, such as `"tcp-server"`.
///
/// The first call brings every lesson program up to date (see the module
/// documentation); later calls only build the path.
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let directory = prepare_binaries()?;
    let path = directory.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        bail!("there is no program {name:?} at {}", path.display());
    }
    Ok(path)
}

/// Builds the lesson programs once per process, if this process runs under
/// cargo, and returns the folder they are in.
pub fn prepare_binaries() -> anyhow::Result<&'static Path> {
    static DIRECTORY: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let prepared = DIRECTORY.get_or_init(|| {
        let build = Build::here()?;
        let mut args = vec!["--workspace", "--bins"];
        for package in EXERCISE_PACKAGES {
            args.extend(["--exclude", package]);
        }
        build
            .run(&args)
            .map_err(|error| format!("building the lesson programs failed:\n{error}"))?;
        Ok(build.directory.clone())
    });
    match prepared {
        Ok(directory) => Ok(directory),
        Err(message) => Err(anyhow!("{message}")),
    }
}

/// Builds one binary of an exercise package and returns its path. When the
/// code does not compile, the error holds the compiler's messages.
pub fn build_exercise(package: &str, name: &str) -> anyhow::Result<PathBuf> {
    let build = Build::here().map_err(|message| anyhow!("{message}"))?;
    build.run(&["-p", package, "--bin", name]).map_err(|messages| anyhow!("{messages}"))?;
    let path = build.directory.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        bail!("there is no program {name:?} at {}", path.display());
    }
    Ok(path)
}

/// How to run cargo so that it builds into the folder the running program
/// came from, with the same profile.
struct Build {
    cargo: Option<std::ffi::OsString>,
    directory: PathBuf,
    profile: String,
}

impl Build {
    fn here() -> Result<Build, String> {
        let me = std::env::current_exe()
            .map_err(|error| format!("cannot find the running program: {error}"))?;
        // Tests live in target/<profile>/deps, binaries in target/<profile>.
        let mut directory = me.parent().ok_or("the running program has no folder")?;
        if directory.ends_with("deps") {
            directory = directory.parent().ok_or("deps has no parent folder")?;
        }
        let profile = match directory.file_name().and_then(|name| name.to_str()) {
            Some("debug") => "dev".to_string(),
            Some(other) => other.to_string(),
            None => {
                return Err(format!("cannot tell the build profile from {}", directory.display()));
            }
        };
        // CARGO is set by cargo for the tests and programs it runs. Without
        // it (a binary started by hand), the binaries beside this one are used.
        let cargo = std::env::var_os("CARGO");
        Ok(Build { cargo, directory: directory.to_path_buf(), profile })
    }

    /// Runs `cargo build ARGS`; on failure, returns cargo's messages.
    fn run(&self, args: &[&str]) -> Result<(), String> {
        let Some(cargo) = &self.cargo else {
            return Ok(());
        };
        let target_directory = self.directory.parent().ok_or("the profile folder has no parent")?;
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
        let output = Command::new(cargo)
            .arg("build")
            .args(args)
            .arg("--profile")
            .arg(&self.profile)
            .arg("--target-dir")
            .arg(target_directory)
            .arg("--manifest-path")
            .arg(&manifest)
            .arg("--quiet")
            .arg("--color")
            .arg("never")
            .stdin(Stdio::null())
            .output()
            .map_err(|error| format!("cannot run cargo: {error}"))?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr).trim_end().to_string())
        }
    }
}

/// Lines a program printed on one of its outputs, shared with the thread
/// that reads them.
#[derive(Default)]
struct Captured {
    state: Mutex<CapturedState>,
    changed: Condvar,
}

#[derive(Default)]
struct CapturedState {
    lines: Vec<String>,
    closed: bool,
}

impl Captured {
    fn lock(&self) -> MutexGuard<'_, CapturedState> {
        // A poisoned lock only means a reader thread panicked while pushing
        // a line; the lines themselves are still fine to read.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lines(&self) -> Vec<String> {
        self.lock().lines.clone()
    }
}

/// Reads a pipe line by line until it closes, keeping every line and, for
/// the lesson runner, printing it at once with the program's name in front.
/// Reading on a thread of its own means the pipe never fills up, which
/// would block the program mid-`println!`.
fn read_lines(pipe: impl Read, captured: Arc<Captured>, label: Option<String>) {
    let mut reader = BufReader::new(pipe);
    let mut raw = Vec::new();
    loop {
        raw.clear();
        match reader.read_until(b'\n', &mut raw) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                let line = String::from_utf8_lossy(&raw);
                let line = line.trim_end_matches(['\n', '\r']).to_string();
                if let Some(label) = &label {
                    let shown = format!("{label} {line}");
                    let _ = writeln!(io::stdout().lock(), "{}", shown.trim_end());
                }
                captured.lock().lines.push(line);
                captured.changed.notify_all();
            }
        }
    }
    captured.lock().closed = true;
    captured.changed.notify_all();
}

/// Waits until `check` finds what it looks for in the captured lines, the
/// pipe closes, or `timeout` passes. `Err(true)` means the pipe closed
/// first, `Err(false)` that time ran out.
fn wait_until<T>(
    captured: &Captured,
    timeout: Duration,
    check: impl Fn(&[String]) -> Option<T>,
) -> Result<T, bool> {
    let deadline = Instant::now() + timeout;
    let mut state = captured.lock();
    loop {
        if let Some(found) = check(&state.lines) {
            return Ok(found);
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if state.closed || left.is_zero() {
            return Err(state.closed);
        }
        state = captured
            .changed
            .wait_timeout(state, left)
            .map(|(state, _)| state)
            .unwrap_or_else(|poisoned| poisoned.into_inner().0);
    }
}

/// What a program printed, and how it ended.
#[derive(Debug)]
pub struct Finished {
    pub name: String,
    /// `None` when the harness had to kill the program.
    pub status: Option<ExitStatus>,
    pub stdout: Vec<String>,
    pub stderr: Vec<String>,
}

impl Finished {
    /// Whether the program ended by itself with exit status 0.
    pub fn success(&self) -> bool {
        self.status.is_some_and(|status| status.success())
    }

    /// Everything the program printed, for error messages.
    pub fn describe(&self) -> String {
        let status = match self.status {
            Some(status) => status.to_string(),
            None => "killed by the harness".to_string(),
        };
        format!(
            "{} ({status})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            self.name,
            self.stdout.join("\n"),
            self.stderr.join("\n")
        )
    }
}

/// Every program started through this module that may still run, so that
/// [`stop_all`] can end them.
static RUNNING: Mutex<Vec<Weak<Mutex<Child>>>> = Mutex::new(Vec::new());

/// Stops every program this process started through the harness. A grader
/// calls it when a check runs out of time, so that nothing is left behind.
pub fn stop_all() {
    let running =
        std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    for child in running.iter().filter_map(Weak::upgrade) {
        let mut child = child.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// A running lesson program. Dropping it kills the program and waits for it.
pub struct Process {
    name: String,
    child: Arc<Mutex<Child>>,
    stdout: Arc<Captured>,
    stderr: Arc<Captured>,
    readers: Vec<JoinHandle<()>>,
}

impl Process {
    /// Starts lesson program `name` with `args`, its output captured.
    pub fn start(name: &str, args: &[&str]) -> anyhow::Result<Process> {
        Self::start_labelled(name, args, None)
    }

    /// Starts lesson program `name`; with a `label`, every line it prints is
    /// also shown at once, after the label (stderr lines marked with `!`).
    pub fn start_labelled(
        name: &str,
        args: &[&str],
        label: Option<&str>,
    ) -> anyhow::Result<Process> {
        Self::start_path(&binary(name)?, name, args, label)
    }

    /// Starts the program at `path`, calling it `name` in messages.
    pub fn start_path(
        path: &Path,
        name: &str,
        args: &[&str],
        label: Option<&str>,
    ) -> anyhow::Result<Process> {
        Self::start_with_input(path, name, args, label, None)
    }

    /// Like [`start_path`](Self::start_path), with `input` written to the
    /// program's standard input (which is then closed).
    pub fn start_with_input(
        path: &Path,
        name: &str,
        args: &[&str],
        label: Option<&str>,
        input: Option<Vec<u8>>,
    ) -> anyhow::Result<Process> {
        let mut child = Command::new(path)
            .args(args)
            .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {}", path.display()))?;
        if let (Some(mut pipe), Some(input)) = (child.stdin.take(), input) {
            // A thread of its own, so that a program that does not read its
            // input cannot block us; dropping the pipe closes it.
            thread::spawn(move || {
                let _ = pipe.write_all(&input);
            });
        }
        let stdout = Arc::new(Captured::default());
        let stderr = Arc::new(Captured::default());
        let mut readers = Vec::new();
        if let Some(pipe) = child.stdout.take() {
            let captured = Arc::clone(&stdout);
            let label = label.map(|label| format!("{label} |"));
            readers.push(thread::spawn(move || read_lines(pipe, captured, label)));
        }
        if let Some(pipe) = child.stderr.take() {
            let captured = Arc::clone(&stderr);
            let label = label.map(|label| format!("{label} !"));
            readers.push(thread::spawn(move || read_lines(pipe, captured, label)));
        }
        let child = Arc::new(Mutex::new(child));
        let mut running = RUNNING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        running.retain(|child| child.strong_count() > 0);
        running.push(Arc::downgrade(&child));
        drop(running);
        Ok(Process { name: name.to_string(), child, stdout, stderr, readers })
    }

    /// The operating system's id for the program's process.
    pub fn id(&self) -> u32 {
        self.child().id()
    }

    /// The lines printed on standard output so far.
    pub fn stdout(&self) -> Vec<String> {
        self.stdout.lines()
    }

    /// The lines printed on standard error so far.
    pub fn stderr(&self) -> Vec<String> {
        self.stderr.lines()
    }

    /// Waits until a line printed on standard output satisfies `wanted`,
    /// and returns it. Fails when the program closes its output first or
    /// `timeout` passes.
    pub fn wait_for_line(
        &self,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        self.wait_for(&self.stdout, "standard output", timeout, wanted)
    }

    /// Like [`wait_for_line`](Self::wait_for_line), for standard error.
    pub fn wait_for_error_line(
        &self,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        self.wait_for(&self.stderr, "standard error", timeout, wanted)
    }

    /// Waits until the program has printed at least `count` lines on
    /// standard output, or closed it, or `timeout` has passed. Returns
    /// whether the lines are there.
    pub fn wait_for_line_count(&self, count: usize, timeout: Duration) -> bool {
        wait_until(&self.stdout, timeout, |lines| (lines.len() >= count).then_some(())).is_ok()
    }

    fn wait_for(
        &self,
        captured: &Captured,
        which: &str,
        timeout: Duration,
        wanted: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let found =
            wait_until(captured, timeout, |lines| lines.iter().find(|line| wanted(line)).cloned());
        found.map_err(|closed| {
            let why = if closed { "before it closed".to_string() } else { format!("within {timeout:?}") };
            anyhow!(
                "{} did not print the line we waited for on {which} {why}\n--- stdout ---\n{}\n--- stderr ---\n{}",
                self.name,
                self.stdout().join("\n"),
                self.stderr().join("\n")
            )
        })
    }

    /// Waits for the program to end by itself, for at most `timeout`. A
    /// program still running then is killed, and that is an error.
    pub fn wait(mut self, timeout: Duration) -> anyhow::Result<Finished> {
        let deadline = Instant::now() + timeout;
        loop {
            let exited = self.child().try_wait().context("cannot check on the program")?;
            if let Some(status) = exited {
                return Ok(self.collect(Some(status)));
            }
            if Instant::now() >= deadline {
                self.kill();
                let finished = self.collect(None);
                bail!(
                    "{} was still running after {timeout:?}, so it was stopped\n{}",
                    finished.name,
                    finished.describe()
                );
            }
            // Polling is plain and portable; the child's exit is seen within 10 ms.
            thread::sleep(Duration::from_millis(10));
        }
    }

    /// Stops the program (if it still runs) and returns what it printed.
    pub fn stop(mut self) -> Finished {
        let exited = self.child().try_wait();
        let status = match exited {
            Ok(Some(status)) => Some(status),
            _ => {
                self.kill();
                None
            }
        };
        self.collect(status)
    }

    fn child(&self) -> MutexGuard<'_, Child> {
        self.child.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn kill(&self) {
        let mut child = self.child();
        let _ = child.kill();
        let _ = child.wait();
    }

    fn collect(&mut self, status: Option<ExitStatus>) -> Finished {
        // The program has ended, so its pipes close and the readers finish.
        for reader in self.readers.drain(..) {
            let _ = reader.join();
        }
        Finished {
            name: self.name.clone(),
            status,
            stdout: self.stdout.lines(),
            stderr: self.stderr.lines(),
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Harmless if the program has already ended.
        self.kill();
    }
}

/// A running server program, and the address it announced.
pub struct Server {
    process: Process,
    address: SocketAddr,
}

impl Server {
    /// Starts server program `name` with `args` plus `--port 0`, and waits
    /// (at most [`START_TIMEOUT`]) for it to announce the address it bound.
    pub fn start(name: &str, args: &[&str]) -> anyhow::Result<Server> {
        Self::start_labelled(name, args, None)
    }

    /// Like [`start`](Self::start), showing the server's output live after
    /// `label`.
    pub fn start_labelled(
        name: &str,
        args: &[&str],
        label: Option<&str>,
    ) -> anyhow::Result<Server> {
        Self::start_path(&binary(name)?, name, args, label)
    }

    /// Like [`start`](Self::start), for the program at `path` (an
    /// exercise, say), called `name` in messages.
    pub fn start_path(
        path: &Path,
        name: &str,
        args: &[&str],
        label: Option<&str>,
    ) -> anyhow::Result<Server> {
        let mut all_args = args.to_vec();
        all_args.extend(["--port", "0"]);
        let process = Process::start_path(path, name, &all_args, label)?;
        let line =
            process.wait_for_line(START_TIMEOUT, |line| announced_address(line).is_some())?;
        let address = announced_address(&line).context("the announcement holds no address")?;
        Ok(Server { process, address })
    }

    /// The address the server announced: where clients can reach it.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The port the server announced, as text for a client's `--port`.
    pub fn port(&self) -> String {
        self.address.port().to_string()
    }

    /// The server's process, to read its output or wait for a line.
    pub fn process(&self) -> &Process {
        &self.process
    }

    /// Waits for the server to end by itself (after `--max-connections`,
    /// say), for at most `timeout`.
    pub fn wait(self, timeout: Duration) -> anyhow::Result<Finished> {
        self.process.wait(timeout)
    }

    /// Stops the server and returns what it printed.
    pub fn stop(self) -> Finished {
        self.process.stop()
    }
}

/// The address in a server's announcement line (`listening on 127.0.0.1:7`).
pub fn announced_address(line: &str) -> Option<SocketAddr> {
    let (_, rest) = line.split_once(ANNOUNCEMENT)?;
    rest.split_whitespace().next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The harness finds IPv4 and IPv6 addresses in announcements, and
    /// nothing in other lines.
    #[test]
    fn finds_announced_addresses() {
        assert_eq!(
            announced_address("listening on 127.0.0.1:7"),
            Some("127.0.0.1:7".parse().unwrap())
        );
        assert_eq!(
            announced_address("listening on [::1]:7 (TCP)"),
            Some("[::1]:7".parse().unwrap())
        );
        assert_eq!(announced_address("waiting for a connection"), None);
        assert_eq!(announced_address("listening on nothing"), None);
    }
}
