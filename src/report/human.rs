//! miette reports with the source snippet, labelled spans, the checklist
//! item and the fix, then a one-line summary.

use super::Report;
use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource, Severity,
    SourceSpan,
};
use partner_safety_lints::diagnostic::FileId;
use partner_safety_lints::registry::Level;
use partner_safety_lints::report::ReportedFinding;
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
            rendered = format!("{}: {}\n", finding.code, finding.message);
        }
        out.write_all(rendered.as_bytes())?;
        writeln!(out)?;
    }
    if !report.quiet {
        writeln!(out, "{}", report.summary.line())?;
    }
    Ok(())
}

struct Sources<'a> {
    workspace: &'a Workspace,
    cache: std::cell::RefCell<std::collections::HashMap<FileId, Arc<NamedSource<Arc<str>>>>>,
}

impl Sources<'_> {
    fn get(&self, file: FileId) -> Arc<NamedSource<Arc<str>>> {
        self.cache
            .borrow_mut()
            .entry(file)
            .or_insert_with(|| {
                let facts = self.workspace.file(file);
                Arc::new(
                    NamedSource::new(facts.path.clone(), facts.text.clone()).with_language("Rust"),
                )
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
        let source = sources.get(finding.location.file);
        let span = |span: partner_safety_lints::source::Span| SourceSpan::from(span.range());
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            Some(short_label(finding)),
            span(finding.location.span),
        )];
        let mut related = Vec::new();
        for label in &finding.labels {
            if label.location.file == finding.location.file {
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    span(label.location.span),
                ));
            } else {
                related.push(FindingDiagnostic {
                    message: label.message.clone(),
                    code: String::new(),
                    severity: Severity::Advice,
                    help: None,
                    source: sources.get(label.location.file),
                    labels: vec![LabeledSpan::new_primary_with_span(
                        None,
                        span(label.location.span),
                    )],
                    related: Vec::new(),
                });
            }
        }
        let mut help = Vec::new();
        if let Some(text) = &finding.help {
            help.push(text.clone());
        }
        if let Some(fix) = &finding.fix {
            for replacement in &fix.replacements {
                help.push(format!(
                    "fix: insert `{}` at {}:{}:{}",
                    replacement.text.trim_end(),
                    replacement.region.path,
                    replacement.region.line,
                    replacement.region.column
                ));
            }
        }
        if let Some(item) = &finding.checklist_item {
            help.push(format!("checklist: {item}"));
        }
        FindingDiagnostic {
            message: finding.message.clone(),
            code: format!("{} {}", finding.code, finding.name),
            severity: if finding.level == Level::Deny {
                Severity::Error
            } else {
                Severity::Warning
            },
            help: (!help.is_empty()).then(|| help.join("\n")),
            source,
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
