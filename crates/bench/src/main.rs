//! `bench`: measures the course's servers on this machine, side by side in
//! one run, beside peers that nobody in this course wrote (socat, Python),
//! and prints each figure, how it was obtained, and the course's targets,
//! met or missed.
//!
//! It measures:
//! - one TCP connection's throughput;
//! - round trips of small messages, one at a time and with 16 in flight,
//!   over TCP and over UDP (UDP: late, duplicated and lost datagrams apart);
//! - crowds: 10 to 10,000 clients connecting at once, against a thread per
//!   connection, a pool and an event loop (time, failures, the slowest
//!   connect, listen-queue overflows, the server's peak memory, and the
//!   server's and the clients' processor time);
//! - a real client's round trips beside idle, trickling and never-reading
//!   clients;
//! - HTTP requests per second over kept-alive connections, `http-server`
//!   against `python3 -m http.server`.
//!
//! A program that is not there (not built yet, or not installed) is
//! skipped, and the run says why. `just bench` runs it; `scripts/README.md`
//! says how to read it and how to reproduce the figures in the lessons.
//!
//! Every target is a loopback address, every load is bounded in count and
//! time, and every process started here is stopped again: peers in a
//! process group of their own, so that what they fork ends with them. The
//! run ends by checking that, and fails if anything is left.

mod http;
mod measure;
mod system;

use std::fmt::Write as _;
use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use harness::Server;
use netlessons::cli;

use measure::{Others, RoundTrips};
use system::Peer;

/// Measure the echo servers on this machine
#[derive(Parser)]
#[command(version)]
struct Args {
    /// Measure this TCP echo server instead of ours (a loopback address)
    #[arg(long)]
    tcp: Option<SocketAddr>,
    /// Measure this UDP echo server instead of ours (a loopback address)
    #[arg(long)]
    udp: Option<SocketAddr>,
    /// Also write the figures as JSON to this file
    #[arg(long)]
    json: Option<PathBuf>,
    /// Shorter runs, one of each, at most 100 clients: a smoke test, not a measurement
    #[arg(long)]
    quick: bool,
    /// Leave socat out even where it is installed
    #[arg(long)]
    no_socat: bool,
    /// Measure only these parts (repeat the option for several); the
    /// targets whose figures were not measured say n/a
    #[arg(long, value_enum)]
    only: Vec<Part>,
}

/// The parts of a run, for `--only`.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Part {
    /// One TCP connection's throughput
    Throughput,
    /// Round trips, one at a time and 16 in flight, TCP and UDP
    RoundTrips,
    /// Crowds of clients connecting at once
    Crowds,
    /// A real client beside idle, trickling and never-reading clients
    Beside,
    /// HTTP requests per second
    Http,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(run(&args))
}

// The servers, as the table names them.
const LARGE: &str = "tcp-server --buffer-size 65536";
const DEFAULT: &str = "tcp-server (16-byte buffer)";
const THREADS: &str = "threaded-server, thread per connection";
const POOL: &str = "threaded-server, pool of 4";
const EVENT: &str = "event-server (event loop)";
const UDP: &str = "udp-server";
const SOCAT_TCP: &str = "socat TCP, fork";
const SOCAT_UDP: &str = "socat UDP, no fork";
const PYTHON_UDP: &str = "python3 UDP loop";
const HTTP: &str = "http-server";
const PYTHON_HTTP: &str = "python3 -m http.server";
const PYTHON_HTTP11: &str = "python3 -m http.server -p HTTP/1.1";
const GIVEN: &str = "given server";
const GIVEN_UDP: &str = "given UDP server";

/// What each server in the table is, printed under it.
const LEGEND: &[(&str, &str)] = &[
    (LARGE, "lesson 1's server, reading 64 KiB at a time"),
    (DEFAULT, "lesson 1's server as it comes, reading 16 bytes at a time"),
    (THREADS, "lesson 5, --mode thread-per-connection"),
    (POOL, "lesson 5, --mode pool (4 workers)"),
    (EVENT, "lesson 8, one thread on mio, reading 64 KiB at a time"),
    (UDP, "lesson 3's server"),
    (
        SOCAT_TCP,
        "socat TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr,backlog=128 PIPE: a process per client",
    ),
    (
        SOCAT_UDP,
        "socat -b 65535 UDP-LISTEN:0,bind=127.0.0.1 PIPE: one process, serving its first peer only; \
         the echo goes through a pipe, so datagrams in flight together can come back merged",
    ),
    (PYTHON_UDP, "python3 -c: a recvfrom/sendto loop in one process, every datagram echoed"),
    (HTTP, "lesson 9, --quiet"),
    (
        PYTHON_HTTP,
        "python3 -m http.server: a thread per connection, HTTP/1.0 (closes the connection after each \
         response), a listen backlog of 5, and a log line per request",
    ),
    (PYTHON_HTTP11, "the same, keeping connections alive (HTTP/1.1; Python 3.11 and later)"),
];

/// One row of a table.
struct Figure {
    section: &'static str,
    test: String,
    server: String,
    /// `None` when there is no figure; `note` says why.
    value: Option<f64>,
    unit: &'static str,
    /// Further figures: name, value, unit.
    extra: Vec<(&'static str, Option<f64>, &'static str)>,
    note: String,
}

