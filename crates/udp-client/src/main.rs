//! Lesson 4: a UDP echo client.
//!
//! The client sends one datagram to an echo server and waits for the reply.
//! UDP promises nothing: the datagram or its reply may be lost, and nobody
//! tells us. So the client waits only so long, sends again a few times, and
//! then reports that no reply came. It also ignores datagrams from anyone
//! but the server: any program can send to our port.
//!
//! Try it by hand. In one terminal:
//!
//! ```text
//! cargo run -p udp-server
//! ```
//!
//! In another:
//!
//! ```text
//! cargo run -p udp-client -- --message "hello, echo"
//! ```
//!
//! The lesson text is `lessons/4-udp-client.md`.

use std::io;
use std::net::{SocketAddr, UdpSocket};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Parser;
use netlessons::{Narrator, cli, is_timeout, show};

/// Room for any reply. A UDP payload is at most 65,507 bytes over IPv4
/// (65,535 less the 20-byte IP header and the 8-byte UDP header) and 65,527
/// over IPv6 (65,535 less the UDP header), leaving IPv6 jumbograms aside.
const LARGEST_DATAGRAM: usize = 65_535;

/// A UDP echo client (lesson 4)
#[derive(Parser)]
#[command(version)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    #[command(flatten)]
    payload: cli::Payload,

    /// Seconds to wait for each reply
    #[arg(long, default_value = "1", value_parser = cli::seconds)]
    timeout: Duration,

    /// How many times to send again when no reply comes
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(0..=100))]
    retries: u32,

    #[command(flatten)]
    output: cli::Output,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    cli::exit_status(run(&args))
}

fn run(args: &Args) -> anyhow::Result<()> {
    let say = Narrator::new(args.output.quiet);
    let message = args.payload.bytes();
    // UDP cannot try addresses one by one the way TCP's connect can: a
    // datagram to the wrong one usually just gets no reply. So take the first.
    let server = args.address.resolve_server()?[0];

    // Our socket needs an address too, so the reply can find us. In C the
    // first sendto() would bind it for us; std creates a UdpSocket only
    // through bind(), so we bind as that would: any address, and port 0,
    // which lets the system pick. The IP version must match the server's.
    let any_address = if server.is_ipv4() { "0.0.0.0:0" } else { "[::]:0" };
    let socket = UdpSocket::bind(any_address).context("cannot create a UDP socket")?;
    say.step(format_args!("our socket is {}, on a port the system picked", socket.local_addr()?));

    let attempts = args.retries + 1;
    let mut reply = vec![0; LARGEST_DATAGRAM];
    for attempt in 1..=attempts {
        say.step(format_args!(
            "sending {} bytes to {server} (attempt {attempt} of {attempts}): {}",
            message.len(),
            show::bytes(&message)
        ));
        // One send_to(), one datagram. It fails mostly for local reasons (a
        // datagram too large to send at all), and never says if it arrived.
        socket
            .send_to(&message, server)
            .with_context(|| format!("cannot send {} bytes to {server}", message.len()))?;

        let Some(count) = wait_for_reply(&socket, server, &mut reply, args.timeout, say)? else {
            say.step(format_args!("no reply within {:?}", args.timeout));
            continue;
        };
        let reply = &reply[..count];
        say.step(format_args!("received {count} bytes from {server}: {}", show::bytes(reply)));
        if reply != message {
            // Fewer bytes back is the sign of a server whose buffer cut the
            // datagram; anything else is a server that changes what it echoes.
            let why = if count < message.len() && message.starts_with(reply) {
                "the server may have cut the datagram to fit its buffer"
            } else {
                "the server is not an echo server, or changed the data"
            };
            bail!(
                "the reply differs from what we sent ({count} bytes back for {} sent): {why}",
                message.len()
            );
        }
        say.result(format_args!("echo complete: all {count} bytes came back unchanged"));
        return Ok(());
    }
    bail!(
        "no reply from {server} after {attempts} attempts: the datagrams or the replies \
         were lost, or no server is listening there"
    )
}

/// Waits up to `timeout` for a datagram from `server`, and returns its size.
/// `None` means no reply came in time.
fn wait_for_reply(
    socket: &UdpSocket,
    server: SocketAddr,
    buffer: &mut [u8],
    timeout: Duration,
    say: Narrator,
) -> anyhow::Result<Option<usize>> {
    let deadline = Instant::now() + timeout;
    loop {
        // Datagrams from others do not restart the clock: wait only for
        // what is left of the timeout.
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Ok(None);
        }
        socket.set_read_timeout(Some(left))?;
        match socket.recv_from(buffer) {
            Ok((count, sender)) if sender == server => return Ok(Some(count)),
            Ok((count, sender)) => {
                say.step(format_args!("ignoring {count} bytes from {sender}: not the server"));
            }
            Err(error) if is_timeout(&error) => return Ok(None),
            // Ctrl-Z then fg interrupts a wait that has a timeout (on
            // Linux): wait again, for what is left of the timeout.
            Err(error) if error.kind() == io::ErrorKind::Interrupted => continue,
            // Windows, by default, reports "nobody is listening on that port"
            // here even to an unconnected socket like ours (Linux and macOS
            // tell only connected ones). It means the same as silence.
            Err(error)
                if matches!(
                    error.kind(),
                    io::ErrorKind::ConnectionReset | io::ErrorKind::ConnectionRefused
                ) =>
            {
                say.step("the server's machine says nothing listens on that port");
                return Ok(None);
            }
            Err(error) => return Err(error).context("cannot receive the reply"),
        }
    }
}
