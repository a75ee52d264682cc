//! `path:line:col: level[CODE name]: message`, one finding per line.

use super::sanitize::{escape_text, guard_line_starts};
use super::Report;
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in report.findings {
        // The line starts with a file name from the linted tree.
        let line = format!(
            "{}:{}:{}: {}[{} {}]: {}",
            escape_text(&finding.region.path),
            finding.region.line,
            finding.region.column,
            finding.level.as_str(),
            finding.code,
            finding.name,
            escape_text(&finding.message)
        );
        writeln!(out, "{}", guard_line_starts(&line))?;
    }
    Ok(())
}
