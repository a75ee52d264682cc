//! A workspace in a subfolder of a git repository: the CI formats name files as the
//! repository knows them (R12), every other format as the workspace does.

use crate::common::*;
use serde_json::Value;
use std::path::Path;
use std::process::Command;

const FIXABLE: &str = "#[derive(Serialize)]\npub struct Settings {\n    pub api_key: String,\n}\npub fn show(ctx: PartnerContext) -> Settings { todo!() }\n";

/// A git repository with the workspace in `server/svc`.
fn repository() -> tempfile::TempDir {
    let dir = workspace(&[
        ("README.md", "a service\n"),
        ("server/svc/Cargo.toml", MANIFEST),
        ("server/svc/src/lib.rs", "mod x;\n"),
        ("server/svc/src/x.rs", FIXABLE),
    ]);
    let init = Command::new("git")
        .args(["init", "-q"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(init.status.success());
    dir
}

fn report(workspace: &Path, format: &str) -> String {
    let output = run(&[
        workspace.to_str().unwrap(),
        "--format",
        format,
        "-q",
        "--link-base",
        "https://example.invalid/blob/abc",
    ]);
    assert_eq!(output.code, 1, "{format}: {}", output.stderr);
    output.stdout
}

#[test]
fn ci_formats_name_files_by_their_path_in_the_repository() {
    let repo = repository();
    let svc = repo.path().join("server/svc");

    assert_eq!(
        report(&svc, "github"),
        "::error file=server/svc/src/x.rs,line=3,col=5,title=PS104::secret field `Settings.api_key` is serialized, and `Settings` is returned by `x::show` in partner context: a partner can read the secret back (readable-secret)\n"
    );

    let sarif: Value = serde_json::from_str(&report(&svc, "sarif")).unwrap();
    let result = &sarif["runs"][0]["results"][0];
    let location = &result["locations"][0]["physicalLocation"]["artifactLocation"];
    assert_eq!(
        *location,
        serde_json::json!({ "uri": "server/svc/src/x.rs", "uriBaseId": "%SRCROOT%" })
    );
    assert_eq!(
        result["fixes"][0]["artifactChanges"][0]["artifactLocation"]["uri"],
        "server/svc/src/x.rs"
    );
    let schema: Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    assert!(jsonschema::draft4::new(&schema).unwrap().is_valid(&sarif));

    let markdown = report(&svc, "markdown");
    assert!(
        markdown.contains("  - [`server/svc/src/x.rs:3`](https://example.invalid/blob/abc/server/svc/src/x.rs#L3) **deny** `PS104` readable-secret:"),
        "{markdown}"
    );

    let gitlab: Value = serde_json::from_str(&report(&svc, "gitlab")).unwrap();
    assert_eq!(gitlab[0]["location"]["path"], "server/svc/src/x.rs");

    let junit = report(&svc, "junit");
    assert!(
        junit.contains(r#"<testcase name="src/x.rs" classname="partner-safety.PS104" file="server/svc/src/x.rs">"#),
        "{junit}"
    );

    // JSON (a stable interface) and the text formats keep the workspace's own paths.
    let json: Value = serde_json::from_str(&report(&svc, "json")).unwrap();
    assert_eq!(json["findings"][0]["path"], "src/x.rs");
    assert_eq!(
        json["findings"][0]["fix"]["replacements"][0]["path"],
        "src/x.rs"
    );
    assert!(report(&svc, "short").starts_with("src/x.rs:3:5: deny[PS104"));

    // From inside the workspace, as `cargo partner-safety` with no path.
    let inside = run_in(&svc, &["--format", "github", "-q"]);
    assert!(
        inside
            .stdout
            .starts_with("::error file=server/svc/src/x.rs,"),
        "{}",
        inside.stdout
    );
}

#[test]
fn at_the_top_of_a_repository_or_outside_one_paths_are_the_workspaces() {
    let outside = workspace(&[("Cargo.toml", MANIFEST), ("src/x.rs", FIXABLE)]);
    assert!(report(outside.path(), "github").starts_with("::error file=src/x.rs,"));
    let sarif: Value = serde_json::from_str(&report(outside.path(), "sarif")).unwrap();
    assert_eq!(
        sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
            ["uri"],
        "src/x.rs"
    );

    let git = Command::new("git")
        .args(["init", "-q"])
        .current_dir(outside.path())
        .output()
        .unwrap();
    assert!(git.status.success());
    assert!(report(outside.path(), "github").starts_with("::error file=src/x.rs,"));
    assert!(report(outside.path(), "markdown")
        .contains("[`src/x.rs:3`](https://example.invalid/blob/abc/src/x.rs#L3)"));
}
