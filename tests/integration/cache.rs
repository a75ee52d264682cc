//! The incremental cache: the same output with and without it, cold and warm,
//! after an edit, and when the cache file is damaged.

use crate::common::*;
use std::path::Path;

/// A copy of the demo workspace, so edits stay out of the fixtures.
fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&demo(), dir.path());
    dir
}

fn copy_tree(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            if entry.file_name() == "target" {
                continue;
            }
            std::fs::create_dir_all(&target).unwrap();
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// Every format's output, and the exit status, for one run.
fn outputs(dir: &Path, cache: &[&str]) -> Vec<(i32, String)> {
    let path = dir.to_str().unwrap();
    ["human", "short", "json", "sarif", "github", "markdown"]
        .iter()
        .map(|format| {
            let mut args = vec![path, "--format", format, "-q"];
            args.extend_from_slice(cache);
            let output = run(&args);
            (output.code, output.stdout)
        })
        .collect()
}

fn cache_file(dir: &Path) -> std::path::PathBuf {
    dir.join("facts.bin")
}

#[test]
fn same_output_without_cache_cold_warm_and_after_an_edit() {
    let workspace = demo_copy();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let with_cache = ["--cache-dir", cache_dir];

    let uncached = outputs(workspace.path(), &["--no-cache"]);
    assert_eq!(uncached[1].0, 1);
    assert_eq!(uncached[1].1.lines().count(), 24, "{}", uncached[1].1);
    assert!(!cache_file(cache.path()).exists());

    // Cold: the first run writes the cache; every later one reads it.
    let cold = run(&[
        workspace.path().to_str().unwrap(),
        "--format",
        "short",
        "-q",
        "--cache-dir",
        cache_dir,
    ]);
    assert_eq!((cold.code, cold.stdout), uncached[1]);
    assert!(cache_file(cache.path()).exists());
    let written = std::fs::metadata(cache_file(cache.path()))
        .unwrap()
        .modified()
        .unwrap();
    assert_eq!(outputs(workspace.path(), &with_cache), uncached);
    // An unchanged re-run rewrites nothing.
    assert_eq!(
        std::fs::metadata(cache_file(cache.path()))
            .unwrap()
            .modified()
            .unwrap(),
        written
    );

    // Edit one file: the finding in it moves and a new one appears, exactly
    // as a run without the cache sees it.
    let integrations = workspace.path().join("portal/src/integrations.rs");
    let text = std::fs::read_to_string(&integrations).unwrap();
    let edited = format!(
        "// moved down a line\n{text}\n#[derive(serde::Serialize)]\npub struct Webhook {{\n    pub signing_secret: String,\n}}\n"
    );
    std::fs::write(&integrations, edited).unwrap();
    let uncached_after = outputs(workspace.path(), &["--no-cache"]);
    assert_ne!(uncached_after, uncached);
    assert!(
        uncached_after[1].1.contains("Webhook.signing_secret"),
        "{}",
        uncached_after[1].1
    );
    assert_eq!(outputs(workspace.path(), &with_cache), uncached_after);
    // And warm again after the edit.
    assert_eq!(outputs(workspace.path(), &with_cache), uncached_after);

    // A deleted file drops out of the cached results too.
    std::fs::remove_file(&integrations).unwrap();
    assert_eq!(
        outputs(workspace.path(), &with_cache),
        outputs(workspace.path(), &["--no-cache"])
    );
}

#[test]
fn a_corrupt_truncated_or_foreign_cache_is_ignored_and_rebuilt() {
    let workspace = demo_copy();
    let cache = tempfile::tempdir().unwrap();
    let cache_dir = cache.path().to_str().unwrap();
    let args = [
        workspace.path().to_str().unwrap(),
        "--format",
        "short",
        "-q",
        "--cache-dir",
        cache_dir,
    ];
    let expected = run(&args);
    assert_eq!(expected.code, 1);
    let good = std::fs::read(cache_file(cache.path())).unwrap();
    let mut garbage: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"PSFACTS\0garbage".to_vec(),
        good[..good.len() / 3].to_vec(),
        good.iter().map(|byte| byte ^ 0x5a).collect(),
    ];
    let mut flipped = good.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 0x01;
    garbage.push(flipped);
    for bytes in garbage {
        std::fs::write(cache_file(cache.path()), &bytes).unwrap();
        let output = run(&args);
        assert_eq!(output.code, expected.code);
        assert_eq!(output.stdout, expected.stdout);
        assert_eq!(output.stderr, expected.stderr);
        // Rebuilt: the next run finds a cache it can use.
        assert_eq!(std::fs::read(cache_file(cache.path())).unwrap(), good);
    }
    // A cache directory that cannot be written to only costs speed.
    let blocked = workspace.path().join("not-a-dir");
    std::fs::write(&blocked, "a file").unwrap();
    let output = run(&[
        workspace.path().to_str().unwrap(),
        "--format",
        "short",
        "-q",
        "--cache-dir",
        blocked.to_str().unwrap(),
    ]);
    assert_eq!(output.stdout, expected.stdout);
}

