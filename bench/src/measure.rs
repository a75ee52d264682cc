//! One measurement per child process, and the interleaved runner that
//! collects them into medians.
//!
//! The full analysis goes through the same library calls as the
//! `cargo-partner-safety` binary (`index_file`, `Workspace::new`,
//! `Engine::check`, `report::resolve`) on a rayon pool with the binary's
//! 256 MiB stacks. Discovery and reading are replicated here in a few lines:
//! the `ignore` walker (target directories skipped) and a plain read. Not
//! measured: `cargo metadata` and rendering the report.

use partner_safety_lints::index::skeleton::{self, Scan};
use partner_safety_lints::index::FileKind;
use partner_safety_lints::source::LineIndex;
use partner_safety_lints::{
    index_file, index_file_choosing, Engine, FileFacts, Settings, Workspace,
};
use rayon::prelude::*;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

/// The binary's worker stack size (`src/run.rs`).
const STACK_SIZE: usize = 256 * 1024 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Walk, read, `syn::parse_file` each Rust file, invalidate spans.
    Parse,
    /// Walk, read, index, build the model, run every rule, resolve.
    Full,
    /// Walk, read, and for each Rust file the skeleton of two-phase indexing: lex, strip
    /// function bodies (marking those with items of their own), measure, parse the rest.
    Skeleton,
    /// `Skeleton`, and each stripped body's tokens scanned for calls, strings and words.
    SkeletonScan,
    /// `Full` as the binary runs it by default: without a partner model, only the bodies
    /// the rules read are parsed (everything again when the run finds it must).
    TwoPhase,
}

impl Mode {
    pub fn name(self) -> &'static str {
        match self {
            Mode::Parse => "parse",
            Mode::Full => "full",
            Mode::Skeleton => "skeleton",
            Mode::SkeletonScan => "skeleton-scan",
            Mode::TwoPhase => "two-phase",
        }
    }

    pub fn of_name(name: &str) -> Option<Mode> {
        [
            Mode::Parse,
            Mode::Full,
            Mode::Skeleton,
            Mode::SkeletonScan,
            Mode::TwoPhase,
        ]
        .into_iter()
        .find(|mode| mode.name() == name)
    }
}

#[derive(Clone, Debug, Default)]
pub struct Measurement {
    pub files: usize,
    pub lines: usize,
    pub bytes: usize,
    pub wall_ms: f64,
    pub cpu_ms: f64,
    pub max_rss_kib: u64,
    /// Reported findings by code (full mode only).
    pub findings: BTreeMap<String, usize>,
    /// Functions indexed, and how many of their bodies were left unparsed (two-phase only).
    pub functions: usize,
    pub skipped_bodies: usize,
}

impl Measurement {
    pub fn to_line(&self) -> String {
        let findings: Vec<String> = self
            .findings
            .iter()
            .map(|(code, n)| format!("{code}:{n}"))
            .collect();
        format!(
            "files={} lines={} bytes={} wall_ms={:.1} cpu_ms={:.1} max_rss_kib={} functions={} skipped_bodies={} findings={}",
            self.files,
            self.lines,
            self.bytes,
            self.wall_ms,
            self.cpu_ms,
            self.max_rss_kib,
            self.functions,
            self.skipped_bodies,
            findings.join(",")
        )
    }

    fn from_line(line: &str) -> Option<Measurement> {
        let mut m = Measurement::default();
        for field in line.split_whitespace() {
            let (key, value) = field.split_once('=')?;
            match key {
                "files" => m.files = value.parse().ok()?,
                "lines" => m.lines = value.parse().ok()?,
                "bytes" => m.bytes = value.parse().ok()?,
                "wall_ms" => m.wall_ms = value.parse().ok()?,
                "cpu_ms" => m.cpu_ms = value.parse().ok()?,
                "max_rss_kib" => m.max_rss_kib = value.parse().ok()?,
                "functions" => m.functions = value.parse().ok()?,
                "skipped_bodies" => m.skipped_bodies = value.parse().ok()?,
                "findings" => {
                    for entry in value.split(',').filter(|e| !e.is_empty()) {
                        let (code, n) = entry.split_once(':')?;
                        m.findings.insert(code.to_string(), n.parse().ok()?);
                    }
                }
                _ => {}
            }
        }
        Some(m)
    }
}

