//! GitLab Code Quality report: a JSON array of issues, shown in merge
//! requests when uploaded as `artifacts:reports:codequality`.

use super::sanitize::{escape_text, write_json};
use super::Report;
use partner_safety_lints::Level;
use serde_json::{json, Value};
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let issues: Vec<Value> = report
        .findings
        .iter()
        .map(|finding| {
            json!({
                "type": "issue",
                // Shown as text in the merge request; the path stays the file's.
                "description": format!("{} {}: {}", finding.code, finding.name, escape_text(&finding.message)),
                "check_name": finding.code,
                "categories": ["Security"],
                "fingerprint": finding.fingerprint,
                "severity": if finding.level == Level::Deny { "major" } else { "minor" },
                "location": {
                    "path": report.repository.path(&finding.region.path),
                    "lines": { "begin": finding.region.line, "end": finding.region.end_line },
                },
            })
        })
        .collect();
    write_json(out, &issues)
}
