// Wrong: it fakes the result, printing its --message arguments without any networking.
//! A wrong answer to exercise 7.3, kept so that `just verify-exercises`
//! proves the check rejects it. See `crates/exercise-check/src/wrong.rs`.

use clap::Parser;
use netlessons::cli;

#[derive(Parser)]
struct Args {
    #[command(flatten)]
    address: cli::Address,
    /// A message to send; give it several times for several messages
    #[arg(long)]
    message: Vec<String>,
}

fn main() {
    let args = Args::parse();
    for message in &args.message {
        println!("{message}");
    }
}