/// User + system CPU time and peak resident memory of this process.
fn rusage() -> (f64, u64) {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    // Linux reports ru_maxrss in KiB.
    (
        ms(usage.ru_utime) + ms(usage.ru_stime),
        usage.ru_maxrss as u64,
    )
}

/// The files the binary would analyse: Rust, Cypher, templates and roles
/// files, `.gitignore` respected, `target/` skipped, links not followed.
fn discover(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = walk_files(root)
        .map(|entry| entry.into_path())
        .filter(|path| FileKind::of_path(&path.to_string_lossy()).is_some())
        .collect();
    files.sort();
    files
}

/// Regular files under `root`: `.gitignore` respected, `target/` skipped, links not followed.
fn walk_files(root: &Path) -> impl Iterator<Item = ignore::DirEntry> {
    ignore::WalkBuilder::new(root)
        .follow_links(false)
        .require_git(false)
        .git_global(false)
        .filter_entry(|entry| entry.file_name() != "target")
        .build()
        .filter_map(Result::ok)
        .filter(|entry| entry.file_type().is_some_and(|kind| kind.is_file()))
}

fn relative(root: &Path, path: &Path) -> String {
    path.strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/")
}

fn read(path: &Path) -> Arc<str> {
    Arc::from(std::fs::read_to_string(path).unwrap_or_default())
}

pub fn measure_once(mode: Mode, root: &Path, threads: usize) -> Result<Measurement, String> {
    let pool = rayon::ThreadPoolBuilder::new()
        .stack_size(STACK_SIZE)
        .num_threads(threads)
        .build()
        .map_err(|error| format!("cannot start worker threads: {error}"))?;
    let (cpu_before, _) = rusage();
    let started = Instant::now();
    let _ = MEASURE_STARTED.set(started);
    let mut m = pool.install(|| {
        let files = discover(root);
        match mode {
            Mode::Parse => parse_only(&files),
            Mode::Full => full(root, &files, false),
            Mode::TwoPhase => full(root, &files, true),
            Mode::Skeleton => skeleton_only(&files, Scan::Skip),
            Mode::SkeletonScan => skeleton_only(&files, Scan::Bodies),
        }
    });
    m.wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let (cpu_after, max_rss) = rusage();
    m.cpu_ms = cpu_after - cpu_before;
    m.max_rss_kib = max_rss;
    Ok(m)
}

/// The floor: what any syn-based linter pays for these files.
fn parse_only(files: &[PathBuf]) -> Measurement {
    each_rust_file(files, |text| {
        let parsed = syn::parse_file(text);
        std::hint::black_box(&parsed);
    })
}

/// Phase 1 of two-phase indexing alone: what it costs next to the floor.
fn skeleton_only(files: &[PathBuf], scan: Scan) -> Measurement {
    each_rust_file(files, |text| {
        let line_index = LineIndex::new(text);
        // The workers' stacks hold any file the guard accepts.
        let skeleton = skeleton::build(text, &line_index, &[], scan, STACK_SIZE / 2);
        std::hint::black_box(&skeleton);
    })
}

