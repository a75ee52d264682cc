//! Adopting the gate on an existing codebase: baselines, changed lines,
//! fixes, `init`, suppressed findings in SARIF/JSON and the CI formats.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

/// Copies the demo workspace into a fresh temporary folder, outside any git repository
/// (so paths in every format are the workspace's own).
pub fn demo_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    copy_tree(&demo(), dir.path());
    dir
}

pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        // A cache a local run left there.
        if entry.file_name() == "target" {
            continue;
        }
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// The demo workspace with `TenantIntegration` a response only: the demo also reads it in
/// (`Deserialize`), and the fix for a type that is read in is a suggestion `--fix` never
/// applies, since a round trip may need the field (RULES.md R7).
fn fixable_demo_copy() -> tempfile::TempDir {
    let dir = demo_copy();
    let path = dir.path().join("portal/src/integrations.rs");
    let text = std::fs::read_to_string(&path).unwrap();
    let derive = "#[derive(Clone, Debug, Serialize, Deserialize)]\npub struct TenantIntegration {";
    assert!(text.contains(derive), "the demo changed: {text}");
    let response_only = text.replace(
        derive,
        "#[derive(Clone, Debug, Serialize)]\npub struct TenantIntegration {",
    );
    std::fs::write(&path, response_only).unwrap();
    dir
}

/// Runs git in `dir` with a fixed identity; panics when it fails.
fn git(dir: &Path, args: &[&str]) {
    let status = Command::new("git")
        .args(["-c", "user.name=Test", "-c", "user.email=test@example.com"])
        .args([
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
        status.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&status.stderr)
    );
}

fn git_repo(dir: &Path) {
    git(dir, &["init", "-q"]);
    git(dir, &["add", "-A"]);
    git(dir, &["commit", "-q", "-m", "initial"]);
}

fn arg(path: &Path) -> &str {
    path.to_str().unwrap()
}

const SECOND_LEAK: &str = "\n#[derive(Serialize)]\npub struct Smtp {\n    pub password: String,\n}\npub async fn smtp(ctx: PartnerContext) -> Json<Smtp> { todo!() }\n";

// ---- baseline ----

