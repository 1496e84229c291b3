//! The measurements. Each one talks to an echo server over loopback, is
//! bounded in time and in count, and checks every byte it reads back, so
//! that a fast wrong server does not look good.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How long any single read, write or connect may wait before it fails.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// The size of the small TCP messages.
const SMALL: usize = 32;

/// The size of the datagrams: the same as the TCP messages, so that the
/// two protocols carry the same bytes.
const DATAGRAM: usize = SMALL;

/// At most this many messages in one rate measurement, however fast the
/// server: a bound on count as well as on time.
const MAX_MESSAGES: usize = 10_000_000;

/// Connects with every timeout set, and says how long the connect took.
pub fn connect(address: SocketAddr) -> anyhow::Result<(TcpStream, Duration)> {
    let started = Instant::now();
    let stream = TcpStream::connect_timeout(&address, PATIENCE)
        .with_context(|| format!("cannot connect to {address}"))?;
    let took = started.elapsed();
    stream.set_read_timeout(Some(PATIENCE))?;
    stream.set_write_timeout(Some(PATIENCE))?;
    stream.set_nodelay(true)?;
    Ok((stream, took))
}

/// MiB per second through one connection: one thread sends 64 KiB blocks
/// for `duration`, this one reads the echo back and checks it; the clock
/// stops when the last byte is back.
pub fn throughput(address: SocketAddr, duration: Duration) -> anyhow::Result<f64> {
    const BLOCK: usize = 64 * 1024;
    // Byte n of the stream is n % 251, so a byte dropped, added or moved
    // shows; 251 does not divide the block size, so blocks differ too. A
    // block starting at byte n is pattern[n % 251..][..BLOCK].
    let pattern: Vec<u8> = (0..4 * BLOCK + 251).map(|index| (index % 251) as u8).collect();
    let (stream, _) = connect(address)?;
    let mut writer = stream.try_clone()?;
    let started = Instant::now();
    thread::scope(|scope| {
        let pattern = &pattern;
        let sender = scope.spawn(move || -> std::io::Result<u64> {
            let mut sent = 0u64;
            while started.elapsed() < duration && sent < 64 << 30 {
                let offset = (sent % 251) as usize;
                writer.write_all(&pattern[offset..offset + BLOCK])?;
                sent += BLOCK as u64;
            }
            writer.shutdown(Shutdown::Write)?;
            Ok(sent)
        });
        let mut buffer = vec![0; 4 * BLOCK];
        let mut received = 0u64;
        loop {
            let count = (&stream).read(&mut buffer).context("reading the echo")?;
            if count == 0 {
                break;
            }
            let offset = (received % 251) as usize;
            if buffer[..count] != pattern[offset..offset + count] {
                bail!("the echo differs from what was sent, after {received} bytes");
            }
            received += count as u64;
        }
        let elapsed = started.elapsed();
        let sent = sender.join().map_err(|_| anyhow::anyhow!("the sending thread failed"))??;
        if received != sent {
            bail!("sent {sent} bytes but {received} came back");
        }
        Ok(received as f64 / (1024.0 * 1024.0) / elapsed.as_secs_f64())
    })
}

/// Messages and their echoes, counted and timed.
pub struct RoundTrips {
    pub per_second: f64,
    pub p50: Duration,
    pub p99: Duration,
    pub count: usize,
}

/// The message with number `number`: the number, then a pattern from it.
fn message<const N: usize>(number: u64) -> [u8; N] {
    let mut message = [0; N];
    message[..8].copy_from_slice(&number.to_be_bytes());
    for (index, byte) in message[8..].iter_mut().enumerate() {
        *byte = ((number + index as u64) % 251) as u8;
    }
    message
}

/// The median and 99th percentile of `latencies`.
fn percentiles(latencies: &mut [Duration]) -> (Duration, Duration) {
    if latencies.is_empty() {
        return (Duration::ZERO, Duration::ZERO);
    }
    latencies.sort();
    let at = |fraction: f64| latencies[((latencies.len() - 1) as f64 * fraction).round() as usize];
    (at(0.50), at(0.99))
}

/// 32-byte messages on one TCP connection for `duration`, with
/// `in_flight` of them sent and not yet echoed at any moment (1: one at a
/// time). Each message is its own write; each latency is from its write
/// to the end of its echo.
pub fn tcp_round_trips(
    address: SocketAddr,
    in_flight: usize,
    duration: Duration,
) -> anyhow::Result<RoundTrips> {
    let (mut stream, _) = connect(address)?;
    let mut sent_at = Vec::new();
    let mut latencies = Vec::new();
    let mut echo = [0; SMALL];
    let started = Instant::now();
    loop {
        let sending = started.elapsed() < duration && sent_at.len() < MAX_MESSAGES;
        if sending && sent_at.len() - latencies.len() < in_flight {
            stream.write_all(&message::<SMALL>(sent_at.len() as u64))?;
            sent_at.push(Instant::now());
            continue;
        }
        if latencies.len() == sent_at.len() {
            break;
        }
        stream.read_exact(&mut echo).context("reading an echo")?;
        let number = latencies.len();
        latencies.push(sent_at[number].elapsed());
        if echo != message::<SMALL>(number as u64) {
            bail!("echo {number} differs from its message");
        }
    }
    let elapsed = started.elapsed();
    let count = latencies.len();
    let (p50, p99) = percentiles(&mut latencies);
    Ok(RoundTrips { per_second: count as f64 / elapsed.as_secs_f64(), p50, p99, count })
}

