//! Baselines: the findings a team accepts today, so CI fails only on new ones.
//!
//! The file is JSON, one finding per entry, sorted by path, code, message and
//! fingerprint, so a change to it reads well in a diff. Findings match by
//! fingerprint (code, path, enclosing function, flagged text and message; see
//! `lints/src/report.rs`), which survives edits that only move lines.

use partner_safety_lints::report::ReportedFinding;
use partner_safety_lints::tool_codes;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::Path;

pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub version: u32,
    pub findings: Vec<Entry>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    pub path: String,
    pub code: String,
    pub message: String,
    pub fingerprint: String,
}

/// A failed analysis is never accepted into a baseline.
fn baselinable(finding: &ReportedFinding) -> bool {
    finding.code != tool_codes::INTERNAL_ERROR.code
}

/// A baseline is one small JSON entry per finding; more than this is not one.
const BASELINE_LIMIT: u64 = 256 * 1024 * 1024;

impl Baseline {
    pub fn of(findings: &[ReportedFinding]) -> Baseline {
        let mut findings: Vec<Entry> = findings
            .iter()
            .filter(|finding| baselinable(finding))
            .map(|finding| Entry {
                path: finding.region.path.clone(),
                code: finding.code.to_string(),
                message: finding.message.clone(),
                fingerprint: finding.fingerprint.clone(),
            })
            .collect();
        findings.sort();
        Baseline {
            version: VERSION,
            findings,
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Writes the baseline atomically: a reader never sees half a file.
    pub fn write(&self, path: &Path) -> Result<(), String> {
        use std::io::Write;
        let folder = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        let fail =
            |error: std::io::Error| format!("cannot write baseline `{}`: {error}", path.display());
        let mut temporary = tempfile::Builder::new()
            .prefix(".partner-safety-baseline-")
            .tempfile_in(folder)
            .map_err(fail)?;
        temporary
            .write_all(self.to_json().as_bytes())
            .and_then(|()| temporary.as_file().sync_all())
            .map_err(fail)?;
        temporary.persist(path).map_err(|error| fail(error.error))?;
        Ok(())
    }

    /// Reads a baseline: a regular file, never through a link, whose content is never
    /// quoted back (`root` is the linted folder, see `discover::read_regular_text`).
    pub fn read(root: &Path, path: &Path) -> Result<Baseline, String> {
        let text = crate::discover::read_regular_text(root, path, BASELINE_LIMIT)
            .map_err(|problem| format!("cannot read the baseline: {problem}"))?;
        // serde's messages can quote values of the file (`invalid type: string "…"`): only
        // where it failed is said.
        let baseline: Baseline = serde_json::from_str(&text).map_err(|error| {
            format!(
                "baseline `{}` is not a partner-safety baseline (at line {}, column {})",
                path.display(),
                error.line(),
                error.column()
            )
        })?;
        if baseline.version != VERSION {
            return Err(format!(
                "baseline `{}` has version {}; this partner-safety reads version {VERSION}",
                path.display(),
                baseline.version
            ));
        }
        Ok(baseline)
    }

    /// Splits findings into the new ones (returned) and those the baseline
    /// holds; also returns how many baselined findings no longer occur.
    pub fn filter(&self, findings: Vec<ReportedFinding>) -> (Vec<ReportedFinding>, Filtered) {
        let mut remaining: HashMap<(String, String), usize> = HashMap::new();
        for entry in &self.findings {
            *remaining
                .entry((entry.code.clone(), entry.fingerprint.clone()))
                .or_insert(0) += 1;
        }
        let mut matched = 0;
        let mut new = Vec::new();
        for finding in findings {
            let key = (finding.code.to_string(), finding.fingerprint.clone());
            match remaining.get_mut(&key) {
                Some(count) if *count > 0 && baselinable(&finding) => {
                    *count -= 1;
                    matched += 1;
                }
                _ => new.push(finding),
            }
        }
        let gone = remaining.values().sum();
        (new, Filtered { matched, gone })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Filtered {
    /// Findings found in the baseline, not reported.
    pub matched: usize,
    /// Baselined findings that no longer occur.
    pub gone: usize,
}

impl Filtered {
    pub fn line(&self, path: &Path) -> String {
        let plural =
            |n: usize, one: &'static str, many: &'static str| if n == 1 { one } else { many };
        let mut line = format!(
            "baseline: {} {} in `{}` not reported",
            self.matched,
            plural(self.matched, "finding", "findings"),
            path.display()
        );
        if self.gone > 0 {
            line.push_str(&format!(
                "; {} baselined {} no longer {}: tighten the baseline with --write-baseline",
                self.gone,
                plural(self.gone, "finding", "findings"),
                plural(self.gone, "occurs", "occur")
            ));
        }
        line
    }
}
