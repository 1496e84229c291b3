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
//! program, it runs `cargo build -p PACKAGE --bin PROGRAM` (a no-op when
//! nothing changed) with the same profile and target directory as the
//! running program, then uses the binary next to it. Only the programs a
//! run needs are built, so a learner's first `just lesson-1` compiles
//! lesson 1's programs and not the whole course.

use std::io::{self, Read, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStderr, ChildStdin, ChildStdout, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, Weak};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};

/// How long a server may take to announce its address.
pub const START_TIMEOUT: Duration = Duration::from_secs(30);

/// How long a client run may take before it counts as hung.
pub const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// The text a server prints before its address, on its first line.
pub const ANNOUNCEMENT: &str = "listening on ";

/// The path of a lesson program, such as `"tcp-server"`.
///
/// The first call for a program brings it up to date (see the module
/// documentation); later calls only build the path.
pub fn binary(name: &str) -> anyhow::Result<PathBuf> {
    let directory = prepare(&[name])?;
    let path = directory.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        bail!("there is no program {name:?} at {}", path.display());
    }
    Ok(path)
}

/// The workspace package that builds program `name`: each lesson program
/// is a package of its own name; the lesson runner and the tools are the
/// harness's.
fn package_of(name: &str) -> &str {
    match name {
        "lesson" | "transcripts" | "stray" => "harness",
        other => other,
    }
}

/// Builds the programs `names` that this process has not built yet, in one
/// cargo run, if this process runs under cargo, and returns the folder the
/// programs are in.
pub fn prepare(names: &[&str]) -> anyhow::Result<&'static Path> {
    static BUILT: Mutex<Vec<String>> = Mutex::new(Vec::new());
    static DIRECTORY: OnceLock<PathBuf> = OnceLock::new();
    // Held while cargo runs, so that two threads asking for the same
    // program build it once.
    let mut built = BUILT.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    let build = Build::here().map_err(|message| anyhow!("{message}"))?;
    let wanted: Vec<&str> =
        names.iter().copied().filter(|name| !built.iter().any(|done| done == name)).collect();
    if !wanted.is_empty() {
        let mut args = Vec::new();
        for name in &wanted {
            args.extend(["-p", package_of(name)]);
        }
        for name in &wanted {
            args.extend(["--bin", name]);
        }
        build
            .run(&args, LESSONS_BUILD_LIMIT)
            .map_err(|error| anyhow!("building {} failed:\n{error}", wanted.join(", ")))?;
        built.extend(wanted.iter().map(|name| name.to_string()));
    }
    Ok(DIRECTORY.get_or_init(|| build.directory.clone()))
}

/// How long building one exercise may take. The build has a limit of its
/// own, apart from the check's: a first build compiles the libraries too
/// and can take a minute on a slow machine, while no honest build of one
/// exercise takes five.
pub const BUILD_LIMIT: Duration = Duration::from_secs(300);

/// How long building every lesson program may take.
const LESSONS_BUILD_LIMIT: Duration = Duration::from_secs(1800);

/// Builds one binary of an exercise package and returns its path. When the
/// code does not compile, the error holds the compiler's messages.
pub fn build_exercise(package: &str, name: &str) -> anyhow::Result<PathBuf> {
    let build = Build::here().map_err(|message| anyhow!("{message}"))?;
    build
        .run(&["-p", package, "--bin", name], BUILD_LIMIT)
        .map_err(|messages| anyhow!("{messages}"))?;
    let path = build.directory.join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    if !path.is_file() {
        bail!("there is no program {name:?} at {}", path.display());
    }
    Ok(path)
}