/// Datagrams echoed, and what happened to the others.
pub struct Datagrams {
    pub round_trips: RoundTrips,
    pub sent: usize,
    /// Echoes that came more than [`GIVE_UP`] after their datagram was sent,
    /// once the measurement had stopped waiting for them.
    pub late: usize,
    /// Echoes that came more than once (counted once in the rate).
    pub duplicated: usize,
    /// Datagrams whose echo never came.
    pub lost: usize,
}

/// How long after sending a datagram the UDP measurement waits for its
/// echo before it stops counting on it and sends another datagram in its
/// place. An echo that comes after that is counted as late, not as lost,
/// and its round trip is left out of the latencies.
pub const GIVE_UP: Duration = Duration::from_millis(100);

/// Where each numbered datagram is.
#[derive(Clone, Copy, PartialEq)]
enum Fate {
    InFlight,
    /// Sent more than [`GIVE_UP`] ago; lost unless its echo comes late.
    GivenUp,
    Echoed,
    EchoedLate,
}

/// 32-byte numbered datagrams to a UDP echo server for `duration`, with
/// `in_flight` sent and not yet echoed at any moment (1: one at a time).
/// Every echo is checked against the datagram with its number. A datagram
/// sent more than [`GIVE_UP`] ago is given up on, so that one lost datagram
/// does not leave fewer in flight. At the end it waits (until 3 × [`GIVE_UP`]
/// pass without an echo) for the echoes still on their way; only a datagram
/// whose echo never came counts as lost.
pub fn udp_round_trips(
    address: SocketAddr,
    in_flight: usize,
    duration: Duration,
) -> anyhow::Result<Datagrams> {
    udp_round_trips_giving_up(address, in_flight, duration, GIVE_UP)
}

/// [`udp_round_trips`], waiting `give_up` for an echo (tests wait longer,
/// so that a busy machine cannot make an echo late by accident).
fn udp_round_trips_giving_up(
    address: SocketAddr,
    in_flight: usize,
    duration: Duration,
    give_up: Duration,
) -> anyhow::Result<Datagrams> {
    let socket = UdpSocket::bind(if address.is_ipv4() { "127.0.0.1:0" } else { "[::1]:0" })?;
    socket.connect(address)?;
    socket.set_read_timeout(Some(give_up))?;
    let mut fates: Vec<Fate> = Vec::new();
    let mut sent_at: Vec<Instant> = Vec::new();
    let mut latencies = Vec::new();
    // Datagrams in flight, and those given up on whose echo may yet come.
    let (mut waiting, mut given_up) = (0, 0);
    let (mut oldest, mut duplicated, mut last_echo) = (0, 0, None);
    let mut silences = 0;
    let mut echo = [0u8; DATAGRAM + 1];
    let started = Instant::now();
    loop {
        // Give up on the datagrams in flight for longer than `give_up`,
        // oldest first (those sent later are younger): their echoes, if
        // they come, are late, and new datagrams take their places.
        while oldest < fates.len() {
            match fates[oldest] {
                Fate::InFlight if sent_at[oldest].elapsed() < give_up => break,
                Fate::InFlight => {
                    fates[oldest] = Fate::GivenUp;
                    waiting -= 1;
                    given_up += 1;
                }
                _ => {}
            }
            oldest += 1;
        }
        let sending = started.elapsed() < duration && fates.len() < MAX_MESSAGES;
        if sending && waiting < in_flight {
            socket.send(&message::<DATAGRAM>(fates.len() as u64))?;
            fates.push(Fate::InFlight);
            sent_at.push(Instant::now());
            waiting += 1;
            continue;
        }
        // Done when every echo is in, after 3 waits of `give_up` without
        // one, or, whatever a server keeps sending, 10 of them after the end.
        let draining_too_long = started.elapsed() > duration + 10 * give_up;
        if !sending && (waiting + given_up == 0 || silences >= 3 || draining_too_long) {
            break;
        }
        match socket.recv(&mut echo) {
            Ok(count) => {
                silences = 0;
                let number = echo.get(..8).map_or(u64::MAX, |bytes| {
                    u64::from_be_bytes(bytes.try_into().unwrap_or([0xff; 8]))
                });
                let Some(fate) = usize::try_from(number).ok().and_then(|n| fates.get_mut(n)) else {
                    bail!("an echo carries a number that was never sent");
                };
                if count != DATAGRAM {
                    let what = if count > DATAGRAM { "merged" } else { "cut" };
                    bail!(
                        "an echo of another size than the {DATAGRAM}-byte datagrams: the server {what} them"
                    );
                }
                if echo[..DATAGRAM] != message::<DATAGRAM>(number) {
                    bail!("the echo of datagram {number} differs from it");
                }
                match *fate {
                    Fate::InFlight => {
                        waiting -= 1;
                        // The wait may have begun just before this one was
                        // due: an echo after `give_up` is late all the same.
                        let took = sent_at[number as usize].elapsed();
                        if took < give_up {
                            *fate = Fate::Echoed;
                            latencies.push(took);
                        } else {
                            *fate = Fate::EchoedLate;
                        }
                    }
                    Fate::GivenUp => {
                        *fate = Fate::EchoedLate;
                        given_up -= 1;
                    }
                    Fate::Echoed | Fate::EchoedLate => duplicated += 1,
                }
                last_echo = Some(Instant::now());
            }
            // `give_up` without an echo: every datagram in flight was sent
            // before the wait began, so the top of the loop gives up on it.
            Err(error) if netlessons::is_timeout(&error) => silences += 1,
            // Ctrl-Z and `fg` interrupt a wait with a timeout: wait again.
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => {}
            // On some systems an ICMP "port unreachable" surfaces here.
            Err(error) => return Err(error).context("receiving an echo"),
        }
    }
    let elapsed = last_echo.map_or(started.elapsed(), |last| last - started);
    let late = fates.iter().filter(|fate| **fate == Fate::EchoedLate).count();
    let echoed = fates.iter().filter(|fate| **fate == Fate::Echoed).count() + late;
    let lost = fates.len() - echoed;
    let sent = fates.len();
    let (p50, p99) = percentiles(&mut latencies);
    Ok(Datagrams {
        round_trips: RoundTrips {
            per_second: echoed as f64 / elapsed.as_secs_f64().max(1e-9),
            p50,
            p99,
            count: echoed,
        },
        sent,
        late,
        duplicated,
        lost,
    })
}

