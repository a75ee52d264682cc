//! Findings resolved for reporting: paths, lines and columns, snippets and
//! stable fingerprints. Pure data for the reporters in the command-line shell.

use crate::checklist::Level;
use crate::diagnostic::{Applicability, Finding, Location};
use crate::index::Workspace;
use serde::Serialize;

/// A region in a file, 1-based; columns count Unicode scalar values and the
/// end is exclusive.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Region {
    pub path: String,
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResolvedReplacement {
    #[serde(flatten)]
    pub region: Region,
    pub text: String,
    /// Byte position of the replaced text, for `--fix`; not part of the output.
    #[serde(skip)]
    pub location: Location,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ResolvedFix {
    pub replacements: Vec<ResolvedReplacement>,
    pub applicability: Applicability,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedLabel {
    pub region: Region,
    pub location: Location,
    pub message: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReportedFinding {
    pub code: &'static str,
    pub name: &'static str,
    pub level: Level,
    pub message: String,
    /// `1. Secret Protection`; `None` for tool diagnostics.
    pub checklist_item: Option<String>,
    pub region: Region,
    pub location: Location,
    pub primary_label: Option<String>,
    pub labels: Vec<ResolvedLabel>,
    pub help: Option<String>,
    pub fix: Option<ResolvedFix>,
    pub fingerprint: String,
    /// The reason of the suppression comment that silenced this finding;
    /// `None` for a finding that is reported.
    pub suppressed: Option<String>,
}

pub fn region(workspace: &Workspace, location: Location) -> Region {
    let facts = workspace.file(location.file);
    let start = facts.line_col(location.span.start);
    let end = facts.line_col(location.span.end);
    Region {
        path: facts.path.clone(),
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Resolves findings for reporting, keeping their order.
pub fn resolve(workspace: &Workspace, findings: &[Finding]) -> Vec<ReportedFinding> {
    let mut occurrences: std::collections::HashMap<u64, u32> = std::collections::HashMap::new();
    findings
        .iter()
        .map(|finding| {
            let facts = workspace.file(finding.primary.file);
            // Lines move with unrelated edits; the code, the file, the
            // enclosing function and the flagged text do not. Repeats of the
            // same text in the same function are numbered.
            let snippet = facts.text.get(finding.primary.span.range()).unwrap_or("");
            let normalised: String = snippet.split_whitespace().collect::<Vec<_>>().join(" ");
            let enclosing = enclosing_function(facts, finding.primary.span.start);
            // The partner-context chain names callers in other files: renaming one must not
            // turn a baselined finding into a new one.
            let message = without_call_chains(&finding.message);
            let base = fnv1a(
                [finding.code, &facts.path, &enclosing, &normalised, &message]
                    .iter()
                    .copied(),
            );
            let occurrence = occurrences.entry(base).or_insert(0);
            *occurrence += 1;
            let fingerprint = format!(
                "{:016x}",
                fnv1a([base.to_string().as_str(), &occurrence.to_string()].into_iter())
            );
            ReportedFinding {
                code: finding.code,
                name: finding.name,
                level: finding.effective_level(),
                message: finding.message.clone(),
                checklist_item: finding.checklist_item.map(|item| item.label()),
                region: region(workspace, finding.primary),
                location: finding.primary,
                primary_label: finding.primary_label.clone(),
                labels: finding
                    .labels
                    .iter()
                    .map(|label| ResolvedLabel {
                        region: region(workspace, label.location),
                        location: label.location,
                        message: label.message.clone(),
                    })
                    .collect(),
                help: finding.help.clone(),
                fix: finding.fix.as_ref().map(|fix| ResolvedFix {
                    replacements: fix
                        .replacements
                        .iter()
                        .map(|replacement| ResolvedReplacement {
                            region: region(workspace, replacement.location),
                            text: replacement.text.clone(),
                            location: replacement.location,
                        })
                        .collect(),
                    applicability: fix.applicability,
                }),
                fingerprint,
                suppressed: finding.suppressed.clone(),
            }
        })
        .collect()
}

/// The message with every call chain (`` `a::f` → `b::g` ``, as the model describes partner
/// context) replaced by `…`: the chain's functions live elsewhere and change on their own.
/// So is the function a type reaches partners through (`` is returned by `partner::list`
/// in partner context ``): a field's finding names it, but it lives in another file.
fn without_call_chains(message: &str) -> std::borrow::Cow<'_, str> {
    const ARROW: &str = " → ";
    const REACHED_BY: (&str, &str) = ("by ", " in partner context");
    if !message.contains(ARROW) && !message.contains(REACHED_BY.1) {
        return std::borrow::Cow::Borrowed(message);
    }
    // A backticked name at `at`: the offset just past its closing backtick.
    let name_end = |at: usize| -> Option<usize> {
        let rest = message.get(at..)?.strip_prefix('`')?;
        rest.find('`').map(|close| at + 1 + close + 1)
    };
    let mut out = String::with_capacity(message.len());
    let mut cursor = 0;
    while cursor < message.len() {
        let Some(tick) = message[cursor..].find('`').map(|i| cursor + i) else {
            break;
        };
        let mut end = match name_end(tick) {
            Some(end) => end,
            None => break,
        };
        let mut links = 0;
        while message[end..].starts_with(ARROW) {
            match name_end(end + ARROW.len()) {
                Some(next) => {
                    end = next;
                    links += 1;
                }
                None => break,
            }
        }
        out.push_str(&message[cursor..tick]);
        let reached_by =
            message[..tick].ends_with(REACHED_BY.0) && message[end..].starts_with(REACHED_BY.1);
        if links > 0 || reached_by {
            out.push('…');
        } else {
            out.push_str(&message[tick..end]);
        }
        cursor = end;
    }
    out.push_str(&message[cursor..]);
    std::borrow::Cow::Owned(out)
}

/// `Type::method` or `function` of the innermost function around `offset`;
/// empty at file level.
fn enclosing_function(facts: &crate::index::FileFacts, offset: u32) -> String {
    facts
        .functions
        .iter()
        .filter(|function| function.span.start <= offset && offset < function.span.end)
        .min_by_key(|function| function.span.end - function.span.start)
        .map(|function| match &function.impl_type {
            Some(owner) => format!("{owner}::{}", function.name),
            None => function.name.to_string(),
        })
        .unwrap_or_default()
}

/// FNV-1a over the parts, with a separator: small, stable across platforms
/// and releases, which a baseline file needs.
fn fnv1a<'a>(parts: impl Iterator<Item = &'a str>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for part in parts {
        for byte in part.bytes().chain(std::iter::once(0xff)) {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0100_0000_01b3);
        }
    }
    hash
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    #[test]
    fn call_chains_leave_the_fingerprinted_message() {
        assert_eq!(
            without_call_chains(
                "query reads `:User` (partner context: `partner::export` → `store::users`)"
            ),
            "query reads `:User` (partner context: …)"
        );
        // A single name is the finding's own function, not a chain.
        assert_eq!(
            without_call_chains("`.unmask()` in partner context (`support::reveal`)"),
            "`.unmask()` in partner context (`support::reveal`)"
        );
        assert_eq!(
            without_call_chains("`a` → `b` → `c`, and `d` → `e`"),
            "…, and …"
        );
        assert_eq!(without_call_chains("odd ` → text"), "odd ` → text");
        // The function a type reaches partners through lives elsewhere too.
        assert_eq!(
            without_call_chains(
                "secret field `V.key` is serialized, and `V` is returned by `partner::show` in partner context: a partner can read it"
            ),
            "secret field `V.key` is serialized, and `V` is returned by … in partner context: a partner can read it"
        );
        assert_eq!(
            without_call_chains("`V` is put in a response body by `h::show` in partner context"),
            "`V` is put in a response body by … in partner context"
        );
    }

    #[test]
    fn the_enclosing_function_is_the_innermost_one() {
        let text = "struct S;\nimpl S {\n    fn method(&self) {\n        fn inner() { let a = 1; }\n        let b = 2;\n    }\n}\nfn free() { let c = 3; }\n";
        let facts = crate::index::index_file("src/lib.rs".into(), Arc::from(text));
        let at = |needle: &str| text.find(needle).unwrap() as u32;
        assert!(enclosing_function(&facts, at("a = 1")).ends_with("inner"));
        assert_eq!(enclosing_function(&facts, at("b = 2")), "S::method");
        assert_eq!(enclosing_function(&facts, at("c = 3")), "free");
        assert_eq!(enclosing_function(&facts, at("struct S")), "");
    }
}