/// Reads every file on all cores and runs `work` on the text of each Rust one, dropping what
/// it built and the thread's spans before the next, as the tool does.
fn each_rust_file(files: &[PathBuf], work: impl Fn(&Arc<str>) + Sync) -> Measurement {
    let per_file: Vec<(usize, usize)> = files
        .par_iter()
        .map(|path| {
            let text = read(path);
            if path.extension().is_some_and(|ext| ext == "rs") {
                work(&text);
                proc_macro2::extra::invalidate_current_thread_spans();
            }
            (lines(&text), text.len())
        })
        .collect();
    Measurement {
        files: files.len(),
        lines: per_file.iter().map(|f| f.0).sum(),
        bytes: per_file.iter().map(|f| f.1).sum(),
        ..Measurement::default()
    }
}

/// The analysis as the binary runs it: every body parsed (`--full-parse`), or, when
/// `two_phase`, only the bodies the rules read while the workspace shows no partner model.
fn full(root: &Path, files: &[PathBuf], two_phase: bool) -> Measurement {
    let (workspace, checked) = analyse(root, files, two_phase);
    measured(workspace, checked)
}

/// `full` both ways on each of `dirs`, compared: the resolved findings (JSON, every field)
/// must be the same. Prints each directory's count of findings and of bodies left out.
pub fn compare(dirs: &[PathBuf]) -> Result<(), String> {
    let mut differing = Vec::new();
    for root in dirs {
        let files = discover(root);
        // Files the full parse refuses may parse with bodies left out (a syntax error inside
        // one: SECURITY.md); their findings are left out of the comparison.
        let refused = |workspace: &Workspace| -> Vec<String> {
            workspace
                .files
                .iter()
                .filter(|facts| facts.problem.is_some())
                .map(|facts| facts.path.clone())
                .collect()
        };
        let resolved = |two_phase: bool, unread: &[String]| {
            let (workspace, checked) = analyse(root, &files, two_phase);
            let skipped: u64 = workspace
                .files
                .iter()
                .map(|facts| u64::from(facts.skipped_bodies))
                .sum();
            let functions: usize = workspace
                .files
                .iter()
                .map(|facts| facts.functions.len())
                .sum();
            let reported = partner_safety_lints::report::resolve(&workspace, &checked.findings);
            let lines: Vec<String> = reported
                .iter()
                .filter(|finding| !unread.contains(&finding.region.path))
                .map(|finding| format!("{finding:?}"))
                .collect();
            (lines, refused(&workspace), skipped, functions)
        };
        let (_, unread, _, _) = resolved(false, &[]);
        let (full, _, _, _) = resolved(false, &unread);
        let (two_phase, _, skipped, functions) = resolved(true, &unread);
        let same = full == two_phase;
        println!(
            "{}: {} ({} findings; {skipped} of {functions} function bodies left out; {} files the full parse refuses left out of the comparison)",
            root.display(),
            if same { "same" } else { "DIFFERENT" },
            full.len(),
            unread.len()
        );
        if !same {
            for line in full.iter().filter(|line| !two_phase.contains(line)).take(5) {
                println!("  only parsing every body: {line}");
            }
            for line in two_phase.iter().filter(|line| !full.contains(line)).take(5) {
                println!("  only leaving bodies out: {line}");
            }
            differing.push(root.display().to_string());
        }
    }
    if differing.is_empty() {
        Ok(())
    } else {
        Err(format!("findings differ on {}", differing.join(", ")))
    }
}

/// Indexes `files` (every body, or as `full` says) and runs every rule over them.
fn analyse(
    root: &Path,
    files: &[PathBuf],
    two_phase: bool,
) -> (Workspace, partner_safety_lints::engine::Checked) {
    let settings = Settings {
        today: Some("2026-01-01".into()),
        ..Settings::default()
    };
    let engine = Engine::new(settings);
    let texts: Vec<(String, Arc<str>)> = files
        .par_iter()
        .map(|path| (relative(root, path), read(path)))
        .collect();
    let needs = engine.bodies_needed_without_partner_model();
    let skip = two_phase
        && !needs.needs_everything()
        && !texts
            .par_iter()
            .any(|(path, text)| needs.signal_in_file(path, text));
    let index = |choose: bool| -> Workspace {
        let facts: Vec<FileFacts> = texts
            .par_iter()
            .map(|(path, text)| {
                if choose {
                    index_file_choosing(path.clone(), text.clone(), &|function, body, text| {
                        needs.needs(function, body, text)
                    })
                } else {
                    index_file(path.clone(), text.clone())
                }
            })
            .collect();
        phase("indexed");
        Workspace::new(facts)
    };
    let mut workspace = index(skip);
    let mut checked = engine.run(&workspace, None);
    if skip && checked.needs_every_body {
        phase("needs every body");
        workspace = index(false);
        checked = engine.run(&workspace, None);
    }
    (workspace, checked)
}

