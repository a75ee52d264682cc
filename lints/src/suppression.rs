//! Suppression comments and the small lexer that finds comments. The lexer also shows the
//! nesting guard where code is ([`code_runs`]) and fingerprints an expression's tokens
//! ([`token_fingerprint`]).
//!
//! syn drops comments, so directives are read from the source text:
//! `// partner-safety: allow(PS102, PS301) until: 2027-03-31 reason: …`.

use crate::source::{is_ident_byte, LineIndex, Span};

/// What the lexer sees: a run of code, or a whole comment.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lexeme {
    Code(std::ops::Range<usize>),
    LineComment(Span),
    BlockComment,
    /// A string, raw string or char literal.
    Literal(std::ops::Range<usize>),
}

/// A forgiving Rust lexer that only separates code from comments and
/// literals. It never fails: unterminated literals and comments run to the end.
struct Lexer<'a> {
    bytes: &'a [u8],
    text: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    fn new(text: &'a str) -> Self {
        Lexer {
            bytes: text.as_bytes(),
            text,
            pos: 0,
        }
    }

    fn at(&self, offset: usize) -> u8 {
        self.bytes.get(offset).copied().unwrap_or(0)
    }

    /// Just past the closing `quote` of a literal whose body starts at `body`.
    fn quoted_end(&self, body: usize, quote: u8) -> usize {
        let mut cursor = body;
        while cursor < self.bytes.len() {
            match self.bytes[cursor] {
                b'\\' => cursor += 2,
                byte if byte == quote => return cursor + 1,
                _ => cursor += 1,
            }
        }
        self.bytes.len()
    }

    /// At `r`, after an optional `b`/`c` prefix: a raw string `r#*"…"#*`?
    fn raw_string_end(&self, r_at: usize) -> Option<usize> {
        let mut cursor = r_at + 1;
        let mut hashes = 0;
        while self.at(cursor) == b'#' {
            hashes += 1;
            cursor += 1;
        }
        if self.at(cursor) != b'"' {
            return None;
        }
        let closing: Vec<u8> = std::iter::once(b'"')
            .chain(std::iter::repeat_n(b'#', hashes))
            .collect();
        let body = cursor + 1;
        let end = self
            .bytes
            .get(body..)?
            .windows(closing.len())
            .position(|window| window == closing.as_slice());
        Some(end.map_or(self.bytes.len(), |found| body + found + closing.len()))
    }

    /// At `'`: the end of a char literal, or `None` for a lifetime or label.
    fn char_literal_end(&self, quote_at: usize) -> Option<usize> {
        if self.at(quote_at + 1) == b'\\' {
            // Past the escaped character, which may itself be a quote (`'\''`).
            let mut cursor = quote_at + 3;
            while cursor < self.bytes.len()
                && self.bytes[cursor] != b'\''
                && self.bytes[cursor] != b'\n'
            {
                cursor += 1;
            }
            return Some((cursor + 1).min(self.bytes.len()));
        }
        let next = self.text.get(quote_at + 1..)?.chars().next()?;
        let after = quote_at + 1 + next.len_utf8();
        (self.at(after) == b'\'').then_some(after + 1)
    }
}

/// Text that is not code, starting at some byte.
enum NonCode {
    LineComment,
    BlockComment,
    /// A string, raw string or char literal.
    Literal,
}

