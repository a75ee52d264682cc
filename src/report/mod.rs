//! Reporters: every output format reads the same resolved findings.

mod github;
mod human;
mod json;
mod markdown;
mod sarif;
mod short;

use crate::cli::Format;
use partner_safety_lints::registry::{Level, RuleMeta};
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::Workspace;
use std::io::{self, Write};

/// Counts for the summary line and the JSON summary.
#[derive(Clone, Debug)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub deny: usize,
    pub warn: usize,
    pub parse_millis: u128,
}

impl Summary {
    pub fn new(files: usize, findings: &[ReportedFinding], parse_millis: u128) -> Self {
        let count = |level| {
            findings
                .iter()
                .filter(|finding| finding.level == level)
                .count()
        };
        Summary {
            files,
            findings: findings.len(),
            deny: count(Level::Deny),
            warn: count(Level::Warn),
            parse_millis,
        }
    }

    /// `N findings (X deny, Y warn) in M files, parsed in T ms`
    pub fn line(&self) -> String {
        format!(
            "{} {} ({} deny, {} warn) in {} {}, parsed in {} ms",
            self.findings,
            if self.findings == 1 {
                "finding"
            } else {
                "findings"
            },
            self.deny,
            self.warn,
            self.files,
            if self.files == 1 { "file" } else { "files" },
            self.parse_millis
        )
    }
}

/// What a reporter needs.
pub struct Report<'a> {
    pub workspace: &'a Workspace,
    pub findings: &'a [ReportedFinding],
    pub summary: Summary,
    /// Rules that ran (their level was not `allow`), for the checklist.
    pub enabled_rules: Vec<&'static RuleMeta>,
    pub color: bool,
    pub quiet: bool,
}

pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Short => short::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Markdown => markdown::write(report, out),
    }
}
