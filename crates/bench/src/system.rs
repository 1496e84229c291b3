//! What the benchmark needs from the operating system, beyond sockets:
//! peers (socat, python3) started in a process group of their own, with a
//! watchdog, and stopped with everything they forked, even when the bench
//! is ended by Ctrl-C; a check that nothing the benchmark
//! started is still running when it ends; a server's peak memory; the
//! system's count of listen-queue overflows; and the open-file limit.
//!
//! Most of it reads Linux's `/proc`. Elsewhere each reading is `None`, and
//! the table says "n/a".

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::mpsc;
use std::thread;
use std::time::Duration;

use anyhow::{Context, bail};

/// The process groups of the peers this run started, to check at the end
/// that none of their processes is left.
static GROUPS: Mutex<Vec<u32>> = Mutex::new(Vec::new());

/// A program that nobody in this course wrote, such as socat, run as a
/// peer to compare with. It runs *contained* (`harness::Contained`): on
/// Unix in a process group of its own, which dropping the peer kills
/// whole, so that the children `socat … fork` starts, one per client, end
/// with it. A group of its own means the terminal's Ctrl-C does not reach
/// it, so a watchdog in the group kills the group when the bench ends,
/// however it ends (Ctrl-C included).
pub struct Peer {
    process: harness::Contained,
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
        let (process, pipes) = harness::Contained::spawn(&mut command)
            .with_context(|| format!("cannot start {}", program.display()))?;
        // Group id = the peer's own process id; its children inherit it.
        GROUPS.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).push(process.id());
        // Both outputs are read to the end on threads of their own, so the
        // peer never blocks on a full pipe; the lines come here until one
        // holds the address.
        let (lines, received) = mpsc::channel();
        for pipe in [
            pipes.stdout.map(|pipe| Box::new(pipe) as Box<dyn std::io::Read + Send>),
            pipes.stderr.map(|pipe| Box::new(pipe) as Box<dyn std::io::Read + Send>),
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
        // From here on, dropping `peer` (an early return included) stops it.
        let mut peer = Peer { process, address: SocketAddr::from(([0, 0, 0, 0], 0)) };
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
        // Kills the whole group and waits for the peer and its watchdog.
        self.process.stop();
    }
}

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

/// The processor time the process `id` has used so far, its own and the
/// kernel's work for it, all its threads together (`/proc/ID/stat`, utime
/// plus stime; `self` for this process). Linux only.
#[cfg(target_os = "linux")]
pub fn processor_seconds(id: &str) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{id}/stat")).ok()?;
    // In clock ticks of sysconf(_SC_CLK_TCK), which is USER_HZ, 100 on
    // every architecture the course runs on (x86, ARM, RISC-V). Reading it
    // would need libc and `unsafe`.
    Some(processor_ticks(&stat)? as f64 / 100.0)
}

#[cfg(not(target_os = "linux"))]
pub fn processor_seconds(_id: &str) -> Option<f64> {
    None
}

/// utime plus stime, from the text of a `/proc/ID/stat` file.
#[cfg_attr(not(target_os = "linux"), allow(dead_code))]
fn processor_ticks(stat: &str) -> Option<u64> {
    // The program's name comes second, in parentheses, and may hold spaces
    // and parentheses; the fields after the last `)` are plain. utime and
    // stime are fields 14 and 15 of proc(5): the 12th and 13th after it.
    let (_, after_name) = stat.rsplit_once(')')?;
    let mut fields = after_name.split_whitespace().skip(11);
    let user: u64 = fields.next()?.parse().ok()?;
    let system: u64 = fields.next()?.parse().ok()?;
    Some(user + system)
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
        let group = peer.process.id();
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
        assert_eq!(in_group(), 3, "sh, its sleep and the watchdog run in the peer's group");
        drop(peer);
        // A killed process leaves /proc a moment later: wait for that, bounded.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while in_group() > 0 && std::time::Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(in_group(), 0, "nothing of the peer's group is left");
    }

    /// Not a test on its own: started by the test below, it starts a peer
    /// that forks, says the peer's group, and waits to be killed.
    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "a helper of a_killed_bench_leaves_no_peer_behind"]
    fn helper_starts_a_peer_and_waits() {
        // Run by hand (`--ignored`), it has nothing to do.
        if std::env::var_os("BENCH_TEST_HELPER").is_none() {
            return;
        }
        let sh = find_program("sh").unwrap();
        let peer = Peer::start(&sh, &["-c", "sleep 60 & echo 'at 127.0.0.1:9'; wait"], |line| {
            line.strip_prefix("at ")?.parse().ok()
        })
        .unwrap();
        println!("group {}", peer.process.id());
        thread::sleep(Duration::from_secs(60));
    }

    /// A bench killed outright (SIGKILL, so no destructor runs; Ctrl-C
    /// ends it the same way) leaves no peer behind: the watchdog kills the
    /// peer's group, its forked children too.
    #[cfg(target_os = "linux")]
    #[test]
    fn a_killed_bench_leaves_no_peer_behind() {
        use std::io::Read as _;
        let mut helper = Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "system::tests::helper_starts_a_peer_and_waits", "--ignored"])
            .args(["--nocapture", "--test-threads", "1"])
            .env("BENCH_TEST_HELPER", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdout = helper.stdout.take().unwrap();
        let (lines, received) = mpsc::channel();
        thread::spawn(move || {
            let mut text = String::new();
            let mut byte = [0];
            while let Ok(1) = stdout.read(&mut byte) {
                text.push(byte[0] as char);
                // libtest prints "test NAME ... " first, on the same line.
                if let Some((_, group)) = text.rsplit_once("group ")
                    && text.ends_with('\n')
                {
                    let _ = lines.send(group.trim().parse::<u32>().unwrap());
                    return;
                }
            }
        });
        let group = received.recv_timeout(Duration::from_secs(30));
        let members = |group: u32| {
            std::fs::read_dir("/proc")
                .unwrap()
                .flatten()
                .filter_map(|entry| std::fs::read_to_string(entry.path().join("stat")).ok())
                .filter(|stat| {
                    let fields: Vec<&str> = stat
                        .rsplit_once(')')
                        .map(|(_, rest)| rest.split_whitespace().collect())
                        .unwrap_or_default();
                    fields.get(2) == Some(&group.to_string().as_str())
                        && fields.first() != Some(&"Z")
                })
                .count()
        };
        let running = group.as_ref().map(|group| members(*group)).unwrap_or_default();
        let _ = helper.kill();
        let _ = helper.wait();
        let group = group.expect("the helper named its peer's group");
        assert!(running >= 3, "the peer, its child and the watchdog ran ({running})");
        let members = || members(group);
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while members() > 0 && std::time::Instant::now() < deadline {
            thread::sleep(Duration::from_millis(10));
        }
        assert_eq!(members(), 0, "the peer's group outlived the bench");
    }

    /// The open-file limit can be read on this system.
    #[test]
    fn reads_the_open_file_limit() {
        assert!(open_file_limit().is_some_and(|limit| limit > 0));
    }
}