impl Lexer<'_> {
    /// The comment or literal that starts at `start`, and where it ends.
    fn non_code_at(&self, start: usize) -> Option<(NonCode, usize)> {
        let byte = *self.bytes.get(start)?;
        let previous_is_ident = start > 0 && is_ident_byte(self.bytes[start - 1]);
        match byte {
            b'/' if self.at(start + 1) == b'/' => {
                let end = self.bytes[start..]
                    .iter()
                    .position(|&b| b == b'\n')
                    .map_or(self.bytes.len(), |n| start + n);
                Some((NonCode::LineComment, end))
            }
            b'/' if self.at(start + 1) == b'*' => {
                let mut depth = 0usize;
                let mut cursor = start;
                while cursor < self.bytes.len() {
                    if self.at(cursor) == b'/' && self.at(cursor + 1) == b'*' {
                        depth += 1;
                        cursor += 2;
                    } else if self.at(cursor) == b'*' && self.at(cursor + 1) == b'/' {
                        depth -= 1;
                        cursor += 2;
                        if depth == 0 {
                            break;
                        }
                    } else {
                        cursor += 1;
                    }
                }
                Some((NonCode::BlockComment, cursor.min(self.bytes.len())))
            }
            b'"' => Some((NonCode::Literal, self.quoted_end(start + 1, b'"'))),
            b'r' if !previous_is_ident
                || (start >= 1
                    && matches!(self.bytes[start - 1], b'b' | b'c')
                    && !(start >= 2 && is_ident_byte(self.bytes[start - 2]))) =>
            {
                Some((NonCode::Literal, self.raw_string_end(start)?))
            }
            b'\'' => Some((NonCode::Literal, self.char_literal_end(start)?)),
            _ => None,
        }
    }

    /// The first offset from `from` on where a comment or literal may start (a quote, `//`,
    /// `/*`, or the `r` of `r"`/`r#"`), or the end: a cheap test that lets the bytes in
    /// between be taken as one run; [`Self::non_code_at`] decides.
    fn next_possible_non_code(&self, from: usize) -> usize {
        // Every literal and comment holds one of these three bytes, and they are rare in
        // code: searching for them skips the identifiers and spaces between at a few
        // bytes per instruction, where testing each byte cost several instructions per byte.
        let mut cursor = from;
        while let Some(found) = memchr::memchr3(b'"', b'\'', b'/', &self.bytes[cursor..]) {
            let at = cursor + found;
            match self.bytes[at] {
                b'/' if !matches!(self.at(at + 1), b'/' | b'*') => cursor = at + 1,
                b'"' => {
                    // A raw string starts at its `r`, before any `#`: `r"…"`, `br#"…"#`.
                    let mut quote_or_hashes = at;
                    while quote_or_hashes > from && self.bytes[quote_or_hashes - 1] == b'#' {
                        quote_or_hashes -= 1;
                    }
                    if quote_or_hashes > from && self.bytes[quote_or_hashes - 1] == b'r' {
                        return quote_or_hashes - 1;
                    }
                    return at;
                }
                _ => return at,
            }
        }
        self.bytes.len()
    }
}

impl Iterator for Lexer<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        let start = self.pos;
        if start >= self.bytes.len() {
            return None;
        }
        let (lexeme, end) = match self.non_code_at(start) {
            Some((NonCode::LineComment, end)) => (Lexeme::LineComment(Span::new(start, end)), end),
            Some((NonCode::BlockComment, end)) => (Lexeme::BlockComment, end),
            Some((NonCode::Literal, end)) => (Lexeme::Literal(start..end), end),
            None => {
                let end = self.next_possible_non_code(start + 1);
                (Lexeme::Code(start..end), end)
            }
        };
        self.pos = end;
        Some(lexeme)
    }
}

/// The runs of `text` that are code: outside comments, strings and chars. Runs are maximal
/// only as far as a cheap test sees; two runs may touch.
pub fn code_runs(text: &str) -> impl Iterator<Item = std::ops::Range<usize>> + '_ {
    Lexer::new(text).filter_map(|lexeme| match lexeme {
        Lexeme::Code(run) => Some(run),
        _ => None,
    })
}

/// A fingerprint of the tokens of `source` (Rust code): their texts in order, whatever the
/// layout. Whitespace and comments between tokens do not count, except where they keep two
/// tokens apart that would otherwise read as one: between two word characters (`x as y`) and
/// between two operator characters (`a & &b` is not `a && b`). Literals count byte for byte.
pub(crate) fn token_fingerprint(source: &str) -> u64 {
    #[derive(Clone, Copy, PartialEq)]
    enum Last {
        Nothing,
        Word,
        Operator,
        Other,
    }
    fn class(byte: u8) -> Last {
        match byte {
            _ if is_ident_byte(byte) => Last::Word,
            b'!' | b'%' | b'&' | b'*' | b'+' | b'-' | b'.' | b'/' | b':' | b'<' | b'=' | b'>'
            | b'^' | b'|' => Last::Operator,
            _ => Last::Other,
        }
    }
    let bytes = source.as_bytes();
    let mut tokens = Vec::with_capacity(bytes.len());
    let mut last = Last::Nothing;
    let mut gap = false;
    for lexeme in Lexer::new(source) {
        match lexeme {
            Lexeme::Code(run) => {
                for &byte in &bytes[run] {
                    if byte.is_ascii_whitespace() {
                        gap = true;
                        continue;
                    }
                    let this = class(byte);
                    if gap && this == last && this != Last::Other {
                        tokens.push(b' ');
                    }
                    gap = false;
                    tokens.push(byte);
                    last = this;
                }
            }
            Lexeme::Literal(literal) => {
                tokens.extend_from_slice(&bytes[literal]);
                last = Last::Other;
                gap = false;
            }
            Lexeme::LineComment(_) | Lexeme::BlockComment => gap = true,
        }
    }
    // A fixed seed: runs and cached facts agree.
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(tokens.as_slice())
}

