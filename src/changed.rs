//! `--changed-since REF`: the lines changed since a git revision.
//!
//! git runs on the repository that holds the workspace only, with a fixed argument
//! list (never through a shell) and nothing it reads able to start a program (see
//! `git.rs`), from the workspace root, with `--relative` so its paths match ours.
//! Untracked files that git does not ignore count as changed in full. A pure deletion
//! counts the lines on both sides of it as changed, so a finding caused by a removed
//! line next to it is still reported.

use crate::git::Repository;
use partner_safety_lints::diagnostic::Location;
use partner_safety_lints::index::{FileKind, ItemKind};
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::Workspace;
use std::collections::{HashMap, HashSet};
use std::path::Path;

/// The lines of the construct that holds `location`: the innermost item around it that is
/// not a module, an `impl` or a trait (those hold many unrelated constructs), nor a field
/// or a variant (their type's derives and attributes are part of what they mean),
/// attributes and doc comments included; a whole file for a query or template file; the location's
/// own lines when no item holds it.
fn construct_lines(workspace: &Workspace, location: Location) -> (&str, u32, u32) {
    let facts = workspace.file(location.file);
    let lines = |start: u32, end: u32| {
        (
            facts.path.as_str(),
            facts.line_col(start).line,
            facts.line_col(end).line,
        )
    };
    if facts.kind != FileKind::Rust {
        return lines(0, facts.text.len() as u32);
    }
    let innermost = facts
        .items
        .iter()
        .filter(|item| {
            !matches!(
                item.kind,
                ItemKind::Mod
                    | ItemKind::Impl
                    | ItemKind::Trait
                    | ItemKind::Field
                    | ItemKind::Variant
            )
        })
        .filter(|item| item.span.start <= location.span.start && location.span.end <= item.span.end)
        .min_by_key(|item| item.span.end - item.span.start);
    match innermost {
        Some(item) => lines(item.span.start, item.span.end),
        None => lines(location.span.start, location.span.end),
    }
}

#[derive(Debug, Default)]
pub struct ChangedLines {
    /// 1-based inclusive line ranges, by path relative to the workspace root.
    ranges: HashMap<String, Vec<(u32, u32)>>,
    whole: HashSet<String>,
}

impl ChangedLines {
    /// Whether any line from `start` to `end` (1-based, inclusive) of `path` changed.
    pub fn touches(&self, path: &str, start: u32, end: u32) -> bool {
        self.whole.contains(path)
            || self
                .ranges
                .get(path)
                .is_some_and(|ranges| ranges.iter().any(|&(from, to)| from <= end && start <= to))
    }

    #[cfg(test)]
    fn touches_line(&self, path: &str, line: u32) -> bool {
        self.touches(path, line, line)
    }

    /// Whether a finding's construct changed: the item that carries its primary location
    /// or any of its labels (the struct with its derives, the function whose guard was
    /// removed, the const query and the function that runs it). A finding's primary line
    /// alone misses a regression made on another line of the same construct.
    pub fn touches_finding(&self, workspace: &Workspace, finding: &ReportedFinding) -> bool {
        std::iter::once(finding.location)
            .chain(finding.labels.iter().map(|label| label.location))
            .any(|location| {
                let (path, start, end) = construct_lines(workspace, location);
                self.touches(path, start, end)
            })
    }
}

fn git(
    repository: &Repository,
    root: &Path,
    args: &[&str],
) -> Result<std::process::Output, String> {
    repository.run(root, args).map_err(|error| {
        if error.kind() == std::io::ErrorKind::NotFound {
            "--changed-since needs git, and git was not found on PATH".to_string()
        } else {
            format!("cannot run git: {error}")
        }
    })
}

/// A revision as the user wrote it: not empty, not an option, no control
/// characters or spaces (git would read those differently).
fn validate(reference: &str) -> Result<(), String> {
    if reference.is_empty()
        || reference.starts_with('-')
        || reference
            .chars()
            .any(|c| c.is_control() || c.is_whitespace())
    {
        return Err(format!(
            "`{}` is not a git revision: give a branch, tag or commit such as `origin/main`",
            reference.escape_debug()
        ));
    }
    Ok(())
}

pub fn changed_since(root: &Path, reference: &str) -> Result<ChangedLines, String> {
    validate(reference)?;
    let not_in_one = || {
        format!(
            "--changed-since needs a git work tree, and `{}` is not in one",
            root.display()
        )
    };
    let repository = Repository::enclosing(root).ok_or_else(not_in_one)?;
    let inside = git(&repository, root, &["rev-parse", "--is-inside-work-tree"])?;
    if !inside.status.success() || String::from_utf8_lossy(&inside.stdout).trim() != "true" {
        return Err(not_in_one());
    }
    let commit = format!("{reference}^{{commit}}");
    let verified = git(
        &repository,
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &commit,
        ],
    )?;
    if !verified.status.success() {
        return Err(format!(
            "git revision `{reference}` does not exist in this repository (fetch it first, e.g. `git fetch origin main`)"
        ));
    }
    let sha = String::from_utf8_lossy(&verified.stdout).trim().to_string();
    let diff = git(
        &repository,
        root,
        &[
            "diff",
            "--unified=0",
            "--no-color",
            "--no-ext-diff",
            "--no-textconv",
            "--src-prefix=a/",
            "--dst-prefix=b/",
            "--relative",
            &sha,
            "--",
        ],
    )?;
    if !diff.status.success() {
        return Err(format!(
            "git diff failed: {}",
            String::from_utf8_lossy(&diff.stderr).trim()
        ));
    }
    let mut changed = parse_diff(&String::from_utf8_lossy(&diff.stdout));
    let untracked = git(
        &repository,
        root,
        &["ls-files", "--others", "--exclude-standard", "-z"],
    )?;
    if untracked.status.success() {
        changed.whole.extend(
            String::from_utf8_lossy(&untracked.stdout)
                .split('\0')
                .filter(|path| !path.is_empty())
                .map(str::to_string),
        );
    }
    Ok(changed)
}