/// A target, met or missed.
struct Target {
    name: String,
    /// What was measured, as a ratio or a figure, with its unit.
    got: Option<(f64, &'static str)>,
    wanted: String,
    met: Option<bool>,
    /// Why there is no verdict, or what else it rests on.
    note: String,
}

struct Settings {
    /// How long one run of a rate measurement lasts.
    seconds: Duration,
    /// Runs of each rate measurement; the best counts. Other programs on
    /// the machine slow a run down far more often than they could speed it
    /// up, so the best run is the fairest figure for every server alike.
    runs: usize,
    /// Crowds: clients, and round trips each.
    crowds: Vec<(usize, usize)>,
    /// The clients beside the real one, and how long it measures.
    others: Others,
    beside: Duration,
    /// Whether to measure beside 10,000 idle clients.
    ten_thousand_idle: bool,
    /// The parts to measure: all of them when empty.
    only: Vec<Part>,
}

impl Settings {
    fn measures(&self, part: Part) -> bool {
        self.only.is_empty() || self.only.contains(&part)
    }
}

#[derive(Default)]
struct Report {
    figures: Vec<Figure>,
    /// What was skipped, and why.
    skipped: Vec<String>,
    targets: Vec<Target>,
    /// A measurement of one of our servers failed.
    failed: bool,
}

impl Report {
    fn skip(&mut self, what: String) {
        println!("  skipped: {what}");
        self.skipped.push(what);
    }

    fn find(&self, section: &str, test: &str, server: &str) -> Option<&Figure> {
        self.figures.iter().find(|figure| {
            figure.section == section && figure.test == test && figure.server == server
        })
    }
}

fn run(args: &Args) -> anyhow::Result<()> {
    for address in args.tcp.iter().chain(args.udp.iter()) {
        if !address.ip().is_loopback() {
            bail!(
                "{address} is not a loopback address: bench only measures servers on this machine"
            );
        }
    }
    let settings = if args.quick {
        Settings {
            seconds: Duration::from_millis(200),
            runs: 1,
            crowds: vec![(10, 100), (100, 100)],
            others: Others { idle: 100, trickling: 8, never_reading: 8 },
            beside: Duration::from_millis(500),
            ten_thousand_idle: false,
            only: args.only.clone(),
        }
    } else {
        Settings {
            seconds: Duration::from_millis(500),
            runs: 5,
            crowds: vec![(10, 100), (100, 100), (1000, 100), (10_000, 10)],
            others: Others { idle: 1000, trickling: 8, never_reading: 8 },
            beside: Duration::from_secs(2),
            ten_thousand_idle: true,
            only: args.only.clone(),
        }
    };
    let started = Instant::now();
    let mut report = Report::default();
    let subjects = Subjects::find(args, &mut report);
    let result = measure_all(&mut report, &subjects, &settings);
    let took = started.elapsed();
    drop(subjects);

    if let Err(error) = &result {
        println!("\nthe run stopped early: {error:#}");
    }
    targets(&mut report);
    print_report(&report, &settings, took);
    if let Some(path) = &args.json {
        fs::write(path, json(&report, &settings))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("\nwrote {}", path.display());
    }
    check_nothing_left()?;
    result?;
    if report.failed {
        bail!("a measurement of one of our servers failed (see the table)");
    }
    Ok(())
}

/// Each kind of server, and how to start it; `None` where it is missing.
struct Subjects {
    socat: Option<PathBuf>,
    python: Option<PathBuf>,
    /// The folder of files the HTTP servers serve; removed on drop.
    files: Option<Files>,
    given_tcp: Option<SocketAddr>,
    given_udp: Option<SocketAddr>,
    /// Our servers that exist.
    ours: Vec<&'static str>,
}

impl Subjects {
    fn find(args: &Args, report: &mut Report) -> Subjects {
        println!("finding the servers (release builds of ours)...");
        let given = args.tcp.is_some() || args.udp.is_some();
        let mut ours = Vec::new();
        if !given {
            // Only the programs of this workspace: a target folder can hold
            // a binary built from other sources, which is not ours to measure.
            let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
            for name in
                ["tcp-server", "threaded-server", "udp-server", "event-server", "http-server"]
            {
                if !crates.join(name).join("Cargo.toml").is_file() {
                    report.skip(format!("every row of {name}: it is not in this workspace"));
                    continue;
                }
                match harness::binary(name) {
                    Ok(_) => ours.push(name),
                    Err(error) => report.skip(format!("every row of {name}: {error:#}")),
                }
            }
        }
        let socat = if given {
            None
        } else if args.no_socat {
            report.skip("socat's rows: --no-socat".into());
            None
        } else {
            let found = system::find_program("socat");
            if found.is_none() {
                report.skip(
                    "socat's rows: socat is not installed (Debian, Ubuntu: apt install socat; macOS: brew install socat)"
                        .into(),
                );
            }
            found
        };
        let python = if given {
            None
        } else {
            let found = system::find_program("python3");
            if found.is_none() {
                report.skip("python3's rows: python3 is not installed".into());
            }
            found
        };
        let files = if given { None } else { Files::create().ok() };
        Subjects { socat, python, files, given_tcp: args.tcp, given_udp: args.udp, ours }
    }

    fn has(&self, program: &str) -> bool {
        self.ours.contains(&program)
    }
}

/// A running server of any kind: ours, a peer, or one given by address.
enum Running {
    Ours(Server),
    Peer(Peer),
    Given(SocketAddr),
}

impl Running {
    fn address(&self) -> SocketAddr {
        match self {
            Running::Ours(server) => server.address(),
            Running::Peer(peer) => peer.address,
            Running::Given(address) => *address,
        }
    }

    /// Its peak memory so far in MiB, where it can be read.
    fn peak_memory(&self) -> Option<f64> {
        let id = match self {
            Running::Ours(server) => server.process().id(),
            _ => return None,
        };
        system::peak_memory_kib(id).map(|kib| kib as f64 / 1024.0)
    }

