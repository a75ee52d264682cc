//! partner-safety-bench: a reproducible benchmark for partner-safety.
//!
//! ```text
//! partner-safety-bench generate --lines 1000000 --out /tmp/ws-1m [--seed 42]
//! partner-safety-bench run DIR [--threads 1,2] [--repeat 5]
//! partner-safety-bench stress
//! ```
//!
//! `run` measures, in a fresh child process each time (so peak memory is per
//! measurement), a parse-only floor and the full analysis over the same files,
//! interleaved, and prints medians with the full run's ratio to the floor.
//! `measure full DIR` with `PARTNER_SAFETY_BENCH_PHASES=1` also prints the CPU time
//! and memory at the end of each phase (indexed, workspace, checked).
//! `stress` runs the release binary on hostile inputs at growing sizes (see `stress.rs`).

mod generate;
mod measure;
mod stress;

/// The binary's allocator, so the parse floor and the full run allocate alike.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

use std::path::PathBuf;
use std::process::ExitCode;

const USAGE: &str = "usage:
  partner-safety-bench generate --lines N --out DIR [--seed S]
  partner-safety-bench run DIR [--threads N[,N…]] [--repeat N] [--cache]
      (--cache: also the binary on a copy: cold, warm and after a one-line edit;
       build it with `cargo build --release`)
  partner-safety-bench measure parse|full|two-phase|skeleton|skeleton-scan DIR --threads N
      (one measurement; `run` uses parse and full; full parses every body (--full-parse),
       two-phase only those the rules read when there is no partner model (the default);
       skeleton and skeleton-scan are phase 1 alone, without and with the body scan)
  partner-safety-bench compare DIR [DIR…]   (the findings of two-phase and full parsing, which
      must be the same: fails on the first directory where they differ)
  partner-safety-bench cache-format DIR   (the cache's encoding against JSON)
  partner-safety-bench stress   (hostile inputs at growing sizes through the release binary:
      no crash, peak memory under 1 GiB, time linear; build it with `cargo build --release`)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// `--name value` from the arguments, if given.
fn flag<'a>(args: &'a [String], name: &str) -> Option<&'a str> {
    args.iter()
        .position(|arg| arg == name)
        .and_then(|at| args.get(at + 1))
        .map(String::as_str)
}

fn number<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, String> {
    text.replace('_', "")
        .parse()
        .map_err(|_| format!("{what} must be a number, got `{text}`"))
}

/// The positional arguments: everything that is neither a flag nor a flag's value.
fn positional(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut skip = false;
    for arg in args {
        if skip {
            skip = false;
        } else if arg == "--cache" {
            // A switch: takes no value.
        } else if arg.starts_with("--") {
            skip = true;
        } else {
            out.push(arg.as_str());
        }
    }
    out
}

fn run(args: &[String]) -> Result<(), String> {
    let Some(command) = args.first() else {
        return Err("no command".into());
    };
    let rest = &args[1..];
    match command.as_str() {
        "generate" => {
            let lines = number(
                flag(rest, "--lines").ok_or("--lines is required")?,
                "--lines",
            )?;
            let out = PathBuf::from(flag(rest, "--out").ok_or("--out is required")?);
            let seed = flag(rest, "--seed").map_or(Ok(42), |s| number(s, "--seed"))?;
            let summary = generate::generate(&out, lines, seed)
                .map_err(|error| format!("cannot write `{}`: {error}", out.display()))?;
            println!(
                "wrote {}: {} crates, {} files, {} lines, {} bytes",
                out.display(),
                summary.crates,
                summary.files,
                summary.lines,
                summary.bytes
            );
            let planted: Vec<String> = summary
                .planted
                .iter()
                .map(|(code, count)| format!("{code}={count}"))
                .collect();
            println!("planted findings: {}", planted.join(" "));
            Ok(())
        }
        "run" => {
            let [dir] = positional(rest)[..] else {
                return Err("`run` takes one directory".into());
            };
            let threads: Vec<usize> = match flag(rest, "--threads") {
                Some(list) => list
                    .split(',')
                    .map(|n| number(n, "--threads"))
                    .collect::<Result<_, _>>()?,
                None => vec![std::thread::available_parallelism().map_or(1, usize::from)],
            };
            let repeat = flag(rest, "--repeat").map_or(Ok(3), |n| number(n, "--repeat"))?;
            measure::run(&PathBuf::from(dir), &threads, repeat)?;
            if rest.iter().any(|arg| arg == "--cache") {
                println!();
                measure::run_cache(&PathBuf::from(dir), &threads, repeat)?;
            }
            Ok(())
        }
        "stress" => stress::stress(),
        "measure" => {
            let [mode, dir] = positional(rest)[..] else {
                return Err("`measure` takes a mode and a directory".into());
            };
            let threads = number(
                flag(rest, "--threads").ok_or("--threads is required")?,
                "--threads",
            )?;
            let mode =
                measure::Mode::of_name(mode).ok_or_else(|| format!("unknown mode `{mode}`"))?;
            let result = measure::measure_once(mode, &PathBuf::from(dir), threads)?;
            println!("{}", result.to_line());
            Ok(())
        }
        "compare" => {
            let dirs: Vec<PathBuf> = positional(rest).into_iter().map(PathBuf::from).collect();
            if dirs.is_empty() {
                return Err("`compare` takes one or more directories".into());
            }
            measure::compare(&dirs)
        }
        "cache-format" => {
            let [dir] = positional(rest)[..] else {
                return Err("`cache-format` takes one directory".into());
            };
            measure::cache_format(&PathBuf::from(dir))
        }
        other => Err(format!("unknown command `{other}`")),
    }
}

