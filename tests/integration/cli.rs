use crate::common::*;

#[test]
fn demo_run_finds_the_planted_defects_and_denies() {
    let output = run(&["fixtures/demo", "--format", "short"]);
    assert_eq!(output.code, 1);
    assert_eq!(
        output.stdout.lines().collect::<Vec<_>>(),
        [
            "portal/queries/tenant_devices.cypher:2:7: deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:Device` without scoping it to a tenant the partner manages (partner context: `partner::tenant_devices`)",
            "portal/roles.toml:13:45: deny[PS201 partner-role-overgrant]: partner role `partner-support` is granted forbidden permission `\"secrets:read\"`",
            "portal/src/auth.rs:20:5: warn[PS104 readable-secret]: secret field `OAuthClientConfig.client_secret` is printed by `#[derive(Debug)]`, so it can end up in logs",
            "portal/src/bulk.rs:37:5: deny[PS301 unthrottled-tenant-fanout]: `join_all` runs a database query (`.run` in `bulk::reindex_tenant`) for every tenant of `tenants` at once, with no concurrency bound",
            "portal/src/bulk.rs:54:80: deny[PS301 unthrottled-tenant-fanout]: Cypher `SET` runs over every tenant the partner manages in one transaction, with no batching",
            "portal/src/console.rs:46:4: warn[PS501 no-context-indicator]: page `SupportDesk` is rendered in partner \"acting as\" context (route `/partner/support`) but shows no context indicator in the page, its layout or what it includes",
            "portal/src/dashboard.rs:20:49: deny[PS102 cache-key-missing-tenant]: cache key of redis `GET` does not include the target tenant's ID: `&key` (`format!(\"dashboard:{}\", session.user_id)`); `session.user_id` belongs to the acting partner, not the target tenant",
            "portal/src/dashboard.rs:22:32: deny[PS102 cache-key-missing-tenant]: cache key of redis `SET` does not include the target tenant's ID: `format!(\"{}:alerts\", session.tenant_id)`; `session.tenant_id` belongs to the acting partner, not the target tenant",
            "portal/src/errors.rs:24:18: deny[PS303 leaky-error]: response body shows `self.to_string()`, the text of the `PortalError` itself, whose message includes an inner error, to the partner in `impl IntoResponse for PortalError`",
            "portal/src/errors.rs:60:58: deny[PS303 leaky-error]: response body shows `e.to_string()`, the text of the `map_err` error `e` of `graph.execute(..)`, to the partner (partner context: `errors::device_count`)",
            "portal/src/integrations.rs:12:5: deny[PS104 readable-secret]: secret field `TenantIntegration.stripe_api_key` is serialized and printed by `#[derive(Debug)]`, and `TenantIntegration` is returned by `partner::tenant_integrations` in partner context: a partner can read the secret back, and it can end up in logs",
            "portal/src/integrations.rs:14:5: deny[PS104 readable-secret]: secret field `TenantIntegration.signing` is serialized and printed by `#[derive(Debug)]`, and `TenantIntegration` is returned by `partner::tenant_integrations` in partner context: a partner can read the secret back, and it can end up in logs",
            "portal/src/offboarding.rs:26:14: deny[PS502 unconfirmed-destructive-action]: destructive handler `clear_devices` (routed for `DELETE`) compares `body.confirm_text` only with a constant, not with the target tenant's name (partner context: `offboarding::clear_devices`)",
            "portal/src/onboarding.rs:33:94: deny[PS203 broad-manages-grant]: `MANAGES` grant sets no explicit permissions, so the partner gets whatever \"managing\" means everywhere",
            "portal/src/pages.rs:21:12: warn[PS501 no-context-indicator]: template `TenantSettingsPage` (`partner/tenant_settings.html`) is rendered in partner \"acting as\" context (route `/partner/tenants/{tenant_id}/settings`, handler `tenant_settings`) but shows no context indicator in the page, its layout or what it includes",
            "portal/src/partner/mod.rs:50:17: deny[PS202 no-break-glass]: a partner-access check is cached for 86400 s, over the 60 s a revocation may wait",
            "portal/src/partner/mod.rs:112:9: deny[PS302 audit-actor-target]: audit record `AuditEvent` gives `actor_tenant_id` and `target_tenant_id` the same value `session.tenant_id` in partner context (`partner::rotate_integration_key`)",
            "portal/src/partner/mod.rs:154:52: deny[PS401 cost-to-actor]: `UsageRecord` bills `session.tenant_id`, the acting partner, as `tenant_id` in partner context (`partner::enable_backups`); bill the target tenant (`tenant_id`) instead",
            "portal/src/provisioning.rs:18:5: deny[PS402 single-level-quota]: provisioning call `create_mailbox` runs without a partner-level quota check (partner context: `provisioning::provision_mailbox`)",
            "portal/src/roles.rs:54:67: deny[PS201 partner-role-overgrant]: partner role `PartnerAdmin` is granted forbidden permission `\"billing:manage\"`",
            "portal/src/store.rs:8:31: deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::export_tenant_users` → `store::tenant_users`)",
            "portal/src/support.rs:29:5: deny[PS103 unmasked-pii]: PII field `SupportUserView.email` reaches partner users unmasked: `SupportUserView` is returned by `support::support_users` in partner context",
            "portal/src/support.rs:46:5: deny[PS103 unmasked-pii]: `.unmask()` reveals PII in partner context (`support::reveal_phone`) without an audit reason argument or an audit call",
            "portal/templates/partner/tenant_activity.html:1:1: warn[PS501 no-context-indicator]: template `portal/templates/partner/tenant_activity.html` is rendered in partner \"acting as\" context (route `/partner/tenants/{tenant_id}/activity`, handler `tenant_activity`) but shows no context indicator in the page, its layout or what it includes",
        ]
    );
    assert!(
        output
            .stderr
            .starts_with("24 findings (20 deny, 4 warn) in 26 files, parsed in "),
        "{}",
        output.stderr
    );
}

