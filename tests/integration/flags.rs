//! Flags that do what they say: levels from `-D`, conflicting or ignored arguments,
//! where the configuration is read and written, and hints for paths that are not folders.

use crate::common::*;
use std::path::Path;

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The demo's findings in `short` format with these extra flags.
fn demo_short(extra: &[&str]) -> Vec<String> {
    let mut args = vec!["fixtures/demo", "--format", "short", "-q"];
    args.extend_from_slice(extra);
    let output = run(&args);
    assert!(output.code <= 1, "{}", output.stderr);
    output.stdout.lines().map(str::to_string).collect()
}

const DEBUG_LEAK: &str = "portal/src/auth.rs:20:5: ";

fn level_of<'a>(findings: &'a [String], prefix: &str) -> &'a str {
    let line = findings
        .iter()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no finding at {prefix}: {findings:#?}"));
    line[prefix.len()..].split('[').next().unwrap()
}

#[test]
fn deny_all_means_every_finding_even_those_a_rule_reports_one_level_lower() {
    // PS104 reports a secret printed by `#[derive(Debug)]` one level below the rule.
    assert_eq!(level_of(&demo_short(&[]), DEBUG_LEAK), "warn");
    let denied = demo_short(&["-D", "all", "-A", "PS501"]);
    assert_eq!(denied.len(), 21, "{denied:#?}");
    let warnings: Vec<&String> = denied
        .iter()
        .filter(|line| line.contains(": warn["))
        .collect();
    assert!(warnings.is_empty(), "{warnings:#?}");
    assert_eq!(level_of(&denied, DEBUG_LEAK), "deny");
    // Naming the rule is as explicit.
    assert_eq!(level_of(&demo_short(&["-D", "PS104"]), DEBUG_LEAK), "deny");
    assert_eq!(
        level_of(&demo_short(&["-D", "readable-secret"]), DEBUG_LEAK),
        "deny"
    );
    // The last flag wins: a later -W (or -A then -D of another rule) leaves it lower.
    assert_eq!(
        level_of(&demo_short(&["-D", "all", "-W", "PS104"]), DEBUG_LEAK),
        "warn"
    );
    assert_eq!(
        level_of(&demo_short(&["-D", "PS104", "-D", "PS101"]), DEBUG_LEAK),
        "deny"
    );
    assert_eq!(level_of(&demo_short(&["-D", "PS101"]), DEBUG_LEAK), "warn");
}

#[test]
fn manifest_path_and_a_path_together_are_an_error() {
    let output = run(&[
        "--manifest-path",
        "fixtures/demo/Cargo.toml",
        "fixtures/demo/portal",
    ]);
    assert_eq!(output.code, 2, "{}", output.stdout);
    assert_eq!(output.stdout, "");
    assert!(
        output.stderr.starts_with(
            "error: the argument '--manifest-path <PATH>' cannot be used with '[PATH]'"
        ),
        "{}",
        output.stderr
    );
}

#[test]
fn a_path_that_is_not_a_folder_says_what_to_give_instead() {
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", LEAKY)]);
    let cases = [
        (
            dir.path().join("no/such/dir"),
            "` does not exist\n".to_string(),
        ),
        (
            dir.path().join("Cargo.toml"),
            format!(
                "` is a manifest, not a folder: name it with `--manifest-path {}`, or give the folder that holds it\n",
                dir.path().join("Cargo.toml").display()
            ),
        ),
        (
            dir.path().join("src/lib.rs"),
            "` is a file: partner-safety lints a whole workspace (a finding can depend on other files); give the folder that holds it, and its workspace is found upward\n".to_string(),
        ),
    ];
    for (path, ending) in cases {
        let output = run(&[arg(&path)]);
        assert_eq!(output.code, 2, "{}", output.stderr);
        assert_eq!(
            output.stderr,
            format!("error: `{}{ending}", path.display()),
            "{}",
            path.display()
        );
    }
}

const MEMBER_WORKSPACE: &[(&str, &str)] = &[
    ("Cargo.toml", "[workspace]\nmembers = [\"svc\"]\n"),
    (
        "svc/Cargo.toml",
        "[package]\nname = \"svc\"\nversion = \"0.1.0\"\nedition = \"2021\"\n",
    ),
    ("svc/src/lib.rs", "mod settings;\n"),
    ("svc/src/settings.rs", LEAKY),
];

