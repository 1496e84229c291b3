// Wrong: a fake. It prints one made-up port twice and exits, without opening any socket.
//! A wrong answer to exercise 0.2, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.
//! A check that only read the two lines would pass it.

fn main() {
    println!("tcp 127.0.0.1:40000");
    println!("udp 127.0.0.1:40000");
}
