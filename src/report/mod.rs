//! Reporters: every output format reads the same resolved findings.

mod cargo_messages;
mod github;
mod gitlab;
mod human;
mod json;
mod junit;
mod markdown;
mod sanitize;
mod sarif;
mod short;

pub use cargo_messages::CargoLayout;
pub use sanitize::{escape_text, guard_line_starts, is_printable_verbatim, SourceText};

use crate::cli::Format;
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::Workspace;
use partner_safety_lints::{Level, RuleMeta};
use std::borrow::Cow;
use std::io::{self, Write};
use std::path::Path;

/// Where the workspace lies in its git repository. SARIF, `github` annotations, Markdown
/// links and the GitLab and JUnit file fields are read by a CI system that knows files by
/// their path in the repository: when the workspace is a subfolder (`server/svc`), its
/// `src/x.rs` is `server/svc/src/x.rs` there. Every other output keeps paths relative to
/// the workspace root (JSON's are a stable interface).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RepositoryPaths {
    /// `server/svc/`, or empty at the repository's top or outside any repository.
    prefix: String,
}

impl RepositoryPaths {
    /// For a workspace root (as discovery resolved it): the nearest folder at or above it
    /// with a `.git` entry is the repository, as git itself would find it.
    pub fn of_root(root: &Path) -> Self {
        let prefix = crate::git::Repository::enclosing(root)
            .and_then(|repository| {
                let below = root.strip_prefix(&repository.top).ok()?;
                let parts: Vec<String> = below
                    .components()
                    .map(|part| part.as_os_str().to_string_lossy().into_owned())
                    .collect();
                (!parts.is_empty()).then(|| format!("{}/", parts.join("/")))
            })
            .unwrap_or_default();
        RepositoryPaths { prefix }
    }

    /// A workspace-relative path as the repository knows it.
    pub fn path<'a>(&self, workspace_relative: &'a str) -> Cow<'a, str> {
        if self.prefix.is_empty() {
            Cow::Borrowed(workspace_relative)
        } else {
            Cow::Owned(format!("{}{workspace_relative}", self.prefix))
        }
    }
}