    /// The processor time it has used so far, where it can be read.
    fn processor_seconds(&self) -> Option<f64> {
        match self {
            Running::Ours(server) => system::processor_seconds(&server.process().id().to_string()),
            _ => None,
        }
    }
}

/// Starts the server the table calls `label`.
fn start(subjects: &Subjects, label: &str) -> anyhow::Result<Running> {
    let ours = |name: &str, args: &[&str]| -> anyhow::Result<Running> {
        let mut all = vec!["--quiet"];
        all.extend(args);
        Ok(Running::Ours(Server::start(name, &all)?))
    };
    // Idle clients must outlast a measurement, and every crowd must fit.
    let crowded = ["--max-clients", "10000", "--idle-timeout", "30"];
    let last_word = |line: &str| line.split_whitespace().last()?.parse().ok();
    match label {
        LARGE => ours("tcp-server", &["--buffer-size", "65536"]),
        DEFAULT => ours("tcp-server", &[]),
        THREADS => {
            ours("threaded-server", &[&["--mode", "thread-per-connection"][..], &crowded].concat())
        }
        POOL => ours("threaded-server", &[&["--mode", "pool"][..], &crowded].concat()),
        // The same read size as LARGE, so one connection's throughput
        // compares like with like.
        EVENT => ours(
            "event-server",
            &["--max-clients", "20000", "--idle-timeout", "30", "--buffer-size", "65536"],
        ),
        UDP => ours("udp-server", &[]),
        HTTP => {
            let files = subjects.files.as_ref().context("no folder of files to serve")?;
            ours("http-server", &["--root", &files.folder.to_string_lossy()])
        }
        GIVEN => Ok(Running::Given(subjects.given_tcp.context("no --tcp address")?)),
        GIVEN_UDP => Ok(Running::Given(subjects.given_udp.context("no --udp address")?)),
        SOCAT_TCP => Ok(Running::Peer(Peer::start(
            subjects.socat.as_deref().context("no socat")?,
            &["-d", "-d", "TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr,backlog=128", "PIPE"],
            |line| line.contains("listening on").then(|| last_word(line)).flatten(),
        )?)),
        SOCAT_UDP => Ok(Running::Peer(Peer::start(
            subjects.socat.as_deref().context("no socat")?,
            &["-d", "-d", "-b", "65535", "UDP-LISTEN:0,bind=127.0.0.1", "PIPE"],
            |line| line.contains("listening on").then(|| last_word(line)).flatten(),
        )?)),
        PYTHON_UDP => Ok(Running::Peer(Peer::start(
            subjects.python.as_deref().context("no python3")?,
            &["-u", "-c", PYTHON_ECHO],
            harness::announced_address,
        )?)),
        PYTHON_HTTP | PYTHON_HTTP11 => {
            let files = subjects.files.as_ref().context("no folder of files to serve")?;
            let folder = files.folder.to_string_lossy().to_string();
            let mut args = vec!["-u", "-m", "http.server", "0", "--bind", "127.0.0.1"];
            args.extend(["--directory", &folder]);
            if label == PYTHON_HTTP11 {
                args.extend(["--protocol", "HTTP/1.1"]);
            }
            Ok(Running::Peer(Peer::start(
                subjects.python.as_deref().context("no python3")?,
                &args,
                |line| {
                    // "Serving HTTP on 127.0.0.1 port 8000 (http://…) ..."
                    let (_, rest) = line.split_once(" port ")?;
                    let port: u16 = rest.split_whitespace().next()?.parse().ok()?;
                    Some(SocketAddr::from(([127, 0, 0, 1], port)))
                },
            )?))
        }
        other => bail!("no server called {other:?}"),
    }
}

/// A UDP echo server in Python that echoes every datagram, in one process.
const PYTHON_ECHO: &str = "import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(('127.0.0.1', 0))
print('listening on %s:%d' % s.getsockname())
while True:
    data, peer = s.recvfrom(65535)
    s.sendto(data, peer)
";

/// The small file the HTTP servers serve, in a folder of its own.
struct Files {
    folder: PathBuf,
    body: Vec<u8>,
}

const SMALL_FILE: &str = "small.txt";

impl Files {
    fn create() -> anyhow::Result<Files> {
        let folder = std::env::temp_dir().join(format!("netlessons-bench-{}", std::process::id()));
        fs::create_dir_all(&folder)?;
        // 1 KiB of text, about the size of a small web page's smallest files.
        let body: Vec<u8> =
            (0..1024).map(|index| b"abcdefghijklmnopqrstuvwxyz\n"[index % 27]).collect();
        fs::write(folder.join(SMALL_FILE), &body)?;
        Ok(Files { folder, body })
    }
}

impl Drop for Files {
    fn drop(&mut self) {
        let _ = fs::remove_dir_all(&self.folder);
    }
}

// The sections of the table.
const ONE_CONNECTION: &str = "one TCP connection, 64 KiB blocks";
const ONE_AT_A_TIME: &str = "round trips, one message at a time";
const IN_FLIGHT: &str = "round trips, 16 messages in flight";
const CROWDS: &str = "crowds: clients connect at once; once all have, each makes its 32-byte round trips (the time of those)";
const BESIDE: &str = "a real client's 32-byte round trips beside other clients";
const WEB: &str = "HTTP: GET of a 1 KiB file, one request at a time per client, kept alive";

fn measure_all(
    report: &mut Report,
    subjects: &Subjects,
    settings: &Settings,
) -> anyhow::Result<()> {
    let given = subjects.given_tcp.is_some() || subjects.given_udp.is_some();
    let tcp: Vec<&str> = if given {
        subjects.given_tcp.map(|_| GIVEN).into_iter().collect()
    } else {
        let mut tcp = Vec::new();
        if subjects.has("tcp-server") {
            tcp.extend([LARGE, DEFAULT]);
        }
        if subjects.has("event-server") {
            tcp.push(EVENT);
        }
        if subjects.socat.is_some() {
            tcp.push(SOCAT_TCP);
        }
        tcp
    };
    let udp: Vec<&str> = if given {
        subjects.given_udp.map(|_| GIVEN_UDP).into_iter().collect()
    } else {
        let mut udp = Vec::new();
        if subjects.has("udp-server") {
            udp.push(UDP);
        }
        if subjects.socat.is_some() {
            udp.push(SOCAT_UDP);
        }
        if subjects.python.is_some() {
            udp.push(PYTHON_UDP);
        }
        udp
    };
    let runs = settings.runs;
    let seconds = settings.seconds;
    // `--only`: a part not asked for measures nobody.
    let wanted = |part, servers: &Vec<&'static str>| match settings.measures(part) {
        true => servers.clone(),
        false => Vec::new(),
    };
    let throughput = wanted(Part::Throughput, &tcp);
    let (tcp, udp) = (wanted(Part::RoundTrips, &tcp), wanted(Part::RoundTrips, &udp));