#[test]
fn baseline_round_trip_survives_moved_lines() {
    let dir = workspace(&[("src/lib.rs", LEAKY), ("src/other.rs", SECOND_LEAK)]);
    let baseline = dir.path().join("baseline.json");
    let written = run(&[arg(dir.path()), "--write-baseline", arg(&baseline)]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    assert!(
        written.stderr.contains("wrote 2 findings to baseline"),
        "{}",
        written.stderr
    );

    // Readable, sorted, one finding per entry.
    let file: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(file["version"], 1);
    let entries = file["findings"].as_array().unwrap();
    let paths: Vec<&str> = entries
        .iter()
        .map(|e| e["path"].as_str().unwrap())
        .collect();
    assert_eq!(paths, ["src/lib.rs", "src/other.rs"]);
    assert_eq!(entries[0]["code"], "PS104");
    assert!(entries[0]["message"]
        .as_str()
        .unwrap()
        .contains("Settings.api_key"));
    // Writing it again gives the same bytes: a diff shows only real changes.
    let before = std::fs::read(&baseline).unwrap();
    run(&[arg(dir.path()), "--write-baseline", arg(&baseline)]);
    assert_eq!(std::fs::read(&baseline).unwrap(), before);

    // Unrelated edits move the findings down: still baselined.
    write(
        dir.path(),
        "src/lib.rs",
        format!("//! Settings.\n\nuse serde::Serialize;\n\nfn unrelated() {{}}\n{LEAKY}")
            .as_bytes(),
    );
    let (code, findings) = short(dir.path(), &["--baseline", arg(&baseline)]);
    assert_eq!((code, findings), (0, Vec::<String>::new()));
    let output = run(&[
        arg(dir.path()),
        "--baseline",
        arg(&baseline),
        "--format",
        "short",
    ]);
    assert!(
        output.stderr.contains("baseline: 2 findings in"),
        "{}",
        output.stderr
    );
    assert!(!output.stderr.contains("no longer"), "{}", output.stderr);

    // A new finding is reported; a fixed one is counted as gone.
    write(
        dir.path(),
        "src/other.rs",
        b"\n#[derive(Serialize)]\npub struct Billing {\n    pub card_token: String,\n}\npub async fn billing(ctx: PartnerContext) -> Json<Billing> { todo!() }\n",
    );
    let output = run(&[
        arg(dir.path()),
        "--baseline",
        arg(&baseline),
        "--format",
        "short",
    ]);
    assert_eq!(output.code, 1);
    assert_eq!(
        output.stdout,
        "src/other.rs:4:5: deny[PS104 readable-secret]: secret field `Billing.card_token` is serialized, and `Billing` is returned by `other::billing` in partner context: a partner can read the secret back\n"
    );
    assert!(
        output.stderr.contains(
            "1 finding in `"
        ) && output.stderr.contains(
            "not reported; 1 baselined finding no longer occurs: tighten the baseline with --write-baseline"
        ),
        "{}",
        output.stderr
    );
}

#[test]
fn renaming_a_caller_in_another_file_keeps_a_baselined_finding_baselined() {
    let dir = demo_copy();
    let baseline = dir.path().join("baseline.json");
    let written = run(&[arg(dir.path()), "--write-baseline", arg(&baseline)]);
    assert_eq!(written.code, 0, "{}", written.stderr);
    // The query in `store.rs` is reported with the partner-context chain that reaches it,
    // which names a handler in `partner/mod.rs`.
    let partner = dir.path().join("portal/src/partner/mod.rs");
    let text = std::fs::read_to_string(&partner).unwrap();
    assert!(text.contains("fn export_tenant_users("));
    std::fs::write(
        &partner,
        text.replace("export_tenant_users", "download_tenant_users"),
    )
    .unwrap();
    let (_, findings) = short(dir.path(), &[]);
    assert!(
        findings.contains(&"portal/src/store.rs:8:31: deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::download_tenant_users` → `store::tenant_users`)".to_string()),
        "{findings:#?}"
    );
    let (code, new) = short(dir.path(), &["--baseline", arg(&baseline)]);
    assert_eq!((code, new), (0, Vec::<String>::new()));
}

#[test]
fn baseline_errors_are_tool_errors() {
    let dir = workspace(&[("src/lib.rs", LEAKY), ("bad.json", "{\"version\": 1}")]);
    let missing = run(&[
        arg(dir.path()),
        "--baseline",
        arg(&dir.path().join("none.json")),
    ]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("cannot read the baseline: `")
            && missing.stderr.contains("none.json` does not exist"),
        "{}",
        missing.stderr
    );
    let bad = run(&[
        arg(dir.path()),
        "--baseline",
        arg(&dir.path().join("bad.json")),
    ]);
    assert_eq!(bad.code, 2);
    assert!(
        bad.stderr.contains("is not a partner-safety baseline"),
        "{}",
        bad.stderr
    );
}

// ---- changed lines ----

#[test]
fn changed_since_reports_only_changed_lines_with_the_whole_workspace_analysed() {
    let dir = demo_copy();
    git_repo(dir.path());
    // A trailing comment on the query line of `store.rs`: its PS101 finding
    // needs the partner context that only the (unchanged) partner module gives.
    let store = dir.path().join("portal/src/store.rs");
    let text = std::fs::read_to_string(&store).unwrap();
    let changed: String = text
        .lines()
        .enumerate()
        .map(|(index, line)| {
            if index == 7 {
                format!("{line} // reviewed\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    std::fs::write(&store, changed).unwrap();
    // An untracked new file counts as changed in full.
    write(dir.path(), "portal/src/extra.rs", LEAKY.as_bytes());

    let (code, findings) = short(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(code, 1);
    let expected = [
        "portal/src/extra.rs:4:5: deny[PS104 readable-secret]: secret field `Settings.api_key` is serialized, and `Settings` is returned by `extra::show` in partner context: a partner can read the secret back",
        "portal/src/store.rs:8:31: deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::export_tenant_users` → `store::tenant_users`)",
    ];
    assert_eq!(findings, expected);

    // A change committed after REF counts too; one committed before does not.
    write(
        dir.path(),
        "portal/src/committed.rs",
        SECOND_LEAK.as_bytes(),
    );
    git(dir.path(), &["add", "portal/src/committed.rs"]);
    git(dir.path(), &["commit", "-q", "-m", "smtp"]);
    let (_, since_previous) = short(dir.path(), &["--changed-since", "HEAD~1"]);
    assert_eq!(
        since_previous,
        [
            "portal/src/committed.rs:4:5: deny[PS104 readable-secret]: secret field `Smtp.password` is serialized, and `Smtp` is returned by `committed::smtp` in partner context: a partner can read the secret back",
            expected[0],
            expected[1],
        ]
    );
    let (_, since_head) = short(dir.path(), &["--changed-since", "HEAD"]);
    assert_eq!(since_head, expected);
}

#[test]
fn changed_since_errors_are_clear() {
    let dir = demo_copy();
    let not_a_repo = run(&[arg(dir.path()), "--changed-since", "HEAD"]);
    assert_eq!(not_a_repo.code, 2);
    assert!(
        not_a_repo.stderr.contains("needs a git work tree"),
        "{}",
        not_a_repo.stderr
    );

    git_repo(dir.path());
    let missing = run(&[arg(dir.path()), "--changed-since", "no-such-branch"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("git revision `no-such-branch` does not exist"),
        "{}",
        missing.stderr
    );
    let option = run(&[arg(dir.path()), "--changed-since=--output=x"]);
    assert_eq!(option.code, 2);
    assert!(
        option.stderr.contains("is not a git revision"),
        "{}",
        option.stderr
    );

    // No git on PATH at all.
    let empty = tempfile::tempdir().unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_cargo-partner-safety"))
        .args([arg(dir.path()), "--changed-since", "HEAD"])
        .env("PATH", empty.path())
        .env("PARTNER_SAFETY_TODAY", "2026-11-26")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("git was not found on PATH"), "{stderr}");
}

// ---- fix and diff ----

#[test]
fn diff_exits_by_the_findings_not_by_what_it_can_fix() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("lib.rs"),
        "#[derive(Serialize)]\npub struct Account {\n    pub password: String,\n}\npub async fn account(ctx: PartnerContext) -> Json<Account> { todo!() }\n",
    )
    .unwrap();
    // A fixable finding at warn level: a diff to show, and exit 0.
    let warned = run(&[arg(dir.path()), "--diff", "-W", "PS104"]);
    assert_eq!(warned.code, 0, "{}", warned.stderr);
    assert!(
        warned.stdout.contains("+    #[serde(skip_serializing)]"),
        "{}",
        warned.stdout
    );
    // A deny finding with no fix (a suppression without a reason, PS001):
    // nothing to show, and still exit 1.
    let unfixable = tempfile::tempdir().unwrap();
    std::fs::write(
        unfixable.path().join("lib.rs"),
        "// partner-safety: allow(PS104)\npub fn f() {}\n",
    )
    .unwrap();
    let denied = run(&[arg(unfixable.path()), "--diff"]);
    assert_eq!(denied.code, 1, "{}", denied.stderr);
    assert_eq!(denied.stdout, "");
}

#[test]
fn diff_shows_the_fixes_and_writes_nothing() {
    let dir = fixable_demo_copy();
    let before = std::fs::read(dir.path().join("portal/src/integrations.rs")).unwrap();
    let output = run(&[arg(dir.path()), "--diff"]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    insta::assert_snapshot!("demo_fix_diff", output.stdout);
    assert!(
        output.stderr.contains("2 fixes in 1 file"),
        "{}",
        output.stderr
    );
    assert_eq!(
        std::fs::read(dir.path().join("portal/src/integrations.rs")).unwrap(),
        before
    );
}

#[test]
fn fix_applies_parses_keeps_permissions_and_is_idempotent() {
    let dir = fixable_demo_copy();
    let path = dir.path().join("portal/src/integrations.rs");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o640)).unwrap();
    }
    let diff = run(&[arg(dir.path()), "--diff"]).stdout;
    let fixed = run(&[arg(dir.path()), "--fix", "--format", "short", "-q"]);
    assert_eq!(
        fixed.code, 1,
        "other deny findings remain: {}",
        fixed.stderr
    );
    assert_eq!(
        fixed.stderr,
        "fixed portal/src/integrations.rs:12: PS104\nfixed portal/src/integrations.rs:14: PS104\n"
    );
    // The fixed findings are gone from the report; the Debug warnings stay.
    assert!(!fixed.stdout.contains("is serialized"), "{}", fixed.stdout);
    // What is left comes from a fresh analysis: lines below a fix moved down.
    assert!(
        fixed.stdout.contains("portal/src/integrations.rs:13:5: warn[PS104 readable-secret]: secret field `TenantIntegration.stripe_api_key` is printed"),
        "{}",
        fixed.stdout
    );
    assert!(
        fixed.stdout.contains("portal/src/integrations.rs:16:5: warn[PS104 readable-secret]: secret field `TenantIntegration.signing` is printed"),
        "{}",
        fixed.stdout
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("    #[serde(skip_serializing)]\n    pub stripe_api_key: String,"));
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
    }
    // No temporary file is left behind.
    let leftovers: Vec<_> = std::fs::read_dir(path.parent().unwrap())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with(".partner-safety")
        })
        .collect();
    assert!(leftovers.is_empty());

    // The result parses (no PS000) and the fixed findings are gone.
    let (_, after) = short(dir.path(), &[]);
    assert!(
        after.iter().all(|line| !line.contains("PS000")),
        "{after:?}"
    );
    assert!(
        after.iter().all(|line| !line.contains("is serialized")),
        "{after:?}"
    );
    // A second run changes nothing.
    let again = run(&[arg(dir.path()), "--fix", "--format", "short", "-q"]);
    assert_eq!(again.stderr, "");
    assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
    assert_eq!(run(&[arg(dir.path()), "--diff"]).stdout, "");
    assert!(!diff.is_empty());
}

