//! GitHub Actions workflow commands: each finding becomes an annotation on
//! the pull request's diff. Every line written is one of these commands:
//! control characters are escaped first (a line break could start a command of
//! the linted tree's choosing), then the command syntax.

use super::sanitize::escape_text;
use super::Report;
use partner_safety_lints::Level;
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
            escape_property(&escape_text(&report.repository.path(&finding.region.path))),
            finding.region.line,
            finding.region.column,
            escape_property(finding.code),
            escape_data(&format!(
                "{} ({})",
                escape_text(&finding.message),
                finding.name
            )),
        )?;
    }
    Ok(())
}

/// Escapes a command's message, as the Actions runner reads it (`%` first, so
/// that a literal `%0A` stays text: `%250A`).
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
        assert_eq!(escape_data("a\r\nb %0A"), "a%0D%0Ab %250A");
        assert_eq!(escape_property("src/a,b:c.rs"), "src/a%2Cb%3Ac.rs");
        assert_eq!(
            escape_property("x%3A::stop-commands::y"),
            "x%253A%3A%3Astop-commands%3A%3Ay"
        );
    }
}
