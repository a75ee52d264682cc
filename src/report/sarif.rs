//! SARIF 2.1.0 as GitHub code scanning reads it.

use super::{Report, RepositoryPaths};
use partner_safety_lints::registry;
use partner_safety_lints::report::{Region, ReportedFinding};
use partner_safety_lints::Level;
use serde_json::{json, Value};
use std::io::{self, Write};

const SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let metas = registry::all();
    let rules: Vec<Value> = metas.iter().map(|meta| rule_descriptor(meta)).collect();
    // Suppressed findings stay, marked, so code scanning shows them as
    // suppressed rather than fixed.
    let mut all: Vec<&ReportedFinding> = report.findings.iter().chain(report.suppressed).collect();
    all.sort_by(|a, b| {
        (&a.region.path, a.region.line, a.region.column, a.code).cmp(&(
            &b.region.path,
            b.region.line,
            b.region.column,
            b.code,
        ))
    });
    let results: Vec<Value> = all
        .into_iter()
        .map(|finding| {
            let rule_index = metas
                .iter()
                .position(|meta| meta.code == finding.code)
                .unwrap_or(0);
            result(finding, rule_index, &report.repository)
        })
        .collect();
    let sarif = json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "partner-safety",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    });
    super::sanitize::write_json(out, &sarif)
}

fn sarif_level(level: Level) -> &'static str {
    match level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "none",
    }
}

fn rule_descriptor(meta: &partner_safety_lints::RuleMeta) -> Value {
    let checklist = meta.checklist_item.map(|item| item.label());
    let mut properties = json!({ "tags": ["security", "tenant-isolation"] });
    if let Some(checklist) = &checklist {
        properties["checklist_item"] = json!(checklist);
    }
    json!({
        "id": meta.code,
        "name": meta.name,
        "shortDescription": { "text": meta.summary },
        "fullDescription": { "text": meta.summary },
        "help": { "text": meta.docs, "markdown": meta.docs },
        "defaultConfiguration": { "level": sarif_level(meta.default_level) },
        "properties": properties,
    })
}

fn region(region: &Region) -> Value {
    json!({
        "startLine": region.line,
        "startColumn": region.column,
        "endLine": region.end_line,
        "endColumn": region.end_column,
    })
}

/// `%SRCROOT%` is the top of the git repository that holds the workspace (the workspace
/// root outside any repository): code scanning finds files by their repository path.
fn artifact(path: &str, repository: &RepositoryPaths) -> Value {
    json!({ "uri": uri_path(&repository.path(path)), "uriBaseId": "%SRCROOT%" })
}

fn result(finding: &ReportedFinding, rule_index: usize, repository: &RepositoryPaths) -> Value {
    let mut message = plain_text(&finding.message);
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(&plain_text(help));
    }
    let mut result = json!({
        "ruleId": finding.code,
        "ruleIndex": rule_index,
        "level": sarif_level(finding.level),
        "message": { "text": message },
        "locations": [{
            "physicalLocation": {
                "artifactLocation": artifact(&finding.region.path, repository),
                "region": region(&finding.region),
            }
        }],
        "partialFingerprints": { "partnerSafety/v1": finding.fingerprint },
    });
    if !finding.labels.is_empty() {
        result["relatedLocations"] = finding
            .labels
            .iter()
            .enumerate()
            .map(|(id, label)| {
                json!({
                    "id": id,
                    "message": { "text": plain_text(&label.message) },
                    "physicalLocation": {
                        "artifactLocation": artifact(&label.region.path, repository),
                        "region": region(&label.region),
                    }
                })
            })
            .collect();
    }
    if let Some(reason) = &finding.suppressed {
        result["suppressions"] = json!([{ "kind": "inSource", "justification": reason }]);
    }
    if let Some(fix) = &finding.fix {
        let changes: Vec<Value> = fix
            .replacements
            .iter()
            .map(|replacement| {
                json!({
                    "artifactLocation": artifact(&replacement.region.path, repository),
                    "replacements": [{
                        "deletedRegion": region(&replacement.region),
                        "insertedContent": { "text": replacement.text },
                    }]
                })
            })
            .collect();
        result["fixes"] = json!([{
            "description": { "text": finding.help.as_deref().map_or_else(|| "apply the suggested change".into(), plain_text) },
            "artifactChanges": changes,
        }]);
    }
    result
}

/// A plain-text SARIF message: viewers (GitHub code scanning among them) read
/// `[text](target)` in one as a link, so a `[` that a `](` follows, which could
/// only come from quoted source, is escaped with a backslash, as SARIF 2.1.0
/// (3.11.6) escapes literal brackets. Other brackets stay as written: most
/// messages quote attributes and patterns (`#[derive(Debug)]`, `[:MANAGES]`).
fn plain_text(text: &str) -> String {
    let Some(last_link) = text.rfind("](") else {
        return text.to_string();
    };
    let mut escaped = String::with_capacity(text.len() + 4);
    for (at, c) in text.char_indices() {
        if c == '[' && at < last_link {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// A relative path as a URI reference: `/`-separated, percent-encoded.
pub(super) fn uri_path(path: &str) -> String {
    let mut encoded = String::with_capacity(path.len());
    for byte in path.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                encoded.push(byte as char)
            }
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_in_messages_cannot_make_links() {
        assert_eq!(
            plain_text("[click](https://evil.example) and [here](0) `[x]`"),
            "\\[click](https://evil.example) and \\[here](0) `[x]`"
        );
        assert_eq!(
            plain_text("`#[derive(Debug)]` and `[:MANAGES]`"),
            "`#[derive(Debug)]` and `[:MANAGES]`"
        );
    }

    #[test]
    fn uri_paths_are_percent_encoded() {
        assert_eq!(uri_path("src/my file#1.rs"), "src/my%20file%231.rs");
        assert_eq!(uri_path("src/ü.rs"), "src/%C3%BC.rs");
    }
}
