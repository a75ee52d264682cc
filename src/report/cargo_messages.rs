//! `--message-format json`: the findings as cargo's JSON message stream, the lines
//! `cargo check --message-format json` writes, so that rust-analyzer (through
//! `check.overrideCommand`), bacon and other tools that read cargo's messages show them
//! where they show the compiler's, with their quick fixes.
//!
//! Each finding is one `compiler-message` line carrying a rustc diagnostic: the code as
//! `partner-safety::PS104` (rust-analyzer shows `partner-safety` as the source, as it
//! shows `clippy` for `clippy::…`), the level (`error` for deny, `warning` for warn), the
//! primary span and one span per label, with byte offsets, 1-based lines and columns
//! counted in characters as rustc counts them, and the text of each line they cover; a
//! `help` child carries the help text and, when there is a fix, its replacements as
//! `suggested_replacement` with their applicability; `rendered` is the finding as rustc
//! would print it. The stream ends with `build-finished`, whose `success` is false when a
//! deny finding was reported.
//!
//! File names are relative to the workspace root, as rustc's are when cargo runs it:
//! rust-analyzer runs the command in the workspace root and joins each file name to it.
//! (An absolute name would be the root as resolved on disk, which an editor that opened
//! the project through a symbolic link would take for another file.) Messages, labels
//! and `rendered` are escaped as in the text formats (tools print them to a terminal);
//! the source lines in `text` are kept as they are, since editors count columns in them.

use super::sanitize::{escape_text, write_json_line};
use super::Report;
use crate::layout::LayoutTarget;
use partner_safety_lints::diagnostic::{Applicability, Location};
use partner_safety_lints::registry;
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::Level;
use partner_safety_lints::Workspace;
use serde::Serialize;
use std::io::{self, Write};
use std::path::Path;

/// What cargo knows of the workspace: which package and target a message belongs to.
pub struct CargoLayout<'a> {
    /// The workspace root, as discovery resolved it.
    pub root: &'a Path,
    /// The member packages' targets; empty for a plain folder.
    pub targets: &'a [LayoutTarget],
}

/// The source of each code, as rust-analyzer splits `tool::code`.
const TOOL: &str = "partner-safety";

// The messages, field for field and in the order cargo and rustc write them.

#[derive(Serialize)]
struct CompilerMessage<'a> {
    reason: &'static str,
    package_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    manifest_path: Option<String>,
    target: Target,
    message: Diagnostic<'a>,
}

#[derive(Serialize)]
struct BuildFinished {
    reason: &'static str,
    success: bool,
}

#[derive(Serialize)]
struct Target {
    kind: Vec<String>,
    crate_types: Vec<String>,
    name: String,
    src_path: String,
    edition: String,
    doc: bool,
    doctest: bool,
    test: bool,
}

#[derive(Serialize)]
struct Diagnostic<'a> {
    #[serde(rename = "$message_type")]
    message_type: &'static str,
    message: String,
    code: Option<Code>,
    level: &'static str,
    spans: Vec<Span<'a>>,
    children: Vec<Diagnostic<'a>>,
    rendered: Option<String>,
}

#[derive(Serialize)]
struct Code {
    code: String,
    explanation: Option<&'static str>,
}

#[derive(Serialize)]
struct Span<'a> {
    file_name: &'a str,
    byte_start: u32,
    byte_end: u32,
    line_start: u32,
    line_end: u32,
    column_start: u32,
    column_end: u32,
    is_primary: bool,
    text: Vec<SpanLine<'a>>,
    label: Option<String>,
    suggested_replacement: Option<&'a str>,
    suggestion_applicability: Option<Applicability>,
    expansion: Option<()>,
}

#[derive(Serialize)]
struct SpanLine<'a> {
    text: &'a str,
    highlight_start: u32,
    highlight_end: u32,
}

pub fn write(
    report: &Report<'_>,
    layout: &CargoLayout<'_>,
    success: bool,
    out: &mut dyn Write,
) -> io::Result<()> {
    for finding in report.findings {
        let (package_id, manifest_path, target) = owner(layout, &finding.region.path);
        let message = CompilerMessage {
            reason: "compiler-message",
            package_id,
            manifest_path,
            target,
            message: diagnostic(report.workspace, finding),
        };
        write_json_line(out, &message)?;
    }
    write_json_line(
        out,
        &BuildFinished {
            reason: "build-finished",
            success,
        },
    )
}