/// A start line for client threads: they wait until every one has been
/// started, and give up if starting one failed, so none waits forever.
struct Gate {
    open: Mutex<Option<bool>>,
    changed: Condvar,
}

impl Gate {
    fn new() -> Gate {
        Gate { open: Mutex::new(None), changed: Condvar::new() }
    }

    /// Lets everyone go (`true`), or sends everyone home (`false`).
    fn set(&self, go: bool) {
        *self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) = Some(go);
        self.changed.notify_all();
    }

    /// Waits for [`set`](Self::set); true means go.
    fn wait(&self) -> bool {
        let mut open = self.open.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        loop {
            if let Some(go) = *open {
                return go;
            }
            open = self.changed.wait(open).unwrap_or_else(|poisoned| poisoned.into_inner());
        }
    }
}

/// Starts `clients` threads running `client(index)` in `scope`, all
/// released at once, and says when they were released. If a thread cannot
/// be started, those already started are released with `false` and the
/// error is returned.
#[allow(clippy::type_complexity)]
fn start_together<'scope, 'env, T: Send + 'scope>(
    scope: &'scope thread::Scope<'scope, 'env>,
    gate: &'env Gate,
    clients: usize,
    client: impl Fn(usize) -> T + Send + Sync + Copy + 'env,
) -> anyhow::Result<(Vec<thread::ScopedJoinHandle<'scope, Option<T>>>, Instant)> {
    let mut threads = Vec::with_capacity(clients);
    for index in 0..clients {
        let started = thread::Builder::new()
            .stack_size(128 * 1024)
            .spawn_scoped(scope, move || gate.wait().then(|| client(index)));
        match started {
            Ok(thread) => threads.push(thread),
            Err(error) => {
                gate.set(false);
                return Err(error).context(format!("cannot start client thread {}", index + 1));
            }
        }
    }
    let released = Instant::now();
    gate.set(true);
    Ok((threads, released))
}

/// Many clients at once.
#[derive(Debug)]
pub struct Crowd {
    /// From the clients' release until the last one had connected (or
    /// failed to), as the clients' own clocks say.
    pub connecting: Duration,
    /// From the go until the last client had made its round trips.
    pub round_trips: Duration,
    pub failures: usize,
    /// The slowest connect of the clients that connected.
    pub slowest_connect: Duration,
    pub first_error: Option<String>,
    /// Processor time used during the round trips by the server, where it
    /// can be read, and by the clients (all on this thread).
    pub server_seconds: Option<f64>,
    pub clients_seconds: Option<f64>,
}

/// A count of clients that have connected or failed to, to wait for.
struct Tally {
    count: Mutex<usize>,
    changed: Condvar,
}

