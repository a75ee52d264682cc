//! miette reports with the source snippet, labelled spans, the checklist
//! item and the fix, then a one-line summary.
//!
//! Everything handed to miette from the linted tree is made inert first: the
//! message, labels, help and file names escaped, and each source file shown with
//! its control characters escaped and every span moved onto the shown text. With
//! colour, the only escape sequences written are miette's own.

use super::sanitize::{escape_text, guard_line_starts, SourceText};
use super::Report;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceSpan,
};
use partner_safety_lints::diagnostic::FileId;
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::Level;
use partner_safety_lints::Workspace;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

/// Snippets wider than this wrap, so output is the same on every terminal.
const WIDTH: usize = 100;

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    let theme = if report.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme)
        .with_width(WIDTH)
        .with_links(false);
    let sources = Sources {
        workspace: report.workspace,
        cache: std::cell::RefCell::new(Default::default()),
    };
    for finding in report.findings {
        let diagnostic = FindingDiagnostic::new(finding, &sources);
        let mut rendered = String::new();
        if handler.render_report(&mut rendered, &diagnostic).is_err() {
            rendered = format!("{}: {}\n", finding.code, diagnostic.message);
        }
        // Wrapping may start a line with any word of a message or a path.
        out.write_all(guard_line_starts(&rendered).as_bytes())?;
        writeln!(out)?;
    }
    if !report.quiet {
        writeln!(out, "{}", report.summary.line())?;
    }
    Ok(())
}

struct Sources<'a> {
    workspace: &'a Workspace,
    cache: std::cell::RefCell<std::collections::HashMap<FileId, Arc<Shown>>>,
}

/// A file as the report shows it, with the map of its spans.
struct Shown {
    source: Arc<NamedSource<Arc<str>>>,
    text: SourceText,
}

impl Shown {
    fn span(&self, span: partner_safety_lints::source::Span) -> SourceSpan {
        SourceSpan::from(self.text.range(span.range()))
    }
}

impl Sources<'_> {
    fn get(&self, file: FileId) -> Arc<Shown> {
        self.cache
            .borrow_mut()
            .entry(file)
            .or_insert_with(|| {
                let facts = self.workspace.file(file);
                let text = SourceText::new(&facts.text);
                let source = NamedSource::new(escape_text(&facts.path), text.text().clone())
                    .with_language("Rust");
                Arc::new(Shown {
                    source: Arc::new(source),
                    text,
                })
            })
            .clone()
    }
}

struct FindingDiagnostic {
    message: String,
    code: String,
    severity: Severity,
    help: Option<String>,
    source: Arc<NamedSource<Arc<str>>>,
    labels: Vec<LabeledSpan>,
    related: Vec<FindingDiagnostic>,
}

impl FindingDiagnostic {
    fn new(finding: &ReportedFinding, sources: &Sources<'_>) -> Self {
        let shown = sources.get(finding.location.file);
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(escape_text(&short_label(finding)).into_owned()),
            shown.span(finding.location.span),
        )];
        let mut related = Vec::new();
        for label in &finding.labels {
            let message = escape_text(&label.message).into_owned();
            if label.location.file == finding.location.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(message),
                    shown.span(label.location.span),
                ));
            } else {
                let elsewhere = sources.get(label.location.file);
                related.push(FindingDiagnostic {
                    message,
                    code: String::new(),
                    severity: Severity::Advice,
                    help: None,
                    labels: vec![LabeledSpan::new_primary_with_span(
                        None,
                        elsewhere.span(label.location.span),
                    )],
                    source: elsewhere.source.clone(),
                    related: Vec::new(),
                });
            }
        }
        // One line each: the parts are escaped apart, then joined.
        let mut help = Vec::new();
        if let Some(text) = &finding.help {
            help.push(escape_text(text).into_owned());
        }
        if let Some(fix) = &finding.fix {
            for replacement in &fix.replacements {
                help.push(format!(
                    "fix: insert `{}` at {}:{}:{}",
                    escape_text(replacement.text.trim_end()),
                    escape_text(&replacement.region.path),
                    replacement.region.line,
                    replacement.region.column
                ));
            }
        }
        if let Some(item) = &finding.checklist_item {
            help.push(format!("checklist: {}", escape_text(item)));
        }
        FindingDiagnostic {
            message: escape_text(&finding.message).into_owned(),
            code: format!("{} {}", finding.code, finding.name),
            severity: if finding.level == Level::Deny {
                Severity::Error
            } else {
                Severity::Warning
            },
            help: (!help.is_empty()).then(|| help.join("\n")),
            source: shown.source.clone(),
            labels,
            related,
        }
    }
}

fn short_label(finding: &ReportedFinding) -> String {
    if let Some(label) = &finding.primary_label {
        return label.clone();
    }
    match finding.code {
        "PS000" => "could not analyse".to_string(),
        "PS001" | "PS002" | "PS004" => "this suppression".to_string(),
        _ => finding.level.as_str().to_string(),
    }
}

impl fmt::Debug for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl fmt::Display for FindingDiagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for FindingDiagnostic {}

impl Diagnostic for FindingDiagnostic {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        (!self.code.is_empty()).then(|| Box::new(&self.code) as Box<dyn fmt::Display>)
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(&*self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }

    fn related<'a>(&'a self) -> Option<Box<dyn Iterator<Item = &'a dyn Diagnostic> + 'a>> {
        (!self.related.is_empty()).then(|| {
            Box::new(self.related.iter().map(|d| d as &dyn Diagnostic))
                as Box<dyn Iterator<Item = _>>
        })
    }
}