#[test]
fn a_folder_inside_a_workspace_lints_the_workspace_found_upward() {
    let dir = workspace(MEMBER_WORKSPACE);
    for from in ["svc/src", "svc"] {
        let output = run_in(&dir.path().join(from), &["--format", "short", "-q"]);
        assert_eq!(output.code, 1, "{from}: {}", output.stderr);
        assert_eq!(
            output.stdout,
            "svc/src/settings.rs:4:5: deny[PS104 readable-secret]: secret field `Settings.api_key` is serialized, and `Settings` is returned by `settings::show` in partner context: a partner can read the secret back\n",
            "{from}"
        );
    }
    let named = run(&[arg(&dir.path().join("svc/src")), "--format", "short", "-q"]);
    assert_eq!(named.code, 1);
    assert!(
        named.stdout.starts_with("svc/src/settings.rs:4:5:"),
        "{}",
        named.stdout
    );
    // With the cache where it goes by default (the tests otherwise share one), it is
    // the workspace's: nothing is written into the folder named.
    let default_cache = std::process::Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .args(["--format", "short", "-q"])
        .current_dir(dir.path().join("svc/src"))
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .env_remove("PARTNER_SAFETY_CACHE_DIR")
        .env_remove("CARGO_TARGET_DIR")
        .env_remove("CARGO_BUILD_TARGET_DIR")
        .output()
        .unwrap();
    assert_eq!(default_cache.status.code(), Some(1));
    assert!(dir.path().join("target/partner-safety/facts.bin").is_file());
    for folder in ["svc/src/target", "svc/target"] {
        assert!(!dir.path().join(folder).exists(), "{folder}");
    }
}

#[test]
fn both_configurations_present_warn_which_one_is_used() {
    let metadata = "[workspace]\nmembers = [\"svc\"]\n\n[workspace.metadata.partner-safety.rules]\nPS104 = \"warn\"\n";
    let dir = workspace(MEMBER_WORKSPACE);
    write(dir.path(), "Cargo.toml", metadata.as_bytes());
    let only_metadata = run(&[arg(dir.path()), "--format", "short"]);
    assert_eq!(only_metadata.code, 0, "{}", only_metadata.stderr);
    assert!(
        !only_metadata.stderr.contains("warning"),
        "{}",
        only_metadata.stderr
    );

    write(
        dir.path(),
        "partner-safety.toml",
        b"[rules]\nPS104 = \"deny\"\n",
    );
    let both = run(&[arg(dir.path()), "--format", "short"]);
    assert_eq!(both.code, 1, "the file is used: {}", both.stderr);
    assert!(
        both.stderr.starts_with(
            "warning: both `partner-safety.toml` and `[workspace.metadata.partner-safety]` in `Cargo.toml` configure partner-safety; `partner-safety.toml` is used and the `Cargo.toml` table is ignored (keep one of them)\n"
        ),
        "{}",
        both.stderr
    );
    // Naming the configuration leaves nothing to choose between.
    let named = run(&[
        arg(dir.path()),
        "--config",
        arg(&dir.path().join("partner-safety.toml")),
        "--format",
        "short",
    ]);
    assert!(!named.stderr.contains("warning"), "{}", named.stderr);
    // A manifest given as --config is read for its metadata table.
    let from_manifest = run(&[
        arg(dir.path()),
        "--config",
        arg(&dir.path().join("Cargo.toml")),
        "--format",
        "short",
        "-q",
    ]);
    assert_eq!(from_manifest.code, 0, "{}", from_manifest.stderr);
    assert!(
        from_manifest.stdout.contains(": warn[PS104"),
        "{}",
        from_manifest.stdout
    );
}