/// Builds binary `name` of `package` in the workspace at `root` (a copy of
/// the course, say), into `target_directory`, with the dev profile, and
/// returns its path. When the build fails, its messages are the error and
/// no binary is returned, so an older binary of that name is never run.
/// Cargo runs in `root`, so it reads `root`'s `.cargo/config.toml`.
pub fn build_in(
    root: &Path,
    target_directory: &Path,
    package: &str,
    name: &str,
    limit: Duration,
) -> anyhow::Result<PathBuf> {
    let path =
        target_directory.join("debug").join(format!("{name}{}", std::env::consts::EXE_SUFFIX));
    let build = Build {
        cargo: Some(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into())),
        directory: target_directory.join("debug"),
        profile: "dev".to_string(),
        root: root.to_path_buf(),
    };
    build.run(&["-p", package, "--bin", name], limit).map_err(|messages| anyhow!("{messages}"))?;
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
    /// The workspace's folder.
    root: PathBuf,
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
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
        Ok(Build { cargo, directory: directory.to_path_buf(), profile, root })
    }

    /// Runs `cargo build ARGS`, for at most `limit` (then cargo and the
    /// compilers it started are stopped); on failure, returns cargo's
    /// messages.
    fn run(&self, args: &[&str], limit: Duration) -> Result<(), String> {
        let Some(cargo) = &self.cargo else {
            return Ok(());
        };
        let target_directory = self.directory.parent().ok_or("the profile folder has no parent")?;
        let mut command = Command::new(cargo);
        command
            .arg("build")
            .args(args)
            .arg("--profile")
            .arg(&self.profile)
            .arg("--target-dir")
            .arg(target_directory)
            .arg("--manifest-path")
            .arg(self.root.join("Cargo.toml"))
            .arg("--quiet")
            .arg("--color")
            .arg("never")
            .current_dir(&self.root);
        let process = Process::start_command(command, "cargo", None, None)
            .map_err(|error| format!("cannot run cargo: {error:#}"))?;
        let finished = process.wait_or_stop(limit);
        match finished.status {
            Some(status) if status.success() => Ok(()),
            Some(_) => Err(finished.stderr.join("\n").trim_end().to_string()),
            None => Err(format!("the build did not finish within {limit:?}, so it was stopped")),
        }
    }
}

/// How much of each output (standard output, standard error) of a program
/// is kept. The rest is read and thrown away, so that the program is not
/// blocked, and a marker line says that the output was cut.
pub const OUTPUT_CAP: usize = 1024 * 1024;

/// The line that replaces everything past [`OUTPUT_CAP`].
pub const OUTPUT_CUT: &str = "[output cut at 1 MiB]";

/// How long the output of a program that has ended is still read. A
/// grandchild that inherited the pipes can keep them open for ever; we do
/// not wait for it.
pub const OUTPUT_GRACE: Duration = Duration::from_millis(500);

/// What a program printed on one of its outputs, shared with the thread
/// that reads it.
struct Captured {
    state: Mutex<CapturedState>,
    changed: Condvar,
}

#[derive(Default)]
struct CapturedState {
    /// How many bytes to keep.
    cap: usize,
    /// The bytes, at most `cap` of them, then the marker.
    bytes: Vec<u8>,
    /// The same bytes as lines, without their line ends.
    lines: Vec<String>,
    /// The start of a line whose end has not come yet.
    partial: Vec<u8>,
    cut: bool,
    closed: bool,
}

impl Captured {
    fn new(cap: usize) -> Arc<Captured> {
        let state = CapturedState { cap, ..CapturedState::default() };
        Arc::new(Captured { state: Mutex::new(state), changed: Condvar::new() })
    }

    fn lock(&self) -> MutexGuard<'_, CapturedState> {
        // A poisoned lock only means a reader thread panicked while pushing
        // a line; the lines themselves are still fine to read.
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn lines(&self) -> Vec<String> {
        self.lock().lines.clone()
    }

    fn bytes(&self) -> Vec<u8> {
        self.lock().bytes.clone()
    }

    /// Waits until the pipe has closed, for at most `timeout`.
    fn wait_closed(&self, timeout: Duration) {
        let _ = wait_until(self, timeout, |_| None::<()>);
    }
}

/// The line that replaces output past `cap` bytes: [`OUTPUT_CUT`] for the
/// usual cap.
pub fn cut_marker(cap: usize) -> String {
    if cap == OUTPUT_CAP { OUTPUT_CUT.to_string() } else { format!("[output cut at {cap} bytes]") }
}

fn line_text(raw: &[u8]) -> String {
    String::from_utf8_lossy(raw).trim_end_matches(['\n', '\r']).to_string()
}

