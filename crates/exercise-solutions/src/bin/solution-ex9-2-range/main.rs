//! Reference solution of exercise 9.2, range requests.

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,

    /// The file to serve
    #[arg(long)]
    file: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let listener = TcpListener::bind(&args.address.resolve()?[..])?;
    println!("listening on {}", listener.local_addr()?);
    for stream in listener.incoming() {
        if let Err(error) = handle_connection(&stream?, &args) {
            eprintln!("connection failed: {error}");
        }
    }
    Ok(())
}

/// What a Range header asks for.
enum Wanted {
    Whole,
    /// First and last byte, both included.
    Part(usize, usize),
    Unsatisfiable,
}

/// Reads `bytes=A-B`, `bytes=A-` or `bytes=-N` for a file of `size` bytes.
/// A header we do not understand is ignored, as RFC 9110 allows.
fn wanted(range: &str, size: usize) -> Wanted {
    let Some((start, end)) = range.strip_prefix("bytes=").and_then(|spec| spec.split_once('-'))
    else {
        return Wanted::Whole;
    };
    match (start.trim().parse::<usize>(), end.trim().parse::<usize>()) {
        // The last N bytes.
        (Err(_), Ok(suffix)) if start.trim().is_empty() => {
            if suffix == 0 || size == 0 {
                Wanted::Unsatisfiable
            } else {
                Wanted::Part(size - suffix.min(size), size - 1)
            }
        }
        (Ok(first), _) if first >= size => Wanted::Unsatisfiable,
        (Ok(first), Ok(last)) if last >= first => Wanted::Part(first, last.min(size - 1)),
        (Ok(first), Err(_)) if end.trim().is_empty() => Wanted::Part(first, size - 1),
        _ => Wanted::Whole,
    }
}

/// Answers one request, then closes the connection.
fn handle_connection(mut stream: &TcpStream, args: &Args) -> anyhow::Result<()> {
    let mut reader = BufReader::new(stream);
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end_matches(['\r', '\n']).to_string();
        if line.is_empty() {
            break;
        }
        headers.push(line);
    }
    let range = headers.iter().skip(1).find_map(|line| {
        let (name, value) = line.split_once(':')?;
        name.eq_ignore_ascii_case("range").then(|| value.trim().to_string())
    });
    let file = std::fs::read(&args.file)?;
    let size = file.len();
    let wanted = range.map_or(Wanted::Whole, |range| wanted(&range, size));
    let (status, extra, body) = match wanted {
        Wanted::Whole => ("200 OK", String::new(), &file[..]),
        Wanted::Part(first, last) => (
            "206 Partial Content",
            format!("Content-Range: bytes {first}-{last}/{size}\r\n"),
            &file[first..=last],
        ),
        Wanted::Unsatisfiable => {
            ("416 Range Not Satisfiable", format!("Content-Range: bytes */{size}\r\n"), &[][..])
        }
    };
    let head = format!(
        "HTTP/1.1 {status}\r\n{extra}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(body)?;
    Ok(())
}