/// Counts for the summary line and the JSON summary.
#[derive(Clone, Debug)]
pub struct Summary {
    pub files: usize,
    pub findings: usize,
    pub deny: usize,
    pub warn: usize,
    /// Only ever printed to stderr: the report itself is the same on every run.
    pub parse_millis: u128,
    /// Function bodies left unparsed because no rule reads them (stderr only).
    pub skipped_bodies: u64,
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
            skipped_bodies: 0,
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
        let mut line = format!("{}, parsed in {} ms", self.line(), self.parse_millis);
        if self.skipped_bodies > 0 {
            line.push_str(&format!(
                " ({} function {} no rule reads left unparsed: no partner model)",
                self.skipped_bodies,
                if self.skipped_bodies == 1 {
                    "body"
                } else {
                    "bodies"
                }
            ));
        }
        line
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
    /// Paths as the enclosing git repository knows them, for the CI formats.
    pub repository: RepositoryPaths,
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

/// `--message-format json`: cargo's message stream, ending with `build-finished`.
pub fn write_cargo_messages(
    report: &Report<'_>,
    layout: &CargoLayout<'_>,
    success: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    cargo_messages::write(report, layout, success, out)
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

#[cfg(test)]
mod tests {
    use super::*;
    use partner_safety_lints::diagnostic::Location;
    use partner_safety_lints::report::{region, ResolvedLabel};
    use partner_safety_lints::source::Span;
    use std::sync::Arc;

    /// A finding whose message, label, help, file name and source snippet all carry
    /// what an attacker would write into a linted tree.
    fn hostile_report(format: Format, color: bool) -> String {
        hostile_output(color, |report, out| write(format, report, out))
    }

    /// What `write_report` makes of a finding whose every field is hostile.
    fn hostile_output(
        color: bool,
        write_report: impl FnOnce(&Report<'_>, &mut dyn Write) -> io::Result<()>,
    ) -> String {
        let path = "src/a\n::error file=x::forged\u{1b}[2J\u{202e}.rs";
        let text =
            "fn f() {\n    let q = \"\u{1b}]0;pwned\u{7} ##[add-mask]x \u{2028}\u{202e}\";\n}\n";
        let workspace = Workspace::new(vec![partner_safety_lints::index_file(
            path.into(),
            Arc::from(text),
        )]);
        let at = |needle: &str| {
            let start = text.find(needle).unwrap();
            Location {
                file: 0,
                span: Span::new(start, start + needle.len()),
            }
        };
        let location = at("\"\u{1b}]0;pwned");
        let hostile = "x\n::error file=y::forged\r\n::add-mask::z \u{1b}[31m <img src=x> @octocat #1 https://evil.example ##[stop-commands]t %0A \u{202e}";
        let finding = ReportedFinding {
            code: "PS104",
            name: "readable-secret",
            level: Level::Deny,
            message: format!("secret `{hostile}` and {hostile}"),
            checklist_item: Some(format!("1. {hostile}")),
            region: region(&workspace, location),
            location,
            primary_label: Some(hostile.to_string()),
            labels: vec![ResolvedLabel {
                region: region(&workspace, at("let q")),
                location: at("let q"),
                message: hostile.to_string(),
            }],
            help: Some(hostile.to_string()),
            fix: None,
            fingerprint: "0".into(),
            suppressed: None,
        };
        let findings = [finding];
        let report = Report {
            workspace: &workspace,
            findings: &findings,
            summary: Summary::new(1, &findings, 7),
            enabled_rules: partner_safety_lints::registry::rules().collect(),
            color,
            quiet: false,
            suppressed: &[],
            show_suppressed: false,
            link_base: Some("https://example.invalid/blob/x".into()),
            repository: RepositoryPaths::default(),
        };
        let mut out = Vec::new();
        write_report(&report, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn cargo_messages_carry_nothing_raw_and_show_text_escaped() {
        let layout = CargoLayout {
            root: Path::new("/workspace"),
            targets: &[],
        };
        let written = hostile_output(false, |report, out| {
            write_cargo_messages(report, &layout, false, out)
        });
        let raw: Vec<char> = written
            .chars()
            .filter(|c| *c != '\n' && sanitize::is_unsafe(*c))
            .collect();
        assert!(raw.is_empty(), "{raw:?} in\n{written}");
        let lines: Vec<&str> = written.lines().collect();
        assert_eq!(lines.len(), 2, "one message per line, then build-finished");
        let message: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        let diagnostic = &message["message"];
        // What a tool prints is escaped; the file name and source lines are kept, as a
        // reader needs them to find the file and count columns.
        let shown = [
            &diagnostic["message"],
            &diagnostic["rendered"],
            &diagnostic["spans"][0]["label"],
            &diagnostic["spans"][1]["label"],
            &diagnostic["children"][0]["message"],
        ];
        for text in shown {
            let text = text.as_str().unwrap();
            // `rendered` has lines of its own, each starting with the report's own text.
            let unsafe_characters = text.chars().filter(|c| *c != '\n');
            assert!(
                !unsafe_characters.clone().any(sanitize::is_unsafe),
                "{text:?}"
            );
        }
        for line in diagnostic["rendered"].as_str().unwrap().lines() {
            assert!(
                line.is_empty() || line.starts_with(['e', ' ', '2']),
                "{line:?}"
            );
        }
        assert!(diagnostic["rendered"]
            .as_str()
            .unwrap()
            .contains("--> src/a\\n::error file=x::forged\\u{1b}[2J\\u{202e}.rs:2:13"));
        assert_eq!(
            diagnostic["spans"][0]["file_name"],
            "src/a\n::error file=x::forged\u{1b}[2J\u{202e}.rs"
        );
        assert_eq!(lines[1], r#"{"reason":"build-finished","success":false}"#);
    }

    #[test]
    fn no_format_writes_the_linted_tree_raw() {
        for format in [
            Format::Human,
            Format::Short,
            Format::Json,
            Format::Sarif,
            Format::Github,
            Format::Markdown,
            Format::Junit,
            Format::Gitlab,
        ] {
            let written = hostile_report(format, false);
            let raw: Vec<char> = written
                .chars()
                .filter(|c| *c != '\n' && sanitize::is_unsafe(*c))
                .collect();
            assert!(raw.is_empty(), "{format:?}: {raw:?} in\n{written}");
            for line in written.lines() {
                let trimmed = line.trim_start();
                if format == Format::Github {
                    assert!(trimmed.starts_with("::error file="), "{line}");
                } else {
                    assert!(!trimmed.starts_with("::"), "{format:?}: {line}");
                }
                assert!(!line.contains("##["), "{format:?}: {line}");
            }
            assert!(!written.contains("parsed in"), "{format:?}: {written}");
        }
    }

    #[test]
    fn colour_adds_only_the_reports_own_escapes() {
        let coloured = hostile_report(Format::Human, true);
        let escapes = coloured.matches('\u{1b}').count();
        let colours = coloured.matches("\u{1b}[").count();
        assert!(escapes > 0 && escapes == colours, "{coloured}");
        assert!(coloured.contains("\\u{1b}]0;pwned\\u{7}"), "{coloured}");
        assert!(!coloured.contains("\u{1b}]"), "{coloured}");
    }

    #[test]
    fn the_summary_line_in_a_report_has_no_timing() {
        let summary = Summary {
            files: 2,
            findings: 1,
            deny: 1,
            warn: 0,
            parse_millis: 12,
            skipped_bodies: 0,
        };
        assert_eq!(summary.line(), "1 finding (1 deny, 0 warn) in 2 files");
        assert_eq!(
            summary.timed_line(),
            "1 finding (1 deny, 0 warn) in 2 files, parsed in 12 ms"
        );
        let skipped = Summary {
            skipped_bodies: 3,
            ..summary
        };
        assert_eq!(skipped.line(), "1 finding (1 deny, 0 warn) in 2 files");
        assert_eq!(
            skipped.timed_line(),
            "1 finding (1 deny, 0 warn) in 2 files, parsed in 12 ms (3 function bodies no rule reads left unparsed: no partner model)"
        );
    }
}
