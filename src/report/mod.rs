//! Reporters: every output format reads the same resolved findings.

mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod markdown;
mod sanitize;
mod sarif;
mod short;

pub use sanitize::{escape_text, guard_line_starts, SourceText};

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
    /// Only ever printed to stderr: the report itself is the same on every run.
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

    /// `N findings (X deny, Y warn) in M files`, for the report.
    pub fn line(&self) -> String {
        format!(
            "{} {} ({} deny, {} warn) in {} {}",
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
        )
    }

    /// The summary line with `, parsed in T ms`, for stderr.
    pub fn timed_line(&self) -> String {
        format!("{}, parsed in {} ms", self.line(), self.parse_millis)
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
    /// Findings silenced by a suppression comment: always in SARIF, in JSON
    /// with `--show-suppressed`, nowhere else.
    pub suppressed: &'a [ReportedFinding],
    pub show_suppressed: bool,
    /// `--link-base`, for Markdown links.
    pub link_base: Option<String>,
}

pub fn write(format: Format, report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    match format {
        Format::Human => human::write(report, out),
        Format::Short => short::write(report, out),
        Format::Json => json::write(report, out),
        Format::Sarif => sarif::write(report, out),
        Format::Github => github::write(report, out),
        Format::Markdown => markdown::write(report, out),
        Format::Junit => junit::write(report, out),
        Format::Gitlab => gitlab::write(report, out),
    }
}

/// `--statistics`: findings per rule, most frequent first, like ruff's.
pub fn write_statistics(
    format: Format,
    report: &Report<'_>,
    out: &mut dyn Write,
) -> io::Result<()> {
    let mut counts: Vec<(&'static str, &'static str, Level, usize)> = Vec::new();
    for finding in report.findings {
        match counts
            .iter_mut()
            .find(|(code, _, level, _)| *code == finding.code && *level == finding.level)
        {
            Some(entry) => entry.3 += 1,
            None => counts.push((finding.code, finding.name, finding.level, 1)),
        }
    }
    counts.sort_by(|a, b| b.3.cmp(&a.3).then(a.0.cmp(b.0)).then(b.2.cmp(&a.2)));
    if format == Format::Json {
        let rows: Vec<serde_json::Value> = counts
            .iter()
            .map(|(code, name, level, count)| {
                serde_json::json!({ "code": code, "name": name, "level": level.as_str(), "count": count })
            })
            .collect();
        return sanitize::write_json(out, &rows);
    }
    let width = counts
        .iter()
        .map(|entry| entry.3.to_string().len())
        .max()
        .unwrap_or(1);
    for (code, name, level, count) in counts {
        writeln!(out, "{count:>width$}\t{code}\t{name}\t{}", level.as_str())?;
    }
    Ok(())
}