/// Reads a pipe until it closes, keeping the first [`OUTPUT_CAP`] bytes
/// and, for the lesson runner, printing each line at once with the
/// program's name in front. Reading on a thread of its own means the pipe
/// never fills up, which would block the program mid-`println!`; reading in
/// blocks, not lines, means one endless line cannot fill our memory.
fn read_output(mut pipe: impl Read, captured: Arc<Captured>, label: Option<String>) {
    let mut block = [0; 8192];
    let show = |line: &str| {
        if let Some(label) = &label {
            let shown = format!("{label} {line}");
            let _ = writeln!(io::stdout().lock(), "{}", shown.trim_end());
        }
    };
    loop {
        let count = match pipe.read(&mut block) {
            Ok(0) => break,
            Ok(count) => count,
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => break,
        };
        let mut state = captured.lock();
        if state.cut {
            continue;
        }
        let room = state.cap.saturating_sub(state.bytes.len());
        let kept = &block[..count.min(room)];
        state.bytes.extend_from_slice(kept);
        for &byte in kept {
            state.partial.push(byte);
            if byte == b'\n' {
                let line = line_text(&std::mem::take(&mut state.partial));
                show(&line);
                state.lines.push(line);
            }
        }
        if count > room {
            state.cut = true;
            if !state.partial.is_empty() {
                let line = line_text(&std::mem::take(&mut state.partial));
                show(&line);
                state.lines.push(line);
            }
            let marker = cut_marker(state.cap);
            state.bytes.extend_from_slice(format!("\n{marker}\n").as_bytes());
            show(&marker);
            state.lines.push(marker);
        }
        drop(state);
        captured.changed.notify_all();
    }
    let mut state = captured.lock();
    if !state.partial.is_empty() {
        let line = line_text(&std::mem::take(&mut state.partial));
        show(&line);
        state.lines.push(line);
    }
    state.closed = true;
    drop(state);
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
    /// Standard output as bytes, exactly as printed (up to [`OUTPUT_CAP`]).
    pub stdout_bytes: Vec<u8>,
    /// Standard error as bytes (up to [`OUTPUT_CAP`]).
    pub stderr_bytes: Vec<u8>,
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

/// A started program, and, when it is *contained*, everything it may have
/// started: on Unix its process group, on Windows its process tree.
///
/// # Which programs are contained, and why
///
/// A program can start programs of its own (a shell's `&`, a server that
/// forks), and those outlive it: killing the program alone would leave them
/// running, holding ports and our output pipes. So a contained program
/// starts in a process group of its own (`setpgid`, through std's
/// `process_group`), and stopping it kills the whole group
/// (`kill -s KILL -- -PGID`).
///
/// Programs started by path are contained: a learner's program in a check,
/// a peer of the benchmark (socat), cargo building an exercise, a test's
/// misbehaving helper. The course's own lesson programs, started by name
/// ([`Process::start`], [`Server::start`]) for the demos, the tests and the
/// benchmark, are not: they start nothing, and in our process group the
/// terminal's Ctrl-C and Ctrl-Z (which go to the foreground group) reach
/// them as they reach the demo, so `just lesson-5` stops and goes on as one
/// job.
///
/// A group of its own means that Ctrl-C no longer reaches a contained
/// program: it ends the harness (the checker, a test), whose destructors do
/// not run. For that case every contained group gets a watchdog, `sh` in
/// the same group, reading a pipe from us. When we end, however we end, the
/// system closes the pipe; the watchdog's `read` then returns and it kills
/// its group, itself included. While it runs, it also keeps the group's id
/// from being given to another group. Ctrl-Z stops the checker but not a
/// contained program, which goes on running meanwhile.
///
/// A program that leaves its group on purpose (`setsid`) escapes all of
/// this; only a container or a separate user account contains such a
/// program (see `lessons/INSTRUCTORS.md`).
///
/// On Windows there are no process groups of this kind: stopping a
/// contained program runs `taskkill /T /F /PID`, which kills the program
/// and the processes it started that still run (children of a program that
/// has already ended are not found), and Ctrl-C reaches every process of
/// the console anyway. This part is not tested on Windows.
struct Group {
    child: Child,
    /// The watchdog and the pipe that keeps it waiting (Unix).
    watchdog: Option<(Child, ChildStdin)>,
    /// The exit status, once the program has ended.
    status: Option<ExitStatus>,
    /// Whether the program has its own group (see above).
    contained: bool,
    /// Whether the group has been killed already.
    stopped: bool,
}

impl Group {
    fn start(command: &mut Command, contained: bool) -> io::Result<Group> {
        #[cfg(unix)]
        if contained {
            use std::os::unix::process::CommandExt;
            command.process_group(0);
        }
        let child = command.spawn()?;
        let watchdog = if contained { Self::watchdog(child.id()) } else { None };
        Ok(Group { child, watchdog, status: None, contained, stopped: false })
    }

    #[cfg(unix)]
    fn watchdog(group: u32) -> Option<(Child, ChildStdin)> {
        use std::os::unix::process::CommandExt;
        let mut watchdog = Command::new("sh")
            .args(["-c", "while read -r _; do :; done; kill -s KILL 0"])
            .process_group(i32::try_from(group).ok()?)
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let pipe = watchdog.stdin.take()?;
        Some((watchdog, pipe))
    }

    #[cfg(not(unix))]
    fn watchdog(_group: u32) -> Option<(Child, ChildStdin)> {
        None
    }

    /// The exit status, if the program has ended.
    fn try_wait(&mut self) -> io::Result<Option<ExitStatus>> {
        if self.status.is_none() {
            self.status = self.child.try_wait()?;
        }
        Ok(self.status)
    }

    /// Kills the program and everything in its group, and waits for the
    /// program and the watchdog. Harmless when called again.
    fn stop(&mut self) {
        if self.stopped {
            return;
        }
        self.stopped = true;
        let id = self.child.id().to_string();
        #[cfg(unix)]
        let mut kill = {
            let mut kill = Command::new("kill");
            kill.args(["-s", "KILL", "--", &format!("-{id}")]);
            kill
        };
        #[cfg(windows)]
        let mut kill = {
            let mut kill = Command::new("taskkill");
            kill.args(["/T", "/F", "/PID", &id]);
            kill
        };
        #[cfg(any(unix, windows))]
        if self.contained {
            let _ = kill.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::null()).status();
        }
        if self.status.is_none() {
            let _ = self.child.kill();
            self.status = self.child.wait().ok();
        }
        if let Some((mut watchdog, pipe)) = self.watchdog.take() {
            drop(pipe);
            let _ = watchdog.kill();
            let _ = watchdog.wait();
        }
    }
}

