use std::path::{Path, PathBuf};
use std::process::Command;

pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn demo() -> PathBuf {
    repo_root().join("fixtures/demo")
}

/// Runs the tool with a fixed "today", no colours and no GitHub variables.
pub fn run_in(cwd: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .args(args)
        .current_dir(cwd)
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .env("NO_COLOR", "1")
        // One cache for every test run, never inside the fixtures.
        .env("PARTNER_SAFETY_CACHE_DIR", cache_dir())
        .env_remove("GITHUB_SHA")
        .env_remove("GITHUB_REPOSITORY")
        .env_remove("GITHUB_SERVER_URL")
        .output()
        .expect("the binary runs");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// The cache the tests share (results are the same with and without it).
pub fn cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("partner-safety-cache")
}

pub fn run(args: &[&str]) -> Output {
    run_in(&repo_root(), args)
}

/// A temporary folder with the given files (paths relative to it).
pub fn workspace(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text) in files {
        write(dir.path(), path, text.as_bytes());
    }
    dir
}

pub fn write(root: &Path, path: &str, bytes: &[u8]) {
    let path = root.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A plain folder linted with `--format short`: the findings, one per line.
pub fn short(dir: &Path, extra: &[&str]) -> (i32, Vec<String>) {
    let mut args = vec![dir.to_str().unwrap(), "--format", "short", "-q"];
    args.extend_from_slice(extra);
    let output = run(&args);
    (
        output.code,
        output.stdout.lines().map(str::to_string).collect(),
    )
}

/// A secret a partner can read back: a deny finding at 4:5.
pub const LEAKY: &str = r#"
#[derive(Serialize)]
pub struct Settings {
    pub api_key: String,
}
pub async fn show(ctx: PartnerContext) -> Json<Settings> { todo!() }
"#;

pub const MANIFEST: &str =
    "[package]\nname = \"sample\"\nversion = \"0.1.0\"\nedition = \"2021\"\n";