impl Tally {
    fn add(&self) {
        *self.count.lock().unwrap_or_else(|poisoned| poisoned.into_inner()) += 1;
        self.changed.notify_all();
    }

    /// Waits until the count reaches `wanted`, for at most `timeout`.
    fn wait_for(&self, wanted: usize, timeout: Duration) {
        let deadline = Instant::now() + timeout;
        let mut count = self.count.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        while *count < wanted {
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() {
                return;
            }
            count = self
                .changed
                .wait_timeout(count, left)
                .map(|(count, _)| count)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }
}

/// `clients` clients connect at the same moment, each on a thread of its
/// own; once all have connected (or failed to), each makes `rounds` round
/// trips of 32 bytes. The two phases are timed apart, so that a storm of
/// connects, which a listen backlog may not hold, does not pass for slow
/// serving.
///
/// The round trips are made by this one thread, through mio: an event
/// loop, as load generators such as wrk use (one per thread). A thread per
/// client would measure the bench as much as the server: on a 2-core
/// machine, 1,000 client threads that each sleep and wake for every echo
/// took 2.2 s of system time in a 2.3 s run (measured with `time`),
/// processor time the server could not have.
pub fn crowd(
    address: SocketAddr,
    clients: usize,
    rounds: usize,
    server_seconds: impl Fn() -> Option<f64>,
) -> anyhow::Result<Crowd> {
    let start = Gate::new();
    // Each thread says how long its connect took and when it was done
    // connecting, on its own clock, so that a measuring thread that waits
    // for a processor does not change the figures.
    let client = move |_: usize| (connect(address), Instant::now());
    let (connects, released) = thread::scope(|scope| -> anyhow::Result<_> {
        let (threads, released) = start_together(scope, &start, clients, client)?;
        // Every connect gives up after PATIENCE, so these joins end.
        let connects: Vec<_> = threads.into_iter().map(|thread| thread.join()).collect();
        Ok((connects, released))
    })?;
    let (mut failures, mut slowest_connect, mut first_error) = (0, Duration::ZERO, None);
    let mut last_connected = released;
    let mut streams = Vec::with_capacity(clients);
    for connect in connects {
        match connect {
            Ok(Some((connecting, connected_at))) => {
                last_connected = last_connected.max(connected_at);
                match connecting {
                    Ok((stream, took)) => {
                        slowest_connect = slowest_connect.max(took);
                        streams.push(stream);
                    }
                    Err(error) => {
                        failures += 1;
                        first_error.get_or_insert(format!("{error:#}"));
                    }
                }
            }
            _ => failures += 1,
        }
    }
    let serving = Instant::now();
    let server_before = server_seconds();
    let clients_before = crate::system::processor_seconds("self");
    let together = round_trips_together(streams, rounds, CROWD_LIMIT)?;
    // Read before the connections are closed: closing 10,000 of them takes
    // the bench about 0.1 s, and the server's work then is not serving.
    let server_took = server_seconds().zip(server_before).map(|(after, before)| after - before);
    // Only this thread runs now: the connecting threads have ended.
    let clients_took = crate::system::processor_seconds("self")
        .zip(clients_before)
        .map(|(after, before)| after - before);
    let (results, last_done) = (together.results, together.last_done);
    drop(together.streams);
    for result in results {
        if let Err(error) = result {
            failures += 1;
            first_error.get_or_insert(format!("{error:#}"));
        }
    }
    Ok(Crowd {
        connecting: last_connected - released,
        round_trips: last_done.max(serving) - serving,
        failures,
        slowest_connect,
        first_error,
        server_seconds: server_took,
        clients_seconds: clients_took,
    })
}

/// The longest a crowd's round trips may take, whatever the server does:
/// each client also gives up after PATIENCE without a byte moving, but a
/// server that trickles bytes could stretch every round trip to almost that.
const CROWD_LIMIT: Duration = Duration::from_secs(120);

/// What [`round_trips_together`] did.
struct Together {
    /// Each client's outcome.
    results: Vec<anyhow::Result<()>>,
    /// When the last client finished.
    last_done: Instant,
    /// The connections, still open (each shut down): dropping them closes
    /// them, which the caller does once it has read the processor times.
    streams: Vec<mio::net::TcpStream>,
}

/// Every stream makes `rounds` round trips, all on this thread: it writes
/// a client's message, and when the poll says its echo is there, reads and
/// checks it and writes the next. Clients still busy after `limit` fail.
fn round_trips_together(
    streams: Vec<TcpStream>,
    rounds: usize,
    limit: Duration,
) -> anyhow::Result<Together> {
    let started = Instant::now();
    let mut poll = mio::Poll::new().context("cannot create a poll for the clients")?;
    let mut talkers = Vec::with_capacity(streams.len());
    for (index, stream) in streams.into_iter().enumerate() {
        stream.set_nonblocking(true)?;
        let mut stream = mio::net::TcpStream::from_std(stream);
        // Watched for readable; for writable only while a message is stuck
        // (see `Talker::step`).
        poll.registry().register(&mut stream, mio::Token(index), mio::Interest::READABLE)?;
        talkers.push(Talker::new(stream, mio::Token(index)));
    }
    let mut left = talkers.len();
    let mut last_done = Instant::now();
    for talker in &mut talkers {
        if talker.step(rounds, poll.registry()) {
            left -= 1;
            last_done = Instant::now();
        }
    }
    let mut events = mio::Events::with_capacity(1024);
    let mut last_look = Instant::now();
    while left > 0 {
        match poll.poll(&mut events, Some(Duration::from_millis(100))) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(error) => return Err(error).context("cannot wait for the clients' sockets"),
        }
        for event in events.iter() {
            if talkers[event.token().0].step(rounds, poll.registry()) {
                left -= 1;
                last_done = Instant::now();
            }
        }
        // Now and then, give up on clients whose echo has not come, and on
        // every client still busy once the crowd has run out of time.
        if last_look.elapsed() >= Duration::from_millis(100) {
            last_look = Instant::now();
            let out_of_time = started.elapsed() > limit;
            for talker in &mut talkers {
                if talker.outcome.is_some() {
                    continue;
                }
                let round = talker.round + 1;
                let failure = if talker.progress.elapsed() > PATIENCE {
                    format!("no echo within {PATIENCE:?} in round trip {round} of {rounds}")
                } else if out_of_time {
                    format!(
                        "still in round trip {round} of {rounds} when the crowd's {limit:?} ran out"
                    )
                } else {
                    continue;
                };
                talker.outcome = Some(Err(anyhow::anyhow!(failure)));
                left -= 1;
                last_done = Instant::now();
            }
        }
    }
    let (results, streams) =
        talkers.into_iter().map(|talker| (talker.outcome.unwrap_or(Ok(())), talker.stream)).unzip();
    Ok(Together { results, last_done, streams })
}