#[test]
fn works_as_cargo_subcommand_and_with_manifest_path() {
    let as_subcommand = run(&["partner-safety", "fixtures/demo", "--format", "short", "-q"]);
    let direct = run(&["fixtures/demo", "--format", "short", "-q"]);
    let manifest = run(&[
        "--manifest-path",
        "fixtures/demo/Cargo.toml",
        "--format",
        "short",
        "-q",
    ]);
    let from_inside = run_in(&demo(), &["partner-safety", "--format", "short", "-q"]);
    assert_eq!(direct.code, 1);
    assert_eq!(direct.stdout.lines().count(), 24);
    for other in [&as_subcommand, &manifest, &from_inside] {
        assert_eq!(other.code, 1);
        assert_eq!(other.stdout, direct.stdout);
    }
}

#[test]
fn exit_codes() {
    // Deny findings: 1. Warnings only: 0. Everything allowed: 0.
    assert_eq!(run(&["fixtures/demo", "-q"]).code, 1);
    assert_eq!(run(&["fixtures/demo", "-q", "-W", "all"]).code, 0);
    assert_eq!(run(&["fixtures/demo", "-q", "-A", "all"]).code, 0);
    // Later flags win, in command-line order, by code or name.
    assert_eq!(
        run(&["fixtures/demo", "-q", "-A", "all", "-D", "readable-secret"]).code,
        1
    );
    assert_eq!(
        run(&[
            "fixtures/demo",
            "-q",
            "-W",
            "all",
            "-D",
            "PS104",
            "-W",
            "readable-secret"
        ])
        .code,
        0
    );
    // Usage errors: 2, never 1.
    assert_eq!(run(&["fixtures/demo", "--no-such-flag"]).code, 2);
    assert_eq!(run(&["fixtures/demo", "--format", "xml"]).code, 2);
    assert_eq!(run(&["no/such/dir"]).code, 2);
    assert_eq!(run(&["--manifest-path", "no/such/Cargo.toml"]).code, 2);
}

#[test]
fn unknown_rule_on_the_command_line_suggests_the_closest() {
    let output = run(&["fixtures/demo", "-D", "readable-secrets"]);
    assert_eq!(output.code, 2);
    assert_eq!(
        output.stderr,
        "error: unknown rule `readable-secrets` given to -A/-W/-D: did you mean `readable-secret`?\n"
    );
    assert_eq!(output.stdout, "");
}

#[test]
fn internal_errors_cannot_be_silenced_from_the_command_line() {
    let output = run(&["fixtures/demo", "-A", "PS003"]);
    assert_eq!(output.code, 2);
    assert_eq!(
        output.stderr,
        "error: `PS003` cannot be configured: a failed analysis (PS003 internal-error) is always reported\n"
    );
}

