//! `cargo partner-safety`: the command-line shell around the lint pack.
//! It owns all I/O: arguments, discovery, reading files, config, output.

mod baseline;
mod budget;
mod cache;
mod changed;
mod cli;
mod config;
mod discover;
mod explain;
mod fix;
mod git;
mod init;
mod layout;
mod report;
mod run;
mod sources;

use clap::{CommandFactory, FromArgMatches};
use std::ffi::OsString;
use std::process::ExitCode;

#[cfg(feature = "mimalloc")]
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Exit status for usage, config, I/O and internal errors.
pub const EXIT_TOOL_ERROR: u8 = 2;

fn main() -> ExitCode {
    // Panics inside the analysis are caught and reported as PS003; the
    // default hook would also print them as noise on stderr.
    std::panic::set_hook(Box::new(|_| {}));
    let args = cargo_args(std::env::args_os());
    let matches = match cli::Cli::command().try_get_matches_from(args) {
        Ok(matches) => matches,
        Err(error) => {
            let _ = error.print();
            return ExitCode::from(if error.use_stderr() {
                EXIT_TOOL_ERROR
            } else {
                0
            });
        }
    };
    let parsed = cli::Cli::from_arg_matches(&matches);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| match parsed {
        Ok(cli) => run::main(cli, &matches),
        Err(error) => {
            let _ = error.print();
            EXIT_TOOL_ERROR
        }
    }));
    match outcome {
        Ok(code) => ExitCode::from(code),
        Err(payload) => {
            let message = partner_safety_lints::index::panic_message(payload.as_ref());
            eprintln!("error: partner-safety failed unexpectedly: {message}");
            ExitCode::from(EXIT_TOOL_ERROR)
        }
    }
}

/// Cargo runs `cargo-partner-safety partner-safety ARGS…` for
/// `cargo partner-safety ARGS…`; drop the subcommand's own name.
fn cargo_args(args: impl Iterator<Item = OsString>) -> Vec<OsString> {
    let mut args: Vec<OsString> = args.collect();
    if args.get(1).is_some_and(|arg| arg == "partner-safety") {
        args.remove(1);
    }
    args
}
