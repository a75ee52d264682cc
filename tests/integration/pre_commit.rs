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

/// The `files:` pattern of both hooks matches every kind of file the rules read
/// (`FileKind::of_path`) and the baseline, and nothing else.
#[test]
fn hooks_run_for_every_file_the_rules_read() {
    let Some(venv_bin) = pre_commit_venv() else {
        return;
    };
    // pre-commit matches `files:` with Python's `re.search` on the path in the repository.
    let script = r"
import re, sys, yaml
hooks = yaml.safe_load(open(sys.argv[1]))
paths = sys.stdin.read().split()
for hook in hooks:
    pattern = re.compile(hook['files'])
    for path in paths:
        print(hook['id'], path, bool(pattern.search(path)))
";
    let matching = [
        "src/lib.rs",
        "Cargo.toml",
        "partner-safety.toml",
        "svc/roles.toml",
        "svc/partner.roles.toml",
        "queries/q.cypher",
        "svc/templates/partner/page.html",
        "templates/index.html",
        "views/page.askama",
        "views/page.j2",
        "views/page.jinja",
        "views/page.jinja2",
        "views/page.tera",
        "views/page.hbs",
        "roles.yaml",
        "cfg/roles.yml",
        "cfg/partner.roles.yaml",
        "cfg/partner.roles.yml",
        "roles.json",
        "partner-safety-baseline.json",
    ];
    let other = [
        "README.md",
        "static/page.html",
        "package.json",
        "cfg/roles.yaml.bak",
        "myroles.yaml",
        "notes.txt",
        "src/lib.rs.orig",
    ];
    let mut child = Command::new(venv_bin.join("python"))
        .args(["-c", script])
        .arg(repo_root().join(".pre-commit-hooks.yaml"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().unwrap();
        let paths: Vec<&str> = matching.iter().chain(&other).copied().collect();
        stdin.write_all(paths.join("\n").as_bytes()).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    ok(&output, "matching the files: pattern");
    let said = String::from_utf8(output.stdout).unwrap();
    let mut checked = 0;
    for line in said.lines() {
        let parts: Vec<&str> = line.split(' ').collect();
        let expected = matching.contains(&parts[1]);
        assert_eq!(parts[2], if expected { "True" } else { "False" }, "{line}");
        checked += 1;
    }
    assert_eq!(checked, 2 * (matching.len() + other.len()));
}

/// The `.pre-commit-config.yaml` block of the README, with its `repo:` pointed at a
/// local repository holding this repository's hook definitions and `rev:` at its commit.
fn documented_config(hook_repository: &Path, commit: &str) -> String {
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let start = readme
        .find("```yaml\n# .pre-commit-config.yaml\n")
        .expect("the README documents a .pre-commit-config.yaml");
    let block = &readme[start + "```yaml\n".len()..];
    let block = &block[..block.find("```").unwrap()];
    assert!(block.contains("rev: COMMIT "), "{block}");
    block
        .replace(
            "https://github.com/OWNER/partner-safety",
            hook_repository.to_str().unwrap(),
        )
        .replace("rev: COMMIT ", &format!("rev: {commit} "))
}

/// The `language: rust` hook as the README documents it: pre-commit clones the hook
/// repository at the commit and runs `cargo install --bins --root ENV --path .` there; a
/// `cargo` on PATH answers that by linking the binary the tests built (building the tool
/// again would take minutes) and passes anything else to cargo.
#[test]
fn documented_rust_hook_runs_on_the_files_it_should() {
    let Some(venv_bin) = pre_commit_venv() else {
        return;
    };
    let scratch = tempfile::tempdir().unwrap();
    let home = scratch.path().join("pre-commit-home");
    let fake_bin = scratch.path().join("bin");
    std::fs::create_dir_all(&fake_bin).unwrap();
    let installs = scratch.path().join("cargo-installs.txt");
    std::fs::write(
        fake_bin.join("cargo"),
        "#!/bin/sh\n\
         if [ \"$1\" = install ]; then\n\
         \x20 printf '%s\\n' \"$*\" >> \"$FAKE_CARGO_LOG\"\n\
         \x20 root=''\n\
         \x20 while [ $# -gt 0 ]; do [ \"$1\" = --root ] && root=\"$2\"; shift; done\n\
         \x20 mkdir -p \"$root/bin\" && ln -sf \"$TOOL_BINARY\" \"$root/bin/cargo-partner-safety\"\n\
         \x20 exit 0\n\
         fi\n\
         exec \"$REAL_CARGO\" \"$@\"\n",
    )
    .unwrap();
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(
            fake_bin.join("cargo"),
            std::fs::Permissions::from_mode(0o755),
        )
        .unwrap();
    }
    let path_var = std::env::join_paths([fake_bin.clone(), venv_bin.clone()].into_iter().chain(
        std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()),
    ))
    .unwrap();
    let real_cargo = std::env::var_os("CARGO").unwrap_or("cargo".into());
    let command = |program: &Path, dir: &Path, args: &[&str]| -> Output {
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("PATH", &path_var)
            .env("PRE_COMMIT_HOME", &home)
            .env("PARTNER_SAFETY_TODAY", "2026-11-26")
            .env("NO_COLOR", "1")
            .env("REAL_CARGO", &real_cargo)
            .env("TOOL_BINARY", env!("CARGO_BIN_EXE_cargo-partner-safety"))
            .env("FAKE_CARGO_LOG", &installs)
            .env_remove("CARGO")
            .output()
            .unwrap()
    };
    let git = |dir: &Path, args: &[&str]| -> Output {
        let mut all = vec![
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ];
        all.extend_from_slice(args);
        command(Path::new("git"), dir, &all)
    };

    // The hook repository: this repository's hook definitions and manifest, committed.
    let hooks = scratch.path().join("partner-safety");
    std::fs::create_dir_all(&hooks).unwrap();
    for file in [".pre-commit-hooks.yaml", "Cargo.toml", "Cargo.lock"] {
        std::fs::copy(repo_root().join(file), hooks.join(file)).unwrap();
    }
    ok(&git(&hooks, &["init", "-q"]), "git init");
    ok(&git(&hooks, &["add", "-A"]), "git add");
    ok(&git(&hooks, &["commit", "-q", "-m", "hooks"]), "git commit");
    let commit = String::from_utf8(git(&hooks, &["rev-parse", "HEAD"]).stdout).unwrap();

    let project = scratch.path().join("project");
    write(&project, "Cargo.toml", MANIFEST.as_bytes());
    write(&project, "src/lib.rs", LEAKY.as_bytes());
    write(&project, "templates/page.html", b"<p>hello</p>\n");
    write(
        &project,
        ".pre-commit-config.yaml",
        documented_config(&hooks, commit.trim()).as_bytes(),
    );
    ok(&git(&project, &["init", "-q"]), "git init");
    ok(&git(&project, &["add", "-A"]), "git add");
    ok(
        &command(&venv_bin.join("pre-commit"), &project, &["install"]),
        "pre-commit install",
    );
    let said = |output: &Output| {
        format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        )
    };

    // A violation blocks the commit; pre-commit built the hook with cargo install.
    let refused = git(&project, &["commit", "-q", "-m", "leaky"]);
    assert!(!refused.status.success(), "{}", said(&refused));
    assert!(
        said(&refused).contains("src/lib.rs:4:5: deny[PS104 readable-secret]"),
        "{}",
        said(&refused)
    );
    let installed = std::fs::read_to_string(&installs).unwrap();
    assert_eq!(installed.lines().count(), 1, "{installed}");
    assert!(
        installed.starts_with("install --bins --root ") && installed.ends_with(" --path .\n"),
        "{installed}"
    );

    write(
        &project,
        "src/lib.rs",
        b"#[derive(Serialize)]\npub struct Settings {\n    #[serde(skip_serializing)]\n    pub api_key: String,\n}\n",
    );
    ok(&git(&project, &["add", "-A"]), "git add");
    ok(
        &git(&project, &["commit", "-q", "-m", "clean"]),
        "the clean commit",
    );

    // An untracked scratch file is on disk, so it is linted: a commit that only
    // changes a template runs the hook, and the scratch file's finding blocks it.
    write(&project, "src/scratch.rs", LEAKY.as_bytes());
    write(&project, "templates/page.html", b"<p>hello again</p>\n");
    ok(&git(&project, &["add", "templates/page.html"]), "git add");
    let blocked = git(&project, &["commit", "-q", "-m", "template"]);
    assert!(!blocked.status.success(), "{}", said(&blocked));
    assert!(
        said(&blocked).contains("src/scratch.rs:4:5: deny[PS104 readable-secret]"),
        "{}",
        said(&blocked)
    );
    // A commit of files the rules do not read does not run the hook.
    write(&project, "NOTES.md", b"notes\n");
    ok(&git(&project, &["add", "NOTES.md"]), "git add");
    ok(
        &git(&project, &["commit", "-q", "-m", "notes", "--", "NOTES.md"]),
        "a commit no rule reads",
    );
    // Ignored, the scratch file is left alone.
    write(&project, ".gitignore", b"src/scratch.rs\n");
    ok(&git(&project, &["add", ".gitignore"]), "git add");
    ok(
        &git(&project, &["commit", "-q", "-m", "template"]),
        "the commit with the scratch file ignored",
    );
    assert_eq!(
        std::fs::read_to_string(&installs).unwrap().lines().count(),
        1,
        "built once"
    );
}
