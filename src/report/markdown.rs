//! The Partner Feature Safety Checklist, each item ticked or listing its
//! findings: a pull-request comment.

use super::sanitize::escape_text;
use super::{Report, RepositoryPaths};
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::{ChecklistItem, Level};
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
                writeln!(
                    out,
                    "  - {}",
                    finding_line(finding, &links, &report.repository)
                )?;
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
            writeln!(
                out,
                "- {}",
                finding_line(finding, &links, &report.repository)
            )?;
        }
        writeln!(out)?;
    }
    Ok(())
}

/// One finding, its place named (and linked) by its path in the repository.
fn finding_line(
    finding: &ReportedFinding,
    links: &LinkBase,
    repository: &RepositoryPaths,
) -> String {
    let path = repository.path(&finding.region.path);
    let marker = if finding.level == Level::Deny {
        "**deny**"
    } else {
        "warn"
    };
    let place = code_span(&escape_text(&format!("{path}:{}", finding.region.line)));
    let place = match &links.0 {
        Some(base) => format!(
            "[{place}]({base}/{}#L{})",
            super::sarif::uri_path(&path),
            finding.region.line
        ),
        None => place,
    };
    format!(
        "{place} {marker} `{}` {}: {}",
        finding.code,
        finding.name,
        inline(&finding.message)
    )
}

/// A message as Markdown that renders as exactly its text, for a pull-request
/// comment: nothing quoted from the linted tree may become HTML, a link, an image,
/// a mention that notifies someone, an issue or commit reference, or structure.
///
/// Messages quote code between backticks; those spans are kept, each written with a
/// fence longer than any backtick run in it (a quoted backtick cannot close it early).
/// In the text between them, HTML and Markdown punctuation are escaped, and a word
/// GitHub would turn into a link or a reference (`@name`, `#12`, `GH-12`, `owner/repo#12`,
/// a URL, `www.…`, an e-mail address, a commit hash) is put in a code span of its own:
/// GitHub does not look for mentions, references or links inside code, while an
/// entity (`&#64;`) or a backslash before `@` is decoded before its mention filter
/// reads the text, so neither would stop the notification.
fn inline(message: &str) -> String {
    let message = escape_text(message);
    let parts: Vec<&str> = message.split('`').collect();
    let backticks = parts.len() - 1;
    // An unmatched last backtick opens no span: it and what follows are text.
    let paired = backticks - backticks % 2;
    let mut out = Inline::default();
    let mut index = 0;
    while index < parts.len() {
        if index % 2 == 1 && index < paired {
            out.code(parts[index]);
        } else if index == paired && backticks % 2 == 1 {
            out.text(&format!("{}`{}", parts[index], parts[index + 1]));
            index += 1;
        } else {
            out.text(parts[index]);
        }
        index += 1;
    }
    out.markdown
}

#[derive(Default)]
struct Inline {
    markdown: String,
    /// Two code spans written back to back would read as one longer fence.
    after_code_span: bool,
}

impl Inline {
    fn code(&mut self, code: &str) {
        if code.is_empty() {
            // `` ` `` twice: no span can be empty, so they are shown as they were.
            self.markdown.push_str("&#96;&#96;");
            self.after_code_span = false;
            return;
        }
        if self.after_code_span {
            self.markdown.push(' ');
        }
        self.markdown.push_str(&code_span(code));
        self.after_code_span = true;
    }

    fn text(&mut self, text: &str) {
        let mut rest = text;
        while let Some(first) = rest.chars().next() {
            let is_space = first.is_whitespace();
            let end = rest
                .find(|c: char| c.is_whitespace() != is_space)
                .unwrap_or(rest.len());
            let (piece, after) = rest.split_at(end);
            rest = after;
            if !is_space && may_link(piece) {
                self.code(piece);
                continue;
            }
            for c in piece.chars() {
                match c {
                    '<' => self.markdown.push_str("&lt;"),
                    '>' => self.markdown.push_str("&gt;"),
                    '&' => self.markdown.push_str("&amp;"),
                    // An entity, not `\``: a backtick run next to a span's fence would
                    // lengthen it.
                    '`' => self.markdown.push_str("&#96;"),
                    // Emphasis, links and images (`]` escaped, no `(` can follow one),
                    // tables, strikethrough, math, and the backslash itself.
                    '\\' | '*' | '_' | '[' | ']' | '|' | '~' | '$' => {
                        self.markdown.push('\\');
                        self.markdown.push(c);
                    }
                    c => self.markdown.push(c),
                }
            }
            self.after_code_span = false;
        }
    }
}

