//! JUnit XML for CI systems that show test reports: one test suite per rule,
//! one test case per rule and file. A deny finding is a failure (as it fails
//! the run); warnings are listed in the test case's output and do not fail it.
//! A rule that ran and found nothing is one passing test case, `all files`.

use super::sanitize::{escape_text, guard_line_starts};
use super::Report;
use partner_safety_lints::registry;
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::{Level, RuleMeta};
use std::collections::BTreeMap;
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    // Rules that ran, then any code with findings (tool diagnostics), in code order.
    let mut suites: BTreeMap<&str, (&RuleMeta, BTreeMap<&str, Vec<&ReportedFinding>>)> =
        BTreeMap::new();
    for meta in &report.enabled_rules {
        suites.insert(meta.code, (meta, BTreeMap::new()));
    }
    for finding in report.findings {
        let Some(meta) = registry::lookup(finding.code) else {
            continue;
        };
        suites
            .entry(meta.code)
            .or_insert_with(|| (meta, BTreeMap::new()))
            .1
            .entry(finding.region.path.as_str())
            .or_default()
            .push(finding);
    }
    let case_count = |files: &BTreeMap<&str, Vec<&ReportedFinding>>| files.len().max(1);
    let failing = |findings: &[&ReportedFinding]| findings.iter().any(|f| f.level == Level::Deny);
    let tests: usize = suites.values().map(|(_, files)| case_count(files)).sum();
    let failures: usize = suites
        .values()
        .map(|(_, files)| files.values().filter(|f| failing(f)).count())
        .sum();
    writeln!(out, r#"<?xml version="1.0" encoding="UTF-8"?>"#)?;
    writeln!(
        out,
        r#"<testsuites name="partner-safety" tests="{tests}" failures="{failures}" errors="0">"#
    )?;
    for (meta, files) in suites.values() {
        let suite_failures = files.values().filter(|f| failing(f)).count();
        writeln!(
            out,
            r#"  <testsuite name="{} {}" tests="{}" failures="{suite_failures}" errors="0" skipped="0">"#,
            meta.code,
            escape(meta.name),
            case_count(files)
        )?;
        let classname = format!("partner-safety.{}", meta.code);
        if files.is_empty() {
            writeln!(
                out,
                r#"    <testcase name="all files" classname="{classname}"/>"#
            )?;
        }
        for (path, findings) in files {
            let in_repository = report.repository.path(path);
            let path = escape_text(path);
            writeln!(
                out,
                r#"    <testcase name="{}" classname="{classname}" file="{}">"#,
                escape(&path),
                escape(&escape_text(&in_repository))
            )?;
            // Lines as `--format short` writes them, each starting with the file name.
            let text: String = findings
                .iter()
                .map(|finding| {
                    format!(
                        "{path}:{}:{}: {}[{} {}]: {}\n",
                        finding.region.line,
                        finding.region.column,
                        finding.level.as_str(),
                        finding.code,
                        finding.name,
                        escape_text(&finding.message)
                    )
                })
                .collect();
            let text = guard_line_starts(&text);
            if failing(findings) {
                let first = findings
                    .iter()
                    .find(|finding| finding.level == Level::Deny)
                    .map_or("", |finding| finding.message.as_str());
                writeln!(
                    out,
                    r#"      <failure type="{}" message="{}">{}</failure>"#,
                    meta.code,
                    escape(&escape_text(first)),
                    escape(&text)
                )?;
            } else {
                writeln!(out, "      <system-out>{}</system-out>", escape(&text))?;
            }
            writeln!(out, "    </testcase>")?;
        }
        writeln!(out, "  </testsuite>")?;
    }
    writeln!(out, "</testsuites>")
}

/// XML text and attribute escaping. Text from the linted tree has its control
/// characters escaped before it gets here; anything XML 1.0 cannot hold that is
/// left is dropped rather than written into a document no parser accepts.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&apos;"),
            '\t' | '\n' | '\r' => escaped.push(c),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => {}
            c => escaped.push(c),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn xml_specials_are_escaped() {
        assert_eq!(escape("a<b>&\"c'\u{1}"), "a&lt;b&gt;&amp;&quot;c&apos;");
    }
}
