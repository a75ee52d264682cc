//! The Partner Feature Safety Checklist, each item ticked or listing its
//! findings: a pull-request comment.

use super::Report;
use partner_safety_lints::registry::{ChecklistItem, Level};
use partner_safety_lints::report::ReportedFinding;
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let links = match &report.link_base {
        Some(base) => LinkBase(Some(base.trim_end_matches('/').to_string())),
        None => LinkBase::from_env(),
    };
    writeln!(out, "## partner-safety: Partner Feature Safety Checklist\n")?;
    let status = if report.summary.deny > 0 {
        "❌"
    } else if report.summary.warn > 0 {
        "⚠️"
    } else {
        "✅"
    };
    writeln!(out, "{status} **{}**\n", report.summary.line())?;
    let (mut clear, mut failing, mut unchecked) = (0, 0, 0);
    for item in ChecklistItem::ALL {
        if !report
            .enabled_rules
            .iter()
            .any(|meta| meta.checklist_item == Some(item))
        {
            unchecked += 1;
        } else if report
            .findings
            .iter()
            .any(|finding| finding.checklist_item.as_deref() == Some(item.label().as_str()))
        {
            failing += 1;
        } else {
            clear += 1;
        }
    }
    writeln!(
        out,
        "Checklist: {clear} clear, {failing} with findings, {unchecked} not checked.\n"
    )?;
    let mut section = 0;
    for item in ChecklistItem::ALL {
        if item.section() != section {
            section = item.section();
            writeln!(out, "### {}. {}\n", section, item.section_title())?;
        }
        let rules: Vec<_> = report
            .enabled_rules
            .iter()
            .filter(|meta| meta.checklist_item == Some(item))
            .collect();
        let findings: Vec<&ReportedFinding> = report
            .findings
            .iter()
            .filter(|finding| finding.checklist_item.as_deref() == Some(item.label().as_str()))
            .collect();
        let codes = rules
            .iter()
            .map(|meta| format!("`{}`", meta.code))
            .collect::<Vec<_>>()
            .join(", ");
        if rules.is_empty() {
            writeln!(
                out,
                "- [ ] **{}**: {} _(not checked: no rule enabled for this item)_",
                item.title(),
                item.question()
            )?;
        } else if findings.is_empty() {
            writeln!(
                out,
                "- [x] **{}**: {} ({codes})",
                item.title(),
                item.question()
            )?;
        } else {
            writeln!(
                out,
                "- [ ] **{}**: {} ({codes})",
                item.title(),
                item.question()
            )?;
            for finding in findings {
                writeln!(out, "  - {}", finding_line(finding, &links))?;
            }
        }
        if item == ChecklistItem::ALL[13]
            || ChecklistItem::ALL
                .iter()
                .skip_while(|i| **i != item)
                .nth(1)
                .is_some_and(|next| next.section() != section)
        {
            writeln!(out)?;
        }
    }
    let tool: Vec<&ReportedFinding> = report
        .findings
        .iter()
        .filter(|finding| finding.checklist_item.is_none())
        .collect();
    if !tool.is_empty() {
        writeln!(out, "### Tool diagnostics\n")?;
        for finding in tool {
            writeln!(out, "- {}", finding_line(finding, &links))?;
        }
        writeln!(out)?;
    }
    Ok(())
}

fn finding_line(finding: &ReportedFinding, links: &LinkBase) -> String {
    let marker = if finding.level == Level::Deny {
        "**deny**"
    } else {
        "warn"
    };
    let place = format!("{}:{}", finding.region.path, finding.region.line);
    let place = match &links.0 {
        Some(base) => format!(
            "[`{place}`]({base}/{}#L{})",
            super::sarif::uri_path(&finding.region.path),
            finding.region.line
        ),
        None => format!("`{place}`"),
    };
    format!(
        "{place} {marker} `{}` {}: {}",
        finding.code,
        finding.name,
        escape(&finding.message)
    )
}

/// Markdown-significant characters outside code spans would change the
/// rendering; findings quote code in backticks, which stay as they are.
/// Inside a code span GitHub shows every character as written (an entity or a
/// backslash would show literally), so only text outside backticks is escaped.
fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    // An unmatched backtick opens no span: escape everything after it.
    let closed = text.matches('`').count().is_multiple_of(2);
    let mut in_code = false;
    let mut backticks_left = text.matches('`').count();
    for c in text.chars() {
        if c == '`' && (closed || backticks_left > 1 || in_code) {
            in_code = !in_code;
            backticks_left -= 1;
            escaped.push(c);
            continue;
        }
        if in_code {
            escaped.push(c);
            continue;
        }
        match c {
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '&' => escaped.push_str("&amp;"),
            '`' => escaped.push_str("\\`"),
            '|' | '*' | '_' | '[' | ']' | '\\' => {
                escaped.push('\\');
                escaped.push(c);
            }
            c => escaped.push(c),
        }
    }
    escaped
}

/// `https://github.com/OWNER/REPO/blob/SHA` from GitHub Actions' variables,
/// so findings link to the exact lines of the commit checked.
struct LinkBase(Option<String>);

impl LinkBase {
    fn from_env() -> Self {
        let var = |name| {
            std::env::var(name)
                .ok()
                .filter(|value: &String| !value.is_empty())
        };
        match (
            var("GITHUB_SERVER_URL"),
            var("GITHUB_REPOSITORY"),
            var("GITHUB_SHA"),
        ) {
            (Some(server), Some(repository), Some(sha)) => {
                LinkBase(Some(format!("{server}/{repository}/blob/{sha}")))
            }
            _ => LinkBase(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::escape;

    #[test]
    fn code_spans_stay_as_written() {
        assert_eq!(
            escape("`Extension<PartnerContext>` is *not* a_b | c"),
            "`Extension<PartnerContext>` is \\*not\\* a\\_b \\| c"
        );
        assert_eq!(
            escape("a <b> & `x|y` [z]"),
            "a &lt;b&gt; &amp; `x|y` \\[z\\]"
        );
        assert_eq!(escape("odd ` tick <x>"), "odd \\` tick &lt;x&gt;");
    }
}
