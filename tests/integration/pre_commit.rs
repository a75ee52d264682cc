//! The `.pre-commit-hooks.yaml` of this repository, run by the real
//! `pre-commit` (installed from PyPI into a virtualenv under the target
//! folder) in a temporary git repository: a violation fails the commit, a
//! clean tree passes. Skipped, with a message, only when python3 is absent;
//! CI sets `PARTNER_SAFETY_REQUIRE_PRE_COMMIT=1` so it can never skip there.

use crate::common::*;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn ok(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed:\n{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A virtualenv with pre-commit (and PyYAML, which it brings), reused between runs and
/// made once per test process; `None` without python3.
pub fn pre_commit_venv() -> Option<PathBuf> {
    static VENV: std::sync::OnceLock<Option<PathBuf>> = std::sync::OnceLock::new();
    VENV.get_or_init(make_pre_commit_venv).clone()
}

fn make_pre_commit_venv() -> Option<PathBuf> {
    let python = Command::new("python3").arg("--version").output();
    if !python.is_ok_and(|output| output.status.success()) {
        assert!(
            std::env::var_os("PARTNER_SAFETY_REQUIRE_PRE_COMMIT").is_none(),
            "python3 is required for the pre-commit test in CI"
        );
        println!("skipping the pre-commit hook test: python3 is not installed");
        return None;
    }
    let tmp = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let venv = tmp.join("pre-commit-venv");
    let bin = venv.join("bin");
    let ready = Command::new(bin.join("pre-commit"))
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !ready {
        let _ = std::fs::remove_dir_all(&venv);
        let created = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .output()
            .expect("python3 runs");
        ok(&created, "python3 -m venv");
        let installed = Command::new(bin.join("python"))
            .args([
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
            ])
            .args(["--no-cache-dir", "pre-commit"])
            .output()
            .expect("pip runs");
        ok(&installed, "pip install pre-commit");
    }
    Some(bin)
}

fn git(dir: &Path, path_var: &str, args: &[&str], home: &Path) -> Output {
    Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .env("PATH", path_var)
        .env("PRE_COMMIT_HOME", home)
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .env("NO_COLOR", "1")
        .output()
        .expect("git runs")
}

#[test]
fn pre_commit_hook_fails_a_violation_and_passes_a_clean_tree() {
    let Some(venv_bin) = pre_commit_venv() else {
        return;
    };
    let manifest = repo_root().join(".pre-commit-hooks.yaml");
    let validated = Command::new(venv_bin.join("pre-commit"))
        .arg("validate-manifest")
        .arg(&manifest)
        .output()
        .unwrap();
    ok(&validated, "pre-commit validate-manifest");

    // The repository's own hook definition, as a local hook: the tool is
    // found on PATH, next to the test binary's build.
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", LEAKY)]);
    let config = dir.path().join(".pre-commit-config.yaml");
    let script = "import yaml, sys\n\
hooks = yaml.safe_load(open(sys.argv[1]))\n\
hook = next(h for h in hooks if h['id'] == 'partner-safety-system')\n\
yaml.safe_dump({'repos': [{'repo': 'local', 'hooks': [hook]}]}, open(sys.argv[2], 'w'))\n";
    let generated = Command::new(venv_bin.join("python"))
        .args(["-c", script])
        .arg(&manifest)
        .arg(&config)
        .output()
        .unwrap();
    ok(&generated, "writing .pre-commit-config.yaml");

    let tool_dir = Path::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path_var = std::env::join_paths([tool_dir, venv_bin.clone()].into_iter().chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let path_var = path_var.to_str().unwrap();
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("pre-commit-home");
    ok(
        &git(dir.path(), path_var, &["init", "-q"], &home),
        "git init",
    );
    ok(&git(dir.path(), path_var, &["add", "-A"], &home), "git add");
    let installed = Command::new(venv_bin.join("pre-commit"))
        .arg("install")
        .current_dir(dir.path())
        .env("PRE_COMMIT_HOME", &home)
        .output()
        .unwrap();
    ok(&installed, "pre-commit install");

    let refused = git(
        dir.path(),
        path_var,
        &["commit", "-q", "-m", "leaky"],
        &home,
    );
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&refused.stdout),
        String::from_utf8_lossy(&refused.stderr)
    );
    assert!(
        !refused.status.success(),
        "the commit went through:\n{said}"
    );
    assert!(
        said.contains("src/lib.rs:4:5: deny[PS104 readable-secret]"),
        "{said}"
    );
    let head = git(
        dir.path(),
        path_var,
        &["rev-parse", "--verify", "-q", "HEAD"],
        &home,
    );
    assert!(!head.status.success(), "no commit was made");

    write(
        dir.path(),
        "src/lib.rs",
        b"#[derive(Serialize)]\npub struct Settings {\n    #[serde(skip_serializing)]\n    pub api_key: String,\n}\n",
    );
    ok(&git(dir.path(), path_var, &["add", "-A"], &home), "git add");
    let passed = git(
        dir.path(),
        path_var,
        &["commit", "-q", "-m", "clean"],
        &home,
    );
    ok(&passed, "the clean commit");
}
