//! Lesson 1's round trips: how long a client waits for each echo, with the
//! server's Nagle algorithm off (`tcp-server`'s default) and on
//! (`tcp-server --nagle`). The demo of `just lesson-1` and a test use it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

/// How many round trips a measurement makes. The median of 20 is steady
/// even on a busy machine, and 20 stalls of 40 ms take under a second.
pub const ROUND_TRIPS: usize = 20;

/// How long one round trip may take before the measurement gives up.
const TIMEOUT: Duration = Duration::from_secs(10);

/// Sends `message` `count` times over one connection to `address`, each
/// time in one write, then waits until the whole echo is back before the
/// next. Returns the median time from the write to the last byte of the echo.
///
/// The client sends nothing while it waits, so it delays its
/// acknowledgements; a server that echoes in several small writes with
/// Nagle's algorithm on then waits for them (lesson 1).
pub fn median_round_trip(
    address: SocketAddr,
    message: &[u8],
    count: usize,
) -> anyhow::Result<Duration> {
    if count == 0 {
        bail!("a median needs at least one round trip");
    }
    let mut stream = TcpStream::connect_timeout(&address, TIMEOUT)
        .with_context(|| format!("cannot connect to {address}"))?;
    stream.set_read_timeout(Some(TIMEOUT))?;
    stream.set_write_timeout(Some(TIMEOUT))?;
    // Our own writes go out at once, so any delay measured is the server's.
    stream.set_nodelay(true)?;
    let mut echo = vec![0; message.len()];
    let mut times = Vec::with_capacity(count);
    for _ in 0..count {
        let start = Instant::now();
        stream.write_all(message).context("cannot send the message")?;
        stream.read_exact(&mut echo).context("cannot read the echo")?;
        times.push(start.elapsed());
        if echo != message {
            bail!("the echo differs from the message");
        }
    }
    times.sort();
    Ok(times[count / 2])
}
