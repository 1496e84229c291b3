# netlessons: socket programming in Rust, one small program per lesson.
# Run `just` to see every recipe. Each recipe is a plain cargo command, so
# the same works without just: see README.md.

set windows-shell := ["powershell.exe", "-NoLogo", "-Command"]

# List the recipes, lessons first
default:
    @just --list --unsorted

# Lesson 1: a TCP echo server, with tcp-client talking to it
lesson-1:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 1

# Lesson 2: a TCP client, sending text and binary data
lesson-2:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 2

# Lesson 3: a UDP echo server
lesson-3:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 3

# Lesson 4: a UDP client, timeouts, retries and loss
lesson-4:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 4

# Lesson 5: many clients at once, thread per connection and a thread pool
lesson-5:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 5

# Lesson 6: socket errors, each triggered for real
lesson-6:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 6

# Lesson 7: the same messages over TCP and UDP, loss and timing
lesson-7:
    @cargo build --workspace --bins
    @cargo run --quiet -p netlessons --bin lesson -- 7

# Run every test (what CI runs)
test:
    cargo test --workspace

# Check formatting and lints (what CI checks)
lint:
    cargo fmt --all --check
    cargo clippy --workspace --all-targets -- -D warnings