#[test]
fn fix_leaves_a_type_that_is_also_read_in_for_a_person_to_review() {
    // The demo's `TenantIntegration` derives `Deserialize`: skipping a field when
    // serializing could break a round trip, so `--fix` shows the change but leaves it.
    let dir = demo_copy();
    let path = dir.path().join("portal/src/integrations.rs");
    let before = std::fs::read(&path).unwrap();
    let fixed = run(&[arg(dir.path()), "--fix", "--format", "json", "-q"]);
    assert_eq!(fixed.code, 1, "{}", fixed.stderr);
    assert_eq!(fixed.stderr, "");
    assert_eq!(std::fs::read(&path).unwrap(), before);
    let report: Value = serde_json::from_str(&fixed.stdout).unwrap();
    let secrets: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["code"] == "PS104" && finding["level"] == "deny")
        .collect();
    assert_eq!(secrets.len(), 2);
    for finding in secrets {
        assert_eq!(
            finding["fix"]["applicability"], "MaybeIncorrect",
            "{finding}"
        );
    }
    assert_eq!(run(&[arg(dir.path()), "--diff"]).stdout, "");
}

#[test]
fn fix_refuses_files_with_uncommitted_changes() {
    let dir = fixable_demo_copy();
    git_repo(dir.path());
    let path = dir.path().join("portal/src/integrations.rs");
    let edited = format!("{}// local edit\n", std::fs::read_to_string(&path).unwrap());
    std::fs::write(&path, &edited).unwrap();
    let refused = run(&[arg(dir.path()), "--fix", "-q"]);
    assert_eq!(refused.code, 2);
    assert!(
        refused.stderr.contains(
            "--fix would change files with uncommitted changes: portal/src/integrations.rs"
        ) && refused.stderr.contains("--allow-dirty"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read_to_string(&path).unwrap(), edited);

    // A dirty file the fixes do not touch does not block them.
    git(
        dir.path(),
        &["checkout", "-q", "--", "portal/src/integrations.rs"],
    );
    write(dir.path(), "portal/src/billing.rs", b"// local edit\n");
    let clean = run(&[arg(dir.path()), "--fix", "--format", "short", "-q"]);
    assert!(
        clean
            .stderr
            .starts_with("fixed portal/src/integrations.rs:12"),
        "{}",
        clean.stderr
    );

    // --allow-dirty fixes an edited file.
    git(
        dir.path(),
        &["checkout", "-q", "--", "portal/src/integrations.rs"],
    );
    std::fs::write(&path, &edited).unwrap();
    let allowed = run(&[
        arg(dir.path()),
        "--fix",
        "--allow-dirty",
        "--format",
        "short",
        "-q",
    ]);
    assert!(
        allowed
            .stderr
            .starts_with("fixed portal/src/integrations.rs:12"),
        "{}",
        allowed.stderr
    );
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.ends_with("// local edit\n") && text.contains("#[serde(skip_serializing)]"));
}

