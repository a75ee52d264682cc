use crate::common::*;
use serde_json::Value;

/// The demo's report, from a copy outside this repository: inside it, the CI formats
/// would name files by their path in the repository (`fixtures/demo/…`).
fn demo_output(format: &str) -> String {
    let demo = crate::adoption::demo_copy();
    let output = run(&[
        demo.path().to_str().unwrap(),
        "--format",
        format,
        "--color",
        "never",
    ]);
    assert_eq!(output.code, 1, "{}", output.stderr);
    output.stdout
}

/// No filter: a report holds nothing that changes from run to run.
fn snapshot(name: &str, text: &str) {
    insta::assert_snapshot!(name, text);
}

#[test]
fn human_format() {
    snapshot("demo_human", &demo_output("human"));
}

#[test]
fn short_format() {
    snapshot("demo_short", &demo_output("short"));
}

#[test]
fn json_format() {
    snapshot("demo_json", &demo_output("json"));
}

#[test]
fn sarif_format() {
    snapshot("demo_sarif", &demo_output("sarif"));
}

#[test]
fn github_format() {
    snapshot("demo_github", &demo_output("github"));
}

#[test]
fn markdown_format() {
    snapshot("demo_markdown", &demo_output("markdown"));
}

#[test]
fn json_findings_have_exactly_the_catalogue_fields() {
    let report: Value = serde_json::from_str(&demo_output("json")).unwrap();
    assert_eq!(report["version"], 1);
    let keys = |value: &Value| {
        value
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect::<Vec<_>>()
    };
    assert_eq!(keys(&report), ["findings", "summary", "version"]);
    assert_eq!(
        report["summary"],
        serde_json::json!({"files": 26, "findings": 24, "deny": 20, "warn": 4})
    );
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 24);
    let mut expected_keys = vec![
        "code",
        "name",
        "level",
        "message",
        "checklist_item",
        "path",
        "line",
        "column",
        "end_line",
        "end_column",
        "help",
        "fix",
        "fingerprint",
    ];
    expected_keys.sort();
    for finding in findings {
        assert_eq!(keys(finding), expected_keys);
    }
    let secret = |level: &str| {
        findings
            .iter()
            .find(|f| {
                f["code"] == "PS104"
                    && f["level"] == level
                    && f["message"].as_str().unwrap().contains("stripe_api_key")
            })
            .unwrap()
    };
    let deny = secret("deny");
    assert_eq!(deny["code"], "PS104");
    assert_eq!(deny["name"], "readable-secret");
    assert_eq!(deny["level"], "deny");
    assert_eq!(deny["checklist_item"], "1. Secret Protection");
    assert_eq!(deny["path"], "portal/src/integrations.rs");
    assert_eq!(
        (deny["line"].as_u64(), deny["column"].as_u64()),
        (Some(12), Some(5))
    );
    assert_eq!(
        (deny["end_line"].as_u64(), deny["end_column"].as_u64()),
        (Some(12), Some(31))
    );
    assert_eq!(
        deny["fix"],
        serde_json::json!({
            "replacements": [{
                "path": "portal/src/integrations.rs", "line": 12, "column": 5, "end_line": 12, "end_column": 5,
                "text": "#[serde(skip_serializing)]\n    ",
            }],
            // `TenantIntegration` is also deserialized: a suggestion for a person (R7).
            "applicability": "MaybeIncorrect",
        })
    );

    let fingerprints: std::collections::HashSet<&str> = findings
        .iter()
        .map(|f| f["fingerprint"].as_str().unwrap())
        .collect();
    assert_eq!(fingerprints.len(), 24, "fingerprints are unique");
}

#[test]
fn fingerprints_survive_moved_lines() {
    let moved = |padding: &str| {
        let dir = workspace(&[("src/lib.rs", &format!("{padding}{LEAKY}"))]);
        let output = run(&[dir.path().to_str().unwrap(), "--format", "json", "-q"]);
        let report: Value = serde_json::from_str(&output.stdout).unwrap();
        (
            report["findings"][0]["fingerprint"].clone(),
            report["findings"][0]["line"].clone(),
        )
    };
    let (before, line_before) = moved("");
    let (after, line_after) = moved("\n\n// a comment added above\nfn unrelated() {}\n");
    assert_ne!(line_before, line_after);
    assert_eq!(before, after);
}

