//! A short, deterministic stand-in for the fuzzers that runs in CI: every
//! seed and every crash the fuzzers ever found (`fuzz/regressions/`), plus a
//! fixed number of byte-level mutations of each seed, through the same entry
//! points as the fuzz targets. The long runs are `cargo fuzz` (see README).

use partner_safety_lints::cypher::{
    fast_parse_agrees, looks_like_cypher, parse_query, spans_index, CypherErrorKind, TextMode,
};
use partner_safety_lints::testing::run_pipeline;
use std::path::{Path, PathBuf};

const MUTATIONS_PER_SEED: usize = 128;

/// The folders a target's seeds come from: the demo workspace's sources for
/// the pipeline, the shared query set for Cypher, and every regression.
fn seed_folders(kind: &str) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut folders = vec![
        root.join("fuzz/seeds").join(kind),
        root.join("fuzz/regressions").join(kind),
    ];
    if kind == "pipeline" {
        folders.push(root.join("fixtures/demo/portal/src"));
        folders.push(root.join("fixtures/demo/portal/src/partner"));
    }
    folders
}

fn inputs(kind: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let mut inputs = Vec::new();
    for folder in seed_folders(kind) {
        let Ok(entries) = std::fs::read_dir(folder) else {
            continue;
        };
        for entry in entries.flatten().filter(|entry| entry.path().is_file()) {
            if let Ok(bytes) = std::fs::read(entry.path()) {
                inputs.push((entry.path(), bytes));
            }
        }
    }
    inputs.sort();
    assert!(!inputs.is_empty(), "no {kind} seeds found");
    inputs
}

/// xorshift64*: deterministic, so a failure here reproduces exactly.
struct Mutator(u64);

impl Mutator {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    fn mutate(&mut self, input: &[u8]) -> Vec<u8> {
        let mut bytes = input.to_vec();
        for _ in 0..1 + self.next() % 4 {
            let at = if bytes.is_empty() {
                0
            } else {
                (self.next() as usize) % bytes.len()
            };
            match self.next() % 5 {
                0 if !bytes.is_empty() => bytes[at] = self.next() as u8,
                1 => bytes.insert(at, b"(){}[]<>\"'#!/*\\$"[(self.next() % 16) as usize]),
                2 if !bytes.is_empty() => {
                    let end = (at + 1 + (self.next() as usize) % 64).min(bytes.len());
                    bytes.drain(at..end);
                }
                3 => {
                    let end = (at + (self.next() as usize) % 32).min(bytes.len());
                    let copy = bytes[at..end].to_vec();
                    bytes.splice(at..at, copy);
                }
                _ => bytes.truncate(at),
            }
        }
        bytes
    }
}

/// Runs on a thread with the tool's stack size, as the binary and the fuzzer do.
fn on_big_stack(work: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(256 << 20)
        .spawn(work)
        .expect("thread")
        .join()
        .expect("no panic");
}

#[test]
fn pipeline_survives_seeds_regressions_and_mutations() {
    on_big_stack(|| {
        let mut mutator = Mutator(0x5eed_0001);
        for (path, bytes) in inputs("pipeline") {
            for input in std::iter::once(bytes.clone())
                .chain((0..MUTATIONS_PER_SEED).map(|_| mutator.mutate(&bytes)))
            {
                let text = String::from_utf8_lossy(&input).into_owned();
                let result = std::panic::catch_unwind(|| run_pipeline(&text));
                assert!(
                    result.is_ok(),
                    "pipeline panicked on a mutation of {}:\n{text}",
                    path.display()
                );
            }
        }
    });
}

#[test]
fn cypher_survives_seeds_regressions_and_mutations() {
    on_big_stack(|| {
        let mut mutator = Mutator(0x5eed_0002);
        for (path, bytes) in inputs("cypher") {
            for input in std::iter::once(bytes.clone())
                .chain((0..MUTATIONS_PER_SEED).map(|_| mutator.mutate(&bytes)))
            {
                let Ok(text) = std::str::from_utf8(&input) else {
                    continue;
                };
                let result = std::panic::catch_unwind(|| {
                    let _ = looks_like_cypher(text);
                    let _ = partner_safety_lints::rust_literal::parse_rust_literal(text);
                    [TextMode::Plain, TextMode::Template].map(|mode| parse_query(text, mode))
                });
                let Ok(parsed) = result else {
                    panic!(
                        "Cypher layer panicked on a mutation of {}:\n{text}",
                        path.display()
                    );
                };
                for result in parsed {
                    match result {
                        Ok(facts) => assert!(
                            spans_index(text, &facts),
                            "a span leaves a mutation of {}:\n{text}",
                            path.display()
                        ),
                        // `parse_query` catches a panic as an internal error.
                        Err(error) => assert_ne!(
                            error.kind,
                            CypherErrorKind::Internal,
                            "on a mutation of {}:\n{text}",
                            path.display()
                        ),
                    }
                }
                assert!(
                    fast_parse_agrees(text),
                    "the fast Cypher parser disagrees with decypher on a mutation of {}:\n{text}",
                    path.display()
                );
            }
        }
    });
}
