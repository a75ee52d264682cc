//! `--message-format json`: the stream read as cargo's own, with the `cargo_metadata`
//! crate's message types (what rust-analyzer and other cargo-aware tools deserialize).

use crate::common::*;
use cargo_metadata::diagnostic::{Applicability, DiagnosticLevel};
use cargo_metadata::{CompilerMessage, Message};
use serde_json::Value;
use std::path::Path;

/// The stream's messages and the exit status; every line must be one of cargo's messages.
fn messages(dir: &Path, extra: &[&str]) -> (i32, Vec<CompilerMessage>, bool) {
    let mut args = vec![dir.to_str().unwrap(), "--message-format", "json"];
    args.extend_from_slice(extra);
    let output = run(&args);
    let mut compiler_messages = Vec::new();
    let mut finished = None;
    for message in Message::parse_stream(output.stdout.as_bytes()) {
        match message.unwrap() {
            Message::CompilerMessage(message) => {
                assert!(finished.is_none(), "a message after build-finished");
                compiler_messages.push(message);
            }
            Message::BuildFinished(done) => finished = Some(done.success),
            other => panic!("not a message cargo writes here: {other:?}"),
        }
    }
    let success = finished.expect("the stream ends with build-finished");
    (output.code, compiler_messages, success)
}

#[test]
fn the_stream_is_cargos_and_says_what_the_report_says() {
    let demo = demo();
    let (code, stream, success) = messages(&demo, &[]);
    assert_eq!((code, success), (1, false));
    let report: Value =
        serde_json::from_str(&run(&["fixtures/demo", "--format", "json", "-q"]).stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(stream.len(), findings.len());
    for (message, finding) in stream.iter().zip(findings) {
        let diagnostic = &message.message;
        let code = finding["code"].as_str().unwrap();
        assert_eq!(
            diagnostic.code.as_ref().unwrap().code,
            format!("partner-safety::{code}")
        );
        let level = match finding["level"].as_str().unwrap() {
            "deny" => DiagnosticLevel::Error,
            _ => DiagnosticLevel::Warning,
        };
        assert_eq!(diagnostic.level, level, "{code}");
        assert_eq!(diagnostic.message, finding["message"].as_str().unwrap());
        let primary = diagnostic
            .spans
            .iter()
            .find(|span| span.is_primary)
            .unwrap();
        assert_eq!(primary.file_name, finding["path"].as_str().unwrap());
        let position = (
            primary.line_start as u64,
            primary.column_start as u64,
            primary.line_end as u64,
            primary.column_end as u64,
        );
        let expected = (
            finding["line"].as_u64().unwrap(),
            finding["column"].as_u64().unwrap(),
            finding["end_line"].as_u64().unwrap(),
            finding["end_column"].as_u64().unwrap(),
        );
        assert_eq!(position, expected, "{code} {}", primary.file_name);
        // rust-analyzer joins the name to the workspace root it runs the command in.
        assert!(
            demo.join(&primary.file_name).is_file(),
            "{}",
            primary.file_name
        );
        assert!(diagnostic
            .rendered
            .as_deref()
            .unwrap()
            .starts_with(&format!("{}[{code}]: ", diagnostic.level_name())));
    }

    // Each message belongs to the package cargo names, with cargo's own id.
    let metadata = cargo_metadata::MetadataCommand::new()
        .manifest_path(demo.join("Cargo.toml"))
        .no_deps()
        .exec()
        .unwrap();
    let portal = metadata
        .packages
        .iter()
        .find(|package| package.name.as_str() == "portal")
        .unwrap();
    for message in &stream {
        assert_eq!(message.package_id, portal.id);
        assert!(
            portal.targets.contains(&message.target),
            "{:?}",
            message.target
        );
    }
}

/// `DiagnosticLevel` as rustc writes it at the start of `rendered`.
trait LevelName {
    fn level_name(&self) -> &'static str;
}

impl LevelName for cargo_metadata::diagnostic::Diagnostic {
    fn level_name(&self) -> &'static str {
        match self.level {
            DiagnosticLevel::Error => "error",
            DiagnosticLevel::Warning => "warning",
            _ => "other",
        }
    }
}

