//! `{"version": 1, "findings": [...], "summary": {...}}`: a stable interface,
//! field names fixed by the rule catalogue.

use super::Report;
use partner_safety_lints::report::ReportedFinding;
use serde::Serialize;
use std::io::{self, Write};

#[derive(Serialize)]
struct JsonReport<'a> {
    version: u32,
    findings: Vec<JsonFinding<'a>>,
    summary: JsonSummary,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    code: &'a str,
    name: &'a str,
    level: &'a str,
    message: &'a str,
    checklist_item: Option<&'a str>,
    path: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
    help: Option<&'a str>,
    fix: Option<&'a partner_safety_lints::report::ResolvedFix>,
    fingerprint: &'a str,
    /// Only with `--show-suppressed`, only on suppressed findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    suppressed: Option<JsonSuppression<'a>>,
}

#[derive(Serialize)]
struct JsonSuppression<'a> {
    reason: &'a str,
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    findings: usize,
    deny: usize,
    warn: usize,
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let suppressed: &[ReportedFinding] = if report.show_suppressed {
        report.suppressed
    } else {
        &[]
    };
    let mut all: Vec<&ReportedFinding> = report.findings.iter().chain(suppressed).collect();
    all.sort_by(|a, b| {
        (&a.region.path, a.region.line, a.region.column, a.code).cmp(&(
            &b.region.path,
            b.region.line,
            b.region.column,
            b.code,
        ))
    });
    let findings = all
        .into_iter()
        .map(|finding| JsonFinding {
            code: finding.code,
            name: finding.name,
            level: finding.level.as_str(),
            message: &finding.message,
            checklist_item: finding.checklist_item.as_deref(),
            path: &finding.region.path,
            line: finding.region.line,
            column: finding.region.column,
            end_line: finding.region.end_line,
            end_column: finding.region.end_column,
            help: finding.help.as_deref(),
            fix: finding.fix.as_ref(),
            fingerprint: &finding.fingerprint,
            suppressed: finding
                .suppressed
                .as_deref()
                .map(|reason| JsonSuppression { reason }),
        })
        .collect();
    let summary = JsonSummary {
        files: report.summary.files,
        findings: report.summary.findings,
        deny: report.summary.deny,
        warn: report.summary.warn,
    };
    super::sanitize::write_json(
        out,
        &JsonReport {
            version: 1,
            findings,
            summary,
        },
    )
}