#[test]
fn help_lists_every_option_with_examples() {
    let output = run(&["--help"]);
    assert_eq!(output.code, 0);
    for option in [
        "--manifest-path",
        "--config",
        "--allow",
        "--warn",
        "--deny",
        "--format",
        "--color",
        "--quiet",
        "--max-file-size",
        "--jobs",
        "explain",
        "rules",
        "Examples:",
        "cargo partner-safety explain PS104",
        "Exit status: 0",
    ] {
        assert!(output.stdout.contains(option), "--help mentions {option}");
    }
}

#[test]
fn explain_shows_the_rule_docs() {
    let by_code = run(&["explain", "PS104"]);
    let by_name = run(&["explain", "readable-secret"]);
    assert_eq!(by_code.code, 0);
    assert_eq!(by_code.stdout, by_name.stdout);
    assert!(by_code.stdout.starts_with(
        "# PS104 readable-secret\n\nDefault level: deny. Checklist item: 1. Secret Protection.\n"
    ));
    for section in [
        "## What it does",
        "## Why is this bad?",
        "## Example",
        "## Use instead",
        "## Options",
        "## Fix",
        "extra_secret_names = []",
    ] {
        assert!(by_code.stdout.contains(section), "explain has {section}");
    }
    let unknown = run(&["explain", "PS14"]);
    assert_eq!(unknown.code, 2);
    assert!(
        unknown.stderr.contains("unknown rule `PS14`"),
        "{}",
        unknown.stderr
    );
}

#[test]
fn rules_lists_every_code() {
    let output = run(&["rules"]);
    assert_eq!(output.code, 0);
    let codes: Vec<&str> = output
        .stdout
        .lines()
        .map(|line| line.split_whitespace().next().unwrap())
        .collect();
    assert_eq!(
        codes,
        [
            "PS000", "PS001", "PS002", "PS003", "PS004", "PS101", "PS102", "PS103", "PS104",
            "PS201", "PS202", "PS203", "PS301", "PS302", "PS303", "PS401", "PS402", "PS501",
            "PS502"
        ]
    );
    assert!(output.stdout.contains(
        "PS104  readable-secret                deny  1. Secret Protection   A secret field"
    ));
    // Every column starts at the same place on every row, the longest name's included:
    // the level at 38, the checklist item at 44, the summary at 67.
    for row in output.stdout.lines() {
        let column = |at: usize| &row[at..];
        assert!(
            column(38).starts_with("deny  ") || column(38).starts_with("warn  "),
            "{row:?}"
        );
        assert!(&row[36..38] == "  " || row.starts_with("PS502"), "{row:?}");
        assert!(&row[43..44] == " " && &row[44..45] != " ", "{row:?}");
        assert!(&row[66..67] == " " && &row[67..68] != " ", "{row:?}");
    }
}

#[test]
fn readme_rule_table_is_generated_from_the_registry() {
    let table = run(&["rules", "--format", "markdown"]).stdout;
    let readme = std::fs::read_to_string(repo_root().join("README.md")).unwrap();
    assert!(
        readme.contains(&table),
        "README.md's rule table is stale; replace it with the output of `cargo partner-safety rules --format markdown`:\n{table}"
    );
}

#[test]
fn a_plain_folder_without_cargo_toml_is_linted() {
    let dir = workspace(&[
        ("lib/settings.rs", LEAKY),
        ("notes.txt", "pub api_key: String"),
    ]);
    let (code, findings) = short(dir.path(), &[]);
    assert_eq!(code, 1);
    assert_eq!(
        findings,
        ["lib/settings.rs:4:5: deny[PS104 readable-secret]: secret field `Settings.api_key` is serialized, and `Settings` is returned by `settings::show` in partner context: a partner can read the secret back"]
    );
}

#[test]
fn gitignored_files_target_and_non_member_packages_are_skipped() {
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", LEAKY),
        (".gitignore", "generated/\n"),
        ("generated/out.rs", LEAKY),
        ("target/debug/build/out.rs", LEAKY),
        (
            "examples/standalone/Cargo.toml",
            "[package]\nname = \"standalone\"\nversion = \"0.1.0\"\n[workspace]\n",
        ),
        ("examples/standalone/src/lib.rs", LEAKY),
        // A module folder named `target` is source, not build output.
        ("src/target/mod.rs", LEAKY),
    ]);
    let (_, findings) = short(dir.path(), &[]);
    let paths: Vec<&str> = findings
        .iter()
        .map(|line| line.split(':').next().unwrap())
        .collect();
    assert_eq!(paths, ["src/lib.rs", "src/target/mod.rs"]);
}