#[test]
fn init_in_a_member_folder_writes_at_the_workspace_root() {
    let dir = workspace(MEMBER_WORKSPACE);
    let output = run_in(&dir.path().join("svc"), &["init"]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    let written = dir
        .path()
        .canonicalize()
        .unwrap()
        .join("partner-safety.toml");
    assert!(written.is_file());
    assert!(!dir.path().join("svc/partner-safety.toml").exists());
    assert_eq!(
        output.stderr,
        format!(
            "wrote {}: at the workspace root, where `cargo partner-safety` reads its configuration (not in the member's folder)\n",
            written.display()
        )
    );
    // In the root itself, the path as named.
    std::fs::remove_file(&written).unwrap();
    let at_root = run_in(dir.path(), &["init"]);
    assert_eq!(at_root.stderr, "wrote ./partner-safety.toml\n");

    // A metadata table would be silently replaced: refused.
    std::fs::remove_file(&written).unwrap();
    write(
        dir.path(),
        "Cargo.toml",
        b"[workspace]\nmembers = [\"svc\"]\n[workspace.metadata.partner-safety]\n",
    );
    let refused = run_in(&dir.path().join("svc"), &["init"]);
    assert_eq!(refused.code, 2);
    assert_eq!(
        refused.stderr,
        "error: the workspace's Cargo.toml configures partner-safety in `[workspace.metadata.partner-safety]`; a partner-safety.toml beside it would replace that configuration, so none was written (edit the table, or move it into partner-safety.toml first)\n"
    );
    assert!(!written.exists());
}

#[test]
fn statistics_are_refused_by_formats_that_cannot_carry_them() {
    for format in ["sarif", "markdown", "github", "junit", "gitlab"] {
        let output = run(&["fixtures/demo", "--statistics", "--format", format]);
        assert_eq!(output.code, 2, "{format}");
        assert_eq!(output.stdout, "", "{format}");
        assert_eq!(
            output.stderr,
            format!("error: --statistics prints a table (or JSON with --format json); --format {format} cannot carry it\n")
        );
    }
    for format in ["human", "short", "json"] {
        let output = run(&["fixtures/demo", "--statistics", "--format", format, "-q"]);
        assert_eq!(output.code, 1, "{format}: {}", output.stderr);
        assert!(output.stdout.contains("PS104"), "{format}");
    }
}

#[test]
fn write_baseline_refuses_a_report_format() {
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    let baseline = dir.path().join("baseline.json");
    for extra in [
        &["--format", "json"][..],
        &["--statistics"],
        &["--message-format", "json"],
    ] {
        let mut args = vec![arg(dir.path()), "--write-baseline", arg(&baseline)];
        args.extend_from_slice(extra);
        let output = run(&args);
        assert_eq!(output.code, 2, "{extra:?}");
        assert!(
            output
                .stderr
                .starts_with("error: the argument '--write-baseline <FILE>' cannot be used with"),
            "{extra:?}: {}",
            output.stderr
        );
        assert!(!baseline.exists());
    }
}

#[test]
fn diff_refuses_a_report_format() {
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    for extra in [
        &["--format", "json"][..],
        &["--message-format", "json"],
        &["--statistics"],
        &["--show-suppressed"],
    ] {
        let mut args = vec![arg(dir.path()), "--diff"];
        args.extend_from_slice(extra);
        let output = run(&args);
        assert_eq!((output.code, output.stdout.as_str()), (2, ""), "{extra:?}");
        assert!(
            output
                .stderr
                .starts_with("error: the argument '--diff' cannot be used with"),
            "{extra:?}: {}",
            output.stderr
        );
    }
    let diff = run(&[arg(dir.path()), "--diff"]);
    assert_eq!(diff.code, 1, "{}", diff.stderr);
    assert!(
        diff.stdout
            .starts_with("--- a/src/lib.rs\n+++ b/src/lib.rs\n"),
        "{}",
        diff.stdout
    );
}

#[test]
fn show_suppressed_says_when_the_format_cannot_show_them() {
    let suppressed = "#[derive(Serialize)]\npub struct Settings {\n    // partner-safety: allow(PS104) reason: write-only\n    pub api_key: String,\n}\n";
    let dir = workspace(&[("src/lib.rs", suppressed)]);
    for format in ["short", "human", "github", "markdown", "junit", "gitlab"] {
        let output = run(&[
            arg(dir.path()),
            "--show-suppressed",
            "--format",
            format,
            "-q",
        ]);
        assert_eq!(output.code, 0, "{format}");
        assert_eq!(
            output.stderr,
            format!("warning: --show-suppressed has no effect with --format {format}: only --format json lists suppressed findings (--format sarif always includes them, marked as suppressed)\n")
        );
    }
    for format in ["json", "sarif"] {
        let output = run(&[
            arg(dir.path()),
            "--show-suppressed",
            "--format",
            format,
            "-q",
        ]);
        assert_eq!((output.code, output.stderr.as_str()), (0, ""), "{format}");
        assert!(output.stdout.contains("write-only"), "{format}");
    }
    let messages = run(&[
        arg(dir.path()),
        "--show-suppressed",
        "--message-format",
        "json",
        "-q",
    ]);
    assert!(
        messages
            .stderr
            .starts_with("warning: --show-suppressed has no effect with --message-format json:"),
        "{}",
        messages.stderr
    );
}
