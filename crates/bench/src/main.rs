//! `bench`: measures echo servers on this machine, ours and, where socat is
//! installed, a socat echo server run the same way, and prints each of our
//! figures as a ratio to socat's.
//!
//! It measures, for TCP: the throughput of one connection, the rate and
//! latency of small request/response round trips, and how long 10, 100 and
//! 1,000 clients take to finish 100 round trips each; for UDP: datagrams
//! echoed per second, and how many were lost. `just bench` runs it;
//! `scripts/README.md` says how to reproduce the figures in the lessons.
//!
//! Every target is a loopback address, every load is bounded in count and
//! time, and every server started here is stopped again.

mod measure;

use std::fs;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use harness::{Process, Server};
use netlessons::cli;

use measure::{Crowd, Datagrams, RoundTrips};

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
    /// Shorter runs and at most 100 clients: a smoke test, not a measurement
    #[arg(long)]
    quick: bool,
    /// Leave socat out even where it is installed
    #[arg(long)]
    no_socat: bool,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(run(&args))
}

/// The lesson-1 server with a large buffer, and as it comes.
const LARGE: &str = "tcp-server --buffer-size 65536";
const DEFAULT: &str = "tcp-server (16-byte buffer)";

/// One row of results: what was measured, on which server, and the figure.
struct Figure {
    test: String,
    server: String,
    value: f64,
    unit: &'static str,
    /// Higher is better (a rate), or lower is better (a time).
    higher_is_better: bool,
    detail: String,
}

struct Settings {
    /// How long one run of a measurement lasts.
    seconds: Duration,
    /// Runs of each rate measurement; the best one counts. Other programs
    /// on the machine can only slow a run down, never speed it up, so the
    /// best run is the fairest figure for every server alike.
    runs: usize,
    crowds: Vec<usize>,
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
        Settings { seconds: Duration::from_millis(200), runs: 1, crowds: vec![10, 100] }
    } else {
        Settings { seconds: Duration::from_millis(500), runs: 5, crowds: vec![10, 100, 1000] }
    };
    let mut figures = Vec::new();

    if args.tcp.is_some() || args.udp.is_some() {
        if let Some(address) = args.tcp {
            measure_tcp(&mut figures, &[("given server", address)], &settings)?;
            measure_crowds(&mut figures, "given server", address, &settings)?;
        }
        if let Some(address) = args.udp {
            measure_udp(&mut figures, "given server", address, &settings)?;
        }
    } else {
        let socat = if args.no_socat { None } else { socat_path() };
        measure_ours(&mut figures, &settings)?;
        match &socat {
            Some(path) => measure_socat(&mut figures, path, &settings)?,
            None => println!("(socat is not installed, or --no-socat: no comparison)\n"),
        }
    }

    print_table(&figures);
    if figures.iter().any(|figure| figure.server == "socat") {
        print_targets(&figures);
    }
    if let Some(path) = &args.json {
        fs::write(path, json(&figures))
            .with_context(|| format!("cannot write {}", path.display()))?;
        println!("\nwrote {}", path.display());
    }
    Ok(())
}

fn measure_ours(figures: &mut Vec<Figure>, settings: &Settings) -> anyhow::Result<()> {
    println!("measuring our servers (release builds, --quiet)...");
    {
        let big = Server::start("tcp-server", &["--quiet", "--buffer-size", "65536"])?;
        let default = Server::start("tcp-server", &["--quiet"])?;
        let servers = [(LARGE, big.address()), (DEFAULT, default.address())];
        measure_tcp(figures, &servers, settings)?;
    }
    for mode in ["pool", "thread-per-connection"] {
        let server = Server::start(
            "threaded-server",
            &["--quiet", "--mode", mode, "--max-clients", "2000"],
        )?;
        measure_crowds(figures, &format!("threaded-server {mode}"), server.address(), settings)?;
        if let Some(peak) = peak_memory_kib(server.process()) {
            figures.push(Figure {
                test: "server's peak memory, after the crowds".into(),
                server: format!("threaded-server {mode}"),
                value: peak as f64 / 1024.0,
                unit: "MiB",
                higher_is_better: false,
                detail: String::new(),
            });
        }
    }
    let udp = Server::start("udp-server", &["--quiet"])?;
    measure_udp(figures, "udp-server", udp.address(), settings)?;
    Ok(())
}

