//! `path:line:col: level[CODE name]: message`, one finding per line.

use super::Report;
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in report.findings {
        writeln!(
            out,
            "{}:{}:{}: {}[{} {}]: {}",
            finding.region.path,
            finding.region.line,
            finding.region.column,
            finding.level.as_str(),
            finding.code,
            finding.name,
            finding.message
        )?;
    }
    Ok(())
}
