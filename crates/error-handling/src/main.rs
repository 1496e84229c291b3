//! Lesson 6: the socket errors a program meets, and what to do about each.
//!
//! Every scenario triggers one error for real, on the loopback address,
//! catches it, and prints the error with its context, its
//! `std::io::ErrorKind` (the portable name a program can match on), and what
//! a well-behaved program does about it.
//!
//! Try it:
//!
//! ```text
//! cargo run -p error-handling -- list
//! cargo run -p error-handling -- connection-refused
//! cargo run -p error-handling -- all
//! ```
//!
//! With a lesson-1 server running on the default port, this shows the error
//! a second server meets on the same port:
//!
//! ```text
//! cargo run -p error-handling -- address-in-use --port 65432
//! ```
//!
//! The lesson text is `lessons/6-errors.md`.

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};
use std::process::ExitCode;
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, anyhow, bail};
use clap::{Parser, ValueEnum};
use netlessons::{Narrator, cli};

/// Trigger real socket errors on loopback and handle them (lesson 6)
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The scenario to run: `list` names them all, `all` runs them all
    #[arg(value_enum)]
    scenario: Choice,

    /// The loopback address to use: 127.0.0.1 or ::1
    #[arg(long, default_value = "127.0.0.1")]
    host: String,

    /// The port for address-in-use to fight over; 0 picks a free one
    #[arg(long, default_value_t = 0)]
    port: u16,

    /// Seconds read-timeout waits for data that never comes
    #[arg(long, default_value = "0.2", value_parser = cli::seconds)]
    timeout: Duration,

    #[command(flatten)]
    output: cli::Output,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Choice {
    /// Name every scenario
    List,
    /// Run every scenario
    All,
    AddressInUse,
    RestartAfterClose,
    ConnectionRefused,
    UnknownHost,
    InvalidAddress,
    ReadTimeout,
    ConnectionReset,
    BrokenPipe,
    UdpNoListener,
}

/// One scenario: its name, what it shows, the error kinds it may end in
/// (they differ between operating systems), advice, and the code. The code
/// returns the error it met, or `None` when the step it tried worked.
struct Scenario {
    choice: Choice,
    title: &'static str,
    expected: &'static [Kind],
    advice: &'static str,
    run: fn(&Setup, Narrator) -> anyhow::Result<Option<anyhow::Error>>,
}

/// The kind of error a scenario expects: an I/O error of some
/// `io::ErrorKind`, an error that is not an I/O error at all, or none.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Io(io::ErrorKind),
    AnyIo,
    Parse,
    NoError,
}

use io::ErrorKind::*;