/// Whether GitHub could turn `word` into a link or a reference: a mention or an e-mail
/// address (`@`), an issue reference (`#12`, `owner/repo#12`, `GH-12`), a URL (a scheme's
/// `:`; a trailing colon ends prose), `www.`, or a commit hash (seven hex digits or more).
fn may_link(word: &str) -> bool {
    let lower = word.to_ascii_lowercase();
    word.contains(['@', '#'])
        || word.trim_end_matches(':').contains(':')
        || lower.contains("www.")
        || lower
            .match_indices("gh-")
            .any(|(at, _)| lower[at + 3..].starts_with(|c: char| c.is_ascii_digit()))
        || longest_run(word, |c| c.is_ascii_hexdigit()) >= 7
}

/// `text` as one code span: GitHub shows it character for character, with no
/// markup, link or reference inside.
fn code_span(text: &str) -> String {
    let fence = "`".repeat(longest_run(text, |c| c == '`') + 1);
    // A span's content that starts or ends with a backtick or a space is padded with
    // one space each side, which the renderer strips.
    let padded = !text.chars().all(|c| c == ' ')
        && (text.starts_with(['`', ' ']) || text.ends_with(['`', ' ']));
    let pad = if padded { " " } else { "" };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn longest_run(text: &str, counted: impl Fn(char) -> bool) -> usize {
    let (mut longest, mut current) = (0, 0);
    for c in text.chars() {
        current = if counted(c) { current + 1 } else { 0 };
        longest = longest.max(current);
    }
    longest
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
    use super::*;

    #[test]
    fn code_spans_stay_code_and_text_is_escaped() {
        assert_eq!(
            inline("`Extension<PartnerContext>` is *not* a_b | c"),
            "`Extension<PartnerContext>` is \\*not\\* a\\_b \\| c"
        );
        assert_eq!(
            inline("a <b> & `x|y` [z]"),
            "a &lt;b&gt; &amp; `x|y` \\[z\\]"
        );
        assert_eq!(inline("odd ` tick <x>"), "odd &#96; tick &lt;x&gt;");
        assert_eq!(inline("~~s~~ $x$ \\"), "\\~\\~s\\~\\~ \\$x\\$ \\\\");
    }

    #[test]
    fn html_from_the_source_is_never_live() {
        assert_eq!(
            inline("query <img src=x onerror=alert(1)> here"),
            "query &lt;img src=x onerror=alert(1)&gt; here"
        );
        // In a span the renderer escapes it; the span is fenced past any backtick in it.
        assert_eq!(
            inline("``<img src=x>``"),
            "&#96;&#96;&lt;img src=x&gt;&#96;&#96;"
        );
        assert_eq!(inline("token `a` `<script>` b"), "token `a` `<script>` b");
    }

    #[test]
    fn mentions_references_and_links_go_into_code_spans() {
        assert_eq!(inline("cc @octocat now"), "cc `@octocat` now");
        assert_eq!(inline("fixes #123."), "fixes `#123.`");
        assert_eq!(
            inline("see owner/repo#4 and GH-12"),
            "see `owner/repo#4` and `GH-12`"
        );
        assert_eq!(
            inline("go https://evil.example/x or www.evil.example"),
            "go `https://evil.example/x` or `www.evil.example`"
        );
        assert_eq!(inline("mail a@evil.example"), "mail `a@evil.example`");
        assert_eq!(inline("commit deadbeef1 ok"), "commit `deadbeef1` ok");
        assert_eq!(inline("<https://evil.example>"), "`<https://evil.example>`");
        assert_eq!(
            inline("![x](https://evil.example/i.png)"),
            "`![x](https://evil.example/i.png)`"
        );
        // Prose with a trailing colon or short hex is left alone.
        assert_eq!(inline("partner context: `f`"), "partner context: `f`");
        assert_eq!(inline("cafe 86400 s"), "cafe 86400 s");
    }

    #[test]
    fn adjacent_spans_do_not_merge_into_one_fence() {
        assert_eq!(inline("`a``b`"), "`a` `b`");
        assert_eq!(inline("`a`@b"), "`a` `@b`");
    }

    #[test]
    fn fences_outrun_the_backticks_they_hold() {
        assert_eq!(code_span("a`b"), "``a`b``");
        assert_eq!(code_span("`x``"), "``` `x`` ```");
        assert_eq!(code_span("plain"), "`plain`");
        assert_eq!(inline("odd `` @x`y"), "odd &#96;&#96; ``@x`y``");
    }

    #[test]
    fn control_characters_are_escaped_before_markdown() {
        // Shown as the escapes, each backslash escaped for Markdown.
        assert_eq!(
            inline("a\nb\u{1b}[2J\u{202e}"),
            r"a\\nb\\u{1b}\[2J\\u{202e}"
        );
        // A line break never reaches the comment, so no `#` can start a heading.
        assert_eq!(inline("x\n# h"), r"`x\n#` h");
    }
}
