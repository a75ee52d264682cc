//! `--fix` and `--diff`: machine-applicable fixes, applied to the files.
//!
//! Fixes come from the reported findings. Overlapping fixes in one file are
//! left for the next run (the first in report order wins). Every fixed file
//! is parsed again with syn before it is written; one that does not parse is
//! left as it was. Writes are atomic: a temporary file in the same folder
//! with the original's permissions, renamed over the original.

use partner_safety_lints::diagnostic::Applicability;
use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::{index_file, Workspace};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

/// The fixes planned for one file.
pub struct FilePlan {
    pub path: String,
    pub original: Arc<str>,
    pub fixed: String,
    /// `(code, line)` of each fix applied in this file.
    pub applied: Vec<(&'static str, u32)>,
}

/// Plans every machine-applicable fix of `findings`, by file, in path order.
pub fn plan(workspace: &Workspace, findings: &[ReportedFinding]) -> Vec<FilePlan> {
    struct Pending<'a> {
        edits: Vec<(u32, u32, &'a str)>,
        applied: Vec<(&'static str, u32)>,
    }
    let mut by_file: BTreeMap<usize, Pending<'_>> = BTreeMap::new();
    for finding in findings {
        let Some(fix) = &finding.fix else { continue };
        if fix.applicability != Applicability::MachineApplicable || fix.replacements.is_empty() {
            continue;
        }
        let file = fix.replacements[0].location.file;
        if fix
            .replacements
            .iter()
            .any(|replacement| replacement.location.file != file)
        {
            continue; // fixes spanning files are not applied piecemeal
        }
        let pending = by_file.entry(file).or_insert_with(|| Pending {
            edits: Vec::new(),
            applied: Vec::new(),
        });
        let edits: Vec<(u32, u32, &str)> = fix
            .replacements
            .iter()
            .map(|r| (r.location.span.start, r.location.span.end, r.text.as_str()))
            .collect();
        let text_len = workspace.file(file).text.len() as u32;
        let fits = edits
            .iter()
            .all(|&(start, end, _)| start <= end && end <= text_len);
        // The same edit twice (two findings asking for one attribute) is one edit.
        let fresh: Vec<_> = edits
            .iter()
            .filter(|edit| !pending.edits.contains(edit))
            .copied()
            .collect();
        let overlaps = fresh.iter().any(|&(start, end, _)| {
            pending
                .edits
                .iter()
                .any(|&(s, e, _)| (start < e && s < end) || (start == end && s == e && s == start))
        });
        if !fits || overlaps {
            continue;
        }
        pending.edits.extend(fresh);
        pending.applied.push((finding.code, finding.region.line));
    }
    by_file
        .into_iter()
        .filter_map(|(file, mut pending)| {
            let facts = workspace.file(file);
            let original = facts.text.clone();
            pending.edits.sort_by_key(|&(start, end, _)| (start, end));
            let mut fixed = String::with_capacity(original.len() + 64);
            let mut at = 0usize;
            for (start, end, text) in &pending.edits {
                let (start, end) = (*start as usize, *end as usize);
                fixed.push_str(original.get(at..start)?);
                fixed.push_str(text);
                at = end;
            }
            fixed.push_str(original.get(at..)?);
            (fixed != *original).then(|| FilePlan {
                path: facts.path.clone(),
                original,
                fixed,
                applied: pending.applied,
            })
        })
        .collect()
}

/// Whether the fixed text still parses as a Rust file.
pub fn parses(plan: &FilePlan) -> bool {
    let facts = index_file(plan.path.clone(), Arc::from(plan.fixed.as_str()));
    facts.problem.is_none() && facts.internal_error.is_none()
}

/// A unified diff of the plan, `a/PATH` against `b/PATH`.
pub fn unified_diff(plan: &FilePlan) -> String {
    similar::TextDiff::from_lines(plan.original.as_ref(), plan.fixed.as_str())
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{}", plan.path), &format!("b/{}", plan.path))
        .to_string()
}

/// Files among `paths` with uncommitted changes in git (modified, staged or
/// untracked). An empty list outside a git work tree or without git: there is
/// nothing to compare against.
pub fn dirty_files(root: &Path, paths: &[&str]) -> Vec<String> {
    if paths.is_empty() {
        return Vec::new();
    }
    let Some(repository) = crate::git::Repository::enclosing(root) else {
        return Vec::new();
    };
    let mut args = vec![
        "status",
        "--porcelain=v1",
        "-z",
        "--untracked-files=all",
        "--",
    ];
    args.extend_from_slice(paths);
    let output = repository.run(root, &args);
    let Ok(output) = output else {
        return Vec::new();
    };
    if !output.status.success() {
        return Vec::new();
    }
    let mut dirty: Vec<String> = String::from_utf8_lossy(&output.stdout)
        .split('\0')
        .filter_map(|entry| entry.get(3..))
        .filter(|path| !path.is_empty())
        .map(str::to_string)
        .collect();
    dirty.sort();
    dirty.dedup();
    dirty
}

/// Writes the fixed text over `path` atomically, keeping its permissions and
/// a byte-order mark it had. Refuses when the file changed since it was read, and when
/// it, or a folder on the way to it, is a link: a fix never writes through one.
pub fn write(root: &Path, plan: &FilePlan) -> Result<(), String> {
    let path = root.join(&plan.path);
    let mut on_the_way = root.to_path_buf();
    for part in plan.path.split('/') {
        on_the_way.push(part);
        let metadata = std::fs::symlink_metadata(&on_the_way)
            .map_err(|error| format!("cannot read it again: {error}"))?;
        if metadata.file_type().is_symlink() {
            return Err("it, or a folder on the way to it, is a symbolic link; fixes never write through one".to_string());
        }
    }
    let on_disk = std::fs::read(&path).map_err(|error| format!("cannot read it again: {error}"))?;
    const BOM: &[u8] = "\u{feff}".as_bytes();
    let (bom, body) = match on_disk.strip_prefix(BOM) {
        Some(body) => (BOM, body),
        None => (&[][..], &on_disk[..]),
    };
    if body != plan.original.as_bytes() {
        return Err("it changed since it was read; run again".to_string());
    }
    let metadata = std::fs::metadata(&path)
        .map_err(|error| format!("cannot read its permissions: {error}"))?;
    let folder = path.parent().unwrap_or(root);
    let mut temporary = tempfile::Builder::new()
        .prefix(".partner-safety-fix-")
        .tempfile_in(folder)
        .map_err(|error| format!("cannot create a temporary file next to it: {error}"))?;
    let written = temporary
        .write_all(bom)
        .and_then(|()| temporary.write_all(plan.fixed.as_bytes()))
        .and_then(|()| temporary.as_file().sync_all())
        .and_then(|()| std::fs::set_permissions(temporary.path(), metadata.permissions()));
    written.map_err(|error| format!("cannot write the temporary file: {error}"))?;
    temporary
        .persist(&path)
        .map_err(|error| format!("cannot replace it: {}", error.error))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(original: &str, fixed: &str) -> FilePlan {
        FilePlan {
            path: "src/lib.rs".into(),
            original: Arc::from(original),
            fixed: fixed.into(),
            applied: vec![("PS104", 1)],
        }
    }

    #[test]
    fn a_fix_that_breaks_the_file_is_caught() {
        assert!(parses(&plan(
            "struct A;",
            "#[serde(skip_serializing)]\nstruct A;"
        )));
        assert!(!parses(&plan(
            "struct A;",
            "#[serde(skip_serializing)\nstruct A;"
        )));
    }

    #[test]
    fn a_file_changed_since_it_was_read_is_not_written() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "struct B;").unwrap();
        let error = write(dir.path(), &plan("struct A;", "struct C;")).unwrap_err();
        assert!(error.contains("changed since it was read"), "{error}");
        assert_eq!(
            std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(),
            "struct B;"
        );
    }

    #[test]
    fn a_byte_order_mark_is_kept() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("src")).unwrap();
        std::fs::write(dir.path().join("src/lib.rs"), "\u{feff}struct A;").unwrap();
        write(dir.path(), &plan("struct A;", "struct C;")).unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.path().join("src/lib.rs")).unwrap(),
            "\u{feff}struct C;"
        );
    }

    #[test]
    fn a_diff_names_both_sides() {
        let diff = unified_diff(&plan("a\nb\n", "a\nx\nb\n"));
        assert_eq!(
            diff,
            "--- a/src/lib.rs\n+++ b/src/lib.rs\n@@ -1,2 +1,3 @@\n a\n+x\n b\n"
        );
    }
}