/// The package whose folder holds the file (the innermost one), and the target the file
/// is the root of, else the package's library, else its first target. Outside every
/// package (a plain folder, a file beside a virtual workspace's members) the workspace
/// root stands for the package, as a library: cargo would not build such a file.
fn owner(layout: &CargoLayout<'_>, relative: &str) -> (String, Option<String>, Target) {
    let file = layout.root.join(relative);
    let package_dir = layout
        .targets
        .iter()
        .map(|target| &target.package_dir)
        .filter(|dir| file.starts_with(dir))
        .max_by_key(|dir| dir.components().count());
    let in_package = || {
        layout
            .targets
            .iter()
            .filter(move |target| Some(&target.package_dir) == package_dir)
    };
    let target = in_package()
        .find(|target| target.path == file)
        .or_else(|| in_package().find(|target| is_library(target)))
        .or_else(|| in_package().next());
    let Some(target) = target else {
        let name = layout.root.file_name().map_or_else(
            || TOOL.to_string(),
            |name| name.to_string_lossy().into_owned(),
        );
        let target = Target {
            kind: vec!["lib".into()],
            crate_types: vec!["lib".into()],
            name,
            src_path: layout.root.display().to_string(),
            edition: "2021".into(),
            doc: false,
            doctest: false,
            test: false,
        };
        return (
            format!("path+file://{}", layout.root.display()),
            None,
            target,
        );
    };
    let library = is_library(target);
    let manifest = target.package_dir.join("Cargo.toml").display().to_string();
    let described = Target {
        kind: target.cargo_kinds.clone(),
        crate_types: target.crate_types.clone(),
        name: target.name.clone(),
        src_path: target.path.display().to_string(),
        edition: target.edition.clone(),
        // As cargo sets them by default: libraries and binaries are documented,
        // libraries' examples are run as tests.
        doc: library || target.cargo_kinds.iter().any(|kind| kind == "bin"),
        doctest: library,
        test: true,
    };
    (target.package_id.clone(), Some(manifest), described)
}

fn is_library(target: &LayoutTarget) -> bool {
    target.cargo_kinds.iter().any(|kind| {
        matches!(
            kind.as_str(),
            "lib" | "rlib" | "dylib" | "cdylib" | "staticlib" | "proc-macro"
        )
    })
}

/// A rustc diagnostic (`$message_type: diagnostic`) for one finding.
fn diagnostic<'a>(workspace: &'a Workspace, finding: &'a ReportedFinding) -> Diagnostic<'a> {
    let level = match finding.level {
        Level::Deny => "error",
        Level::Warn => "warning",
        Level::Allow => "note",
    };
    let code = format!("{TOOL}::{}", finding.code);
    let mut spans = vec![span(
        workspace,
        finding.location,
        true,
        finding.primary_label.as_deref(),
        None,
    )];
    spans.extend(
        finding
            .labels
            .iter()
            .map(|label| span(workspace, label.location, false, Some(&label.message), None)),
    );
    let help = finding
        .help
        .as_deref()
        .map(|help| escape_text(help).into_owned());
    let mut children = Vec::new();
    if let Some(fix) = &finding.fix {
        let replacements = fix
            .replacements
            .iter()
            .map(|replacement| {
                span(
                    workspace,
                    replacement.location,
                    true,
                    None,
                    Some((&replacement.text, fix.applicability)),
                )
            })
            .collect();
        let message = help
            .clone()
            .unwrap_or_else(|| "apply the suggested change".to_string());
        children.push(help_child(message, replacements));
    } else if let Some(help) = &help {
        children.push(help_child(help.clone(), Vec::new()));
    }
    let rendered = rendered(workspace, finding, level, help.as_deref());
    Diagnostic {
        message_type: "diagnostic",
        message: escape_text(&finding.message).into_owned(),
        code: Some(Code {
            code,
            explanation: registry::lookup(finding.code).map(|meta| meta.docs),
        }),
        level,
        spans,
        children,
        rendered: Some(rendered),
    }
}