// ---- init ----

#[test]
fn init_writes_a_config_the_loader_accepts_and_never_overwrites() {
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    let init = run_in(dir.path(), &["init"]);
    assert_eq!(init.code, 0, "{}", init.stderr);
    let config = std::fs::read_to_string(dir.path().join("partner-safety.toml")).unwrap();
    // Every rule of the registry appears, with its default level.
    let rules = run(&["rules"]).stdout;
    for code in rules.split_whitespace().filter(|word| {
        word.len() == 5 && word.starts_with("PS") && word[2..].chars().all(|c| c.is_ascii_digit())
    }) {
        assert!(config.contains(&format!("# {code} ")), "{code} missing");
    }
    // The real loader reads it: same findings as without a config.
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(findings.len(), 1);
    let with_flag = run(&[
        arg(dir.path()),
        "--config",
        arg(&dir.path().join("partner-safety.toml")),
        "--format",
        "short",
        "-q",
    ]);
    assert_eq!(with_flag.code, 1, "{}", with_flag.stderr);

    let again = run_in(dir.path(), &["init"]);
    assert_eq!(again.code, 2);
    assert!(again.stderr.contains("already exists"), "{}", again.stderr);
    assert_eq!(
        std::fs::read_to_string(dir.path().join("partner-safety.toml")).unwrap(),
        config
    );
}