    if !throughput.is_empty() {
        println!("measuring: {ONE_CONNECTION}...");
    }
    for &server in &throughput {
        best_of(report, subjects, ONE_CONNECTION, "throughput", server, "MiB/s", runs, |address| {
            Ok((measure::throughput(address, seconds)?, Vec::new(), String::new()))
        });
    }

    for (section, in_flight) in [(ONE_AT_A_TIME, 1), (IN_FLIGHT, 16)] {
        if tcp.is_empty() && udp.is_empty() {
            break;
        }
        println!("measuring: {section}...");
        for &server in &tcp {
            if in_flight > 1 && server == DEFAULT {
                continue;
            }
            best_of(report, subjects, section, "TCP, 32 bytes", server, "per s", runs, |address| {
                let trips = measure::tcp_round_trips(address, in_flight, seconds)?;
                Ok((trips.per_second, latencies(&trips), String::new()))
            });
        }
        for &server in &udp {
            best_of(report, subjects, section, "UDP, 32 bytes", server, "per s", runs, |address| {
                let datagrams = measure::udp_round_trips(address, in_flight, seconds)?;
                let mut extra = latencies(&datagrams.round_trips);
                extra.extend([
                    ("late", Some(datagrams.late as f64), ""),
                    ("duplicated", Some(datagrams.duplicated as f64), ""),
                    ("lost", Some(datagrams.lost as f64), ""),
                ]);
                let note = format!("of {} sent", datagrams.sent);
                Ok((datagrams.round_trips.per_second, extra, note))
            });
        }
    }

    let crowd_servers: Vec<&str> = if given {
        subjects.given_tcp.map(|_| GIVEN).into_iter().collect()
    } else {
        let mut servers = Vec::new();
        if subjects.has("threaded-server") {
            servers.extend([THREADS, POOL]);
        }
        if subjects.has("event-server") {
            servers.push(EVENT);
        }
        if subjects.socat.is_some() {
            servers.push(SOCAT_TCP);
        }
        servers
    };
    let crowd_servers = wanted(Part::Crowds, &crowd_servers);
    if !crowd_servers.is_empty() {
        println!("measuring: {CROWDS}...");
    }
    let limit = system::open_file_limit();
    let crowds = if crowd_servers.is_empty() { &[][..] } else { &settings.crowds[..] };
    for &(clients, rounds) in crowds {
        let test = format!("{clients} clients x {rounds}");
        // Each side holds one socket per client, and a few files besides.
        let needed = clients as u64 + 100;
        if limit.is_some_and(|limit| limit < needed) {
            report.skip(format!(
                "{test}: {clients} clients need `ulimit -n` of at least {needed} (in the bench and in \
                 the server), and it is {}. Raise the soft limit in the shell that runs the bench, up \
                 to the hard limit (`ulimit -Hn`): `ulimit -n {needed}; just bench`",
                limit.unwrap_or_default()
            ));
            continue;
        }
        for &server in &crowd_servers {
            if server == SOCAT_TCP && clients > 1000 {
                report.skip(format!("{test} on socat: it would start a process per client"));
                continue;
            }
            crowd_row(report, subjects, &test, server, clients, rounds);
        }
    }

    let mut beside = Vec::new();
    if given {
        if subjects.given_tcp.is_some() {
            beside.push((GIVEN, &settings.others));
        }
    } else {
        if subjects.has("threaded-server") {
            beside.push((POOL, &settings.others));
        }
        if subjects.has("event-server") {
            beside.push((EVENT, &settings.others));
        }
    }
    let ten_thousand = Others { idle: 10_000, trickling: 0, never_reading: 0 };
    if settings.ten_thousand_idle && settings.measures(Part::Beside) && subjects.has("event-server")
    {
        if limit.is_some_and(|limit| limit < 10_100) {
            report.skip(format!(
                "beside 10000 idle clients: needs `ulimit -n` of at least 10100, and it is {}: \
                 `ulimit -n 10100; just bench`",
                limit.unwrap_or_default()
            ));
        } else {
            beside.push((EVENT, &ten_thousand));
        }
    }
    if !settings.measures(Part::Beside) {
        beside.clear();
    }
    if !beside.is_empty() {
        println!("measuring: {BESIDE}...");
    }
    for (server, others) in beside {
        beside_row(report, subjects, server, others, settings.beside);
    }

    let mut web = Vec::new();
    if subjects.has("http-server") {
        web.push(HTTP);
    }
    if subjects.python.is_some() {
        web.extend([PYTHON_HTTP, PYTHON_HTTP11]);
    }
    if subjects.files.is_none() && !given {
        report.skip("HTTP rows: cannot write the file to serve in the temporary folder".into());
        web.clear();
    }
    if !settings.measures(Part::Http) {
        web.clear();
    }
    if !web.is_empty() {
        println!("measuring: {WEB}...");
    }
    for clients in [1, 50] {
        for &server in &web {
            let Some(files) = &subjects.files else { break };
            let test = format!("{clients} client{}", if clients == 1 { "" } else { "s" });
            best_of_with(report, subjects, WEB, &test, server, "per s", runs, |running| {
                let path = format!("/{SMALL_FILE}");
                let overflows_before = system::listen_overflows();
                let load = http::load(running.address(), &path, &files.body, clients, seconds)?;
                let overflows = system::listen_overflows()
                    .zip(overflows_before)
                    .map(|(after, before)| after.saturating_sub(before) as f64);
                let extra = vec![
                    ("failed", Some(load.failures as f64), ""),
                    ("connections", Some(load.connections as f64), ""),
                    ("listen overflows", overflows, ""),
                    ("peak memory", running.peak_memory(), "MiB"),
                ];
                let note = load
                    .first_error
                    .map(|error| format!("first failure: {error}"))
                    .unwrap_or_default();
                Ok((load.per_second, extra, note))
            });
        }
    }
    Ok(())
}

