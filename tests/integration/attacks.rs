//! The gate attacked as a pull request would attack it: each test plants something in the
//! linted tree that once made a deny finding disappear (a silent pass), made the tool
//! write outside its cache, made git run a program, or printed the environment into the
//! log. The canary is one line that is always a deny finding (PS104): a secret in a type a
//! partner-context function returns.
//!
//! Other attack classes live beside their defences: output forging in `attacks_output`,
//! suppression forging in `attacks_suppressions`, queries in `attacks_queries`, nesting
//! and resource exhaustion in `attacks_depth`.

use crate::common::*;
use std::path::Path;
use std::process::Command;

const CANARY: &str = "#[derive(serde::Serialize)] pub struct Creds { pub api_key: String } pub fn show(ctx: PartnerContext) -> Creds { todo!() }\n";

/// The canary's finding in the file at `path`; `show` is named by its module path there
/// (`show`, `x::show`, `m::show`), which the caller need not spell.
fn is_canary_at(line: &str, path: &str) -> bool {
    let head = format!("{path}:1:48: deny[PS104 readable-secret]: secret field `Creds.api_key` is serialized, and `Creds` is returned by `");
    let tail = "show` in partner context: a partner can read the secret back";
    line.strip_prefix(&head)
        .and_then(|rest| rest.strip_suffix(tail))
        .is_some_and(|module| module.is_empty() || module.ends_with("::"))
}

/// A crate named `victim` with the given files besides its manifest.
fn krate(files: &[(&str, &str)]) -> tempfile::TempDir {
    let mut all = vec![("Cargo.toml", MANIFEST)];
    all.extend_from_slice(files);
    workspace(&all)
}