fn measured(workspace: Workspace, checked: partner_safety_lints::engine::Checked) -> Measurement {
    let (lines_total, bytes) = workspace
        .files
        .iter()
        .fold((0, 0), |(l, b), f| (l + lines(&f.text), b + f.text.len()));
    let functions = workspace.files.iter().map(|f| f.functions.len()).sum();
    let skipped_bodies = workspace
        .files
        .iter()
        .map(|f| f.skipped_bodies as usize)
        .sum();
    let mut findings = checked.findings;
    findings.retain(|finding| finding.suppressed.is_none());
    phase("checked");
    let reported = partner_safety_lints::report::resolve(&workspace, &findings);
    let mut by_code = BTreeMap::new();
    for finding in &reported {
        *by_code.entry(finding.code.to_string()).or_default() += 1;
    }
    let files = workspace.files.len();
    // As the binary does: the process ends right after, and freeing every fact one by one
    // is work the binary never does.
    std::mem::forget(workspace);
    Measurement {
        files,
        lines: lines_total,
        bytes,
        findings: by_code,
        functions,
        skipped_bodies,
        ..Measurement::default()
    }
}

fn lines(text: &str) -> usize {
    text.bytes().filter(|&b| b == b'\n').count()
}

fn child(mode: Mode, root: &Path, threads: usize) -> Result<Measurement, String> {
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let output = std::process::Command::new(exe)
        .arg("measure")
        .arg(mode.name())
        .arg(root)
        .arg("--threads")
        .arg(threads.to_string())
        .output()
        .map_err(|error| format!("cannot run a measurement: {error}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        return Err(format!(
            "measurement failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    stdout
        .lines()
        .last()
        .and_then(Measurement::from_line)
        .ok_or_else(|| format!("unreadable measurement: {stdout}"))
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    if n % 2 == 1 {
        values[n / 2]
    } else {
        (values[n / 2 - 1] + values[n / 2]) / 2.0
    }
}

/// The `cargo-partner-safety` binary built next to this one
/// (`cargo build --release` builds both into `target/release/`).
pub(crate) fn binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|error| error.to_string())?;
    let binary = exe.with_file_name(format!(
        "cargo-partner-safety{}",
        std::env::consts::EXE_SUFFIX
    ));
    if binary.is_file() {
        Ok(binary)
    } else {
        Err(format!(
            "`{}` not found: build it with `cargo build --release` to measure the cache",
            binary.display()
        ))
    }
}

fn children_cpu_ms() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we own.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let ms = |t: libc::timeval| t.tv_sec as f64 * 1000.0 + t.tv_usec as f64 / 1000.0;
    ms(usage.ru_utime) + ms(usage.ru_stime)
}

