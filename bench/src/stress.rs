//! `stress`: hostile and extreme inputs at growing sizes, through the release binary.
//!
//! Each shape (an `else if` chain, `a[0][0]…`, `f()()…`, casts, `+` and `&&` chains, arrays of
//! comparisons, long `match`es, many statements in one block, many items, a long string, and
//! files of up to 10 MB, the default `--max-file-size`, of `a = a;`, `;` and struct fields) is
//! written at three sizes, each twice the last, into a workspace of its own next to a small
//! file that always parses, and the binary runs on it. Each run must
//!
//! - end with an exit status, never a signal (a stack overflow aborts), and not with a
//!   failure of the tool (exit 2);
//! - analyse the shape's files or refuse them with a PS000, as the shape expects (ordinary
//!   code such as an array of 520 `a < 1` is analysed; nesting the parser cannot hold, or
//!   files too large for memory, are refused);
//! - peak under 1 GiB of memory, whatever the number of threads;
//! - take CPU time linear in the input: for four times the input, at most 6 times the time
//!   (a quadratic cost would take 16), plus 50 ms for starting a process; each time is the
//!   least of three runs. Times are compared within one run, never against fixed numbers, so
//!   the check holds on any machine. The table also shows the growth from each size to the
//!   next.
//!
//! ```text
//! cargo build --release
//! cargo run --release -p partner-safety-bench -- stress
//! ```
//!
//! The table it prints gives each run's CPU time and peak memory (from `wait4`, for the
//! binary's process alone); `README.md`, Benchmarks, records a run.

use std::fmt::Write as _;
use std::path::Path;

/// Peak memory one run may take.
const MEMORY_LIMIT: u64 = 1024 * 1024 * 1024;
/// The most CPU time may grow from the smallest size to the largest, four times the input: a
/// linear cost grows 4 to 5.5 times here (a larger tree costs more page faults and copies as
/// its vectors grow), a quadratic one 16 times.
const GROWTH_LIMIT: f64 = 6.0;
/// Slack for starting a process, in seconds, next to [`GROWTH_LIMIT`].
const START_SLACK: f64 = 0.05;
/// Runs per size: the least CPU time of them is compared (other processes on the machine
/// only ever add to it), the most memory checked.
const REPEATS: usize = 3;
/// The size of the files the 10 MB shapes grow to: just under the default `--max-file-size`.
const TEN_MB: usize = 10 * 1024 * 1024 - 1024;

/// What the binary must do with a shape's files.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Expect {
    Analysed,
    Refused,
    /// Analysed below this size, refused from it on.
    RefusedFrom(usize),
}

impl Expect {
    fn refused_at(self, size: usize) -> bool {
        match self {
            Expect::Analysed => false,
            Expect::Refused => true,
            Expect::RefusedFrom(from) => size >= from,
        }
    }
}

/// One shape: a name, how its files are written for a size, its sizes, the threads it runs
/// on and what must become of it.
struct Shape {
    name: &'static str,
    sizes: [usize; 3],
    files: fn(usize) -> Vec<String>,
    jobs: usize,
    expect: Expect,
}