/// One `// partner-safety: …` comment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    /// The whole comment.
    pub span: Span,
    /// 0-based line of the comment.
    pub line: usize,
    /// Whether the comment is alone on its line (it then covers the next
    /// line, or the whole item that starts there).
    pub own_line: bool,
    /// Codes or names inside `allow(…)`, with their spans.
    pub codes: Vec<(String, Span)>,
    pub until: Option<String>,
    pub reason: Option<String>,
    /// Why the directive could not be read, if it could not.
    pub malformed: Option<String>,
}

const MARKER: &str = "partner-safety:";

/// Finds every suppression directive in a file.
pub fn scan(text: &str, lines: &LineIndex) -> Vec<Directive> {
    // Every directive contains the marker; most files have none, and a substring search is
    // far cheaper than lexing the file.
    if !text.contains(MARKER) {
        return Vec::new();
    }
    Lexer::new(text)
        .filter_map(|lexeme| match lexeme {
            Lexeme::LineComment(span) => Some(span),
            _ => None,
        })
        .filter_map(|span| parse_comment(text, lines, span))
        .collect()
}

fn parse_comment(text: &str, lines: &LineIndex, span: Span) -> Option<Directive> {
    let comment = text.get(span.range())?;
    let body = comment.strip_prefix("//")?;
    if body.starts_with('/') || body.starts_with('!') {
        return None; // doc comments are documentation, not directives
    }
    let trimmed = body.trim_start();
    let rest = trimmed.strip_prefix(MARKER)?;
    let rest_offset = span.start as usize + comment.len() - rest.len();
    let line = lines.line_of(span.start);
    let line_start = lines.line_start(line) as usize;
    let own_line = text
        .get(line_start..span.start as usize)
        .is_some_and(|before| before.trim().is_empty());
    let mut directive = Directive {
        span,
        line,
        own_line,
        codes: Vec::new(),
        until: None,
        reason: None,
        malformed: None,
    };
    if let Err(problem) = parse_directive_body(rest, rest_offset, &mut directive) {
        directive.malformed = Some(problem);
    }
    Some(directive)
}

fn parse_directive_body(
    rest: &str,
    rest_offset: usize,
    directive: &mut Directive,
) -> Result<(), String> {
    const EXPECTED: &str = "expected `allow(CODE, …) reason: …`";
    let after_space = rest.trim_start();
    let list = after_space
        .strip_prefix("allow")
        .map(str::trim_start)
        .and_then(|s| s.strip_prefix('('));
    let Some(list) = list else {
        return Err(EXPECTED.to_string());
    };
    let Some(close) = list.find(')') else {
        return Err(format!("unclosed `allow(`; {EXPECTED}"));
    };
    let list_offset = rest_offset + (rest.len() - list.len());
    let mut cursor = 0;
    for part in list[..close].split(',') {
        let leading = part.len() - part.trim_start().len();
        let code = part.trim();
        if !code.is_empty() {
            let start = list_offset + cursor + leading;
            directive
                .codes
                .push((code.to_string(), Span::new(start, start + code.len())));
        }
        cursor += part.len() + 1;
    }
    if directive.codes.is_empty() {
        return Err("`allow()` names no rule".to_string());
    }
    let mut tail = list[close + 1..].trim_start();
    if let Some(after) = tail.strip_prefix("until:") {
        let after = after.trim_start();
        let date: String = after.chars().take_while(|c| !c.is_whitespace()).collect();
        if !is_valid_date(&date) {
            return Err(format!(
                "`until: {date}` is not a date of the form YYYY-MM-DD"
            ));
        }
        tail = after[date.len()..].trim_start();
        directive.until = Some(date);
    }
    if let Some(reason) = tail.strip_prefix("reason:") {
        let reason = reason.trim();
        if !reason.is_empty() {
            directive.reason = Some(reason.to_string());
        }
    } else if !tail.is_empty() {
        return Err(format!("unexpected `{tail}`; {EXPECTED}"));
    }
    Ok(())
}