// ---- suppressed findings ----

const SUPPRESSED: &str = "#[derive(Serialize)]\npub struct Settings {\n    // partner-safety: allow(PS104) reason: write-only in the API layer\n    pub api_key: String,\n}\n";

#[test]
fn sarif_keeps_suppressed_findings_marked_with_the_reason() {
    let dir = workspace(&[("src/lib.rs", SUPPRESSED)]);
    let output = run(&[arg(dir.path()), "--format", "sarif", "-q"]);
    assert_eq!(output.code, 0);
    let sarif: Value = serde_json::from_str(&output.stdout).unwrap();
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1);
    assert_eq!(results[0]["ruleId"], "PS104");
    assert_eq!(
        results[0]["suppressions"],
        serde_json::json!([{ "kind": "inSource", "justification": "write-only in the API layer" }])
    );
    let schema: Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).unwrap();
    assert!(validator.is_valid(&sarif));
}

#[test]
fn json_shows_suppressed_findings_only_when_asked() {
    let dir = workspace(&[("src/lib.rs", SUPPRESSED)]);
    let plain: Value =
        serde_json::from_str(&run(&[arg(dir.path()), "--format", "json", "-q"]).stdout).unwrap();
    assert_eq!(plain["findings"], serde_json::json!([]));
    let shown = run(&[
        arg(dir.path()),
        "--format",
        "json",
        "-q",
        "--show-suppressed",
    ]);
    assert_eq!(shown.code, 0);
    let shown: Value = serde_json::from_str(&shown.stdout).unwrap();
    assert_eq!(shown["findings"].as_array().unwrap().len(), 1);
    assert_eq!(
        shown["findings"][0]["suppressed"],
        serde_json::json!({ "reason": "write-only in the API layer" })
    );
    assert_eq!(
        shown["summary"]["findings"], 0,
        "suppressed findings are not counted"
    );
}

// ---- CI formats ----

#[test]
fn junit_has_one_test_case_per_rule_and_file() {
    let dir = workspace(&[("src/lib.rs", LEAKY), ("src/other.rs", SECOND_LEAK)]);
    let output = run(&[
        arg(dir.path()),
        "--format",
        "junit",
        "-q",
        "-A",
        "all",
        "-D",
        "PS104",
        "-W",
        "PS101",
    ]);
    assert_eq!(output.code, 1);
    let xml = output.stdout;
    assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"partner-safety\" tests=\"3\" failures=\"2\" errors=\"0\">"), "{xml}");
    assert!(
        xml.contains("<testsuite name=\"PS101 unscoped-tenant-query\" tests=\"1\" failures=\"0\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"all files\" classname=\"partner-safety.PS101\"/>"),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"PS104 readable-secret\" tests=\"2\" failures=\"2\""),
        "{xml}"
    );
    assert!(xml.contains("<testcase name=\"src/lib.rs\" classname=\"partner-safety.PS104\" file=\"src/lib.rs\">\n      <failure type=\"PS104\" message=\"secret field `Settings.api_key` is serialized, and `Settings` is returned by `show` in partner context: a partner can read the secret back\">src/lib.rs:4:5: deny[PS104 readable-secret]:"), "{xml}");
    assert_eq!(xml.matches("<testcase ").count(), 3);
    assert!(xml.trim_end().ends_with("</testsuites>"));
}

