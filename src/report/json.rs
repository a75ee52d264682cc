//! `{"version": 1, "findings": [...], "summary": {...}}`: a stable interface,
//! field names fixed by the rule catalogue.

use super::Report;
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
}

#[derive(Serialize)]
struct JsonSummary {
    files: usize,
    findings: usize,
    deny: usize,
    warn: usize,
}

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let findings = report
        .findings
        .iter()
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
        })
        .collect();
    let summary = JsonSummary {
        files: report.summary.files,
        findings: report.summary.findings,
        deny: report.summary.deny,
        warn: report.summary.warn,
    };
    serde_json::to_writer_pretty(
        &mut *out,
        &JsonReport {
            version: 1,
            findings,
            summary,
        },
    )?;
    writeln!(out)
}
