//! What the benchmark needs from the operating system, beyond sockets:
//! peers (socat, python3) started in a process group of their own and
//! stopped with everything they forked; a check that nothing the benchmark
//! started is still running when it ends; a server's peak memory; the
//! system's count of listen-queue overflows; and the open-file limit.
//!
//! Most of it reads Linux's `/proc`. Elsewhere each reading is `None`, and
//! the table says "n/a".

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};

/// The process groups of the peers this run started, to check at the end
/// that none of their processes is left.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// A program that nobody in this course wrote, such as socat, run as a
/// peer to compare with. On Unix it runs in a process group of its own,
/// and dropping it kills the whole group, so that the children `socat …
/// fork` starts, one per client, end with it.
pub struct Peer {
    child: Child,
    pub address: SocketAddr,
}

impl Peer {
    /// Starts `program` with `args` and waits (at most 10 s) for a line on
    /// its standard output or standard error from which `address` can read
    /// the address it listens on.
    pub fn start(
        program: &Path,
        args: &[&str],
        address: impl Fn(&str) -> Option<SocketAddr>,
    ) -> anyhow::Result<Peer> {
        let mut command = Command::new(program);
        command.args(args).stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt;
            // Group id = the peer's own process id; its children inherit it.
            command.process_group(0);
        }
        let mut child =
            command.spawn().with_context(|| format!("cannot start {}", program.display()))?;
        GROUPS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(child.id());
        // Both outputs are read to the end on threads of their own, so the
        // peer never blocks on a full pipe; the lines come here until one
        // holds the address.
        let (lines, received) = mpsc::channel();
        for pipe in [
            child.stdout.take().map(|pipe| Box::new(pipe) as Box<dyn std::io::Read + Send>),
            child.stderr.take().map(|pipe| Box::new(pipe) as Box<dyn std::io::Read + Send>),
        ]
        .into_iter()
        .flatten()
        {
            let lines = lines.clone();
            thread::spawn(move || {
                for line in BufReader::new(pipe).lines() {
                    let Ok(line) = line else { break };
                    let _ = lines.send(line);
                }
            });
        }
        drop(lines);
        let mut peer = Peer { child, address: SocketAddr::from(([0, 0, 0, 0], 0)) };
        let mut seen = Vec::new();
        loop {
            match received.recv_timeout(Duration::from_secs(10)) {
                Ok(line) => {
                    if let Some(found) = address(&line) {
                        peer.address = found;
                        return Ok(peer);
                    }
                    seen.push(line);
                }
                Err(_) => bail!(
                    "{} announced no address within 10 s; it printed:\n{}",
                    program.display(),
                    seen.join("\n")
                ),
            }
        }
    }
}