/// A program started in a process group of its own (see `Group`), for
/// callers that read its pipes themselves: [`spawn`](Self::spawn) returns
/// the pipes, [`wait_or_stop`](Self::wait_or_stop) waits for the program
/// and then kills its group. Dropping it kills the group too, and
/// [`stop_all`] stops it like any other program of the harness. It runs
/// without `RUST_BACKTRACE` and `RUST_LIB_BACKTRACE`.
pub struct Contained {
    group: Arc<Mutex<Group>>,
}

/// The pipes of a [`Contained`] program, those that were asked for.
pub struct Pipes {
    pub stdin: Option<ChildStdin>,
    pub stdout: Option<ChildStdout>,
    pub stderr: Option<ChildStderr>,
}

impl Contained {
    /// Starts `command` (its pipes set up by the caller) in a process
    /// group of its own.
    pub fn spawn(command: &mut Command) -> io::Result<(Contained, Pipes)> {
        command.env_remove("RUST_BACKTRACE").env_remove("RUST_LIB_BACKTRACE");
        let mut group = Group::start(command, true)?;
        let pipes = Pipes {
            stdin: group.child.stdin.take(),
            stdout: group.child.stdout.take(),
            stderr: group.child.stderr.take(),
        };
        let group = Arc::new(Mutex::new(group));
        register(&group);
        Ok((Contained { group }, pipes))
    }

    /// The program's process id, which is also its group's id on Unix.
    pub fn id(&self) -> u32 {
        self.lock().child.id()
    }

    /// Waits for the program to end, for at most `limit`, then kills its
    /// group: what it left behind goes with it. `None` means that it was
    /// still running and was stopped.
    pub fn wait_or_stop(&self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        let status = loop {
            match self.lock().try_wait() {
                Ok(Some(status)) => break Some(status),
                Ok(None) if Instant::now() < deadline => {}
                _ => break None,
            }
            thread::sleep(Duration::from_millis(10));
        };
        self.lock().stop();
        status
    }

    /// Kills the program's group, if that has not happened yet.
    pub fn stop(&self) {
        self.lock().stop();
    }