fn is_valid_date(date: &str) -> bool {
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return false;
    };
    let numeric = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(numeric(year, 4) && numeric(month, 2) && numeric(day, 2)) {
        return false;
    }
    let month: u32 = month.parse().unwrap_or(0);
    let day: u32 = day.parse().unwrap_or(0);
    (1..=12).contains(&month) && (1..=31).contains(&day)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn directives(text: &str) -> Vec<Directive> {
        scan(text, &LineIndex::new(text))
    }

    #[test]
    fn reads_codes_reason_and_expiry() {
        let text = "let a = 1; // partner-safety: allow(PS102, readable-secret) until: 2027-03-31 reason: legacy key\n";
        let found = directives(text);
        assert_eq!(found.len(), 1);
        let directive = &found[0];
        assert!(!directive.own_line);
        let codes: Vec<_> = directive
            .codes
            .iter()
            .map(|(code, _)| code.as_str())
            .collect();
        assert_eq!(codes, ["PS102", "readable-secret"]);
        assert_eq!(&text[directive.codes[1].1.range()], "readable-secret");
        assert_eq!(directive.until.as_deref(), Some("2027-03-31"));
        assert_eq!(directive.reason.as_deref(), Some("legacy key"));
        assert_eq!(directive.malformed, None);
    }

    #[test]
    fn a_missing_reason_and_a_malformed_directive_are_kept_for_reporting() {
        let found = directives(
            "  // partner-safety: allow(PS104)\n// partner-safety: alow(PS104) reason: x\n",
        );
        assert!(found[0].own_line);
        assert_eq!(found[0].reason, None);
        assert_eq!(found[0].malformed, None);
        assert_eq!(
            found[1].malformed.as_deref(),
            Some("expected `allow(CODE, …) reason: …`")
        );
        let bad_date = directives("// partner-safety: allow(PS104) until: 2027-13-01 reason: x\n");
        assert!(bad_date[0]
            .malformed
            .as_deref()
            .unwrap()
            .contains("not a date"));
    }

    #[test]
    fn directives_inside_strings_and_doc_comments_are_not_directives() {
        let text = r####"
            let s = "// partner-safety: allow(PS104) reason: no";
            let r = r#"// partner-safety: allow(PS104) reason: no"#;
            /// partner-safety: allow(PS104) reason: doc
            /* // partner-safety: allow(PS104) reason: block */
            let c = '"'; // partner-safety: allow(PS101) reason: after a char literal
            fn f<'a>(x: &'a str) {} // partner-safety: allow(PS102) reason: after a lifetime
        "####;
        let codes: Vec<_> = directives(text)
            .into_iter()
            .map(|d| d.codes[0].0.clone())
            .collect();
        assert_eq!(codes, ["PS101", "PS102"]);
    }

    #[test]
    fn code_runs_skip_literals_and_comments() {
        let code = |text: &str| -> String { code_runs(text).map(|run| &text[run]).collect() };
        assert_eq!(code("a(\"(((\") /* ((( */ b'(' // (((\n)"), "a()  b \n)");
        assert_eq!(
            code("r#type + br##\"x\"# \"## + c\"y\" + 'a: loop {} /* /* */ */ x / y"),
            "r#type + b + c + 'a: loop {}  x / y"
        );
        assert_eq!(code("for r in rs { r#\"raw\"#; }"), "for r in rs { ; }");
        // An `r` inside a word starts no raw string; a lone `/` is division.
        assert_eq!(
            code("xr#\"a\"# + br\"q\" / r##\"z\"##; a/b"),
            "xr## + b / ; a/b"
        );
        assert_eq!(
            code("'\\'' + '\\u{1F600}' + 'é' + &'static str"),
            " +  +  + &'static str"
        );
        // Unterminated literals and comments run to the end.
        assert_eq!(code("a \"b"), "a ");
        assert_eq!(code("a /* b"), "a ");
    }
}