/// A `help` sub-diagnostic; rust-analyzer turns one with spans that carry a replacement
/// into a quick fix, and adds one without spans to the message.
fn help_child(message: String, spans: Vec<Span<'_>>) -> Diagnostic<'_> {
    Diagnostic {
        message_type: "diagnostic",
        message,
        code: None,
        level: "help",
        spans,
        children: Vec::new(),
        rendered: None,
    }
}

/// A rustc span. `text` holds every line the span covers, with the highlighted columns:
/// editors count UTF-16 units where rustc counts characters, and convert with it.
fn span<'a>(
    workspace: &'a Workspace,
    location: Location,
    is_primary: bool,
    label: Option<&str>,
    replacement: Option<(&'a str, Applicability)>,
) -> Span<'a> {
    let facts = workspace.file(location.file);
    let start = facts.line_col(location.span.start);
    let end = facts.line_col(location.span.end);
    let text = (start.line..=end.line)
        .map(|line| {
            let text = facts
                .line_index
                .line_text(&facts.text, line.saturating_sub(1) as usize);
            SpanLine {
                text,
                highlight_start: if line == start.line { start.column } else { 1 },
                highlight_end: if line == end.line {
                    end.column
                } else {
                    text.chars().count() as u32 + 1
                },
            }
        })
        .collect();
    Span {
        file_name: &facts.path,
        byte_start: location.span.start,
        byte_end: location.span.end,
        line_start: start.line,
        line_end: end.line,
        column_start: start.column,
        column_end: end.column,
        is_primary,
        text,
        label: label.map(|label| escape_text(label).into_owned()),
        suggested_replacement: replacement.map(|(text, _)| text),
        suggestion_applicability: replacement.map(|(_, applicability)| applicability),
        expansion: None,
    }
}

/// The finding as rustc prints a diagnostic:
///
/// ```text
/// error[PS104]: secret field `Settings.api_key` is serialized, …
///  --> src/lib.rs:4:5
///   |
/// 4 |     pub api_key: String,
///   |     ^^^^^^^^^^^^^^^^^^^ serialized
///   |
///   = help: add `#[serde(skip_serializing)]`, …
/// ```
///
/// The header names the bare code, as rustc's header names its error codes; the tool's name is
/// in the diagnostic's `code` field, where rust-analyzer takes it for the source.
/// Everything from the source is escaped; the carets are placed under the escaped text.
fn rendered(
    workspace: &Workspace,
    finding: &ReportedFinding,
    level: &str,
    help: Option<&str>,
) -> String {
    let facts = workspace.file(finding.location.file);
    let region = &finding.region;
    let line_text = facts
        .line_index
        .line_text(&facts.text, region.line.saturating_sub(1) as usize);
    let before: String = line_text
        .chars()
        .take(region.column.saturating_sub(1) as usize)
        .collect();
    let highlighted: String = if region.end_line == region.line {
        line_text
            .chars()
            .skip(region.column.saturating_sub(1) as usize)
            .take(region.end_column.saturating_sub(region.column) as usize)
            .collect()
    } else {
        line_text
            .chars()
            .skip(region.column.saturating_sub(1) as usize)
            .collect()
    };
    let gutter = " ".repeat(region.line.to_string().len());
    let carets = "^".repeat(escape_text(&highlighted).chars().count().max(1));
    let mut text = format!(
        "{level}[{}]: {}\n{gutter}--> {}:{}:{}\n{gutter} |\n{} | {}\n{gutter} | {}{carets}",
        finding.code,
        escape_text(&finding.message),
        escape_text(&region.path),
        region.line,
        region.column,
        region.line,
        escape_text(line_text),
        " ".repeat(escape_text(&before).chars().count()),
    );
    if let Some(label) = &finding.primary_label {
        text.push(' ');
        text.push_str(&escape_text(label));
    }
    text.push('\n');
    if let Some(help) = help {
        text.push_str(&format!("{gutter} |\n{gutter} = help: {help}\n"));
    }
    text.push('\n');
    text
}
