//! Development commands of this repository, run as `cargo dev <command>` (the alias is in
//! `.cargo/config.toml`).
//!
//! `cargo dev new-rule --code PS601 --name some-name --item ContextLeakage [--summary TEXT]`
//! writes `lints/src/rules/some_name.rs` in the shape every rule has (docs, options,
//! check, tests) and registers it in `lints/src/rules/mod.rs` and `registry::all`.

mod new_rule;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "usage: cargo dev new-rule --code PS601 --name some-name --item ChecklistItemVariant [--summary TEXT]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("new-rule") => new_rule::Request::parse(&args[1..])
            .and_then(|request| new_rule::write(&repository_root(), &request)),
        Some("help" | "--help" | "-h") => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        _ => Err(USAGE.to_string()),
    };
    match result {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::FAILURE
        }
    }
}

/// The repository this crate is built in: the commands edit its files, wherever they run from.
fn repository_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}