/// Whether a client may wait for the poll after writing its message,
/// without first trying to read the echo. With epoll and kqueue it may: the
/// echo, when it comes, brings an event, since they report each arrival,
/// so the read that would mostly say `WouldBlock` can be skipped. Not on
/// Windows, nor with mio's `poll(2)` fallback: there mio asks the system
/// for the next event only after a call has returned `WouldBlock`.
const ECHO_BRINGS_AN_EVENT: bool = cfg!(all(
    not(mio_unsupported_force_poll_poll),
    any(
        target_os = "linux",
        target_os = "android",
        target_os = "macos",
        target_os = "ios",
        target_os = "freebsd",
        target_os = "openbsd",
        target_os = "netbsd",
        target_os = "dragonfly",
    )
));

/// One client of a crowd, in the middle of its round trips.
struct Talker {
    stream: mio::net::TcpStream,
    token: mio::Token,
    /// Whether the poll watches it for writable too: only while a message
    /// is stuck. On Windows mio re-arms every registered interest after
    /// each `WouldBlock`, and a socket with room would report "writable"
    /// at once, again and again.
    watching_writable: bool,
    /// The round trip under way, from 0.
    round: usize,
    message: [u8; SMALL],
    /// How much of the message is written, and of its echo read.
    written: usize,
    echo: [u8; SMALL],
    read: usize,
    /// When a byte last moved.
    progress: Instant,
    /// How it ended, once it has.
    outcome: Option<anyhow::Result<()>>,
}

/// What [`Talker::advance`] got to.
enum Advanced {
    /// The socket would block: call again when the poll says it is ready.
    /// `writing`: it blocked in the middle of a message.
    Waiting { writing: bool },
    /// The client is done, one way or the other.
    Done(anyhow::Result<()>),
}

impl Talker {
    fn new(stream: mio::net::TcpStream, token: mio::Token) -> Talker {
        Talker {
            stream,
            token,
            watching_writable: false,
            round: 0,
            message: message::<SMALL>(0),
            written: 0,
            echo: [0; SMALL],
            read: 0,
            progress: Instant::now(),
            outcome: None,
        }
    }

    /// Does what can be done now; true if the client has just finished.
    fn step(&mut self, rounds: usize, registry: &mio::Registry) -> bool {
        if self.outcome.is_some() {
            return false;
        }
        let outcome = match self.advance(rounds) {
            Advanced::Waiting { writing } if writing == self.watching_writable => return false,
            Advanced::Waiting { writing } => {
                let interest = match writing {
                    true => mio::Interest::READABLE | mio::Interest::WRITABLE,
                    false => mio::Interest::READABLE,
                };
                match registry.reregister(&mut self.stream, self.token, interest) {
                    Ok(()) => {
                        self.watching_writable = writing;
                        return false;
                    }
                    Err(error) => Err(error).context("cannot change what the poll watches"),
                }
            }
            Advanced::Done(outcome) => outcome,
        };
        // Finished, one way or the other: shut the connection down now, so
        // the server sees this client leave as it would a real one.
        let _ = self.stream.shutdown(Shutdown::Both);
        self.outcome = Some(outcome);
        true
    }