#[test]
fn sarif_validates_against_the_official_schema() {
    let schema: Value =
        serde_json::from_str(include_str!("../data/sarif-schema-2.1.0.json")).unwrap();
    let validator = jsonschema::draft4::new(&schema).expect("the schema compiles");
    let sarif: Value = serde_json::from_str(&demo_output("sarif")).unwrap();
    let errors: Vec<String> = validator
        .iter_errors(&sarif)
        .map(|error| format!("{error} at {}", error.instance_path()))
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let run = &sarif["runs"][0];
    let results = run["results"].as_array().unwrap();
    let result = results
        .iter()
        .find(|r| r["ruleId"] == "PS104" && r["level"] == "error")
        .unwrap();
    assert_eq!(result["ruleId"], "PS104");
    assert_eq!(result["level"], "error");
    assert_eq!(
        run["tool"]["driver"]["rules"][result["ruleIndex"].as_u64().unwrap() as usize]["id"],
        "PS104"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "portal/src/integrations.rs"
    );
    assert_eq!(
        result["locations"][0]["physicalLocation"]["region"]["startLine"],
        12
    );
    assert!(result["partialFingerprints"]["partnerSafety/v1"].is_string());
    // A schema check that cannot fail proves nothing: a broken log must be rejected.
    let mut broken = sarif.clone();
    broken["runs"][0]["results"][0]["level"] = Value::from("fatal");
    assert!(!validator.is_valid(&broken));
}

#[test]
fn github_annotations_escape_and_map_levels() {
    let dir = workspace(&[("we,ird:dir/lib.rs", LEAKY)]);
    let output = run(&[dir.path().to_str().unwrap(), "--format", "github", "-q"]);
    assert_eq!(
        output.stdout,
        "::error file=we%2Cird%3Adir/lib.rs,line=4,col=5,title=PS104::secret field `Settings.api_key` is serialized, and `Settings` is returned by `show` in partner context: a partner can read the secret back (readable-secret)\n"
    );
    let warn = run(&[
        dir.path().to_str().unwrap(),
        "--format",
        "github",
        "-q",
        "-W",
        "PS104",
    ]);
    assert!(
        warn.stdout.starts_with("::warning file="),
        "{}",
        warn.stdout
    );
}

const FORMATS: [&str; 8] = [
    "human", "short", "json", "sarif", "github", "markdown", "junit", "gitlab",
];

/// Every format's stdout for one way of running, with `short`'s stderr.
fn every_format(path: &str, how: &[&str]) -> (Vec<String>, String) {
    let mut stderr = String::new();
    let outputs = FORMATS
        .iter()
        .map(|format| {
            let mut args = vec![path, "--format", format, "--color", "never"];
            args.extend_from_slice(how);
            let output = run(&args);
            assert!(output.code <= 1, "{format}: {}", output.stderr);
            if *format == "short" {
                stderr = output.stderr;
            }
            output.stdout
        })
        .collect();
    (outputs, stderr)
}

/// Many files with findings of several rules, so that threads interleave.
fn many_files() -> tempfile::TempDir {
    let files: Vec<(String, String)> = (0..60)
        .map(|index| {
            (
                format!("src/module_{index:02}.rs"),
                format!(
                    "#[derive(Serialize, Debug)]\npub struct Settings{index} {{\n    pub api_key: String,\n    pub password: String,\n}}\n\
                     async fn load{index}(graph: &Graph) {{\n    graph.run(query(\"MATCH (n RETURN n\")).await;\n}}\n"
                ),
            )
        })
        .collect();
    let borrowed: Vec<(&str, &str)> = files
        .iter()
        .map(|(p, t)| (p.as_str(), t.as_str()))
        .collect();
    workspace(&borrowed)
}

#[test]
fn every_format_is_byte_identical_across_runs_threads_and_the_cache() {
    let many = many_files();
    for path in ["fixtures/demo", many.path().to_str().unwrap()] {
        let (first, stderr) = every_format(path, &["--no-cache", "--jobs", "1"]);
        assert!(first[1].lines().count() > 20, "{path}: {}", first[1]);
        for how in [
            &["--no-cache", "--jobs", "1"][..],
            &["--no-cache", "--jobs", "2"],
            // Cold or warm, the cache gives the same report.
            &["--jobs", "2"],
            &["--jobs", "2"],
        ] {
            let (again, _) = every_format(path, how);
            for ((format, a), b) in FORMATS.iter().zip(&first).zip(&again) {
                assert!(
                    a == b,
                    "{path} {format} differs with {how:?}:\n{a}\n---\n{b}"
                );
            }
        }
        // Timings go to stderr only.
        for (format, text) in FORMATS.iter().zip(&first) {
            assert!(!text.contains("parsed in"), "{format}: {text}");
        }
        assert!(stderr.contains(", parsed in "), "{stderr}");
    }
}
