//! Command-line options that every lesson program shares, the checks on
//! their values, and how a program reports an error: one line on standard
//! error and a non-zero exit status, never a panic.

use std::fmt;
use std::io::{self, Write};
use std::net::{SocketAddr, ToSocketAddrs};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::error::ErrorKind;
use clap::{Args, Parser};

/// The port every program uses unless told otherwise. It is the one the
/// reference article uses, so our programs and the article's Python
/// programs can talk to each other.
pub const DEFAULT_PORT: u16 = 65432;

/// The largest buffer a program accepts (16 MiB): large enough for any
/// experiment, small enough that a typo cannot eat the machine's memory.
pub const MAX_BUFFER_SIZE: usize = 16 * 1024 * 1024;

/// The largest amount of test data a client sends with `--size` (1 GiB).
pub const MAX_DATA_SIZE: usize = 1024 * 1024 * 1024;

/// Where a server listens, or which server a client talks to.
#[derive(Args, Clone, Debug)]
pub struct Address {
    /// Host name or IP address: 127.0.0.1 (IPv4), ::1 (IPv6), localhost, ...
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,

    /// Port number; a server given 0 lets the operating system pick a free one
    #[arg(long, default_value_t = DEFAULT_PORT)]
    pub port: u16,
}

impl Address {
    /// Every socket address (IP address and port) that the host stands for.
    ///
    /// An IP address stands for itself; a name such as `localhost` is looked
    /// up and may stand for several addresses, IPv6 and IPv4 alike.
    pub fn resolve(&self) -> anyhow::Result<Vec<SocketAddr>> {
        // Accept "[::1]" as well as "::1": people copy addresses from URLs.
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<SocketAddr> = (host, self.port)
            .to_socket_addrs()
            .with_context(|| format!("cannot resolve host name {host:?}"))?
            .collect();
        if addresses.is_empty() {
            bail!("host name {host:?} has no IP address");
        }
        Ok(addresses)
    }

    /// Like [`resolve`](Self::resolve), for a client: port 0 means "any
    /// port" when binding, but nothing can be reached there.
    pub fn resolve_server(&self) -> anyhow::Result<Vec<SocketAddr>> {
        if self.port == 0 {
            bail!("port 0 cannot be connected to: give the port the server announced");
        }
        self.resolve()
    }
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        if host.contains(':') {
            write!(f, "[{host}]:{}", self.port)
        } else {
            write!(f, "{host}:{}", self.port)
        }
    }
}

/// The message the reference article's clients send.
pub const ARTICLE_MESSAGE: &str = "This is the message. It will be repeated.";

/// What a client sends: a text, or generated binary test data.
#[derive(Args, Clone, Debug)]
pub struct Payload {
    /// The text to send
    #[arg(long, default_value = ARTICLE_MESSAGE)]
    pub message: String,

    /// Send this many bytes of binary test data instead of --message
    #[arg(long, value_parser = data_size, conflicts_with = "message")]
    pub size: Option<usize>,
}

impl Payload {
    /// The bytes to send.
    pub fn bytes(&self) -> Vec<u8> {
        match self.size {
            Some(size) => crate::show::test_data(size),
            None => self.message.as_bytes().to_vec(),
        }
    }
}

/// How much a program prints.
#[derive(Args, Clone, Copy, Debug)]
pub struct Output {
    /// Print only results and errors, not every step
    #[arg(long, short)]
    pub quiet: bool,
}

/// Parses the command line into `T`.
///
/// `--help` and `--version` print and exit 0, as usual. A mistake (an
/// unknown option, `--port 70000`) prints clap's one-line explanation and
/// exits with status 2, the convention for usage errors.
pub fn parse<T: Parser>() -> T {
    match T::try_parse() {
        Ok(args) => args,
        Err(error) => match error.kind() {
            ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => error.exit(),
            _ => {
                let rendered = error.render().to_string();
                let first_line = rendered.lines().next().unwrap_or("error: invalid arguments");
                let _ = writeln!(io::stderr().lock(), "{first_line} (see --help)");
                std::process::exit(2);
            }
        },
    }
}

/// Turns the outcome of a program into its exit status. An error is printed
/// as one line: the context of each step, most general first, joined by
/// colons (`cannot listen on 127.0.0.1:65432: Address already in use`).
pub fn exit_status(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            let _ = writeln!(io::stderr().lock(), "error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Parses a number of seconds such as `5` or `0.25` for a timeout.
pub fn seconds(text: &str) -> Result<Duration, String> {
    let value: f64 = text.parse().map_err(|_| format!("{text:?} is not a number of seconds"))?;
    if !(0.001..=86_400.0).contains(&value) {
        return Err(format!("{text} is not between 0.001 and 86400 seconds"));
    }
    Ok(Duration::from_secs_f64(value))
}

/// Parses a buffer size in bytes: at least 1, at most [`MAX_BUFFER_SIZE`].
pub fn buffer_size(text: &str) -> Result<usize, String> {
    whole_number(text, 1, MAX_BUFFER_SIZE)
}

/// Parses an amount of test data in bytes: 0 up to [`MAX_DATA_SIZE`].
pub fn data_size(text: &str) -> Result<usize, String> {
    whole_number(text, 0, MAX_DATA_SIZE)
}

fn whole_number(text: &str, low: usize, high: usize) -> Result<usize, String> {
    let value: usize = text.parse().map_err(|_| format!("{text:?} is not a whole number"))?;
    if !(low..=high).contains(&value) {
        return Err(format!("{value} is not between {low} and {high}"));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Timeouts accept fractions of a second and reject nonsense.
    #[test]
    fn seconds_are_checked() {
        assert_eq!(seconds("0.25"), Ok(Duration::from_millis(250)));
        assert_eq!(seconds("5"), Ok(Duration::from_secs(5)));
        assert!(seconds("0").is_err());
        assert!(seconds("-1").is_err());
        assert!(seconds("soon").is_err());
        assert!(seconds("NaN").is_err());
    }

    /// Buffer sizes start at one byte and are capped.
    #[test]
    fn buffer_sizes_are_checked() {
        assert_eq!(buffer_size("1"), Ok(1));
        assert!(buffer_size("0").is_err());
        assert!(buffer_size(&(MAX_BUFFER_SIZE + 1).to_string()).is_err());
    }

    /// IPv6 hosts are written in brackets when a port follows.
    #[test]
    fn addresses_display_like_urls() {
        let v6 = Address { host: "::1".into(), port: 7 };
        let v4 = Address { host: "127.0.0.1".into(), port: 7 };
        assert_eq!(v6.to_string(), "[::1]:7");
        assert_eq!(v4.to_string(), "127.0.0.1:7");
    }

    /// Literal addresses resolve to themselves, with or without brackets.
    #[test]
    fn literal_addresses_resolve() {
        for host in ["::1", "[::1]"] {
            let address = Address { host: host.into(), port: 9 };
            assert_eq!(address.resolve().unwrap(), vec!["[::1]:9".parse().unwrap()]);
        }
    }

    /// A client cannot be pointed at port 0.
    #[test]
    fn clients_reject_port_zero() {
        let address = Address { host: "127.0.0.1".into(), port: 0 };
        let error = address.resolve_server().unwrap_err().to_string();
        assert!(error.starts_with("port 0 cannot be connected to"), "{error}");
    }
}