impl Drop for Peer {
    fn drop(&mut self) {
        kill_group(self.child.id());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Kills every process in group `group`. std cannot signal a group, so
/// this runs the system's `kill` with a negative id, which POSIX defines
/// as "the process group".
#[cfg(unix)]
fn kill_group(group: u32) {
    let _ = Command::new("kill")
        .args(["-s", "KILL", "--", &format!("-{group}")])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
}

#[cfg(not(unix))]
fn kill_group(_group: u32) {}

/// The first program called `name` on the `PATH`.
pub fn find_program(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(&path)
        .map(|folder| folder.join(&file))
        .find(|candidate| candidate.is_file())
}

/// The processes still running that this run started: in a peer's process
/// group, or descended from this process. Each is `(id, command line)`.
/// `None` where it cannot be told (systems without `/proc`).
#[cfg(target_os = "linux")]
pub fn leftovers() -> Option<Vec<(u32, String)>> {
    use std::collections::HashMap;
    let me = std::process::id();
    let groups = GROUPS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).clone();
    // id -> (parent, group, state)
    let mut table: HashMap<u32, (u32, u32, char)> = HashMap::new();
    for entry in std::fs::read_dir("/proc").ok()?.flatten() {
        let Some(id) = entry.file_name().to_str().and_then(|name| name.parse::<u32>().ok()) else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
        // The command name, in parentheses, may hold spaces: read after it.
        let Some((_, rest)) = stat.rsplit_once(')') else { continue };
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let (Some(state), Some(parent), Some(group)) = (
            fields.first().and_then(|state| state.chars().next()),
            fields.get(1).and_then(|parent| parent.parse().ok()),
            fields.get(2).and_then(|group| group.parse().ok()),
        ) else {
            continue;
        };
        table.insert(id, (parent, group, state));
    }
    let descends_from_me = |mut id: u32| {
        for _ in 0..64 {
            match table.get(&id) {
                Some(&(parent, _, _)) if parent == me => return true,
                Some(&(parent, _, _)) if parent > 1 => id = parent,
                _ => return false,
            }
        }
        false
    };
    let mut left: Vec<(u32, String)> = table
        .iter()
        .filter(|&(&id, &(_, group, state))| {
            id != me && state != 'Z' && (groups.contains(&group) || descends_from_me(id))
        })
        .map(|(&id, _)| {
            let command = std::fs::read(format!("/proc/{id}/cmdline"))
                .map(|raw| String::from_utf8_lossy(&raw).replace('\0', " ").trim().to_string())
                .unwrap_or_default();
            (id, command)
        })
        .collect();
    left.sort();
    Some(left)
}

#[cfg(not(target_os = "linux"))]
pub fn leftovers() -> Option<Vec<(u32, String)>> {
    None
}

/// The most memory the process `id` has held at once (its peak resident
/// set, `VmHWM`), in KiB. Linux only.
#[cfg(target_os = "linux")]
pub fn peak_memory_kib(id: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{id}/status")).ok()?;
    status.lines().find(|line| line.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
pub fn peak_memory_kib(_id: u32) -> Option<u64> {
    None
}

/// How many times, since boot, a connection attempt found a listen queue
/// full (`TcpExt: ListenOverflows`, what `nstat -az TcpExtListenOverflows`
/// shows). The count is for the whole system, every program's listeners
/// together. Linux only.
#[cfg(target_os = "linux")]
pub fn listen_overflows() -> Option<u64> {
    let text = std::fs::read_to_string("/proc/net/netstat").ok()?;
    let mut lines = text.lines().filter(|line| line.starts_with("TcpExt:"));
    let names = lines.next()?;
    let values = lines.next()?;
    let position = names.split_whitespace().position(|name| name == "ListenOverflows")?;
    values.split_whitespace().nth(position)?.parse().ok()
}

#[cfg(not(target_os = "linux"))]
pub fn listen_overflows() -> Option<u64> {
    None
}

/// The most files (sockets included) this process may have open: the soft
/// limit that `ulimit -n` shows, which the servers started here inherit.
pub fn open_file_limit() -> Option<u64> {
    #[cfg(target_os = "linux")]
    {
        let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
        let line = limits.lines().find(|line| line.starts_with("Max open files"))?;
        let soft = line.trim_start_matches("Max open files").split_whitespace().next()?;
        Some(if soft == "unlimited" { u64::MAX } else { soft.parse().ok()? })
    }
    #[cfg(all(unix, not(target_os = "linux")))]
    {
        let output = Command::new("sh").args(["-c", "ulimit -n"]).output().ok()?;
        let text = String::from_utf8_lossy(&output.stdout).trim().to_string();
        Some(if text == "unlimited" { u64::MAX } else { text.parse().ok()? })
    }
    #[cfg(not(unix))]
    {
        // Windows has no such per-process limit on sockets.
        Some(u64::MAX)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Dropping a peer kills the processes it forked too, not only itself.
    #[cfg(target_os = "linux")]
    #[test]
    fn dropping_a_peer_ends_its_whole_process_group() {
        let Some(sh) = find_program("sh") else {
            eprintln!("skipped: no sh");
            return;
        };
        // sh starts a child, then prints an "address" so that start returns.
        let peer = Peer::start(&sh, &["-c", "sleep 60 & echo 'at 127.0.0.1:9'; wait"], |line| {
            line.strip_prefix("at ")?.parse().ok()
        })
        .unwrap();
        let group = peer.child.id();
        let in_group = || {
            leftovers()
                .unwrap()
                .into_iter()
                .filter(|(id, _)| {
                    let stat =
                        std::fs::read_to_string(format!("/proc/{id}/stat")).unwrap_or_default();
                    stat.rsplit_once(')')
                        .and_then(|(_, rest)| rest.split_whitespace().nth(2)?.parse::<u32>().ok())
                        == Some(group)
                })
                .count()
        };
        assert_eq!(in_group(), 2, "sh and its sleep run in the peer's group");
        drop(peer);
        // A killed process leaves /proc a moment later: wait for that, bounded.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while in_group() > 0 && std::time::Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(in_group(), 0, "nothing of the peer's group is left");
    }

    /// The open-file limit can be read on this system.
    #[test]
    fn reads_the_open_file_limit() {
        assert!(open_file_limit().is_some_and(|limit| limit > 0));
    }
}