fn measure_socat(
    figures: &mut Vec<Figure>,
    path: &Path,
    settings: &Settings,
) -> anyhow::Result<()> {
    println!("measuring socat (fork, PIPE)...");
    let tcp = start_socat(path, &["TCP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr", "PIPE"])?;
    measure_tcp(figures, &[("socat", tcp.0)], settings)?;
    measure_crowds(figures, "socat", tcp.0, settings)?;
    drop(tcp);
    let udp =
        start_socat(path, &["-b", "65535", "UDP-LISTEN:0,bind=127.0.0.1,fork,reuseaddr", "PIPE"])?;
    measure_udp(figures, "socat", udp.0, settings)?;
    Ok(())
}

/// Throughput and round trips on each of `servers`: a name for the table
/// and an address.
fn measure_tcp(
    figures: &mut Vec<Figure>,
    servers: &[(&str, SocketAddr)],
    settings: &Settings,
) -> anyhow::Result<()> {
    for &(server, address) in servers {
        let mebibytes = best_of(settings.runs, || measure::throughput(address, settings.seconds))?;
        figures.push(Figure {
            test: "TCP throughput, one connection".into(),
            server: server.into(),
            value: mebibytes,
            unit: "MiB/s",
            higher_is_better: true,
            detail: String::new(),
        });
    }
    for &(server, address) in servers {
        let RoundTrips { per_second, p50, p99 } = (0..settings.runs)
            .map(|_| measure::round_trips(address, settings.seconds))
            .collect::<anyhow::Result<Vec<_>>>()?
            .into_iter()
            .max_by(|a, b| a.per_second.total_cmp(&b.per_second))
            .context("no run")?;
        figures.push(Figure {
            test: "TCP round trips, 32 bytes".into(),
            server: server.into(),
            value: per_second,
            unit: "per s",
            higher_is_better: true,
            detail: format!("p50 {p50:?}, p99 {p99:?}"),
        });
    }
    Ok(())
}

fn measure_crowds(
    figures: &mut Vec<Figure>,
    server: &str,
    address: SocketAddr,
    settings: &Settings,
) -> anyhow::Result<()> {
    for &clients in &settings.crowds {
        let Crowd { seconds, failures } = measure::crowd(address, clients, 100)?;
        figures.push(Figure {
            test: format!("{clients} clients x 100 round trips"),
            server: server.into(),
            value: seconds * 1000.0,
            unit: "ms",
            higher_is_better: false,
            detail: format!("{failures} failed"),
        });
    }
    Ok(())
}

fn measure_udp(
    figures: &mut Vec<Figure>,
    server: &str,
    address: SocketAddr,
    settings: &Settings,
) -> anyhow::Result<()> {
    let Datagrams { per_second, sent, lost } = (0..settings.runs)
        .map(|_| measure::datagrams(address, settings.seconds))
        .collect::<anyhow::Result<Vec<_>>>()?
        .into_iter()
        .max_by(|a, b| a.per_second.total_cmp(&b.per_second))
        .context("no run")?;
    figures.push(Figure {
        test: "UDP echo, 64-byte datagrams".into(),
        server: server.into(),
        value: per_second,
        unit: "per s",
        higher_is_better: true,
        detail: format!("{lost} of {sent} lost"),
    });
    Ok(())
}

/// The best of `runs` runs of a rate measurement.
fn best_of(runs: usize, mut measure: impl FnMut() -> anyhow::Result<f64>) -> anyhow::Result<f64> {
    let mut best = f64::MIN;
    for _ in 0..runs {
        best = best.max(measure()?);
    }
    Ok(best)
}

/// A socat echo server and the address it announced.
struct Socat(SocketAddr, #[allow(dead_code)] Process);

fn start_socat(path: &Path, args: &[&str]) -> anyhow::Result<Socat> {
    let mut all = vec!["-d", "-d"];
    all.extend(args);
    let process = Process::start_path(path, "socat", &all, None)?;
    let line = process
        .wait_for_error_line(Duration::from_secs(10), |line| line.contains("listening on"))?;
    let address = line
        .split_whitespace()
        .last()
        .and_then(|word| word.parse().ok())
        .with_context(|| format!("cannot find socat's address in {line:?}"))?;
    Ok(Socat(address, process))
}

fn socat_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|folder| folder.join("socat"))
        .find(|candidate| candidate.is_file())
}