#[test]
fn a_fix_is_a_quick_fix_and_labels_are_secondary_spans() {
    let (_, stream, _) = messages(&demo(), &[]);
    let secret = stream
        .iter()
        .find(|message| {
            message.message.message
                == "secret field `TenantIntegration.stripe_api_key` is serialized and printed by `#[derive(Debug)]`, and `TenantIntegration` is returned by `partner::tenant_integrations` in partner context: a partner can read the secret back, and it can end up in logs"
        })
        .unwrap();
    let diagnostic = &secret.message;
    assert_eq!(diagnostic.level, DiagnosticLevel::Error);
    assert_eq!(diagnostic.children.len(), 1);
    let help = &diagnostic.children[0];
    assert_eq!(help.level, DiagnosticLevel::Help);
    assert_eq!(
        help.message,
        "secrets must be write-only for partners: skip the field when serializing (`#[serde(skip_serializing)]`) or make its type a secret wrapper (`secrecy::SecretString`)"
    );
    assert_eq!(help.spans.len(), 1);
    let fix = &help.spans[0];
    assert!(fix.is_primary);
    assert_eq!(fix.file_name, "portal/src/integrations.rs");
    assert_eq!(
        (
            fix.line_start,
            fix.column_start,
            fix.line_end,
            fix.column_end
        ),
        (12, 5, 12, 5)
    );
    assert_eq!(fix.byte_start, fix.byte_end);
    assert_eq!(
        fix.suggested_replacement.as_deref(),
        Some("#[serde(skip_serializing)]\n    ")
    );
    // The demo's type is also deserialized: a suggestion for a person to review (R7).
    assert_eq!(
        fix.suggestion_applicability,
        Some(Applicability::MaybeIncorrect)
    );
    let source = std::fs::read_to_string(demo().join(&fix.file_name)).unwrap();
    assert_eq!(
        &source[fix.byte_start as usize..],
        &source[source.find("pub stripe_api_key").unwrap()..]
    );
    assert_eq!(
        diagnostic.rendered.as_deref(),
        Some(
            "error[PS104]: secret field `TenantIntegration.stripe_api_key` is serialized and printed by `#[derive(Debug)]`, and `TenantIntegration` is returned by `partner::tenant_integrations` in partner context: a partner can read the secret back, and it can end up in logs
  --> portal/src/integrations.rs:12:5
   |
12 |     pub stripe_api_key: String,
   |     ^^^^^^^^^^^^^^^^^^^^^^^^^^ readable secret
   |
   = help: secrets must be write-only for partners: skip the field when serializing (`#[serde(skip_serializing)]`) or make its type a secret wrapper (`secrecy::SecretString`)

"
        )
    );

    // A finding with labels: one primary span, each label a labelled secondary span.
    let chained = stream
        .iter()
        .find(|message| {
            message
                .message
                .message
                .contains("`partner::export_tenant_users` → `store::tenant_users`")
        })
        .unwrap();
    let spans = &chained.message.spans;
    assert_eq!(spans.iter().filter(|span| span.is_primary).count(), 1);
    assert!(spans.len() > 1);
    for span in spans.iter().filter(|span| !span.is_primary) {
        assert!(span.label.is_some(), "{span:?}");
        assert!(demo().join(&span.file_name).is_file());
    }
}

#[test]
fn columns_count_characters_and_each_span_carries_its_lines() {
    let source =
        "#[derive(Serialize)]\npub struct Réglages {\n    /* clé */ pub api_key: String,\n}\npub fn show(ctx: PartnerContext) -> Réglages { todo!() }\n";
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", source)]);
    let (code, stream, success) = messages(dir.path(), &["-q"]);
    assert_eq!((code, success, stream.len()), (1, false, 1));
    let span = &stream[0].message.spans[0];
    assert_eq!(span.file_name, "src/lib.rs");
    // `    /* clé */ ` is 14 characters and 15 bytes.
    assert_eq!((span.line_start, span.column_start), (3, 15));
    let line_start = source.find("    /* clé").unwrap();
    assert_eq!(span.byte_start as usize, line_start + 15);
    assert_eq!(span.text.len(), 1);
    assert_eq!(span.text[0].text, "    /* clé */ pub api_key: String,");
    assert_eq!(span.text[0].highlight_start, 15);
    assert_eq!(span.text[0].highlight_end, span.column_end);
    assert_eq!(stream[0].target.name, "sample");
    assert_eq!(
        stream[0].target.src_path.as_std_path(),
        dir.path().canonicalize().unwrap().join("src/lib.rs")
    );
}

#[test]
fn a_clean_or_warning_only_run_finishes_successfully() {
    let dir = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", "pub fn f() {}\n")]);
    let (code, stream, success) = messages(dir.path(), &["-q"]);
    assert_eq!((code, stream.len(), success), (0, 0, true));
    let leaky = workspace(&[("Cargo.toml", MANIFEST), ("src/lib.rs", LEAKY)]);
    let (code, stream, success) = messages(leaky.path(), &["-q", "-W", "all"]);
    assert_eq!((code, stream.len(), success), (0, 1, true));
    assert_eq!(stream[0].message.level, DiagnosticLevel::Warning);
    // A plain folder has no package: the root stands for it.
    let plain = workspace(&[("lib/settings.rs", LEAKY)]);
    let (code, stream, _) = messages(plain.path(), &["-q"]);
    assert_eq!((code, stream.len()), (1, 1));
    assert_eq!(stream[0].message.spans[0].file_name, "lib/settings.rs");
}

#[test]
fn message_format_replaces_the_report_format() {
    let output = run(&[
        "fixtures/demo",
        "--message-format",
        "json",
        "--format",
        "sarif",
    ]);
    assert_eq!(output.code, 2);
    assert!(
        output.stderr.starts_with(
            "error: the argument '--message-format <FMT>' cannot be used with '--format <FORMAT>'"
        ),
        "{}",
        output.stderr
    );
    assert_eq!(run(&["fixtures/demo", "--message-format", "short"]).code, 2);
}

#[test]
fn text_from_the_linted_tree_is_shown_escaped() {
    let source = "async fn f(graph: &Graph) {\n    graph.run(query(\"MATCH (n) RETURN n `\\u{1b}[31m\\n::error file=x::forged` `x`\")).await;\n}\n";
    let dir = workspace(&[("src/lib.rs", source)]);
    let output = run(&[
        dir.path().to_str().unwrap(),
        "--message-format",
        "json",
        "-q",
    ]);
    assert!(!output.stdout.contains('\u{1b}'));
    for line in output.stdout.lines() {
        assert!(!line.trim_start().starts_with("::"), "{line}");
    }
    let (_, stream, _) = messages(dir.path(), &["-q"]);
    let quoting = stream
        .iter()
        .find(|message| message.message.message.contains("::error"))
        .expect("a finding quotes the query");
    let diagnostic = &quoting.message;
    for text in [
        Some(diagnostic.message.as_str()),
        diagnostic.rendered.as_deref(),
    ]
    .into_iter()
    .flatten()
    {
        assert!(!text.contains('\u{1b}'), "{text:?}");
        assert!(text.contains("\\u{1b}[31m\\n::error"), "{text:?}");
    }
}