    /// Writes and reads what can be done without waiting, round after
    /// round, until the socket would block or the client is done.
    fn advance(&mut self, rounds: usize) -> Advanced {
        use std::io::ErrorKind::{Interrupted, WouldBlock};
        let failed = |error: std::io::Error, round| {
            Advanced::Done(Err(error).context(format!("round trip {round} of {rounds}")))
        };
        loop {
            if self.round == rounds {
                return Advanced::Done(Ok(()));
            }
            let round = self.round + 1;
            let wrote_now = self.written < SMALL;
            while self.written < SMALL {
                match self.stream.write(&self.message[self.written..]) {
                    Ok(0) => return failed(std::io::ErrorKind::WriteZero.into(), round),
                    Ok(count) => self.written += count,
                    Err(error) if error.kind() == WouldBlock => {
                        return Advanced::Waiting { writing: true };
                    }
                    Err(error) if error.kind() == Interrupted => {}
                    Err(error) => return failed(error, round),
                }
                self.progress = Instant::now();
            }
            if wrote_now && ECHO_BRINGS_AN_EVENT {
                return Advanced::Waiting { writing: false };
            }
            while self.read < SMALL {
                match self.stream.read(&mut self.echo[self.read..]) {
                    Ok(0) => {
                        return Advanced::Done(Err(anyhow::anyhow!(
                            "round trip {round} of {rounds}: the server closed the connection"
                        )));
                    }
                    Ok(count) => self.read += count,
                    Err(error) if error.kind() == WouldBlock => {
                        return Advanced::Waiting { writing: false };
                    }
                    Err(error) if error.kind() == Interrupted => {}
                    Err(error) => return failed(error, round),
                }
                self.progress = Instant::now();
            }
            if self.echo != self.message {
                return Advanced::Done(Err(anyhow::anyhow!("an echo differs from its message")));
            }
            self.round += 1;
            self.message = message::<SMALL>(self.round as u64);
            (self.written, self.read) = (0, 0);
        }
    }
}

/// What the other clients do while one real client measures round trips.
pub struct Others {
    /// Connected and silent.
    pub idle: usize,
    /// Each sends one byte every 2 ms and reads its echo.
    pub trickling: usize,
    /// Each sends and never reads.
    pub never_reading: usize,
}

/// A real client's round trips beside other clients.
pub struct Beside {
    pub round_trips: RoundTrips,
    pub failures: usize,
    pub first_error: Option<String>,
    pub slowest_connect: Duration,
    pub idle_connected: usize,
    /// Trickling and never-reading clients that were doing so when the
    /// real client started (the others failed, or were not yet there).
    pub busy_ready: usize,
}

/// Connects the idle clients, starts the trickling and never-reading ones,
/// then times a real client's 32-byte round trips for `duration`.
pub fn beside_others(
    address: SocketAddr,
    others: &Others,
    duration: Duration,
) -> anyhow::Result<Beside> {
    // The idle clients, connected one after another, within a minute.
    let connecting = Instant::now();
    let mut idle = Vec::with_capacity(others.idle);
    let mut slowest_connect = Duration::ZERO;
    while idle.len() < others.idle && connecting.elapsed() < Duration::from_secs(60) {
        let (stream, took) = connect(address)?;
        slowest_connect = slowest_connect.max(took);
        idle.push(stream);
    }
    let stop = AtomicBool::new(false);
    // A busy client counts as ready once it is doing what it is there for:
    // a trickling one once its first byte has come back, a never-reading
    // one once a write has timed out (the server no longer takes its bytes,
    // so it is not reading them either: its buffers are full).
    // `ready` counts every busy client that is done getting ready, ready or
    // failed, to wait for; `busy_ready` only those really busy.
    let ready = Tally { count: Mutex::new(0), changed: Condvar::new() };
    let busy_ready = AtomicUsize::new(0);
    let busy = others.trickling + others.never_reading;
    thread::scope(|scope| {
        for index in 0..busy {
            let (stop, ready, busy_ready) = (&stop, &ready, &busy_ready);
            let trickling = index < others.trickling;
            let started =
                thread::Builder::new().stack_size(128 * 1024).spawn_scoped(scope, move || {
                    let Ok((mut stream, _)) = connect(address) else {
                        ready.add();
                        return;
                    };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(1)));
                    let _ = stream.set_write_timeout(Some(Duration::from_millis(100)));
                    let block = [b'x'; 16 * 1024];
                    let mut counted = false;
                    while !stop.load(Ordering::SeqCst) {
                        let result = if trickling {
                            let mut byte = [0];
                            let echoed =
                                stream.write_all(b"t").and_then(|()| stream.read_exact(&mut byte));
                            // The trickle's pace: load, not synchronisation.
                            thread::sleep(Duration::from_millis(2));
                            echoed
                        } else {
                            match stream.write(&block) {
                                Err(error) if netlessons::is_timeout(&error) && !counted => {
                                    counted = true;
                                    busy_ready.fetch_add(1, Ordering::SeqCst);
                                    ready.add();
                                    continue;
                                }
                                Err(error) if netlessons::is_timeout(&error) => continue,
                                other => other.map(drop),
                            }
                        };
                        if result.is_err() {
                            break;
                        }
                        if trickling && !counted {
                            counted = true;
                            busy_ready.fetch_add(1, Ordering::SeqCst);
                            ready.add();
                        }
                    }
                    if !counted {
                        ready.add();
                    }
                });
            if let Err(error) = started {
                stop.store(true, Ordering::SeqCst);
                return Err(error).context("cannot start a client thread");
            }
        }
        ready.wait_for(busy, PATIENCE);
        let busy_ready = busy_ready.load(Ordering::SeqCst);
        let result = real_client(address, duration);
        stop.store(true, Ordering::SeqCst);
        let (round_trips, failures, first_error) = result;
        Ok(Beside {
            round_trips,
            failures,
            first_error,
            slowest_connect,
            idle_connected: idle.len(),
            busy_ready,
        })
    })
}