#[test]
fn the_default_cache_lives_under_the_workspace_target_folder() {
    let workspace = demo_copy();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .args([
            workspace.path().to_str().unwrap(),
            "--format",
            "short",
            "-q",
        ])
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .env_remove("PARTNER_SAFETY_CACHE_DIR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(workspace
        .path()
        .join("target/partner-safety/facts.bin")
        .exists());
    // The cache ignores itself, so it is never committed.
    let ignore = workspace.path().join("target/partner-safety/.gitignore");
    assert_eq!(
        std::fs::read_to_string(ignore).unwrap().lines().last(),
        Some("*")
    );
    let no_cache = tempfile::tempdir().unwrap();
    copy_tree(&demo(), no_cache.path());
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .args([no_cache.path().to_str().unwrap(), "-q", "--no-cache"])
        .env_remove("PARTNER_SAFETY_CACHE_DIR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!no_cache.path().join("target").exists());
}

/// cargo's view of the workspace is kept with the cache. An unchanged re-run does not start
/// cargo (here it could not: `CARGO` names a program that does not exist); a new package or
/// an edited manifest changes the key, and cargo is asked again.
#[test]
fn cargos_layout_is_reused_until_a_manifest_changes() {
    let workspace = demo_copy();
    let cache = tempfile::tempdir().unwrap();
    let no_cargo = workspace.path().join("no-such-cargo");
    let lint_with = |cargo: Option<&Path>, target_dir: Option<&str>| {
        lint_with_cache(workspace.path(), cache.path(), cargo, target_dir)
    };
    let lint = |cargo: Option<&Path>| lint_with(cargo, None);
    let cold = lint(None);
    assert_eq!((cold.0, cold.2), (Some(1), false));
    assert!(cache.path().join("layout.bin").exists());
    assert_eq!(lint(Some(&no_cargo)), cold);

    // A package that is not a member: the key changes, and cargo (asked again) leaves it out.
    write(
        workspace.path(),
        "vendored/Cargo.toml",
        b"[package]\nname = \"vendored\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    );
    copy_tree(&demo().join("portal/src"), &{
        let src = workspace.path().join("vendored/src");
        std::fs::create_dir_all(&src).unwrap();
        src
    });
    assert!(
        lint(Some(&no_cargo)).2,
        "a new package must not reuse the layout"
    );
    assert_eq!(lint(None), cold);

    // The root manifest makes it a member: its findings appear, and the new layout is kept.
    let manifest = workspace.path().join("Cargo.toml");
    let text = std::fs::read_to_string(&manifest).unwrap();
    std::fs::write(
        &manifest,
        text.replace(r#"["portal"]"#, r#"["portal", "vendored"]"#),
    )
    .unwrap();
    let member = lint(None);
    assert_eq!((member.0, member.2), (Some(1), false));
    // The copy of `portal/src` finds what the original finds, under its own path.
    let findings_under = |output: &str, prefix: &str| -> Vec<String> {
        output
            .lines()
            .filter_map(|line| line.strip_prefix(prefix))
            .map(str::to_string)
            .collect()
    };
    let portal = findings_under(&cold.1, "portal/src/");
    assert!(portal.len() > 10);
    assert_eq!(findings_under(&member.1, "vendored/src/"), portal);
    assert_eq!(lint(Some(&no_cargo)), member);

    // Where the target directory is (left out of the walk) is cargo's to say, too.
    assert!(lint_with(Some(&no_cargo), Some("elsewhere")).2);
}

/// A linked Cargo.toml is never read through: cargo would follow the link (and quote what
/// it found in its errors), so with one in the workspace cargo is not asked at all, the
/// folder is analysed as a plain folder (every file counted as built) and the run says so.
#[cfg(unix)]
#[test]
fn a_linked_manifest_is_never_read_through() {
    let workspace = demo_copy();
    let cache = tempfile::tempdir().unwrap();
    let outside = tempfile::tempdir().unwrap();
    write(
        outside.path(),
        "Cargo.toml",
        b"[package]\nname = \"outside\"\nversion = \"0.1.0\"\n",
    );
    std::fs::create_dir_all(workspace.path().join("linked")).unwrap();
    std::os::unix::fs::symlink(
        outside.path().join("Cargo.toml"),
        workspace.path().join("linked/Cargo.toml"),
    )
    .unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .args([workspace.path().to_str().unwrap(), "--format", "short"])
        .arg("--cache-dir")
        .arg(cache.path())
        // A cargo that cannot run shows that cargo is never asked.
        .env("CARGO", workspace.path().join("no-such-cargo"))
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .output()
        .unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "cargo metadata failed (`linked/Cargo.toml` is a symbolic link, which partner-safety does not follow); analysing `.` as a plain folder, every file counted as built"
        ),
        "{stderr}"
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8(output.stdout)
        .unwrap()
        .contains("portal/src/"));
    assert!(!cache.path().join("layout.bin").exists());
}

/// One run with the cache in `cache`, `CARGO` and `CARGO_TARGET_DIR` as given: the exit
/// status, the findings, and whether cargo was asked and failed.
fn lint_with_cache(
    workspace: &Path,
    cache: &Path,
    cargo: Option<&Path>,
    target_dir: Option<&str>,
) -> (Option<i32>, String, bool) {
    let mut command = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"));
    command
        .args([workspace.to_str().unwrap(), "--format", "short"])
        .arg("--cache-dir")
        .arg(cache)
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .env("NO_COLOR", "1");
    if let Some(cargo) = cargo {
        command.env("CARGO", cargo);
    }
    match target_dir {
        Some(dir) => command.env("CARGO_TARGET_DIR", dir),
        None => command.env_remove("CARGO_TARGET_DIR"),
    };
    let output = command.output().unwrap();
    let stderr = String::from_utf8(output.stderr).unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
        stderr.contains("cargo metadata failed"),
    )
}