const SCENARIOS: &[Scenario] = &[
    Scenario {
        choice: Choice::AddressInUse,
        title: "a second server binds the port a live server listens on",
        expected: &[Kind::Io(AddrInUse)],
        advice: "Stop the program holding the port, or choose another port. A server \
                 for tests binds port 0 and announces the port it got.",
        run: address_in_use,
    },
    Scenario {
        choice: Choice::RestartAfterClose,
        title: "a server restarts on its port right after closing a connection",
        // Unix: std sets SO_REUSEADDR, so the bind must work. Windows: std
        // does not set it there, and this course has not measured the result.
        expected: if cfg!(windows) {
            &[Kind::NoError, Kind::Io(AddrInUse)]
        } else {
            &[Kind::NoError]
        },
        advice: "Nothing to do in Rust on Unix. The side that closed first keeps the \
                 connection in TIME_WAIT (60 seconds on Linux), but std sets SO_REUSEADDR on \
                 every listener, so a restarted server binds at once. A C or Python server \
                 must set that option itself, or its bind fails with AddrInUse until then.",
        run: restart_after_close,
    },
    Scenario {
        choice: Choice::ConnectionRefused,
        title: "a client connects to a port where nothing listens",
        expected: &[Kind::Io(ConnectionRefused)],
        advice: "Check the server runs, and on which address: `localhost` may mean ::1 \
                 while the server listens on 127.0.0.1. Retry later with a growing pause, \
                 then report it.",
        run: connection_refused,
    },
    Scenario {
        choice: Choice::UnknownHost,
        title: "a host name that does not exist is looked up",
        expected: &[Kind::AnyIo],
        advice: "Report the name the user gave; it is misspelled, or name lookup does not \
                 work here. Retrying at once rarely helps.",
        run: unknown_host,
    },
    Scenario {
        choice: Choice::InvalidAddress,
        title: "an address typed by a user is not an address",
        expected: &[Kind::Parse],
        advice: "Parse input where it enters the program and say which part is wrong, \
                 before any socket exists. Ports are 0 to 65535.",
        run: invalid_address,
    },
    Scenario {
        choice: Choice::ReadTimeout,
        title: "a peer that stays silent, with a read timeout set",
        expected: &[Kind::Io(WouldBlock), Kind::Io(TimedOut)],
        advice: "Always set a timeout. When it runs out, decide: wait again, retry, or \
                 close and report. Unix says WouldBlock here and Windows says TimedOut: \
                 match both.",
        run: read_timeout,
    },
    Scenario {
        choice: Choice::ConnectionReset,
        title: "the peer closes without reading all we sent",
        expected: &[Kind::Io(ConnectionReset), Kind::Io(ConnectionAborted)],
        advice: "Normal when a peer closes, or is killed, with our data unread: end this \
                 connection, report it, keep serving others. Data still in flight is lost.",
        run: connection_reset,
    },
    Scenario {
        choice: Choice::BrokenPipe,
        title: "writing to a connection the peer has closed",
        expected: &[Kind::Io(BrokenPipe), Kind::Io(ConnectionReset), Kind::Io(ConnectionAborted)],
        advice: "The peer is gone: stop writing, close the socket, report it. Rust \
                 programs get an error here instead of being killed by SIGPIPE.",
        run: broken_pipe,
    },
    Scenario {
        choice: Choice::UdpNoListener,
        title: "a datagram sent to a port where nothing listens",
        expected: &[
            Kind::Io(ConnectionRefused),
            Kind::Io(ConnectionReset),
            Kind::Io(WouldBlock),
            Kind::Io(TimedOut),
        ],
        advice: "UDP does not promise to tell you. A connected UDP socket may hear \
                 \"refused\" (Windows says \"reset\", connected or not); otherwise all \
                 you get is silence. Treat both as loss: retry a few times, then report.",
        run: udp_no_listener,
    },
];

/// What every scenario needs to know.
struct Setup {
    host: String,
    port: u16,
    timeout: Duration,
}

impl Setup {
    /// The scenario address with the given port.
    fn address(&self, port: u16) -> anyhow::Result<SocketAddr> {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        let ip = host.parse().with_context(|| {
            format!("--host must be an IP address such as 127.0.0.1 or ::1, not {host:?}")
        })?;
        Ok(SocketAddr::new(ip, port))
    }
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(run(&args))
}

fn run(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);
    let setup = Setup { host: args.host.clone(), port: args.port, timeout: args.timeout };
    setup.address(0)?;

    let chosen: Vec<&Scenario> = match args.scenario {
        Choice::List => {
            for scenario in SCENARIOS {
                say.result(format_args!("{:<20} {}", name(scenario.choice), scenario.title));
            }
            return Ok(());
        }
        Choice::All => SCENARIOS.iter().collect(),
        one => SCENARIOS.iter().filter(|scenario| scenario.choice == one).collect(),
    };

    let mut failed = Vec::new();
    for (number, scenario) in chosen.into_iter().enumerate() {
        if number > 0 {
            say.result("");
        }
        say.result(format_args!("== {}: {}", name(scenario.choice), scenario.title));
        match (scenario.run)(&setup, say) {
            Ok(outcome) => {
                let kind = match &outcome {
                    Some(error) => {
                        say.result(format_args!("error:  {error:#}"));
                        kind_of(error)
                    }
                    None => {
                        say.result("error:  none");
                        None
                    }
                };
                say.result(format_args!("kind:   {}", describe(outcome.is_some(), kind)));
                let got = if outcome.is_some() {
                    kind.map_or(Kind::Parse, Kind::Io)
                } else {
                    Kind::NoError
                };
                if !scenario.expected.iter().any(|expected| matches_kind(*expected, got)) {
                    say.problem(format_args!(
                        "{}: this kind of error was not expected here",
                        name(scenario.choice)
                    ));
                    failed.push(name(scenario.choice));
                }
                say.result(format_args!("advice: {}", scenario.advice));
            }
            Err(problem) => {
                say.problem(format_args!(
                    "{}: could not show the error: {problem:#}",
                    name(scenario.choice)
                ));
                failed.push(name(scenario.choice));
            }
        }
    }
    if !failed.is_empty() {
        bail!("these scenarios did not go as expected: {}", failed.join(", "));
    }
    Ok(())
}