fn latencies(trips: &RoundTrips) -> Vec<(&'static str, Option<f64>, &'static str)> {
    vec![
        ("p50", Some(trips.p50.as_secs_f64() * 1e6), "µs"),
        ("p99", Some(trips.p99.as_secs_f64() * 1e6), "µs"),
    ]
}

type Measured = (f64, Vec<(&'static str, Option<f64>, &'static str)>, String);

/// The best of `runs` runs of a rate measurement, each against a freshly
/// started server; the other figures come from that best run.
#[allow(clippy::too_many_arguments)]
fn best_of(
    report: &mut Report,
    subjects: &Subjects,
    section: &'static str,
    test: &str,
    server: &str,
    unit: &'static str,
    runs: usize,
    mut measure: impl FnMut(SocketAddr) -> anyhow::Result<Measured>,
) {
    best_of_with(report, subjects, section, test, server, unit, runs, |running| {
        measure(running.address())
    });
}

#[allow(clippy::too_many_arguments)]
fn best_of_with(
    report: &mut Report,
    subjects: &Subjects,
    section: &'static str,
    test: &str,
    server: &str,
    unit: &'static str,
    runs: usize,
    mut measure: impl FnMut(&Running) -> anyhow::Result<Measured>,
) {
    let mut best: Option<Measured> = None;
    let mut failure = None;
    for _ in 0..runs {
        let result = start(subjects, server).and_then(|running| measure(&running));
        match result {
            Ok(measured) => {
                if best.as_ref().is_none_or(|best| measured.0 > best.0) {
                    best = Some(measured);
                }
            }
            Err(error) => {
                failure = Some(format!("{error:#}"));
                break;
            }
        }
    }
    let (value, extra, note) = match (best, failure) {
        (Some((value, extra, note)), None) => (Some(value), extra, note),
        (_, Some(error)) => {
            report.failed |= is_ours(server);
            (None, Vec::new(), format!("failed: {}", first_line(&error)))
        }
        (None, None) => (None, Vec::new(), "no run".into()),
    };
    report.figures.push(Figure {
        section,
        test: test.into(),
        server: server.into(),
        value,
        unit,
        extra,
        note,
    });
}

fn is_ours(server: &str) -> bool {
    ![SOCAT_TCP, SOCAT_UDP, PYTHON_UDP, PYTHON_HTTP, PYTHON_HTTP11, GIVEN, GIVEN_UDP]
        .contains(&server)
}

fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or_default()
}

/// One crowd against a freshly started server.
fn crowd_row(
    report: &mut Report,
    subjects: &Subjects,
    test: &str,
    server: &str,
    clients: usize,
    rounds: usize,
) {
    let overflows_before = system::listen_overflows();
    let result = start(subjects, server).and_then(|running| {
        let crowd =
            measure::crowd(running.address(), clients, rounds, || running.processor_seconds())?;
        Ok((crowd, running.peak_memory()))
    });
    let overflows = system::listen_overflows()
        .zip(overflows_before)
        .map(|(after, before)| after.saturating_sub(before) as f64);
    let figure = match result {
        Ok((crowd, memory)) => Figure {
            section: CROWDS,
            test: test.into(),
            server: server.into(),
            value: Some(crowd.round_trips.as_secs_f64() * 1000.0),
            unit: "ms",
            extra: vec![
                ("failed", Some(crowd.failures as f64), ""),
                ("all connected after", Some(crowd.connecting.as_secs_f64() * 1000.0), "ms"),
                ("slowest connect", Some(crowd.slowest_connect.as_secs_f64() * 1000.0), "ms"),
                ("listen overflows", overflows, ""),
                ("peak memory", memory, "MiB"),
                ("server's processor time", crowd.server_seconds, "s"),
                ("clients' processor time", crowd.clients_seconds, "s"),
            ],
            note: crowd
                .first_error
                .map(|error| format!("first failure: {error}"))
                .unwrap_or_default(),
        },
        Err(error) => {
            report.failed |= is_ours(server);
            failed_figure(CROWDS, test, server, "ms", &error)
        }
    };
    report.figures.push(figure);
}

/// A real client beside others, against a freshly started server.
fn beside_row(
    report: &mut Report,
    subjects: &Subjects,
    server: &str,
    others: &Others,
    duration: Duration,
) {
    let test = if others.trickling + others.never_reading == 0 {
        format!("{} idle", others.idle)
    } else {
        format!(
            "{} idle, {} trickling, {} never reading",
            others.idle, others.trickling, others.never_reading
        )
    };
    let result = start(subjects, server).and_then(|running| {
        let beside = measure::beside_others(running.address(), others, duration)?;
        Ok((beside, running.peak_memory()))
    });
    let figure = match result {
        Ok((beside, memory)) => {
            let mut note =
                beside.first_error.map(|error| format!("failed: {error}")).unwrap_or_default();
            let busy = others.trickling + others.never_reading;
            if beside.busy_ready < busy {
                note = format!(
                    "only {} of the {busy} trickling and never-reading clients were busy; {note}",
                    beside.busy_ready
                );
            }
            if beside.idle_connected < others.idle {
                note = format!(
                    "only {} idle clients connected within a minute; {note}",
                    beside.idle_connected
                );
            }
            Figure {
                section: BESIDE,
                test,
                server: server.into(),
                value: (beside.failures == 0)
                    .then_some(beside.round_trips.p99.as_secs_f64() * 1000.0),
                unit: "ms p99",
                extra: vec![
                    ("p50", Some(beside.round_trips.p50.as_secs_f64() * 1000.0), "ms"),
                    ("round trips", Some(beside.round_trips.count as f64), ""),
                    ("failed", Some(beside.failures as f64), ""),
                    ("idle", Some(beside.idle_connected as f64), ""),
                    ("busy", Some(beside.busy_ready as f64), ""),
                    (
                        "slowest idle connect",
                        Some(beside.slowest_connect.as_secs_f64() * 1000.0),
                        "ms",
                    ),
                    ("peak memory", memory, "MiB"),
                ],
                note,
            }
        }
        Err(error) => {
            report.failed |= is_ours(server);
            failed_figure(BESIDE, &test, server, "ms p99", &error)
        }
    };
    report.figures.push(figure);
}