#[test]
fn gitlab_code_quality_fields() {
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    let output = run(&[arg(dir.path()), "--format", "gitlab", "-q"]);
    assert_eq!(output.code, 1);
    let issues: Value = serde_json::from_str(&output.stdout).unwrap();
    let json: Value =
        serde_json::from_str(&run(&[arg(dir.path()), "--format", "json", "-q"]).stdout).unwrap();
    assert_eq!(
        issues,
        serde_json::json!([{
            "type": "issue",
            "description": "PS104 readable-secret: secret field `Settings.api_key` is serialized, and `Settings` is returned by `show` in partner context: a partner can read the secret back",
            "check_name": "PS104",
            "categories": ["Security"],
            "fingerprint": json["findings"][0]["fingerprint"],
            "severity": "major",
            "location": { "path": "src/lib.rs", "lines": { "begin": 4, "end": 4 } },
        }])
    );
}

#[test]
fn statistics_count_findings_per_rule() {
    let output = run(&["fixtures/demo", "--statistics", "-q"]);
    assert_eq!(output.code, 1);
    let json: Value =
        serde_json::from_str(&run(&["fixtures/demo", "--format", "json", "-q"]).stdout).unwrap();
    let findings = json["findings"].as_array().unwrap();
    let lines: Vec<&str> = output.stdout.lines().collect();
    let mut total = 0;
    let mut previous = usize::MAX;
    for line in &lines {
        let parts: Vec<&str> = line.split('\t').collect();
        let count: usize = parts[0].trim().parse().unwrap();
        let expected = findings
            .iter()
            .filter(|f| f["code"] == parts[1] && f["name"] == parts[2] && f["level"] == parts[3])
            .count();
        assert_eq!(count, expected, "{line}");
        assert!(count <= previous, "most frequent first");
        previous = count;
        total += count;
    }
    assert_eq!(total, findings.len());
    let as_json: Value = serde_json::from_str(
        &run(&["fixtures/demo", "--statistics", "--format", "json", "-q"]).stdout,
    )
    .unwrap();
    assert_eq!(as_json.as_array().unwrap().len(), lines.len());
}

#[test]
fn markdown_links_to_the_given_base() {
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    let output = run(&[
        arg(dir.path()),
        "--format",
        "markdown",
        "--link-base",
        "https://git.example.com/team/repo/-/blob/abc123/",
    ]);
    assert!(
        output.stdout.contains("  - [`src/lib.rs:4`](https://git.example.com/team/repo/-/blob/abc123/src/lib.rs#L4) **deny** `PS104` readable-secret:"),
        "{}",
        output.stdout
    );
}

// ---- documented CI usage ----

/// Every `cargo partner-safety … --format X` in the documented workflow and the
/// README is a format the tool accepts, and the workflow does what it says.
#[test]
fn documented_ci_commands_are_valid() {
    let workflow = std::fs::read_to_string(repo_root().join("docs/github-actions.yml")).unwrap();
    assert!(workflow.contains("pull_request:"));
    assert!(workflow.contains("uses: OWNER/partner-safety@COMMIT"));
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    let dir = workspace(&[("src/lib.rs", LEAKY)]);
    let mut formats: Vec<&str> = workflow
        .split("--format ")
        .chain(readme.split("--format "))
        .skip(1)
        .filter_map(|rest| rest.split(|c: char| !c.is_ascii_alphanumeric()).next())
        .filter(|format| !format.is_empty() && format.chars().all(|c| c.is_ascii_lowercase()))
        .collect();
    formats.sort_unstable();
    formats.dedup();
    assert!(formats.len() >= 6, "{formats:?}");
    for format in formats {
        let output = run(&[arg(dir.path()), "--format", format, "-q"]);
        assert_eq!(output.code, 1, "--format {format}: {}", output.stderr);
    }
}

#[test]
fn markdown_summary_counts_checklist_items() {
    let dir = workspace(&[("src/lib.rs", "pub fn clean() {}\n")]);
    let output = run(&[arg(dir.path()), "--format", "markdown"]);
    assert_eq!(output.code, 0);
    let summary = output.stdout.lines().nth(2).unwrap();
    assert!(
        summary.starts_with("✅ **0 findings (0 deny, 0 warn) in 1 file"),
        "{summary}"
    );
    let counts = output.stdout.lines().nth(4).unwrap();
    let numbers: Vec<usize> = counts
        .split(|c: char| !c.is_ascii_digit())
        .filter_map(|part| part.parse().ok())
        .collect();
    let items = output.stdout.matches("\n- [").count();
    assert_eq!(numbers.len(), 3, "{counts}");
    assert_eq!(numbers[1], 0, "{counts}");
    assert_eq!(numbers[0] + numbers[2], items, "{counts}");
    assert_eq!(output.stdout.matches("\n- [x]").count(), numbers[0]);
}