fn name(choice: Choice) -> String {
    choice.to_possible_value().map(|value| value.get_name().to_string()).unwrap_or_default()
}

/// The `io::ErrorKind` at the root of an error, if it is an I/O error.
fn kind_of(error: &anyhow::Error) -> Option<io::ErrorKind> {
    error.root_cause().downcast_ref::<io::Error>().map(io::Error::kind)
}

fn describe(failed: bool, kind: Option<io::ErrorKind>) -> String {
    match kind {
        Some(kind) => format!("io::ErrorKind::{kind:?}"),
        None if failed => {
            "not an I/O error: the input was rejected before any socket call".to_string()
        }
        None => "none: the step worked".to_string(),
    }
}

fn matches_kind(expected: Kind, got: Kind) -> bool {
    match (expected, got) {
        (Kind::AnyIo, Kind::Io(_)) => true,
        _ => expected == got,
    }
}

/// Runs a socket call again when it was interrupted before it could do
/// anything. On Linux a stop and continue (Ctrl-Z, then fg) makes a call on a
/// socket with a timeout fail with `Interrupted`, and SA_RESTART does not
/// restart such calls (see signal(7)): the program must.
fn retry_interrupted<T>(mut call: impl FnMut() -> io::Result<T>) -> io::Result<T> {
    loop {
        match call() {
            Err(error) if error.kind() == Interrupted => continue,
            result => return result,
        }
    }
}

// The scenarios. Each returns the error it met, or `None` when the step
// worked, and fails only when it could not set the scene.

fn address_in_use(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let wanted = setup.address(setup.port)?;
    // Hold the address ourselves, unless another program already does
    // (try --port 65432 while a lesson-1 server runs).
    let first = match TcpListener::bind(wanted) {
        Ok(first) => first,
        Err(error) if error.kind() == AddrInUse => {
            say.step(format_args!("another program already holds {wanted}"));
            return Ok(Some(anyhow!(error).context(format!("cannot listen on {wanted}"))));
        }
        Err(error) => return Err(error).context("the first bind failed"),
    };
    let taken = first.local_addr()?;
    say.step(format_args!("a server listens on {taken}"));
    say.step(format_args!("a second server binds {taken}"));
    match TcpListener::bind(taken) {
        Ok(_) => bail!("the second bind worked, so the port was not taken after all"),
        Err(error) => Ok(Some(anyhow!(error).context(format!("cannot listen on {taken}")))),
    }
}

fn restart_after_close(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let listener = TcpListener::bind(setup.address(0)?)?;
    let address = listener.local_addr()?;
    say.step(format_args!("a server listens on {address}, and a client connects"));
    let mut client = TcpStream::connect(address)?;
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let (server, _) = listener.accept()?;

    // The server closes first, then the client. The side that closes first
    // is the one whose end then waits in TIME_WAIT: here, the server's.
    say.step("the server closes the connection first, then the client closes");
    drop(server);
    let count = retry_interrupted(|| client.read(&mut [0; 1]))?;
    if count != 0 {
        bail!("the client read {count} bytes instead of the end of the data");
    }
    drop(client);
    say.step("the server stops; its end of that connection waits in TIME_WAIT");
    drop(listener);

    say.step(format_args!("a new server binds {address} at once"));
    match TcpListener::bind(address) {
        Ok(_) => Ok(None),
        Err(error) => Ok(Some(anyhow!(error).context(format!("cannot listen on {address}")))),
    }
}

fn connection_refused(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    // Find a port nobody listens on: bind one, note it, close it. Another
    // program could grab it in between, so try a few times.
    for _ in 0..3 {
        let closed = TcpListener::bind(setup.address(0)?)?.local_addr()?;
        say.step(format_args!("connecting to {closed}, where nothing listens any more"));
        match TcpStream::connect_timeout(&closed, Duration::from_secs(5)) {
            Ok(_) => say.step("someone else is listening there now; trying another port"),
            Err(error) => {
                return Ok(Some(anyhow!(error).context(format!("cannot connect to {closed}"))));
            }
        }
    }
    bail!("every port tried had a listener")
}

