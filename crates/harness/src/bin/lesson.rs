//! `lesson N` runs the demo of lesson N: `just lesson-1` and `cargo lesson 1`
//! both come here. Without a number it lists the lessons.

use std::process::ExitCode;

use clap::Parser;
use harness::lessons;
use netlessons::cli;

/// Run a lesson's demo: its server and clients, with their output labelled
#[derive(Parser)]
#[command(version)]
struct Args {
    /// The lesson to run; leave it out to list the lessons
    lesson: Option<u32>,
}

fn main() -> ExitCode {
    let args: Args = cli::parse();
    match args.lesson {
        Some(number) => cli::exit_status(lessons::run(number)),
        None => {
            for (number, title, file) in lessons::LESSONS {
                println!("just lesson-{number}   {title:<42} lessons/{file}");
            }
            ExitCode::SUCCESS
        }
    }
}