/// One run of the binary itself (discovery with `cargo metadata`, reading,
/// the cache, analysis, the short report), with the cache in `cache_dir`.
fn binary_run(
    binary: &Path,
    root: &Path,
    threads: usize,
    cache_dir: &Path,
) -> Result<Measurement, String> {
    let cpu_before = children_cpu_ms();
    let started = Instant::now();
    let output = std::process::Command::new(binary)
        .arg(root)
        .args(["--format", "short", "-q", "--cache-dir"])
        .arg(cache_dir)
        .arg("--jobs")
        .arg(threads.to_string())
        .env("PARTNER_SAFETY_TODAY", "2026-01-01")
        .output()
        .map_err(|error| format!("cannot run `{}`: {error}", binary.display()))?;
    let wall_ms = started.elapsed().as_secs_f64() * 1000.0;
    let cpu_ms = children_cpu_ms() - cpu_before;
    if !matches!(output.status.code(), Some(0 | 1)) {
        return Err(format!(
            "`{}` failed ({}): {}",
            binary.display(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let mut findings = BTreeMap::new();
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        // `path:line:col: level[CODE name]: message`
        if let Some(code) = line
            .split_once('[')
            .and_then(|(_, rest)| rest.split_once(' '))
            .map(|(code, _)| code.to_string())
        {
            *findings.entry(code).or_default() += 1;
        }
    }
    Ok(Measurement {
        wall_ms,
        cpu_ms,
        findings,
        ..Measurement::default()
    })
}

/// The binary with a fresh cache, then again unchanged with the cache it wrote, then after
/// a one-line edit of one file (what a pre-commit hook sees). It runs on a copy of the
/// workspace, so the measured directory is never written to.
pub fn run_cache(root: &Path, threads: &[usize], repeat: usize) -> Result<(), String> {
    let binary = binary()?;
    let scratch =
        Scratch(std::env::temp_dir().join(format!("partner-safety-bench-{}", std::process::id())));
    let cache_dir = scratch.0.join("cache");
    let copy = scratch.0.join("workspace");
    let _ = std::fs::remove_dir_all(&scratch.0);
    copy_workspace(root, &copy)?;
    let edited = discover(&copy)
        .into_iter()
        .find(|path| path.extension().is_some_and(|ext| ext == "rs"))
        .ok_or("no Rust file to edit")?;
    let mut runs: BTreeMap<usize, Vec<[Measurement; 3]>> = BTreeMap::new();
    for round in 0..repeat.max(1) {
        for &t in threads {
            let _ = std::fs::remove_dir_all(&cache_dir);
            let cold = binary_run(&binary, &copy, t, &cache_dir)?;
            let warm = binary_run(&binary, &copy, t, &cache_dir)?;
            let mut text = std::fs::read_to_string(&edited).map_err(|e| e.to_string())?;
            text.push_str(&format!("\n// edited by the benchmark, round {round}\n"));
            std::fs::write(&edited, text).map_err(|e| e.to_string())?;
            let edit = binary_run(&binary, &copy, t, &cache_dir)?;
            for other in [&warm, &edit] {
                if other.findings != cold.findings {
                    return Err(format!(
                        "findings differ with the cache: {:?} vs {:?}",
                        cold.findings, other.findings
                    ));
                }
            }
            eprintln!(
                "round {} cache threads={t}: cold {}; warm {}; edit {}",
                round + 1,
                cold.to_line(),
                warm.to_line(),
                edit.to_line()
            );
            runs.entry(t).or_default().push([cold, warm, edit]);
        }
    }
    drop(scratch);
    println!(
        "the binary, cold (empty cache), warm (unchanged re-run) and after editing one file; medians"
    );
    println!("| threads | cold wall | warm wall | warm / cold | edit wall | edit / cold | cold CPU | warm CPU | edit CPU |");
    println!("|--:|--:|--:|--:|--:|--:|--:|--:|--:|");
    for &t in threads {
        let rounds = &runs[&t];
        let med = |f: &dyn Fn(&[Measurement; 3]) -> f64| {
            let mut values: Vec<f64> = rounds.iter().map(f).collect();
            median(&mut values)
        };
        println!(
            "| {t} | {:.2} s | {:.2} s | {:.2}× | {:.2} s | {:.2}× | {:.2} s | {:.2} s | {:.2} s |",
            med(&|r| r[0].wall_ms) / 1000.0,
            med(&|r| r[1].wall_ms) / 1000.0,
            med(&|r| r[1].wall_ms / r[0].wall_ms),
            med(&|r| r[2].wall_ms) / 1000.0,
            med(&|r| r[2].wall_ms / r[0].wall_ms),
            med(&|r| r[0].cpu_ms) / 1000.0,
            med(&|r| r[1].cpu_ms) / 1000.0,
            med(&|r| r[2].cpu_ms) / 1000.0,
        );
    }
    Ok(())
}

/// A folder of our own in the temporary directory, removed however the measurement ends
/// (the copy of a 1M-line workspace is 35 MB).
pub(crate) struct Scratch(pub(crate) PathBuf);

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Every file the walk sees (`.gitignore` respected, `target/` skipped, links not
/// followed), manifests included, at the same relative paths under `to`.
fn copy_workspace(root: &Path, to: &Path) -> Result<(), String> {
    for entry in walk_files(root) {
        let target = to.join(entry.path().strip_prefix(root).unwrap_or(entry.path()));
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
        }
        std::fs::copy(entry.path(), &target)
            .map_err(|error| format!("cannot copy `{}`: {error}", entry.path().display()))?;
    }
    Ok(())
}

pub fn run(root: &Path, threads: &[usize], repeat: usize) -> Result<(), String> {
    if !root.is_dir() {
        return Err(format!("`{}` is not a directory", root.display()));
    }
    let repeat = repeat.max(1);
    // Untimed: read every file once, so the first measurement does not pay for a cold
    // page cache that the others then get for free.
    for path in discover(root) {
        std::hint::black_box(read(&path));
    }
    let mut results: BTreeMap<(usize, Mode), Vec<Measurement>> = BTreeMap::new();
    for round in 0..repeat {
        // Interleave: every configuration once per round, the order alternating.
        let mut order: Vec<(usize, Mode)> = threads
            .iter()
            .flat_map(|&t| [(t, Mode::Parse), (t, Mode::Full)])
            .collect();
        if round % 2 == 1 {
            order.reverse();
        }
        for (t, mode) in order {
            let m = child(mode, root, t)?;
            eprintln!(
                "round {} {:?} threads={t}: {}",
                round + 1,
                mode,
                m.to_line()
            );
            results.entry((t, mode)).or_default().push(m);
        }
    }
    let med = |t: usize, mode: Mode, f: &dyn Fn(&Measurement) -> f64| {
        let mut values: Vec<f64> = results[&(t, mode)].iter().map(f).collect();
        median(&mut values)
    };
    let first = &results[&(threads[0], Mode::Full)][0];
    let parse_first = &results[&(threads[0], Mode::Parse)][0];
    println!(
        "workspace {}: {} files, {} lines, {} bytes (the floor reads the same {} files and parses the .rs ones); medians of {repeat}",
        root.display(),
        first.files,
        first.lines,
        first.bytes,
        parse_first.files
    );
    let findings: Vec<String> = first
        .findings
        .iter()
        .map(|(code, n)| format!("{code}={n}"))
        .collect();
    println!("findings: {}", findings.join(" "));
    println!(
        "| threads | parse-only wall | full wall | full / parse | parse CPU | full CPU | parse peak RSS | full peak RSS |"
    );
    println!("|--:|--:|--:|--:|--:|--:|--:|--:|");
    for &t in threads {
        let pw = med(t, Mode::Parse, &|m| m.wall_ms);
        let fw = med(t, Mode::Full, &|m| m.wall_ms);
        // The ratio is taken per round (same conditions), then the median.
        let mut ratios: Vec<f64> = results[&(t, Mode::Full)]
            .iter()
            .zip(&results[&(t, Mode::Parse)])
            .map(|(f, p)| f.wall_ms / p.wall_ms)
            .collect();
        println!(
            "| {t} | {:.2} s | {:.2} s | {:.2}× | {:.2} s | {:.2} s | {:.0} MiB | {:.0} MiB |",
            pw / 1000.0,
            fw / 1000.0,
            median(&mut ratios),
            med(t, Mode::Parse, &|m| m.cpu_ms) / 1000.0,
            med(t, Mode::Full, &|m| m.cpu_ms) / 1000.0,
            med(t, Mode::Parse, &|m| m.max_rss_kib as f64) / 1024.0,
            med(t, Mode::Full, &|m| m.max_rss_kib as f64) / 1024.0,
        );
    }
    if threads.len() > 1 {
        let base = threads[0];
        for &t in &threads[1..] {
            for mode in [Mode::Parse, Mode::Full] {
                let mut ratios: Vec<f64> = results[&(t, mode)]
                    .iter()
                    .zip(&results[&(base, mode)])
                    .map(|(a, b)| a.wall_ms / b.wall_ms)
                    .collect();
                println!(
                    "{mode:?}: {t} threads take {:.2}× the wall time of {base}",
                    median(&mut ratios)
                );
            }
        }
    }
    Ok(())
}

/// Encodes and decodes every file's facts as the cache does (postcard) and as
/// JSON, and prints sizes and times: why the cache uses the binary form.
pub fn cache_format(root: &Path) -> Result<(), String> {
    let files = discover(root);
    let facts: Vec<FileFacts> = files
        .par_iter()
        .map(|path| index_file(relative(root, path), read(path)))
        .collect();
    let timed = |f: &mut dyn FnMut()| {
        let started = Instant::now();
        f();
        started.elapsed().as_secs_f64() * 1000.0
    };
    let mut bin = Vec::new();
    let bin_encode = timed(&mut || bin = postcard::to_stdvec(&facts).unwrap_or_default());
    let mut decoded_bin: Vec<FileFacts> = Vec::new();
    let bin_decode = timed(&mut || decoded_bin = postcard::from_bytes(&bin).unwrap_or_default());
    let mut json = Vec::new();
    let json_encode = timed(&mut || json = serde_json::to_vec(&facts).unwrap_or_default());
    let mut decoded_json: Vec<FileFacts> = Vec::new();
    let json_decode =
        timed(&mut || decoded_json = serde_json::from_slice(&json).unwrap_or_default());
    if decoded_bin.len() != facts.len() || decoded_json.len() != facts.len() {
        return Err("a format did not round-trip".into());
    }
    println!("facts of {} files (one thread)", facts.len());
    println!("| format | size | encode | decode |");
    println!("|---|--:|--:|--:|");
    for (name, size, encode, decode) in [
        ("postcard", bin.len(), bin_encode, bin_decode),
        ("serde_json", json.len(), json_encode, json_decode),
    ] {
        println!(
            "| {name} | {:.1} MiB | {encode:.0} ms | {decode:.0} ms |",
            size as f64 / (1024.0 * 1024.0)
        );
    }
    Ok(())
}

/// When the measurement started, for the wall time of its phases.
static MEASURE_STARTED: std::sync::OnceLock<Instant> = std::sync::OnceLock::new();

/// With `PARTNER_SAFETY_BENCH_PHASES` set, prints the wall and CPU time and memory at the end
/// of each phase of a full run to stderr: where a regression went, without a profiler.
fn phase(name: &str) {
    if std::env::var_os("PARTNER_SAFETY_BENCH_PHASES").is_some() {
        let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
        let pages: u64 = statm
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse().ok())
            .unwrap_or(0);
        let (cpu, peak) = rusage();
        let wall = MEASURE_STARTED
            .get()
            .map_or(0.0, |started| started.elapsed().as_secs_f64() * 1000.0);
        eprintln!(
            "{name}: wall {wall:.0} ms, cpu {cpu:.0} ms, rss {} MiB, peak {} MiB",
            pages * 4 / 1024,
            peak / 1024
        );
    }
}