/// Reads `git diff --unified=0` output: `+++ b/PATH` then `@@ -a,b +c,d @@` hunks.
pub fn parse_diff(diff: &str) -> ChangedLines {
    let mut changed = ChangedLines::default();
    let mut current: Option<String> = None;
    for line in diff.lines() {
        if let Some(path) = line.strip_prefix("+++ ") {
            current = if path == "/dev/null" {
                None
            } else {
                let path = unquote(path);
                Some(path.strip_prefix("b/").unwrap_or(&path).to_string())
            };
        } else if let (Some(hunk), Some(path)) = (line.strip_prefix("@@ "), &current) {
            if let Some(range) = new_range(hunk) {
                changed.ranges.entry(path.clone()).or_default().push(range);
            }
        }
    }
    changed
}

/// `-a,b +c,d @@ …` to the changed lines of the new file.
fn new_range(hunk: &str) -> Option<(u32, u32)> {
    let new = hunk.split_whitespace().find(|part| part.starts_with('+'))?;
    let new = new.trim_start_matches('+');
    let (start, count) = match new.split_once(',') {
        Some((start, count)) => (start.parse::<u32>().ok()?, count.parse::<u32>().ok()?),
        None => (new.parse::<u32>().ok()?, 1),
    };
    if count == 0 {
        // Lines were only removed, after line `start`.
        Some((start.max(1), start + 1))
    } else {
        Some((start, start + count - 1))
    }
}

/// git quotes paths with unusual characters C-style: `"b/a\tb.rs"`.
fn unquote(path: &str) -> String {
    let Some(inner) = path.strip_prefix('"').and_then(|p| p.strip_suffix('"')) else {
        return path.to_string();
    };
    let mut bytes = Vec::new();
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            let mut buffer = [0; 4];
            bytes.extend_from_slice(c.encode_utf8(&mut buffer).as_bytes());
            continue;
        }
        match chars.next() {
            Some('t') => bytes.push(b'\t'),
            Some('n') => bytes.push(b'\n'),
            Some('"') => bytes.push(b'"'),
            Some('\\') => bytes.push(b'\\'),
            Some(d @ '0'..='7') => {
                let mut value = d.to_digit(8).unwrap_or(0);
                for _ in 0..2 {
                    if let Some(next) = chars.peek().and_then(|c| c.to_digit(8)) {
                        value = value * 8 + next;
                        chars.next();
                    }
                }
                bytes.push(value as u8);
            }
            Some(other) => {
                let mut buffer = [0; 4];
                bytes.extend_from_slice(other.encode_utf8(&mut buffer).as_bytes());
            }
            None => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hunks_give_new_line_ranges() {
        let diff = "diff --git a/src/a.rs b/src/a.rs\n--- a/src/a.rs\n+++ b/src/a.rs\n\
@@ -3,0 +4,2 @@ fn x\n+a\n+b\n@@ -10 +12 @@\n-c\n+d\n@@ -20,2 +23,0 @@\n-e\n-f\n\
diff --git a/gone.rs b/gone.rs\n--- a/gone.rs\n+++ /dev/null\n@@ -1 +0,0 @@\n-x\n";
        let changed = parse_diff(diff);
        assert!(!changed.touches_line("src/a.rs", 3));
        assert!(changed.touches_line("src/a.rs", 4));
        assert!(changed.touches_line("src/a.rs", 5));
        assert!(!changed.touches_line("src/a.rs", 6));
        assert!(changed.touches_line("src/a.rs", 12));
        assert!(!changed.touches_line("src/a.rs", 13));
        assert!(changed.touches_line("src/a.rs", 23) && changed.touches_line("src/a.rs", 24));
        assert!(!changed.touches_line("gone.rs", 1));
    }

    #[test]
    fn quoted_paths_are_unquoted() {
        assert_eq!(unquote("\"b/a\\tb.rs\""), "b/a\tb.rs");
        assert_eq!(unquote("\"b/\\303\\274.rs\""), "b/ü.rs");
        assert_eq!(unquote("b/plain.rs"), "b/plain.rs");
    }

    #[test]
    fn options_are_not_revisions() {
        assert!(validate("--output=/tmp/x").is_err());
        assert!(validate("").is_err());
        assert!(validate("main branch").is_err());
        assert!(validate("origin/main").is_ok());
        assert!(validate("HEAD~2").is_ok());
    }
}