#[cfg(target_os = "linux")]
fn peak_memory_kib(process: &Process) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{}/status", process.id())).ok()?;
    status.lines().find(|line| line.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
fn peak_memory_kib(_process: &Process) -> Option<u64> {
    None
}

/// The socat figure for the same test, if there is one.
fn socat_figure<'a>(figures: &'a [Figure], test: &str) -> Option<&'a Figure> {
    figures.iter().find(|figure| figure.server == "socat" && figure.test == test)
}

/// How ours compares: above 1.0 means better than socat, whether the figure
/// is a rate or a time.
fn ratio(ours: &Figure, socat: &Figure) -> f64 {
    if ours.higher_is_better { ours.value / socat.value } else { socat.value / ours.value }
}

fn print_table(figures: &[Figure]) {
    println!(
        "\n{:<46} {:<38} {:>10} {:<6} {:>9}  detail",
        "test", "server", "figure", "", "vs socat"
    );
    for figure in figures {
        let versus = match socat_figure(figures, &figure.test) {
            Some(socat) if figure.server != "socat" => format!("{:.2}x", ratio(figure, socat)),
            _ => String::new(),
        };
        println!(
            "{:<46} {:<38} {:>10.1} {:<6} {:>9}  {}",
            figure.test, figure.server, figure.value, figure.unit, versus, figure.detail
        );
    }
    if figures.iter().any(|figure| figure.server == "socat") {
        println!("\n(\"vs socat\": above 1.00x is better than socat, for rates and for times)");
    }
    let socat_failed = figures.iter().any(|figure| {
        figure.server == "socat" && figure.test.contains("clients") && figure.detail != "0 failed"
    });
    if socat_failed {
        println!(
            "(socat's TCP-LISTEN passes a listen backlog of 5 unless told otherwise, so crowds of \
             clients lose connection attempts and wait out the retries)"
        );
    }
}

/// The course's performance targets, each met or missed, and by how much.
fn print_targets(figures: &[Figure]) {
    let find = |test: &str, server: &str| {
        figures.iter().find(|figure| figure.test == test && figure.server == server)
    };
    let targets = [
        ("TCP throughput, one connection", LARGE, 1.0),
        ("TCP round trips, 32 bytes", LARGE, 1.0),
        ("UDP echo, 64-byte datagrams", "udp-server", 1.0),
        ("TCP round trips, 32 bytes", DEFAULT, 0.5),
    ];
    println!("\ntargets:");
    for (test, server, wanted) in targets {
        let (Some(ours), Some(socat)) = (find(test, server), socat_figure(figures, test)) else {
            println!("  {test}, {server}: no figure to compare");
            continue;
        };
        let got = ratio(ours, socat);
        let verdict = if got >= wanted {
            "met".to_string()
        } else {
            format!("MISSED by {:.0}%", (1.0 - got / wanted) * 100.0)
        };
        println!("  {test}, {server}: {got:.2}x socat, target {wanted:.1}x: {verdict}");
    }
    for figure in figures
        .iter()
        .filter(|figure| figure.test.starts_with("1000 clients") && figure.server != "socat")
    {
        let verdict = if figure.detail == "0 failed" { "met" } else { "MISSED" };
        println!("  1000 clients on {}: {}: {verdict}", figure.server, figure.detail);
    }
}

fn json(figures: &[Figure]) -> String {
    let rows: Vec<String> = figures
        .iter()
        .map(|figure| {
            let versus = match socat_figure(figures, &figure.test) {
                Some(socat) if figure.server != "socat" => format!("{:.3}", ratio(figure, socat)),
                _ => "null".to_string(),
            };
            format!(
                "    {{\"test\": \"{}\", \"server\": \"{}\", \"value\": {:.3}, \"unit\": \"{}\", \"versus_socat\": {versus}, \"detail\": \"{}\"}}",
                figure.test, figure.server, figure.value, figure.unit, figure.detail
            )
        })
        .collect();
    format!("{{\n  \"figures\": [\n{}\n  ]\n}}\n", rows.join(",\n"))
}
