//! GitHub Actions workflow commands: each finding becomes an annotation on
//! the pull request's diff.

use super::Report;
use partner_safety_lints::registry::Level;
use std::io::{self, Write};

pub fn write(report: &Report<'_>, out: &mut dyn Write) -> io::Result<()> {
    for finding in report.findings {
        let command = if finding.level == Level::Deny {
            "error"
        } else {
            "warning"
        };
        writeln!(
            out,
            "::{command} file={},line={},col={},title={}::{}",
            escape_property(&finding.region.path),
            finding.region.line,
            finding.region.column,
            escape_property(finding.code),
            escape_data(&format!("{} ({})", finding.message, finding.name)),
        )?;
    }
    Ok(())
}

/// Escapes a command's message, as the Actions runner reads it.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a command property, where `:` and `,` also separate.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_separators() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("src/a,b:c.rs"), "src/a%2Cb%3Ac.rs");
    }
}