/// One client's round trips for `duration`; a failure ends the run.
fn real_client(address: SocketAddr, duration: Duration) -> (RoundTrips, usize, Option<String>) {
    let failed = |error: anyhow::Error| {
        (
            RoundTrips { per_second: 0.0, p50: Duration::ZERO, p99: Duration::ZERO, count: 0 },
            1,
            Some(format!("{error:#}")),
        )
    };
    let (mut stream, _) = match connect(address) {
        Ok(connected) => connected,
        Err(error) => return failed(error),
    };
    let mut latencies = Vec::new();
    let mut echo = [0; SMALL];
    let started = Instant::now();
    while started.elapsed() < duration && latencies.len() < MAX_MESSAGES {
        let message = message::<SMALL>(latencies.len() as u64);
        let sent = Instant::now();
        let exchanged = stream.write_all(&message).and_then(|()| stream.read_exact(&mut echo));
        match exchanged {
            Err(error) if netlessons::is_timeout(&error) => {
                return failed(anyhow::anyhow!("the real client had no echo within {PATIENCE:?}"));
            }
            Err(error) => {
                return failed(anyhow::Error::new(error).context("the real client's round trip"));
            }
            Ok(()) => {}
        }
        latencies.push(sent.elapsed());
        if echo != message {
            return failed(anyhow::anyhow!("an echo differs from its message"));
        }
    }
    let count = latencies.len();
    let per_second = count as f64 / started.elapsed().as_secs_f64();
    let (p50, p99) = percentiles(&mut latencies);
    (RoundTrips { per_second, p50, p99, count }, 0, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A UDP echo server in this test: `copies(number)` says how many
    /// times to echo datagram `number` at once, and datagram `late` is
    /// echoed once, `delay` later, from a thread of its own so that the
    /// others are not held up.
    fn odd_echo(copies: fn(u64) -> usize, late: u64, delay: Duration) -> SocketAddr {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        let address = socket.local_addr().unwrap();
        thread::spawn(move || {
            let mut buffer = [0; 100];
            while let Ok((count, from)) = socket.recv_from(&mut buffer) {
                let number = u64::from_be_bytes(buffer[..8].try_into().unwrap());
                let datagram = buffer[..count].to_vec();
                if number == late {
                    let socket = socket.try_clone().unwrap();
                    thread::spawn(move || {
                        thread::sleep(delay);
                        let _ = socket.send_to(&datagram, from);
                    });
                    continue;
                }
                for _ in 0..copies(number) {
                    let _ = socket.send_to(&datagram, from);
                }
            }
        });
        address
    }

    /// A late echo counts as late, a doubled one as duplicated, a missing
    /// one as lost, and none of them as another.
    #[test]
    fn udp_counts_late_duplicated_and_lost_apart() {
        let give_up = Duration::from_millis(500);
        let copies = |number| match number {
            5 => 2,
            7 => 0,
            _ => 1,
        };
        let address = odd_echo(copies, 3, 2 * give_up);
        // One at a time, long enough to pass datagram 7 and to see 3's echo.
        let result =
            udp_round_trips_giving_up(address, 1, Duration::from_millis(1500), give_up).unwrap();
        assert!(result.sent >= 8, "only {} sent", result.sent);
        assert_eq!((result.late, result.duplicated, result.lost), (1, 1, 1));
        assert_eq!(result.round_trips.count, result.sent - 1);
    }

    /// With datagrams in flight, an echo that comes long after its datagram
    /// counts as late even while other echoes keep coming, and the others
    /// still count as on time.
    #[test]
    fn udp_counts_an_echo_late_by_its_age_not_by_a_silence() {
        let give_up = Duration::from_millis(500);
        let address = odd_echo(|_| 1, 3, 2 * give_up);
        let result =
            udp_round_trips_giving_up(address, 4, Duration::from_millis(1200), give_up).unwrap();
        assert_eq!((result.late, result.duplicated, result.lost), (1, 0, 0));
        assert_eq!(result.round_trips.count, result.sent);
        assert!(result.round_trips.p99 < give_up, "{:?}", result.round_trips.p99);
    }

    /// An echo that is not the datagram sent fails the measurement.
    #[test]
    fn udp_rejects_a_wrong_echo() {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        let address = socket.local_addr().unwrap();
        socket.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
        thread::spawn(move || {
            let mut buffer = [0; 100];
            while let Ok((count, from)) = socket.recv_from(&mut buffer) {
                buffer[count - 1] ^= 1;
                let _ = socket.send_to(&buffer[..count], from);
            }
        });
        assert!(udp_round_trips(address, 1, Duration::from_millis(100)).is_err());
    }

    /// Clients whose round trips fail are counted as failures, and their
    /// connects still count for the slowest connect.
    #[test]
    fn a_crowd_counts_failed_clients_and_their_connects() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        // Accepts five clients and closes each at once: no echo comes.
        thread::spawn(move || {
            for stream in listener.incoming().take(5) {
                drop(stream);
            }
        });
        let crowd = crowd(address, 5, 3, || None).unwrap();
        assert_eq!(crowd.failures, 5, "{:?}", crowd.first_error);
        assert!(crowd.slowest_connect > Duration::ZERO);
        assert!(crowd.slowest_connect <= crowd.connecting, "{crowd:?}");
    }

    /// A thread-per-connection echo server for the crowd tests, which
    /// hands each chunk it reads to `answer` to write back.
    fn echo_server(clients: usize, answer: fn(&mut TcpStream, &[u8])) -> SocketAddr {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        thread::spawn(move || {
            for stream in listener.incoming().take(clients) {
                let mut stream = stream.unwrap();
                thread::spawn(move || {
                    let mut buffer = [0; 1024];
                    while let Ok(count @ 1..) = stream.read(&mut buffer) {
                        answer(&mut stream, &buffer[..count]);
                    }
                });
            }
        });
        address
    }

    /// Every round trip of every client is made, from the one thread, even
    /// when each echo comes back in two pieces a moment apart.
    #[test]
    fn a_crowd_makes_every_round_trip_even_from_echoes_in_pieces() {
        let address = echo_server(20, |stream, bytes| {
            let (first, rest) = bytes.split_at(bytes.len() / 2);
            stream.write_all(first).unwrap();
            thread::sleep(Duration::from_millis(1));
            stream.write_all(rest).unwrap();
        });
        let crowd = crowd(address, 20, 30, || Some(1.0)).unwrap();
        assert_eq!(crowd.failures, 0, "{:?}", crowd.first_error);
        assert_eq!(crowd.server_seconds, Some(0.0));
    }

    /// A server that trickles its echoes cannot stretch a crowd past its
    /// time limit: the clients still busy then fail, saying why.
    #[test]
    fn a_crowd_stops_at_its_time_limit() {
        let address = echo_server(2, |stream, bytes| {
            for byte in bytes {
                // The crowd closes its connections once out of time.
                if stream.write_all(&[*byte]).is_err() {
                    return;
                }
                thread::sleep(Duration::from_millis(20));
            }
        });
        let streams = (0..2).map(|_| connect(address).unwrap().0).collect();
        let together = round_trips_together(streams, 5, Duration::from_millis(300)).unwrap();
        assert_eq!(together.results.len(), 2);
        for result in together.results {
            let error = format!("{:#}", result.unwrap_err());
            assert!(error.contains("ran out"), "{error}");
        }
    }

    /// An echo that differs from its message fails that client.
    #[test]
    fn a_crowd_fails_clients_whose_echo_differs() {
        let address = echo_server(3, |stream, bytes| {
            let mut wrong = bytes.to_vec();
            wrong[0] ^= 1;
            stream.write_all(&wrong).unwrap();
        });
        let crowd = crowd(address, 3, 5, || None).unwrap();
        assert_eq!(crowd.failures, 3);
        let error = crowd.first_error.unwrap_or_default();
        assert!(error.contains("differs"), "{error}");
    }

    /// Threads waiting at the gate go home when it is closed, so a failed
    /// start cannot leave them waiting forever.
    #[test]
    fn a_closed_gate_releases_every_thread() {
        let gate = Gate::new();
        let released = thread::scope(|scope| {
            let waiting: Vec<_> = (0..4).map(|_| scope.spawn(|| gate.wait())).collect();
            gate.set(false);
            waiting.into_iter().map(|thread| thread.join().unwrap()).collect::<Vec<_>>()
        });
        assert_eq!(released, vec![false; 4]);
    }
}