#[cfg(test)]
mod tests {
    use crate::generate::generate;
    use crate::measure::{measure_once, Mode};
    use std::collections::BTreeMap;
    use std::path::Path;

    /// Every file under `root` with its bytes, in path order.
    fn contents(root: &Path) -> BTreeMap<String, Vec<u8>> {
        let mut files = BTreeMap::new();
        let mut pending = vec![root.to_path_buf()];
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    pending.push(path);
                } else {
                    let relative = path.strip_prefix(root).unwrap().display().to_string();
                    files.insert(relative, std::fs::read(&path).unwrap());
                }
            }
        }
        files
    }

    #[test]
    fn the_full_run_finds_exactly_what_the_generator_planted() {
        let dir = tempfile::tempdir().unwrap();
        let summary = generate(dir.path(), 10_000, 42).unwrap();
        let planted: BTreeMap<String, usize> = summary
            .planted
            .iter()
            .map(|(code, count)| (code.to_string(), *count))
            .collect();
        // The 10k-line workspace of the README's table: four rules' findings planted.
        assert_eq!(
            planted,
            BTreeMap::from([
                ("PS101".to_string(), 3),
                ("PS104".to_string(), 1),
                ("PS302".to_string(), 4),
                ("PS401".to_string(), 3),
            ])
        );
        let full = measure_once(Mode::Full, dir.path(), 2).unwrap();
        assert_eq!(full.findings, planted);
        // The floor reads the same files and lines as the full run and the generator wrote.
        let floor = measure_once(Mode::Parse, dir.path(), 2).unwrap();
        assert_eq!(
            (floor.files, floor.lines, floor.bytes),
            (full.files, full.lines, full.bytes)
        );
        assert_eq!(
            (full.files, full.lines, full.bytes),
            (summary.files, summary.lines, summary.bytes)
        );
        assert!(floor.findings.is_empty());
    }

    #[test]
    fn a_seed_always_writes_the_same_workspace_and_another_seed_a_different_one() {
        let (first, second, other) = (
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
            tempfile::tempdir().unwrap(),
        );
        generate(first.path(), 3_000, 7).unwrap();
        generate(second.path(), 3_000, 7).unwrap();
        generate(other.path(), 3_000, 8).unwrap();
        let written = contents(first.path());
        assert!(written.len() > 20, "{} files", written.len());
        assert_eq!(written, contents(second.path()));
        assert_ne!(written, contents(other.path()));
    }

    #[test]
    fn generate_refuses_a_directory_that_is_not_empty() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("keep.rs"), "fn main() {}").unwrap();
        let error = generate(dir.path(), 1_000, 42).err().unwrap();
        assert!(error.to_string().contains("is not empty"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("keep.rs")).unwrap(),
            "fn main() {}"
        );
    }
}
