# netlessons: socket programming in Rust, one small program per lesson.
# Run `just` to see every recipe. Each recipe is a plain cargo command, so
# the same works without just: see README.md.

set windows-shell := ["powershell.exe", "-NoLogo", "-Command"]

# List the recipes, lessons first
default:
    @just --list --unsorted

# Lesson 0: the words you need; tcp-server and tcp-client over IPv6 and IPv4
lesson-0:
    @cargo build -p harness -p tcp-server -p tcp-client --bin lesson --bin tcp-server --bin tcp-client
    @cargo run --quiet -p harness --bin lesson -- 0

# Lesson 1: a TCP echo server, with tcp-client talking to it
lesson-1:
    @cargo build -p harness -p tcp-server -p tcp-client --bin lesson --bin tcp-server --bin tcp-client
    @cargo run --quiet -p harness --bin lesson -- 1

# Lesson 2: a TCP client, sending text and binary data
lesson-2:
    @cargo build -p harness -p tcp-server -p tcp-client --bin lesson --bin tcp-server --bin tcp-client
    @cargo run --quiet -p harness --bin lesson -- 2

# Lesson 3: a UDP echo server
lesson-3:
    @cargo build -p harness -p udp-server -p udp-client --bin lesson --bin udp-server --bin udp-client
    @cargo run --quiet -p harness --bin lesson -- 3

# Lesson 4: a UDP client, timeouts, retries and loss
lesson-4:
    @cargo build -p harness -p udp-server -p udp-client --bin lesson --bin udp-server --bin udp-client
    @cargo run --quiet -p harness --bin lesson -- 4

# Lesson 5: many clients at once, thread per connection and a thread pool
lesson-5:
    @cargo build -p harness -p threaded-server -p tcp-server -p tcp-client --bin lesson --bin threaded-server --bin tcp-server --bin tcp-client
    @cargo run --quiet -p harness --bin lesson -- 5

# Lesson 6: socket errors, each triggered for real
lesson-6:
    @cargo build -p harness -p error-handling --bin lesson --bin error-handling
    @cargo run --quiet -p harness --bin lesson -- 6

# Lesson 7: the same messages over TCP and UDP, loss and timing
lesson-7:
    @cargo build -p harness -p tcp-server -p udp-server --bin lesson --bin tcp-server --bin udp-server
    @cargo run --quiet -p harness --bin lesson -- 7

# Lesson 8: many clients on one thread, an event loop
lesson-8:
    @cargo build -p harness -p event-server -p tcp-client --bin lesson --bin event-server --bin tcp-client
    @cargo run --quiet -p harness --bin lesson -- 8

# Lesson 9: HTTP by hand, a web server and a client on TcpStream
lesson-9:
    @cargo build -p harness -p http-server -p http-client --bin lesson --bin http-server --bin http-client
    @cargo run --quiet -p harness --bin lesson -- 9

# Check one exercise, such as `just exercise 1.2`
[no-exit-message]
exercise id:
    @cargo run --quiet -p exercise-check --bin exercise -- check {{id}}

# Check every exercise of a lesson, such as `just check 1`
[no-exit-message]
check lesson:
    @cargo run --quiet -p exercise-check --bin exercise -- check {{lesson}}

# Show a hint for an exercise: `just hint 1.2`, then `just hint 1.2 2`
[no-exit-message]
hint id number="1":
    @cargo run --quiet -p exercise-check --bin exercise -- hint {{id}} {{number}}

# Check the current exercise each time a file is saved; Ctrl-C stops
[no-exit-message]
watch:
    @cargo run --quiet -p exercise-check --bin exercise -- watch

# Show which exercises pass, lesson by lesson
progress:
    @cargo run --quiet -p exercise-check --bin exercise -- progress

# List the exercises and where their code is
exercises:
    @cargo run --quiet -p exercise-check --bin exercise -- list

# Instructors: check every exercise and print a table (--json FILE, --junit FILE,
# --submission DIR, --submissions DIR: see lessons/INSTRUCTORS.md)
grade *options:
    @cargo run --quiet -p exercise-check --bin exercise -- grade {{options}}

# Instructors: prove each check fails on the starter code and the wrong programs, and passes on the solution
verify-exercises *ids:
    @cargo run --quiet -p exercise-check --bin exercise -- verify {{ids}}

# Instructors: write a copy of the course without the reference solutions
# (--course-repository OWNER/NAME for the Classroom workflow)
student-copy folder *options:
    @cargo run --quiet -p exercise-check --bin exercise -- student-copy {{folder}} {{options}}

# Run every test (what CI runs)
test:
    cargo test --workspace

# Instructors' tools end to end: a student copy builds, and no cheat changes a grade (CI runs it)
test-grading:
    cargo test -p exercise-check --test grading -- --ignored --test-threads 1

# Run the heavy load tests: a thousand clients, 100 MB transfers (CI runs them)
load-test:
    cargo test -p harness --test it load -- --ignored --test-threads 1

# Measure the servers, against socat and Python where installed (--json FILE, --quick, --tcp ADDR, --udp ADDR)
bench *options:
    @cargo build --release --workspace --bins --exclude exercises --exclude exercise-solutions
    @cargo run --release --quiet -p bench -- {{options}}

# Check formatting and lints (what CI checks)
lint:
    cargo fmt --all --check
    # The exercise checks are include!d by exercise-check, so cargo fmt never sees them.
    rustfmt --check --edition 2024 crates/exercises/src/bin/*/check.rs
    cargo clippy --workspace --all-targets -- -D warnings

# Maintainers: rerun every lesson transcript and write what the programs print today (--check only reports)
transcripts *options:
    @cargo build --workspace --bins --exclude exercises --exclude exercise-solutions
    @cargo run --quiet -p harness --bin transcripts -- {{options}}