fn failed_figure(
    section: &'static str,
    test: &str,
    server: &str,
    unit: &'static str,
    error: &anyhow::Error,
) -> Figure {
    Figure {
        section,
        test: test.into(),
        server: server.into(),
        value: None,
        unit,
        extra: Vec::new(),
        note: format!("failed: {}", first_line(&format!("{error:#}"))),
    }
}

/// The course's targets, from the figures of this one run.
fn targets(report: &mut Report) {
    let value = |report: &Report, section: &str, test: &str, server: &str| {
        report.find(section, test, server).and_then(|figure| figure.value)
    };
    let extra = |report: &Report, section: &str, test: &str, server: &str, name: &str| {
        report.find(section, test, server).and_then(|figure| {
            figure
                .extra
                .iter()
                .find(|(extra, _, _)| *extra == name)
                .and_then(|(_, value, _)| *value)
        })
    };
    let mut targets = Vec::new();

    // Ours against socat.
    for (section, test, ours, theirs, wanted) in [
        (ONE_CONNECTION, "throughput", LARGE, SOCAT_TCP, 1.0),
        (ONE_AT_A_TIME, "TCP, 32 bytes", LARGE, SOCAT_TCP, 1.0),
        (ONE_AT_A_TIME, "TCP, 32 bytes", DEFAULT, SOCAT_TCP, 0.5),
        (ONE_AT_A_TIME, "UDP, 32 bytes", UDP, SOCAT_UDP, 1.0),
        (IN_FLIGHT, "UDP, 32 bytes", UDP, SOCAT_UDP, 1.0),
        (ONE_AT_A_TIME, "UDP, 32 bytes", UDP, PYTHON_UDP, 1.0),
        (IN_FLIGHT, "UDP, 32 bytes", UDP, PYTHON_UDP, 1.0),
    ] {
        targets.push(ratio_target(
            format!("{ours}, {section}, {test}: rate vs {theirs}"),
            value(report, section, test, ours),
            value(report, section, test, theirs),
            wanted,
        ));
    }

    // Lesson 8's event loop (issue 10), each as a ratio within this run.
    let pool = value(report, CROWDS, "1000 clients x 100", POOL);
    let event = value(report, CROWDS, "1000 clients x 100", EVENT);
    let event_failed = extra(report, CROWDS, "1000 clients x 100", EVENT, "failed");
    // The same work in less time: the pool's time over the event loop's
    // is the ratio of their rates.
    let got = pool.zip(event).map(|(pool, event)| pool / event);
    targets.push(Target {
        name: format!("{EVENT}, 1000 clients x 100 round trips: rate vs {POOL}, and 0 failed"),
        got: got.map(|got| (got, "x")),
        wanted: ">= 1.5x".into(),
        met: got.map(|got| got >= 1.5 && event_failed == Some(0.0)),
        note: match (got, event_failed) {
            (None, _) => "needs both 1000-client figures (not measured with --quick)".into(),
            (_, Some(failed)) if failed > 0.0 => format!("{failed} failed"),
            _ => String::new(),
        },
    });
    targets.push(ratio_target(
        format!("{EVENT}, one connection's throughput vs {LARGE}"),
        value(report, ONE_CONNECTION, "throughput", EVENT),
        value(report, ONE_CONNECTION, "throughput", LARGE),
        0.9,
    ));
    let memory = extra(report, CROWDS, "10000 clients x 10", EVENT, "peak memory");
    targets.push(Target {
        name: format!("{EVENT}, peak memory at 10000 connections"),
        got: memory.map(|memory| (memory, "MiB")),
        wanted: "<= 32 MiB".into(),
        met: memory.map(|memory| memory <= 32.0),
        note: if memory.is_none() {
            "no 10000-client figure (skipped, --quick, or not Linux)".into()
        } else {
            String::new()
        },
    });
    // A p99 counts only if every other client was there, doing its part.
    for (test, server, wanted, idle, busy) in [
        ("10000 idle", EVENT, 10.0, 10_000.0, 0.0),
        ("1000 idle, 8 trickling, 8 never reading", POOL, 50.0, 1000.0, 16.0),
        ("1000 idle, 8 trickling, 8 never reading", EVENT, 50.0, 1000.0, 16.0),
    ] {
        let p99 = value(report, BESIDE, test, server);
        let failed = extra(report, BESIDE, test, server, "failed");
        let all_there = extra(report, BESIDE, test, server, "idle") == Some(idle)
            && extra(report, BESIDE, test, server, "busy") == Some(busy);
        targets.push(Target {
            name: format!("{server}, a real client's p99 beside {test}"),
            got: p99.map(|p99| (p99, "ms")),
            wanted: format!("<= {wanted} ms"),
            met: match (p99, failed) {
                (None, Some(failed)) if failed > 0.0 => Some(false),
                (Some(p99), _) if all_there => Some(p99 <= wanted),
                _ => None,
            },
            note: match (p99, failed) {
                (None, Some(failed)) if failed > 0.0 => "the real client failed".into(),
                (None, _) => "not measured (skipped, or --quick)".into(),
                _ if !all_there => "not every other client was in place (see the table)".into(),
                _ => String::new(),
            },
        });
    }

    // Lesson 9's server (issue 11), against Python as learners run it, and
    // against Python keeping connections alive as ours does.
    for test in ["1 client", "50 clients"] {
        let ours = value(report, WEB, test, HTTP);
        let failed = extra(report, WEB, test, HTTP, "failed");
        for python in [PYTHON_HTTP, PYTHON_HTTP11] {
            let mut target = ratio_target(
                format!("{HTTP}, {test}: requests/s vs {python}, and 0 failed"),
                ours,
                value(report, WEB, test, python),
                10.0,
            );
            if failed.is_some_and(|failed| failed > 0.0) {
                target.met = Some(false);
                target.note = format!("{} requests failed", failed.unwrap_or_default());
            }
            targets.push(target);
        }
    }

    // Every crowd of 1,000 on our servers, without a failure.
    for server in [THREADS, POOL, EVENT] {
        let failed = extra(report, CROWDS, "1000 clients x 100", server, "failed");
        targets.push(Target {
            name: format!("{server}, 1000 clients x 100 round trips: 0 failed"),
            got: failed.map(|failed| (failed, "failed")),
            wanted: "0 failed".into(),
            met: failed.map(|failed| failed == 0.0),
            note: if failed.is_none() {
                "not measured (skipped, or --quick)".into()
            } else {
                String::new()
            },
        });
    }
    report.targets = targets;
}