    fn lock(&self) -> MutexGuard<'_, Group> {
        self.group.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Contained {
    fn drop(&mut self) {
        self.lock().stop();
    }
}

/// Waits for a thread reading a program's pipe, for at most `grace`, and
/// returns what it returned. After the program has ended, a grandchild
/// outside its group could hold the pipe open for ever: we do not wait for
/// it ([`OUTPUT_GRACE`] is the usual wait).
pub fn join_within<T>(reader: thread::JoinHandle<T>, grace: Duration) -> Option<T> {
    let deadline = Instant::now() + grace;
    while !reader.is_finished() {
        if Instant::now() >= deadline {
            return None;
        }
        thread::sleep(Duration::from_millis(5));
    }
    reader.join().ok()
}

fn register(group: &Arc<Mutex<Group>>) {
    let mut running = RUNNING.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    running.retain(|group| group.strong_count() > 0);
    running.push(Arc::downgrade(group));
}

/// Every program started through this module that may still run, so that
/// [`stop_all`] can end them.
static RUNNING: Mutex<Vec<Weak<Mutex<Group>>>> = Mutex::new(Vec::new());

/// Stops every program this process started through the harness, with
/// everything they started. A grader calls it when a check ends, so that
/// nothing is left behind.
pub fn stop_all() {
    let running =
        std::mem::take(&mut *RUNNING.lock().unwrap_or_else(|poisoned| poisoned.into_inner()));
    for group in running.iter().filter_map(Weak::upgrade) {
        group.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).stop();
    }
}

/// A running program. Dropping it kills the program, and every program it
/// started, and waits for it.
pub struct Process {
    name: String,
    group: Arc<Mutex<Group>>,
    stdout: Arc<Captured>,
    stderr: Arc<Captured>,
    /// The program's standard input, while we hold it open (see
    /// [`start_holding_input`](Self::start_holding_input)).
    input: Mutex<Option<ChildStdin>>,
}