fn unknown_host(_setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    // Names ending in .invalid are reserved never to exist (RFC 6761).
    let address = cli::Address { host: "no.such.host.invalid".to_string(), port: 80 };
    say.step(format_args!("looking up {}", address.host));
    match address.resolve() {
        Ok(found) => bail!("the name resolved to {found:?}"),
        Err(error) => Ok(Some(error)),
    }
}

fn invalid_address(_setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let typed = "127.0.0.1:70000";
    say.step(format_args!("parsing {typed:?} as a socket address"));
    match typed.parse::<SocketAddr>() {
        Ok(address) => bail!("{typed:?} parsed as {address}"),
        Err(error) => Ok(Some(anyhow!(error).context(format!("{typed:?} is not a valid address")))),
    }
}

fn read_timeout(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let listener = TcpListener::bind(setup.address(0)?)?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    // Keep the server's end open but never write to it: a silent peer.
    let (_silent_server, _) = listener.accept()?;
    let timeout = setup.timeout;
    client.set_read_timeout(Some(timeout))?;
    say.step(format_args!("reading from a peer that sends nothing, with a {timeout:?} timeout"));
    let mut buffer = [0; 16];
    match retry_interrupted(|| client.read(&mut buffer)) {
        Ok(count) => bail!("the read returned {count} bytes"),
        Err(error) => Ok(Some(anyhow!(error).context(format!("no data within {timeout:?}")))),
    }
}

fn connection_reset(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let listener = TcpListener::bind(setup.address(0)?)?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    client.set_read_timeout(Some(Duration::from_secs(5)))?;
    let (mut server, _) = listener.accept()?;

    say.step("the client sends 100 bytes");
    client.write_all(&[b'x'; 100])?;
    // The server reads one byte and closes with the rest unread. Closing a
    // socket that still holds unread data makes the operating system send a
    // reset (RST) instead of an orderly close: the connection is torn down.
    server.read_exact(&mut [0; 1])?;
    say.step("the server reads 1 byte and closes with 99 bytes unread");
    drop(server);

    say.step("the client reads, waiting for the echo");
    match retry_interrupted(|| client.read(&mut [0; 16])) {
        Ok(0) => bail!("the connection closed normally instead of being reset"),
        Ok(count) => bail!("the read returned {count} bytes"),
        Err(error) => Ok(Some(anyhow!(error).context("cannot read from the server"))),
    }
}

fn broken_pipe(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let listener = TcpListener::bind(setup.address(0)?)?;
    let mut client = TcpStream::connect(listener.local_addr()?)?;
    let (server, _) = listener.accept()?;
    say.step("the server closes the connection");
    drop(server);

    // The first write after the close still succeeds: the data leaves, and
    // the peer answers it with a reset. Only a later write fails. Keep
    // writing, for a second at most, until the operating system says so.
    say.step("the client keeps writing");
    let deadline = Instant::now() + Duration::from_secs(1);
    while Instant::now() < deadline {
        if let Err(error) = client.write_all(b"are you there?") {
            return Ok(Some(anyhow!(error).context("cannot write to the server")));
        }
        thread::sleep(Duration::from_millis(10));
    }
    bail!("every write succeeded for a whole second")
}

fn udp_no_listener(setup: &Setup, say: Narrator) -> anyhow::Result<Option<anyhow::Error>> {
    let nobody = UdpSocket::bind(setup.address(0)?)?.local_addr()?;
    let socket = UdpSocket::bind(setup.address(0)?)?;
    // connect() on a UDP socket sends nothing; it fixes the one address the
    // socket talks to, and lets the system report errors from it.
    socket.connect(nobody)?;
    let timeout = Duration::from_millis(500);
    socket.set_read_timeout(Some(timeout))?;
    say.step(format_args!("sending a datagram to {nobody}, where nothing listens"));
    socket.send(b"anyone?")?;
    say.step(format_args!("waiting up to {timeout:?} for a reply"));
    match retry_interrupted(|| socket.recv(&mut [0; 16])) {
        Ok(count) => bail!("a reply of {count} bytes came"),
        Err(error) => Ok(Some(anyhow!(error).context(format!("no reply from {nobody}")))),
    }
}