/// A target that `ours` is at least `wanted` times `theirs` (both rates).
fn ratio_target(name: String, ours: Option<f64>, theirs: Option<f64>, wanted: f64) -> Target {
    let got =
        ours.zip(theirs).filter(|(_, theirs)| *theirs > 0.0).map(|(ours, theirs)| ours / theirs);
    Target {
        name,
        got: got.map(|got| (got, "x")),
        wanted: format!(">= {wanted}x"),
        met: got.map(|got| got >= wanted),
        note: if got.is_none() { "no figure for one side".into() } else { String::new() },
    }
}

/// A figure as the table shows it.
fn show(value: Option<f64>, unit: &str) -> String {
    match value {
        None => "n/a".into(),
        Some(value) if !value.is_finite() => "n/a".into(),
        Some(value) if unit.is_empty() && value.fract() == 0.0 => format!("{value:.0}"),
        Some(value) if value.abs() >= 100.0 => format!("{value:.0} {unit}"),
        Some(value) if value.abs() >= 10.0 => format!("{value:.1} {unit}"),
        Some(value) => format!("{value:.2} {unit}"),
    }
    .trim_end()
    .to_string()
}

fn print_report(report: &Report, settings: &Settings, took: Duration) {
    println!(
        "\nOne run of `bench{}`, {:.0} s in all. Rates (MiB/s, per s) are the best of {} run{} of \
         {:?} each, every run against a freshly started server (one given by address is reused), and the latencies beside a rate \
         come from that best run. Crowds and a real client beside others are one run each. \
         Every figure below comes from this one run.",
        if settings.runs == 1 { " --quick" } else { "" },
        took.as_secs_f64(),
        settings.runs,
        if settings.runs == 1 { "" } else { "s" },
        settings.seconds,
    );
    let mut sections: Vec<&str> = Vec::new();
    for figure in &report.figures {
        if !sections.contains(&figure.section) {
            sections.push(figure.section);
        }
    }
    for section in sections {
        println!("\n== {section}");
        for figure in report.figures.iter().filter(|figure| figure.section == section) {
            let mut line = format!(
                "  {:<40} {:<40} {:>14}",
                figure.test,
                figure.server,
                show(figure.value, figure.unit)
            );
            for (name, value, unit) in &figure.extra {
                let _ = write!(line, "  {name} {}", show(*value, unit));
            }
            if !figure.note.is_empty() {
                let _ = write!(line, "  ({})", figure.note);
            }
            println!("{line}");
        }
    }
    println!("\nThe servers:");
    for (name, what) in LEGEND {
        if report.figures.iter().any(|figure| figure.server == *name) {
            println!("  {name}: {what}");
        }
    }
    println!(
        "\nNotes: \"n/a\" is a figure not read here: peak memory is read for our servers only, and \
         it and listen overflows only on Linux (from /proc). Listen overflows count the whole system's listeners during the \
         row, so other programs' can show up in it. UDP \"late\" echoes came more than {} after \
         their datagram was sent and are left out of p50 and p99, \"lost\" ones never came. \
         Beside other clients, \"idle\" and \"busy\" count the other clients that were in place.",
        humanize(measure::GIVE_UP)
    );
    if !report.skipped.is_empty() {
        println!("\nSkipped:");
        for skipped in &report.skipped {
            println!("  {skipped}");
        }
    }
    println!("\nTargets:");
    for target in &report.targets {
        let got = target.got.map_or("n/a".into(), |(got, unit)| match unit {
            "x" => format!("{got:.2}x"),
            "failed" => format!("{got:.0} failed"),
            _ => show(Some(got), unit),
        });
        let verdict = match target.met {
            Some(true) => "met",
            Some(false) => "MISSED",
            None => "no verdict",
        };
        let note =
            if target.note.is_empty() { String::new() } else { format!(" ({})", target.note) };
        println!("  {verdict:<10} {}: {got}, target {}{note}", target.name, target.wanted);
    }
}

fn humanize(duration: Duration) -> String {
    format!("{} ms", duration.as_millis())
}

/// A JSON string, quoted and escaped.
fn quote(text: &str) -> String {
    let mut out = String::from("\"");
    for character in text.chars() {
        match character {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            character if (character as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", character as u32);
            }
            character => out.push(character),
        }
    }
    out.push('"');
    out
}

/// A JSON number, or `null` where there is none. JSON has no infinity and
/// no NaN, so those are `null` too, and the row's note says why.
fn number(value: Option<f64>) -> String {
    match value {
        Some(value) if value.is_finite() => format!("{value:.3}"),
        _ => "null".into(),
    }
}