/// What a started program gets on its standard input.
enum Input {
    /// Nothing: its first read there returns the end of input.
    Nothing,
    /// These bytes, written by a thread of ours, then the end of input.
    Bytes(Vec<u8>),
    /// A pipe we hold open, and close with [`Process::close_input`].
    Held,
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
        let path = binary(name)?;
        let mut command = Command::new(&path);
        command.args(args);
        Self::spawn(command, name, label, Input::Nothing, OUTPUT_CAP, false)
            .with_context(|| format!("cannot start {}", path.display()))
    }

    /// Starts the program at `path`, calling it `name` in messages, in a
    /// process group of its own (see the `Group` type in `process.rs`).
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
        let mut command = Command::new(path);
        command.args(args);
        Self::start_command(command, name, label, input)
            .with_context(|| format!("cannot start {}", path.display()))
    }

    /// Starts `command` (its arguments, folder and environment already
    /// set), calling it `name` in messages. Learners' programs are run
    /// without `RUST_BACKTRACE` and `RUST_LIB_BACKTRACE`, so that an error
    /// is the one line the program prints, not a backtrace.
    pub fn start_command(
        command: Command,
        name: &str,
        label: Option<&str>,
        input: Option<Vec<u8>>,
    ) -> anyhow::Result<Process> {
        Self::start_command_capped(command, name, label, input, OUTPUT_CAP)
    }

    /// Like [`start_command`](Self::start_command), keeping `cap` bytes of
    /// each output instead of [`OUTPUT_CAP`]: for a check that must see more.
    pub fn start_command_capped(
        command: Command,
        name: &str,
        label: Option<&str>,
        input: Option<Vec<u8>>,
        cap: usize,
    ) -> anyhow::Result<Process> {
        let input = input.map_or(Input::Nothing, Input::Bytes);
        Self::spawn(command, name, label, input, cap, true)
    }

    /// Like [`start_path`](Self::start_path), with the program's standard
    /// input a pipe that we hold open and never write to: the program's
    /// reads there wait until [`close_input`](Self::close_input) is called
    /// (or the `Process` is dropped), and then return the end of input. For
    /// programs that run until their input ends, as a program in a terminal
    /// runs until Ctrl-D.
    pub fn start_holding_input(path: &Path, name: &str, args: &[&str]) -> anyhow::Result<Process> {
        let mut command = Command::new(path);
        command.args(args);
        Self::spawn(command, name, None, Input::Held, OUTPUT_CAP, true)
            .with_context(|| format!("cannot start {}", path.display()))
    }

    fn spawn(
        mut command: Command,
        name: &str,
        label: Option<&str>,
        input: Input,
        cap: usize,
        contained: bool,
    ) -> anyhow::Result<Process> {
        command
            .env_remove("RUST_BACKTRACE")
            .env_remove("RUST_LIB_BACKTRACE")
            .stdin(if matches!(input, Input::Nothing) { Stdio::null() } else { Stdio::piped() })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut group = Group::start(&mut command, contained)?;
        let pipe = group.child.stdin.take();
        let mut held = None;
        match (pipe, input) {
            (Some(mut pipe), Input::Bytes(input)) => {
                // A thread of its own, so that a program that does not read
                // its input cannot block us; dropping the pipe closes it.
                thread::spawn(move || {
                    let _ = pipe.write_all(&input);
                });
            }
            // std marks our end close-on-exec, so programs started later do
            // not inherit it: when we drop it, the input ends.
            (Some(pipe), Input::Held) => held = Some(pipe),
            _ => {}
        }
        let stdout = Captured::new(cap);
        let stderr = Captured::new(cap);
        if let Some(pipe) = group.child.stdout.take() {
            let captured = Arc::clone(&stdout);
            let label = label.map(|label| format!("{label} |"));
            thread::spawn(move || read_output(pipe, captured, label));
        }
        if let Some(pipe) = group.child.stderr.take() {
            let captured = Arc::clone(&stderr);
            let label = label.map(|label| format!("{label} !"));
            thread::spawn(move || read_output(pipe, captured, label));
        }
        let group = Arc::new(Mutex::new(group));
        register(&group);
        Ok(Process { name: name.to_string(), group, stdout, stderr, input: Mutex::new(held) })
    }

    /// Closes the program's standard input, when it was started with
    /// [`start_holding_input`](Self::start_holding_input): its reads there
    /// now return the end of input (0 bytes). Harmless when called again.
    pub fn close_input(&self) {
        let pipe = self.input.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).take();
        drop(pipe);
    }

    /// How the program ended, if it has ended; `None` while it runs.
    pub fn exit_status(&self) -> Option<ExitStatus> {
        self.group().try_wait().ok().flatten()
    }

    /// The operating system's id for the program's process (on Unix, also
    /// the id of its process group).
    pub fn id(&self) -> u32 {
        self.group().child.id()
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
    pub fn wait(self, timeout: Duration) -> anyhow::Result<Finished> {
        let finished = self.wait_or_stop(timeout);
        if finished.status.is_none() {
            bail!(
                "{} was still running after {timeout:?}, so it was stopped\n{}",
                finished.name,
                finished.describe()
            );
        }
        Ok(finished)
    }

    /// Waits for the program to end by itself, for at most `timeout`, and
    /// stops it then. Either way, whatever it started is stopped too. The
    /// status is `None` when the program had to be stopped.
    pub fn wait_or_stop(self, timeout: Duration) -> Finished {
        let deadline = Instant::now() + timeout;
        loop {
            let exited = self.group().try_wait();
            match exited {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() >= deadline => break,
                // Polling is plain and portable; the exit is seen within 10 ms.
                Ok(None) => thread::sleep(Duration::from_millis(10)),
            }
        }
        self.stop()
    }

    /// Stops the program (if it still runs) with everything it started,
    /// and returns what it printed.
    pub fn stop(self) -> Finished {
        let status = {
            let mut group = self.group();
            let status = group.try_wait().ok().flatten();
            group.stop();
            status
        };
        // Every writer of the pipes in the group is gone now, so the pipes
        // close as soon as we have read what is in them. A program outside
        // the group could still hold them: read for a moment, then go on.
        let deadline = Instant::now() + OUTPUT_GRACE;
        self.stdout.wait_closed(OUTPUT_GRACE);
        self.stderr.wait_closed(deadline.saturating_duration_since(Instant::now()));
        Finished {
            name: self.name.clone(),
            status,
            stdout: self.stdout.lines(),
            stderr: self.stderr.lines(),
            stdout_bytes: self.stdout.bytes(),
            stderr_bytes: self.stderr.bytes(),
        }
    }

    fn group(&self) -> MutexGuard<'_, Group> {
        self.group.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        // Harmless if the program has already been stopped.
        self.group().stop();
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
        let mut all_args = args.to_vec();
        all_args.extend(["--port", "0"]);
        Self::announced(Process::start_labelled(name, &all_args, label)?)
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
        Self::announced(Process::start_path(path, name, &all_args, label)?)
    }

    /// Waits (at most [`START_TIMEOUT`]) for the server to announce its
    /// address.
    fn announced(process: Process) -> anyhow::Result<Server> {
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
