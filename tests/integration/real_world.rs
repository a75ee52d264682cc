//! The tool over a large body of real Rust source (ignored by default):
//!
//! ```sh
//! PARTNER_SAFETY_CORPUS=/path/to/rust-sources cargo test --release --test integration real_world -- --ignored --nocapture
//! ```
//!
//! Any folder works: the Rust compiler's `tests/ui`, glacier's crash
//! reproducers, a checkout of a large workspace. It must finish with no
//! internal error (PS003) and exit status 0 when only parse errors are
//! reported as warnings.

use crate::common::run;
use std::time::Instant;

#[test]
#[ignore = "needs PARTNER_SAFETY_CORPUS pointing at a large folder of Rust sources"]
fn real_world_corpus_never_crashes() {
    let corpus = std::env::var("PARTNER_SAFETY_CORPUS")
        .expect("set PARTNER_SAFETY_CORPUS to a folder of Rust sources");
    let started = Instant::now();
    let output = run(&[
        &corpus, "--format", "json", "-q", "-A", "all", "-W", "PS000",
    ]);
    let elapsed = started.elapsed();
    assert_eq!(
        output.code, 0,
        "exit status {}; stderr: {}",
        output.code, output.stderr
    );
    let report: serde_json::Value = serde_json::from_str(&output.stdout).expect("JSON report");
    let findings = report["findings"].as_array().expect("findings");
    let internal: Vec<&serde_json::Value> =
        findings.iter().filter(|f| f["code"] == "PS003").collect();
    assert!(internal.is_empty(), "internal errors: {internal:#?}");
    println!(
        "{} files, {} not analysed (PS000), 0 internal errors, {:.2} s",
        report["summary"]["files"],
        findings.len(),
        elapsed.as_secs_f64()
    );
}