fn json(report: &Report, settings: &Settings) -> String {
    let figures: Vec<String> = report
        .figures
        .iter()
        .map(|figure| {
            let mut note = figure.note.clone();
            if figure.value.is_none_or(|value| !value.is_finite()) && note.is_empty() {
                note = "no figure".into();
            }
            let extra: Vec<String> = figure
                .extra
                .iter()
                .map(|(name, value, unit)| {
                    format!("{}: {{\"value\": {}, \"unit\": {}}}", quote(name), number(*value), quote(unit))
                })
                .collect();
            // How the figure was obtained: the best of `runs` runs for a
            // rate, one run for a crowd or a real client beside others.
            let how = if [CROWDS, BESIDE].contains(&figure.section) {
                "one run".to_string()
            } else {
                format!("best of {} run{}", settings.runs, if settings.runs == 1 { "" } else { "s" })
            };
            format!(
                "    {{\"section\": {}, \"test\": {}, \"server\": {}, \"how\": {}, \"value\": {}, \"unit\": {}, \"extra\": {{{}}}, \"note\": {}}}",
                quote(figure.section),
                quote(&figure.test),
                quote(&figure.server),
                quote(&how),
                number(figure.value),
                quote(figure.unit),
                extra.join(", "),
                quote(&note)
            )
        })
        .collect();
    let targets: Vec<String> = report
        .targets
        .iter()
        .map(|target| {
            format!(
                "    {{\"target\": {}, \"got\": {}, \"unit\": {}, \"wanted\": {}, \"met\": {}, \"note\": {}}}",
                quote(&target.name),
                number(target.got.map(|(got, _)| got)),
                quote(target.got.map_or("", |(_, unit)| unit)),
                quote(&target.wanted),
                target.met.map_or("null".into(), |met| met.to_string()),
                quote(&target.note)
            )
        })
        .collect();
    let skipped: Vec<String> =
        report.skipped.iter().map(|skipped| format!("    {}", quote(skipped))).collect();
    format!(
        "{{\n  \"runs\": {},\n  \"seconds_per_run\": {},\n  \"figures\": [\n{}\n  ],\n  \"targets\": [\n{}\n  ],\n  \"skipped\": [\n{}\n  ]\n}}\n",
        settings.runs,
        number(Some(settings.seconds.as_secs_f64())),
        figures.join(",\n"),
        targets.join(",\n"),
        skipped.join(",\n")
    )
}

/// Fails if any process this run started is still running (Linux; other
/// systems cannot be checked this way, and the run says so). Killed
/// processes leave a moment later, so it waits for that, at most 5 s.
fn check_nothing_left() -> anyhow::Result<()> {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let Some(left) = system::leftovers() else {
            println!("\n(not checked that nothing is left running: this system has no /proc)");
            return Ok(());
        };
        if left.is_empty() {
            println!("\nchecked: no process this run started is still running");
            return Ok(());
        }
        if Instant::now() >= deadline {
            let list: Vec<String> =
                left.iter().map(|(id, command)| format!("  {id} {command}")).collect();
            bail!("these processes that the bench started are still running:\n{}", list.join("\n"));
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `--only` measures the parts named, however many; none named is all.
    #[test]
    fn only_names_the_parts_to_measure() {
        let settings = |words: &[&str]| {
            let args = Args::try_parse_from([&["bench", "--quick"], words].concat()).unwrap();
            Settings { only: args.only, ..quick() }
        };
        let all = settings(&[]);
        assert!([Part::Throughput, Part::Crowds, Part::Http].iter().all(|&p| all.measures(p)));
        let two = settings(&["--only", "crowds", "--only", "round-trips"]);
        assert!(two.measures(Part::Crowds) && two.measures(Part::RoundTrips));
        assert!(!two.measures(Part::Throughput) && !two.measures(Part::Beside));
        assert!(Args::try_parse_from(["bench", "--only", "everything"]).is_err());
    }

    /// Settings that measure nothing, for the tests.
    fn quick() -> Settings {
        Settings {
            seconds: Duration::from_millis(1),
            runs: 1,
            crowds: Vec::new(),
            others: Others { idle: 0, trickling: 0, never_reading: 0 },
            beside: Duration::ZERO,
            ten_thousand_idle: false,
            only: Vec::new(),
        }
    }

    /// JSON never holds inf or NaN: a missing or infinite figure is null.
    #[test]
    fn json_writes_null_for_missing_and_infinite_figures() {
        let figure = |value| Figure {
            section: ONE_CONNECTION,
            test: "t".into(),
            server: "s \"q\"".into(),
            value,
            unit: "x",
            extra: vec![("e", Some(f64::NAN), "")],
            note: String::new(),
        };
        let report = Report {
            figures: vec![figure(Some(f64::INFINITY)), figure(None), figure(Some(1.5))],
            targets: vec![Target {
                name: "n".into(),
                got: Some((f64::NAN, "x")),
                wanted: "w".into(),
                met: None,
                note: String::new(),
            }],
            ..Report::default()
        };
        let text = json(&report, &quick());
        assert!(!text.contains("inf") && !text.contains("NaN"), "{text}");
        assert_eq!(text.matches("\"value\": null").count(), 2 + 3, "{text}");
        assert!(text.contains("\"value\": 1.500"), "{text}");
        assert!(text.contains("\"got\": null"), "{text}");
        assert!(text.contains("\"note\": \"no figure\""), "{text}");
        assert!(text.contains("s \\\"q\\\""), "{text}");
        assert!(text.contains("\"how\": \"best of 1 run\""), "{text}");
    }

    /// The table shows "n/a" for a figure it does not have.
    #[test]
    fn the_table_shows_missing_figures_as_n_a() {
        assert_eq!(show(None, "MiB"), "n/a");
        assert_eq!(show(Some(f64::NAN), "MiB"), "n/a");
        assert_eq!(show(Some(3.0), ""), "3");
        assert_eq!(show(Some(1559.4), "MiB/s"), "1559 MiB/s");
    }
}
