use crate::common::*;

fn config_error(config: &str) -> String {
    let dir = workspace(&[("partner-safety.toml", config), ("src/lib.rs", LEAKY)]);
    let output = run(&[dir.path().to_str().unwrap(), "--format", "short"]);
    assert_eq!(
        output.code, 2,
        "a bad config is a usage error: {}",
        output.stderr
    );
    assert_eq!(output.stdout, "");
    output.stderr.replace(dir.path().to_str().unwrap(), "[DIR]")
}

#[test]
fn levels_by_code_name_and_table() {
    for config in [
        "[rules]\nPS104 = \"warn\"\n",
        "[rules]\nreadable-secret = \"warn\"\n",
        "[rules.readable-secret]\nlevel = \"warn\"\n",
        "[rules.PS104]\nlevel = \"warn\"\n",
    ] {
        let dir = workspace(&[("partner-safety.toml", config), ("src/lib.rs", LEAKY)]);
        let (code, findings) = short(dir.path(), &[]);
        assert_eq!(code, 0, "{config}");
        assert_eq!(findings.len(), 1);
        assert!(
            findings[0].contains(": warn[PS104 readable-secret]: "),
            "{config}: {findings:?}"
        );
    }
    // The command line overrides the file.
    let dir = workspace(&[
        ("partner-safety.toml", "[rules]\nPS104 = \"allow\"\n"),
        ("src/lib.rs", LEAKY),
    ]);
    assert_eq!(short(dir.path(), &[]).1.len(), 0);
    assert_eq!(short(dir.path(), &["-D", "PS104"]).0, 1);
}

#[test]
fn options_reach_the_rule() {
    let source =
        "#[derive(Serialize)]\npub struct Device { pub pin_code: String, pub password: String }\npub async fn device(ctx: PartnerContext) -> Json<Device> { todo!() }\n";
    let config = "[rules.readable-secret]\nextra_secret_names = [\"pin_code\"]\nignore_names = [\"password\"]\n";
    let dir = workspace(&[("partner-safety.toml", config), ("src/lib.rs", source)]);
    let (_, findings) = short(dir.path(), &[]);
    assert_eq!(
        findings,
        ["src/lib.rs:2:21: deny[PS104 readable-secret]: secret field `Device.pin_code` is serialized, and `Device` is returned by `device` in partner context: a partner can read the secret back"]
    );
}

#[test]
fn cargo_metadata_table_and_explicit_config_file() {
    let manifest =
        format!("{MANIFEST}\n[package.metadata.partner-safety.rules]\nPS104 = \"warn\"\n");
    let dir = workspace(&[("Cargo.toml", &manifest), ("src/lib.rs", LEAKY)]);
    assert_eq!(short(dir.path(), &[]).0, 0);
    let workspace_manifest = "[workspace]\nmembers = [\"app\"]\n\n[workspace.metadata.partner-safety.rules]\nreadable-secret = \"allow\"\n";
    let dir = workspace(&[
        ("Cargo.toml", workspace_manifest),
        ("app/Cargo.toml", MANIFEST),
        ("app/src/lib.rs", LEAKY),
    ]);
    assert_eq!(short(dir.path(), &[]), (0, vec![]));
    let explicit = dir.path().join("strict.toml");
    std::fs::write(&explicit, "[rules]\nPS104 = \"deny\"\n").unwrap();
    assert_eq!(
        short(dir.path(), &["--config", explicit.to_str().unwrap()]).0,
        1
    );
    let missing = run(&[dir.path().to_str().unwrap(), "--config", "no-such.toml"]);
    assert_eq!(missing.code, 2);
    assert!(
        missing
            .stderr
            .contains("cannot read configuration: `no-such.toml` does not exist"),
        "{}",
        missing.stderr
    );
}

#[test]
fn unknown_rule_points_into_the_file_and_suggests() {
    let stderr = config_error("[rules]\nreadable-secrets = \"deny\"\n");
    insta::assert_snapshot!("config_unknown_rule", stderr);
}

#[test]
fn unknown_option_suggests_the_closest_key() {
    let stderr = config_error("[rules.readable-secret]\nextra_secret_name = [\"pin\"]\n");
    insta::assert_snapshot!("config_unknown_option", stderr);
}

#[test]
fn wrong_types_and_levels_are_errors() {
    let stderr = config_error("[rules.readable-secret]\nextra_secret_names = \"pin\"\n");
    assert!(
        stderr.contains(
            "option `extra_secret_names` of PS104 readable-secret must be a list of strings"
        ),
        "{stderr}"
    );
    let stderr = config_error("[rules.readable-secret]\nextra_secret_names = [\"pin\", 3]\n");
    assert!(stderr.contains("must be a list of strings"), "{stderr}");
    let stderr = config_error("[rules]\nPS104 = \"denied\"\n");
    assert!(stderr.contains("unknown level `denied`"), "{stderr}");
    assert!(stderr.contains("did you mean `deny`?"), "{stderr}");
    let stderr = config_error("[rule]\nPS104 = \"deny\"\n");
    assert!(
        stderr.contains("unknown configuration key `rule`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `rules`?"), "{stderr}");
    let stderr = config_error("[rules]\nPS104 = \"warn\"\nreadable-secret = \"deny\"\n");
    assert!(
        stderr.contains("rule PS104 is configured twice"),
        "{stderr}"
    );
    let stderr = config_error("[rules]\nPS003 = \"allow\"\n");
    assert!(
        stderr.contains("PS003 internal-error cannot be configured"),
        "{stderr}"
    );
    let stderr = config_error("[rules\n");
    assert!(stderr.contains("is not valid TOML"), "{stderr}");
}

#[test]
fn an_integer_option_refuses_what_its_rule_cannot_read() {
    // PS202 reads its TTL as unsigned seconds: a negative one is refused, not read as 0
    // or as the default.
    let stderr = config_error("[rules.no-break-glass]\nmax_cache_ttl_secs = -5\n");
    insta::assert_snapshot!("config_negative_ttl", stderr);
    let dir = workspace(&[
        (
            "partner-safety.toml",
            "[rules.no-break-glass]\nmax_cache_ttl_secs = 0\n",
        ),
        ("src/lib.rs", LEAKY),
    ]);
    assert_eq!(short(dir.path(), &[]).0, 1, "zero seconds is a valid TTL");
}

#[test]
fn model_options_are_validated() {
    let stderr = config_error("[model]\npartner_context_type = [\"Reseller*\"]\n");
    assert!(
        stderr.contains("unknown option `partner_context_type` in [model]"),
        "{stderr}"
    );
    assert!(
        stderr.contains("did you mean `partner_context_types`?"),
        "{stderr}"
    );
    let stderr = config_error("[model]\npartner_paths = [\"**/msp/[\"]\n");
    assert!(stderr.contains("invalid glob `**/msp/[`"), "{stderr}");
    let dir = workspace(&[
        (
            "partner-safety.toml",
            "[model]\npartner_context_types = [\"Reseller*\"]\n",
        ),
        (
            "src/lib.rs",
            "#[derive(Serialize)]\npub struct Settings { pub api_key: String }\npub async fn show(ctx: ResellerSession) -> Json<Settings> { todo!() }\n",
        ),
    ]);
    // The configured type makes `show` partner context: the secret is a deny finding.
    assert_eq!(short(dir.path(), &[]).0, 1);
}