fn shapes() -> Vec<Shape> {
    let mb = |megabytes: usize| megabytes * 1024 * 1024;
    vec![
        Shape {
            name: "else-if arms",
            sizes: [10_000, 20_000, 40_000],
            files: |n| vec![else_if(n, |arm| arm.to_string())],
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "else-if arms, each a query and a call",
            sizes: [5_000, 10_000, 20_000],
            files: |n| {
                vec![else_if(n, |arm| {
                    format!("graph.run(query(\"MATCH (t:Tenant) RETURN t\")).await; g({arm})")
                })]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "`a < 1` in one array",
            // 520 of them were refused as 520 levels of generics; one item may hold 125,000.
            sizes: [20_000, 40_000, 80_000],
            files: |n| {
                vec![format!(
                    "const C: [bool; {n}] = [{}];\n",
                    "a < 1, ".repeat(n)
                )]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "`+` chain",
            sizes: [1_000, 2_000, 4_000],
            files: |n| {
                vec![format!(
                    "const N: u64 = {};\n",
                    vec!["1"; n + 1].join(" + ")
                )]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "`[0]` after `let _ = a`",
            sizes: [75_000, 150_000, 300_000],
            files: |n| vec![format!("fn main() {{ let _ = a{}; }}\n", "[0]".repeat(n))],
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "run of `<` after `->`",
            // Each `<` opens a qualified path, a level of syn's recursion; a joined run was
            // once counted as one shift operator and 300,000 of them aborted the process.
            sizes: [75_000, 150_000, 300_000],
            files: |n| vec![format!("fn main() -> {} {{}}\n", "<".repeat(n))],
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "run of `|`",
            // `||` after `||`: closures without parameters, each in the last one's body.
            sizes: [75_000, 150_000, 300_000],
            files: |n| {
                vec![format!(
                    "fn main() {{ let _ = {} 0; }}\n",
                    "||".repeat(n / 2)
                )]
            },
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "`()` calls",
            sizes: [250_000, 500_000, 1_000_000],
            files: |n| vec![format!("fn main() {{ let _ = f{}; }}\n", "()".repeat(n))],
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "`as u8` casts",
            sizes: [25_000, 50_000, 100_000],
            files: |n| {
                vec![format!(
                    "fn main() {{ let _ = 1{}; }}\n",
                    " as u8".repeat(n)
                )]
            },
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "`match` arms",
            sizes: [10_000, 20_000, 40_000],
            files: |n| {
                let arms: String = (0..n).map(|i| format!("        {i} => {i},\n")).collect();
                vec![format!(
                    "fn f(x: u32) -> u32 {{\n    match x {{\n{arms}        _ => 0,\n    }}\n}}\n"
                )]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "`&&` chain",
            sizes: [500, 1_000, 2_000],
            files: |n| {
                let terms: Vec<String> = (0..n).map(|i| format!("a{i} > {i}")).collect();
                vec![format!("fn f() -> bool {{ {} }}\n", terms.join(" && "))]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "statements in one block",
            sizes: [25_000, 50_000, 100_000],
            files: |n| vec![format!("fn main() {{\n{}}}\n", "    a = a;\n".repeat(n))],
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "items in one file",
            sizes: [10_000, 20_000, 40_000],
            files: |n| {
                vec![(0..n)
                    .map(|i| {
                        format!("pub fn f{i}(a: Vec<u8>) -> Option<u8> {{ a.first().copied() }}\n")
                    })
                    .collect()]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "string literal bytes",
            sizes: [mb(1), mb(2), mb(4)],
            files: |n| {
                vec![format!(
                    "const S: &str = \"{}\";\n",
                    "MATCH (n) ".repeat(n / 10)
                )]
            },
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "`a = a;` in one function, bytes",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| vec![assignments(n)],
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "`a = a;` in one function, bytes, 4 threads",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| vec![assignments(n)],
            jobs: 4,
            expect: Expect::Refused,
        },
        Shape {
            name: "`a = a;` in functions of 10k, bytes",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| vec![assignments_in_functions(n)],
            jobs: 1,
            expect: Expect::Analysed,
        },
        Shape {
            name: "`a = a;` in functions of 10k, bytes, 4 threads",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| vec![assignments_in_functions(n)],
            jobs: 4,
            expect: Expect::Analysed,
        },
        Shape {
            name: "four `a = a;` files of these bytes, 4 threads",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| {
                vec![
                    assignments(n),
                    assignments(n),
                    assignments_in_functions(n),
                    assignments_in_functions(n),
                ]
            },
            jobs: 4,
            // Two of the four are one function each, refused at every size.
            expect: Expect::Refused,
        },
        Shape {
            name: "`;` in functions of 400k, bytes",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| vec![functions_of(n, ";", 400_000)],
            jobs: 1,
            // A token a byte: from 5 MB on, over the limit of a file.
            expect: Expect::RefusedFrom(TEN_MB / 2),
        },
        Shape {
            name: "`;` outside any item, bytes",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| vec![";".repeat(n)],
            jobs: 1,
            expect: Expect::Refused,
        },
        Shape {
            name: "struct literal fields, bytes",
            sizes: [TEN_MB / 4, TEN_MB / 2, TEN_MB],
            files: |n| {
                let function = format!("fn f() {{ S {{ {} }}; }}\n", "a, ".repeat(100_000));
                vec![function.repeat(n / function.len())]
            },
            jobs: 1,
            // Two tokens every three bytes.
            expect: Expect::RefusedFrom(TEN_MB),
        },
    ]
}

/// `if x == 0 {…} else if x == 1 {…} … else {…}` with `arms` arms, each with `body(arm)`.
fn else_if(arms: usize, body: fn(usize) -> String) -> String {
    let mut text = format!(
        "pub async fn f(graph: &Graph, x: u32) -> u32 {{\n    if x == 0 {{\n        {}\n    }}",
        body(0)
    );
    for arm in 1..arms {
        let _ = write!(
            text,
            " else if x == {arm} {{\n        {}\n    }}",
            body(arm)
        );
    }
    text.push_str(" else {\n        1\n    }\n}\n");
    text
}

/// `bytes` of `a = a;` statements in one function.
fn assignments(bytes: usize) -> String {
    let line = "    a = a;\n";
    format!(
        "fn main() {{\n{}}}\n",
        line.repeat((bytes - 20) / line.len())
    )
}

/// `bytes` of `a = a;` statements, ten thousand to a function.
fn assignments_in_functions(bytes: usize) -> String {
    functions_of(bytes, "    a = a;\n", 10_000)
}

/// `bytes` of functions, each `per_function` times `statement`.
fn functions_of(bytes: usize, statement: &str, per_function: usize) -> String {
    let function = format!("fn f() {{\n{}}}\n", statement.repeat(per_function));
    function.repeat(bytes / function.len())
}

/// One run of the binary: its exit, CPU time, peak memory, and which shape files it refused.
struct Run {
    status: String,
    failed: bool,
    cpu_seconds: f64,
    peak_bytes: u64,
    refused: usize,
    first_refusal: Option<String>,
}

/// Runs `binary` on `root` with `jobs` threads and waits for it with `wait4`, which gives
/// this one child's CPU time and peak memory.
fn run_binary(binary: &Path, root: &Path, jobs: usize) -> Result<Run, String> {
    let child = std::process::Command::new(binary)
        .arg(root)
        .args(["--no-cache", "--format", "short", "-q", "--jobs"])
        .arg(jobs.to_string())
        .env("PARTNER_SAFETY_TODAY", "2026-01-01")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map_err(|error| format!("cannot run `{}`: {error}", binary.display()))?;
    let pid = child.id() as libc::pid_t;
    let mut stdout = child.stdout.ok_or("no stdout")?;
    let mut output = String::new();
    std::io::Read::read_to_string(&mut stdout, &mut output)
        .map_err(|error| format!("cannot read the output: {error}"))?;
    let mut status: libc::c_int = 0;
    // SAFETY: wait4 writes into the zeroed struct and the status we own; `pid` is our child,
    // which nothing else waits for.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        if libc::wait4(pid, &mut status, 0, &mut usage) != pid {
            return Err("wait4 failed".into());
        }
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    let (status, failed) = if libc::WIFEXITED(status) {
        let code = libc::WEXITSTATUS(status);
        (format!("exit {code}"), !matches!(code, 0 | 1))
    } else {
        (format!("signal {}", libc::WTERMSIG(status)), true)
    };
    let refusals: Vec<&str> = output
        .lines()
        .filter(|line| line.starts_with("src/shape") && line.contains("[PS000 "))
        .collect();
    Ok(Run {
        status,
        failed,
        cpu_seconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
        // Linux reports ru_maxrss in KiB.
        peak_bytes: usage.ru_maxrss as u64 * 1024,
        refused: refusals.len(),
        first_refusal: refusals.first().map(|line| line.to_string()),
    })
}

/// A finding shortened for the table: where, and the first words of its message.
fn summary(finding: &str) -> String {
    let short: String = finding.chars().take(100).collect();
    if short.len() < finding.len() {
        format!("{short}…")
    } else {
        short
    }
}

pub fn stress() -> Result<(), String> {
    let binary = crate::measure::binary()?;
    let scratch = crate::measure::Scratch(
        std::env::temp_dir().join(format!("partner-safety-stress-{}", std::process::id())),
    );
    let mut failures = Vec::new();
    println!(
        "{:<50} {:>10} {:>7} {:>8} {:>9} {:>6}  refusal",
        "shape", "size", "status", "CPU s", "peak MiB", "growth"
    );
    for shape in shapes() {
        let mut previous: Option<f64> = None;
        let mut smallest: Option<f64> = None;
        for size in shape.sizes {
            let root = scratch.0.join(format!("{}-{size}", slug(shape.name)));
            let files = (shape.files)(size);
            write_workspace(&root, &files)?;
            let mut run = run_binary(&binary, &root, shape.jobs)?;
            for _ in 1..REPEATS {
                let again = run_binary(&binary, &root, shape.jobs)?;
                run.cpu_seconds = run.cpu_seconds.min(again.cpu_seconds);
                run.peak_bytes = run.peak_bytes.max(again.peak_bytes);
                run.failed |= again.failed;
            }
            std::fs::remove_dir_all(&root).map_err(|error| error.to_string())?;
            let growth = previous.map(|before| run.cpu_seconds / before.max(1e-3));
            println!(
                "{:<50} {:>10} {:>7} {:>8.2} {:>9.0} {:>6}  {}",
                shape.name,
                size,
                run.status,
                run.cpu_seconds,
                run.peak_bytes as f64 / (1024.0 * 1024.0),
                growth.map_or(String::new(), |growth| format!("{growth:.2}x")),
                run.first_refusal.as_deref().map_or("-".into(), summary)
            );
            let at = format!("{} at {size}", shape.name);
            if run.failed {
                failures.push(format!("{at}: {}", run.status));
            }
            match (shape.expect.refused_at(size), run.refused) {
                (false, 0) => {}
                (false, _) => failures.push(format!("{at}: refused, expected analysed")),
                (true, 0) => failures.push(format!("{at}: analysed, expected refused")),
                (true, _) => {}
            }
            if run.peak_bytes > MEMORY_LIMIT {
                failures.push(format!("{at}: {} MiB, over 1 GiB", run.peak_bytes >> 20));
            }
            match smallest {
                None => smallest = Some(run.cpu_seconds),
                Some(first) if size == shape.sizes[2] => {
                    if run.cpu_seconds > GROWTH_LIMIT * first + START_SLACK {
                        failures.push(format!(
                            "{at}: {:.3} s of CPU after {first:.3} s for a quarter of the input",
                            run.cpu_seconds
                        ));
                    }
                }
                Some(_) => {}
            }
            previous = Some(run.cpu_seconds);
        }
    }
    if failures.is_empty() {
        println!("\nno crash, every shape analysed or refused as expected, peak memory under 1 GiB, time linear in the input");
        Ok(())
    } else {
        Err(format!("stress failures:\n  {}", failures.join("\n  ")))
    }
}

fn slug(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
        .collect()
}

/// A plain folder (no `Cargo.toml`) with the shape's files as `src/shape0.rs`, … and a small
/// file that always parses, so that a run which refuses every shape file still analyses one.
fn write_workspace(root: &Path, files: &[String]) -> Result<(), String> {
    let src = root.join("src");
    std::fs::create_dir_all(&src).map_err(|error| error.to_string())?;
    std::fs::write(src.join("lib.rs"), "pub fn ok() {}\n").map_err(|error| error.to_string())?;
    for (index, text) in files.iter().enumerate() {
        std::fs::write(src.join(format!("shape{index}.rs")), text)
            .map_err(|error| error.to_string())?;
    }
    Ok(())
}