/// The tool on `dir` with its default cache (inside the workspace, as a user runs it),
/// `--format short`; extra environment as given.
fn lint_default_cache(dir: &Path, extra: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"));
    command
        .arg(dir)
        .args(["--format", "short"])
        .args(extra)
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .env("NO_COLOR", "1")
        .env_remove("PARTNER_SAFETY_CACHE_DIR");
    for (key, value) in env {
        command.env(key, value);
    }
    let output = command.output().expect("the binary runs");
    Output {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

fn findings(output: &Output) -> Vec<&str> {
    output.stdout.lines().collect()
}

fn assert_caught(output: &Output, path: &str) {
    assert_eq!(output.code, 1, "{}\n{}", output.stdout, output.stderr);
    let found = findings(output);
    assert!(
        found.len() == 1 && is_canary_at(found[0], path),
        "{found:?}\n{}",
        output.stderr
    );
}

#[cfg(unix)]
fn symlink(target: impl AsRef<Path>, link: impl AsRef<Path>) {
    let link = link.as_ref();
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(target, link).unwrap();
}

/// Every file under `dir`, relative, sorted (links listed, not followed).
fn tree(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let entry = entry.unwrap();
            let kind = entry.file_type().unwrap();
            if kind.is_dir() {
                pending.push(entry.path());
            } else {
                found.push(
                    entry
                        .path()
                        .strip_prefix(dir)
                        .unwrap()
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    found.sort();
    found
}

// ---- 1 and 8: the cache ----

/// A committed `target/partner-safety -> ../src` once made the cache write its `*`
/// `.gitignore` into `src/`, and the walk then skipped every file.
#[cfg(unix)]
#[test]
fn a_cache_folder_linked_into_the_sources_is_not_used() {
    let dir = krate(&[("src/lib.rs", CANARY)]);
    symlink("../src", dir.path().join("target/partner-safety"));
    for _ in 0..2 {
        let output = lint_default_cache(dir.path(), &[], &[]);
        assert_caught(&output, "src/lib.rs");
        assert!(
            output.stderr.contains(
                "warning: the cache is off for this run: `target/partner-safety` is a symbolic link"
            ),
            "{}",
            output.stderr
        );
    }
    assert_eq!(tree(&dir.path().join("src")), ["lib.rs"]);
}

/// `target -> /anywhere` or `target/partner-safety -> /anywhere` once put the cache files
/// outside the workspace.
#[cfg(unix)]
#[test]
fn a_cache_folder_linked_out_of_the_workspace_is_not_written() {
    for link in ["target", "target/partner-safety"] {
        let dir = krate(&[("src/lib.rs", CANARY)]);
        let outside = tempfile::tempdir().unwrap();
        symlink(outside.path(), dir.path().join(link));
        let output = lint_default_cache(dir.path(), &[], &[]);
        assert_caught(&output, "src/lib.rs");
        assert!(
            output.stderr.contains(&format!(
                "the cache is off for this run: `{link}` is a symbolic link"
            )),
            "{}",
            output.stderr
        );
        assert!(tree(outside.path()).is_empty(), "{link}");
    }
}

/// Links planted where the cache writes (its `.gitignore`, its files, names a temporary
/// file could have) never lead a write to what they point at.
#[cfg(unix)]
#[test]
fn links_planted_inside_the_cache_folder_are_never_written_through() {
    let dir = krate(&[("src/lib.rs", CANARY)]);
    let outside = tempfile::tempdir().unwrap();
    let victim = outside.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let cache = dir.path().join("target/partner-safety");
    std::fs::create_dir_all(&cache).unwrap();
    let mut planted = vec![
        ".gitignore".to_string(),
        "facts.bin".to_string(),
        "findings.bin".to_string(),
        "layout.bin".to_string(),
    ];
    // The names a temporary file once had (`facts.bin.<pid>.tmp`), for every pid a short
    // test run could get.
    for name in ["facts.bin", "findings.bin", "layout.bin", "queries.bin"] {
        planted.extend((1..2048).map(|pid| format!("{name}.{pid}.tmp")));
    }
    for name in &planted {
        symlink(&victim, cache.join(name));
    }
    for _ in 0..2 {
        assert_caught(&lint_default_cache(dir.path(), &[], &[]), "src/lib.rs");
    }
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    // The cache still works: its files replaced the links to them.
    assert!(std::fs::symlink_metadata(cache.join("facts.bin"))
        .unwrap()
        .is_file());
    // A cache file that is a link to something endless is not read.
    std::fs::remove_file(cache.join("facts.bin")).unwrap();
    symlink("/dev/zero", cache.join("facts.bin"));
    assert_caught(&lint_default_cache(dir.path(), &[], &[]), "src/lib.rs");
}

// ---- 2: files the compiler builds but the walk skips ----

#[test]
fn a_module_behind_a_path_attribute_into_a_hidden_folder_is_analysed() {
    let dir = krate(&[
        ("src/lib.rs", "#[path = \".hid/x.rs\"] mod x;\n"),
        ("src/.hid/x.rs", CANARY),
    ]);
    assert_caught(&lint(dir.path()), "src/.hid/x.rs");
}

#[test]
fn ignore_files_never_hide_a_compiled_file() {
    for (ignore_file, pattern) in [
        (".gitignore", "src/lib.rs\n"),
        (".ignore", "*.rs\n"),
        ("src/.ignore", "*.rs\n"),
        ("src/.gitignore", "lib.rs\n"),
    ] {
        let dir = krate(&[("src/lib.rs", CANARY), (ignore_file, pattern)]);
        assert_caught(&lint(dir.path()), "src/lib.rs");
    }
}

#[test]
fn a_cachedir_tag_in_the_sources_hides_nothing() {
    let dir = krate(&[
        ("src/lib.rs", "mod inner;\n"),
        (
            "src/CACHEDIR.TAG",
            "Signature: 8a477f597d28d172789f06886806bc55\n",
        ),
        ("src/inner.rs", CANARY),
    ]);
    assert_caught(&lint(dir.path()), "src/inner.rs");
}

#[test]
fn a_stray_manifest_in_a_module_folder_hides_nothing() {
    let dir = krate(&[
        ("src/lib.rs", "mod m;\n"),
        ("src/m/mod.rs", CANARY),
        (
            "src/m/Cargo.toml",
            "[package]\nname = \"decoy\"\nversion = \"0.1.0\"\n",
        ),
    ]);
    assert_caught(&lint(dir.path()), "src/m/mod.rs");
}

#[test]
fn files_loaded_by_path_or_include_with_any_extension_are_analysed() {
    let dir = krate(&[
        ("src/lib.rs", "#[path = \"x.inc\"] mod x;\n"),
        ("src/x.inc", CANARY),
    ]);
    assert_caught(&lint(dir.path()), "src/x.inc");
    let dir = krate(&[
        ("src/lib.rs", "include!(\"items.inc\");\n"),
        ("src/items.inc", CANARY),
    ]);
    assert_caught(&lint(dir.path()), "src/items.inc");
}

#[test]
fn a_library_built_from_the_target_folder_is_analysed() {
    let dir = workspace(&[
        (
            "Cargo.toml",
            &format!("{MANIFEST}[lib]\npath = \"target/lib.rs\"\n"),
        ),
        ("target/lib.rs", CANARY),
    ]);
    assert_caught(&lint(dir.path()), "target/lib.rs");
}

#[test]
fn modules_declared_in_macro_bodies_are_followed() {
    let dir = krate(&[
        (
            "src/lib.rs",
            "cfg_if::cfg_if! { if #[cfg(unix)] { mod unix; } else { mod other; } }\n",
        ),
        ("src/unix.rs", "pub fn f() {}\n"),
        ("src/other.rs", CANARY),
        (".gitignore", "src/other.rs\n"),
    ]);
    assert_caught(&lint(dir.path()), "src/other.rs");
}

#[cfg(unix)]
#[test]
fn a_compiled_file_reached_through_a_link_is_reported_not_read() {
    let dir = krate(&[("src/lib.rs", "#[path = \"linked/x.rs\"] mod x;\n")]);
    let outside = tempfile::tempdir().unwrap();
    std::fs::write(outside.path().join("x.rs"), CANARY).unwrap();
    symlink(outside.path(), dir.path().join("src/linked"));
    let output = lint(dir.path());
    assert_eq!(output.code, 1);
    assert_eq!(
        findings(&output),
        ["src/linked/x.rs:1:1: deny[PS000 parse-error]: a folder on the way to this file (`src/linked`) is a symbolic link; links are not followed"]
    );
}

#[test]
fn a_module_outside_the_root_is_reported_at_its_declaration() {
    let dir = krate(&[(
        "src/lib.rs",
        "#[path = \"../../../etc/passwd\"] mod passwd;\n",
    )]);
    let output = lint(dir.path());
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert_eq!(
        findings(&output),
        ["src/lib.rs:1:1: deny[PS000 parse-error]: this module is loaded from `../../../etc/passwd`, outside the workspace root; it was not analysed"]
    );
}

// ---- 3: the workspace is the folder named ----

/// `package.workspace = "other"` pointing at a folder whose `members = [".."]` once made
/// cargo report `other/` as the root: no file analysed, exit 0.
#[test]
fn a_manifest_cannot_redirect_the_workspace_elsewhere() {
    let dir = workspace(&[
        (
            "Cargo.toml",
            "[package]\nname = \"victim\"\nversion = \"0.1.0\"\nedition = \"2021\"\nworkspace = \"other\"\n",
        ),
        ("other/Cargo.toml", "[workspace]\nmembers = [\"..\"]\n"),
        ("src/lib.rs", CANARY),
    ]);
    let output = lint(dir.path());
    assert_caught(&output, "src/lib.rs");
    assert!(
        output.stderr.contains(
            "warning: `Cargo.toml` puts its package in the workspace at `other` (`package.workspace`), which is not a folder above it; analysing `.` as the workspace"
        ),
        "{}",
        output.stderr
    );
}

#[test]
fn nothing_to_analyse_is_an_error_not_a_pass() {
    let empty = tempfile::tempdir().unwrap();
    let output = lint(empty.path());
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("error: no Rust source file found under `"),
        "{}",
        output.stderr
    );
    let no_rust = workspace(&[("README.md", "# nothing\n"), ("data.json", "{}")]);
    assert_eq!(lint(no_rust.path()).code, 2);
    let missing = run(&[empty.path().join("missing").to_str().unwrap()]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("does not exist"),
        "{}",
        missing.stderr
    );
}

#[test]
fn no_file_that_could_be_analysed_is_an_error_even_when_ps000_is_lowered() {
    let dir = krate(&[("src/lib.rs", "fn broken( {\n")]);
    let output = lint_with(dir.path(), &["-W", "PS000"]);
    assert_eq!(output.code, 2, "{}", output.stdout);
    assert!(
        output
            .stderr
            .contains("error: none of the 1 Rust source files could be analysed"),
        "{}",
        output.stderr
    );
}

// ---- 4: a file that could not be analysed fails the gate ----

#[test]
fn a_compiled_file_that_cannot_be_analysed_is_a_deny_finding() {
    let dir = krate(&[
        ("src/lib.rs", "mod big;\nmod broken;\n"),
        ("src/big.rs", &format!("// {}\n{CANARY}", "x".repeat(300))),
        (
            "src/broken.rs",
            &format!("{CANARY}fn broken() {{ let x = ; }}\n"),
        ),
    ]);
    let output = lint_with(dir.path(), &["--max-file-size", "200"]);
    assert_eq!(output.code, 1);
    assert_eq!(
        findings(&output),
        [
            "src/big.rs:1:1: deny[PS000 parse-error]: file is 427 bytes, over the --max-file-size limit of 200 bytes; it was skipped",
            "src/broken.rs:2:23: deny[PS000 parse-error]: expected an expression",
        ]
    );
}

#[test]
fn stray_test_data_that_does_not_parse_is_counted_not_reported() {
    let dir = krate(&[
        ("src/lib.rs", CANARY),
        ("tests/data/invalid.rs", "fn broken( {\n"),
        ("fixtures/old/main.rs", "let x = ;\n"),
    ]);
    let output = lint(dir.path());
    assert_caught(&output, "src/lib.rs");
    assert!(
        output.stderr.contains(
            "note: 2 Rust files that no target builds could not be parsed (test data, fixtures); they are not reported"
        ),
        "{}",
        output.stderr
    );
}

// ---- 6: --changed-since ----

fn git(dir: &Path, args: &[&str]) {
    let output = Command::new("git")
        .args([
            "-c",
            "user.name=Test",
            "-c",
            "user.email=test@example.com",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
        ])
        .args(args)
        .current_dir(dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

fn committed(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = krate(files);
    git(dir.path(), &["init", "-q"]);
    git(dir.path(), &["add", "-A"]);
    git(dir.path(), &["commit", "-q", "-m", "base"]);
    dir
}

#[test]
fn changed_since_keeps_a_finding_whose_derive_changed() {
    let dir = committed(&[(
        "src/lib.rs",
        "#[derive(Clone)]\npub struct Creds {\n    pub api_key: String,\n}\npub fn show(ctx: PartnerContext) -> Creds { todo!() }\n",
    )]);
    write(
        dir.path(),
        "src/lib.rs",
        b"#[derive(Clone, serde::Serialize)]\npub struct Creds {\n    pub api_key: String,\n}\npub fn show(ctx: PartnerContext) -> Creds { todo!() }\n",
    );
    let output = lint_with(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(output.code, 1);
    assert_eq!(
        findings(&output),
        ["src/lib.rs:3:5: deny[PS104 readable-secret]: secret field `Creds.api_key` is serialized, and `Creds` is returned by `show` in partner context: a partner can read the secret back"]
    );
    assert!(
        output
            .stderr
            .contains("--changed-since HEAD: 0 findings in code unchanged since then left out"),
        "{}",
        output.stderr
    );
}

const GUARDED: &str = r#"pub struct PartnerSession { pub partner_id: String }

pub async fn devices(session: &PartnerSession, graph: &Graph, tenant_id: &str) {
    ensure_manages(graph, &session.partner_id, tenant_id).await;
    graph.run(query("MATCH (t:Tenant {id: $tid})-[:OWNS]->(d:Device) RETURN d")).await;
}

pub async fn users(session: &PartnerSession, graph: &Graph) {
    graph.run(query("MATCH (t:Tenant)-[:HAS]->(u:User) RETURN u")).await;
}
"#;

#[test]
fn changed_since_keeps_a_finding_whose_guard_was_deleted() {
    let dir = committed(&[("src/lib.rs", GUARDED)]);
    let unguarded = GUARDED.replace(
        "    ensure_manages(graph, &session.partner_id, tenant_id).await;\n",
        "",
    );
    write(dir.path(), "src/lib.rs", unguarded.as_bytes());
    let output = lint_with(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(output.code, 1);
    let kept = findings(&output);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].starts_with("src/lib.rs:4:") && kept[0].contains("PS101"),
        "{kept:?}"
    );
    // The unguarded query in the untouched function was there before: left out, and said.
    assert!(
        output
            .stderr
            .contains("--changed-since HEAD: 1 finding in code unchanged since then left out"),
        "{}",
        output.stderr
    );
}

// ---- 9: git never runs a program from the tree ----

/// A folder committed to look like a bare repository, with `core.worktree` pointing at
/// itself and `core.fsmonitor` naming a command: git's discovery from inside it would take
/// it for the repository and run the command.
#[test]
fn a_planted_bare_repository_runs_nothing() {
    let marker_dir = tempfile::tempdir().unwrap();
    let marker = marker_dir.path().join("ran");
    let repository = tempfile::tempdir().unwrap();
    write(repository.path(), "svc/Cargo.toml", MANIFEST.as_bytes());
    write(repository.path(), "svc/src/lib.rs", b"pub fn f() {}\n");
    git(repository.path(), &["init", "-q"]);
    git(repository.path(), &["add", "-A"]);
    git(repository.path(), &["commit", "-q", "-m", "base"]);
    // A real bare repository with a commit, copied into the workspace folder.
    let bare = tempfile::tempdir().unwrap();
    git(
        bare.path(),
        &[
            "clone",
            "-q",
            "--bare",
            repository.path().to_str().unwrap(),
            "planted.git",
        ],
    );
    let svc = repository.path().join("svc");
    copy_dir(&bare.path().join("planted.git"), &svc);
    let mut config = std::fs::read_to_string(svc.join("config")).unwrap();
    config.push_str(&format!(
        "[core]\n\tbare = false\n\tworktree = .\n\tfsmonitor = \"touch '{}'; false\"\n",
        marker.display()
    ));
    std::fs::write(svc.join("config"), config).unwrap();
    write(
        &svc,
        "src/lib.rs",
        format!("pub fn f() {{}}\n{CANARY}").as_bytes(),
    );
    let changed = lint_with(&svc, &["--changed-since", "HEAD"]);
    assert_eq!(changed.code, 1, "{}", changed.stderr);
    assert_eq!(findings(&changed).len(), 1, "{}", changed.stdout);
    let fixed = run(&[svc.to_str().unwrap(), "--fix", "-q"]);
    assert!(!marker.exists(), "git ran the planted command");
    assert!(
        fixed.stderr.contains("uncommitted changes"),
        "{}",
        fixed.stderr
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

// ---- 10: secrets never reach the log ----

const SECRET: &str = "s3cr3t-value-that-must-never-be-printed";

#[cfg(unix)]
#[test]
fn configuration_linked_to_the_environment_is_refused_without_quoting_it() {
    let dir = krate(&[("src/lib.rs", CANARY)]);
    symlink("/proc/self/environ", dir.path().join("partner-safety.toml"));
    let output = lint_default_cache(dir.path(), &[], &[("CI_TOKEN", SECRET)]);
    assert_eq!(output.code, 2);
    assert!(
        output
            .stderr
            .contains("partner-safety.toml` is a symbolic link"),
        "{}",
        output.stderr
    );
    assert!(!output.stdout.contains(SECRET) && !output.stderr.contains(SECRET));

    // A linked manifest is not handed to cargo (which would quote it): a plain folder.
    let dir = workspace(&[("src/lib.rs", CANARY)]);
    symlink("/proc/self/environ", dir.path().join("Cargo.toml"));
    let output = lint_default_cache(dir.path(), &[], &[("CI_TOKEN", SECRET)]);
    assert_caught(&output, "src/lib.rs");
    assert!(!output.stdout.contains(SECRET) && !output.stderr.contains(SECRET));

    // A baseline or a --config in the tree that is a link is refused alike.
    let dir = krate(&[("src/lib.rs", CANARY)]);
    symlink("/proc/self/environ", dir.path().join("baseline.json"));
    symlink("/proc/self/environ", dir.path().join("strict.toml"));
    for flag in ["--baseline", "--config"] {
        let file = if flag == "--baseline" {
            "baseline.json"
        } else {
            "strict.toml"
        };
        let path = dir.path().join(file);
        let output = lint_default_cache(
            dir.path(),
            &[flag, path.to_str().unwrap()],
            &[("CI_TOKEN", SECRET)],
        );
        assert_eq!(output.code, 2, "{flag}");
        assert!(
            output.stderr.contains("is a symbolic link"),
            "{}",
            output.stderr
        );
        assert!(!output.stdout.contains(SECRET) && !output.stderr.contains(SECRET));
    }
}

#[test]
fn a_config_file_outside_the_root_is_named_not_quoted() {
    let dir = krate(&[("src/lib.rs", CANARY)]);
    let outside = tempfile::tempdir().unwrap();
    let config = outside.path().join("pinned.toml");
    std::fs::write(&config, format!("[rules]\n{SECRET} = \"deny\"\n")).unwrap();
    let output = lint_with(dir.path(), &["--config", config.to_str().unwrap()]);
    assert_eq!(output.code, 2);
    assert!(
        !output.stderr.contains(&format!("{SECRET} = ")),
        "{}",
        output.stderr
    );
    assert!(output.stderr.contains("pinned.toml"), "{}", output.stderr);
}

fn lint(dir: &Path) -> Output {
    lint_with(dir, &[])
}

/// `--format short`: the findings on stdout, warnings and notes on stderr.
fn lint_with(dir: &Path, extra: &[&str]) -> Output {
    let mut args = vec![dir.to_str().unwrap(), "--format", "short"];
    args.extend_from_slice(extra);
    run(&args)
}