#[test]
fn output_is_identical_across_runs_and_thread_counts() {
    let one = run(&["fixtures/demo", "--format", "json", "-q", "-j", "1"]);
    let two = run(&["fixtures/demo", "--format", "json", "-q", "-j", "2"]);
    let again = run(&["fixtures/demo", "--format", "json", "-q"]);
    assert_eq!(one.stdout, two.stdout);
    assert_eq!(one.stdout, again.stdout);
}

#[test]
fn a_service_without_partners_is_told_so_once_and_its_cache_keys_pass() {
    // A cache keyed by the user alone, an audit record with one tenant: fine where no
    // partner acts on a tenant (R6). The secret still counts, at warn.
    let service = "fn profile(con: &mut redis::Connection, user_id: &str) {\n    let _: () = con.set(format!(\"profile:{user_id}\"), 1).unwrap();\n}\n#[derive(Serialize)]\npub struct Settings { pub api_key: String }\n";
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", service)]);
    let output = run(&[
        dir.path().to_str().unwrap(),
        "--format",
        "short",
        "--no-cache",
    ]);
    assert_eq!(output.code, 0, "{}", output.stderr);
    assert_eq!(
        output.stdout,
        "src/lib.rs:5:23: warn[PS104 readable-secret]: secret field `Settings.api_key` is serialized: whoever can read `Settings` can read the secret back\n"
    );
    let note = "note: no partner model found: no function takes a partner context type or lies under a partner path, and no query uses a MANAGES relationship, so PS102, PS302 and PS303 report nothing here; if partners are modelled under other names, set `partner_context_types` or `partner_paths` under [model] in partner-safety.toml";
    assert_eq!(output.stderr.matches(note).count(), 1, "{}", output.stderr);
    // A warm run says the same.
    let cache = tempfile::tempdir().unwrap();
    for _ in 0..2 {
        let warm = run(&[
            dir.path().to_str().unwrap(),
            "--format",
            "short",
            "--cache-dir",
            cache.path().to_str().unwrap(),
        ]);
        assert_eq!(warm.stdout, output.stdout);
        assert_eq!(warm.stderr.matches(note).count(), 1, "{}", warm.stderr);
    }

    // The twin: one partner handler makes it a partner service, and the cache key that
    // leaves out the target tenant is a deny finding.
    let partner = format!("{service}pub async fn managed(ctx: PartnerContext) {{}}\n");
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", &partner)]);
    let output = run(&[
        dir.path().to_str().unwrap(),
        "--format",
        "short",
        "--no-cache",
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert!(
        output
            .stdout
            .starts_with("src/lib.rs:2:25: deny[PS102 cache-key-missing-tenant]"),
        "{}",
        output.stdout
    );
    assert!(
        !output.stderr.contains("no partner model"),
        "{}",
        output.stderr
    );
}

#[test]
fn test_code_the_module_tree_builds_only_for_tests_is_not_reported() {
    let lib = "#[cfg(test)]\nmod tests;\npub async fn managed(ctx: PartnerContext) {}\n";
    let tests =
        "fn seed(con: &mut redis::Connection) { let _: () = con.set(\"seed\", 1).unwrap(); }\n";
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        ("src/lib.rs", lib),
        ("src/tests.rs", tests),
        ("tests/flow.rs", tests),
    ]);
    let output = run(&[
        dir.path().to_str().unwrap(),
        "--format",
        "short",
        "--no-cache",
    ]);
    assert_eq!(
        (output.code, output.stdout.as_str()),
        (0, ""),
        "{}",
        output.stderr
    );
    // The twin: the same module built into the library is production code.
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        (
            "src/lib.rs",
            "mod tests;\npub async fn managed(ctx: PartnerContext) {}\n",
        ),
        ("src/tests.rs", tests),
    ]);
    let output = run(&[
        dir.path().to_str().unwrap(),
        "--format",
        "short",
        "--no-cache",
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    assert_eq!(
        output.stdout,
        "src/tests.rs:1:60: deny[PS102 cache-key-missing-tenant]: cache key of redis `SET` does not include the target tenant's ID: `\"seed\"`\n"
    );
}
