//! The tokens of the direct parser: decypher's lexer, followed for the tokens the parser
//! accepts, with string escapes decoded as decypher decodes them.

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(super) enum Kind {
    Space,
    /// Skipped like whitespace, but unlike whitespace it stops decypher's lookaheads.
    Comment,
    Word,
    Integer,
    Float,
    Str,
    LParen,
    RParen,
    LBrace,
    RBrace,
    LBracket,
    RBracket,
    Comma,
    Colon,
    Dot,
    DotDot,
    Pipe,
    Dollar,
    Eq,
    RegexMatch,
    Ne,
    Lt,
    Gt,
    Le,
    Ge,
    Plus,
    PlusEq,
    Minus,
    Star,
    Slash,
    Percent,
    Semicolon,
    End,
    /// Anything decypher lexes differently or that this parser does not take: a parse that
    /// reaches one gives up.
    Unknown,
}

#[derive(Clone, Copy, Debug)]
pub(super) struct Token {
    pub(super) kind: Kind,
    pub(super) start: usize,
    pub(super) end: usize,
}

/// The token at `at`, following decypher's lexer for the tokens this parser accepts.
pub(super) fn lex(bytes: &[u8], at: usize) -> Token {
    let token = |kind, end| Token {
        kind,
        start: at,
        end,
    };
    let Some(&first) = bytes.get(at) else {
        return token(Kind::End, at);
    };
    let next = bytes.get(at + 1).copied();
    let run = |from: usize, accept: fn(u8) -> bool| {
        from + bytes
            .get(from..)
            .unwrap_or_default()
            .iter()
            .take_while(|&&b| accept(b))
            .count()
    };
    match first {
        b' ' | b'\t' | b'\r' | b'\n' => token(
            Kind::Space,
            run(at, |b| matches!(b, b' ' | b'\t' | b'\r' | b'\n')),
        ),
        b'a'..=b'z' | b'A'..=b'Z' | b'_' => {
            let end = run(at, |b| b.is_ascii_alphanumeric() || b == b'_');
            // A non-ASCII letter would continue the identifier in decypher.
            match bytes.get(end) {
                Some(b) if !b.is_ascii() => token(Kind::Unknown, end),
                _ => token(Kind::Word, end),
            }
        }
        b'0'..=b'9' => {
            // decypher's scan: digits, then at most one `.digits` and one exponent.
            let (mut end, mut fraction, mut exponent) = (at, false, false);
            loop {
                match bytes.get(end) {
                    Some(b) if b.is_ascii_digit() => end += 1,
                    Some(b'.')
                        if !fraction
                            && !exponent
                            && bytes.get(end + 1).is_some_and(u8::is_ascii_digit) =>
                    {
                        fraction = true;
                        end += 1;
                    }
                    Some(b'e' | b'E') if !exponent => {
                        exponent = true;
                        end += 1;
                        if matches!(bytes.get(end), Some(b'+' | b'-')) {
                            end += 1;
                        }
                    }
                    _ => break,
                }
            }
            let float = fraction || exponent;
            // `0x…`, `0o…`, legacy octal `017` and digits running into a name are left to
            // decypher.
            let prefixed = first == b'0' && matches!(next, Some(b'x' | b'X' | b'o' | b'O'));
            let legacy_octal = first == b'0' && !float && end > at + 1;
            let runs_on = bytes
                .get(end)
                .is_some_and(|b| b.is_ascii_alphanumeric() || *b == b'_' || !b.is_ascii());
            let kind = match () {
                _ if prefixed || legacy_octal || runs_on => Kind::Unknown,
                _ if float => Kind::Float,
                _ => Kind::Integer,
            };
            token(kind, end)
        }
        b'\'' | b'"' => {
            // decypher's scan: a backslash takes the next character along, and `\u`/`\U` up
            // to 4/8 hex digits; an unescaped line break ends an unterminated string.
            // Stepping through a multi-byte character byte by byte finds the same quote.
            let mut end = at + 1;
            loop {
                match bytes.get(end) {
                    None | Some(b'\n') => return token(Kind::Unknown, at + 1),
                    Some(&b) if b == first => return token(Kind::Str, end + 1),
                    Some(b'\\') => {
                        let digits = match bytes.get(end + 1) {
                            Some(b'u') => 4,
                            Some(b'U') => 8,
                            _ => 0,
                        };
                        end = (end + 2).min(bytes.len());
                        for _ in 0..digits {
                            if bytes.get(end).is_some_and(u8::is_ascii_hexdigit) {
                                end += 1;
                            }
                        }
                    }
                    Some(_) => end += 1,
                }
            }
        }
        b'(' => token(Kind::LParen, at + 1),
        b')' => token(Kind::RParen, at + 1),
        b'{' => token(Kind::LBrace, at + 1),
        b'}' => token(Kind::RBrace, at + 1),
        b'[' => token(Kind::LBracket, at + 1),
        b']' => token(Kind::RBracket, at + 1),
        b',' => token(Kind::Comma, at + 1),
        b':' => token(Kind::Colon, at + 1),
        b'|' => token(Kind::Pipe, at + 1),
        b';' => token(Kind::Semicolon, at + 1),
        b'$' => token(Kind::Dollar, at + 1),
        // `..` and `.5` are other tokens.
        b'.' if next == Some(b'.') => token(Kind::DotDot, at + 2),
        // A float such as `.5`.
        b'.' if next.is_some_and(|b| b.is_ascii_digit()) => token(Kind::Unknown, at + 1),
        b'.' => token(Kind::Dot, at + 1),
        b'=' if next == Some(b'~') => token(Kind::RegexMatch, at + 2),
        b'=' => token(Kind::Eq, at + 1),
        b'<' if next == Some(b'=') => token(Kind::Le, at + 2),
        b'<' if next == Some(b'>') => token(Kind::Ne, at + 2),
        b'<' => token(Kind::Lt, at + 1),
        b'>' if next == Some(b'=') => token(Kind::Ge, at + 2),
        b'>' => token(Kind::Gt, at + 1),
        b'+' if next == Some(b'=') => token(Kind::PlusEq, at + 2),
        b'+' => token(Kind::Plus, at + 1),
        b'-' => token(Kind::Minus, at + 1),
        b'*' => token(Kind::Star, at + 1),
        b'/' if next == Some(b'/') => {
            let line = bytes.get(at..).unwrap_or_default();
            let len = line.iter().position(|&b| b == b'\n').unwrap_or(line.len());
            token(Kind::Comment, at + len)
        }
        // An unterminated block comment runs to the end, without an error.
        b'/' if next == Some(b'*') => {
            let body = bytes.get(at + 2..).unwrap_or_default();
            let len = body
                .windows(2)
                .position(|pair| pair == b"*/")
                .map_or(body.len(), |len| len + 2);
            token(Kind::Comment, at + 2 + len)
        }
        b'/' => token(Kind::Slash, at + 1),
        b'%' => token(Kind::Percent, at + 1),
        _ => token(Kind::Unknown, at + 1),
    }
}

/// A string literal's content with decypher's escapes decoded; `None` where decypher reports
/// an invalid escape.
pub(super) fn unescape(content: &str) -> Option<String> {
    if !content.contains('\\') {
        return Some(content.to_owned());
    }
    let mut value = String::with_capacity(content.len());
    let mut chars = content.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' {
            value.push(c);
            continue;
        }
        match chars.next() {
            Some('b' | 'B') => value.push('\u{8}'),
            Some('f' | 'F') => value.push('\u{c}'),
            Some('n' | 'N') => value.push('\n'),
            Some('r' | 'R') => value.push('\r'),
            Some('t' | 'T') => value.push('\t'),
            Some(quoted @ ('\\' | '\'' | '"')) => value.push(quoted),
            // Both forms read up to eight hex digits, and need exactly four or eight.
            Some('u' | 'U') => {
                let mut code = 0u32;
                let mut digits = 0;
                while digits < 8 {
                    let Some(digit) = chars.peek().and_then(|c| c.to_digit(16)) else {
                        break;
                    };
                    chars.next();
                    code = code * 16 + digit;
                    digits += 1;
                }
                if digits != 4 && digits != 8 {
                    return None;
                }
                value.push(char::from_u32(code)?);
            }
            Some(other) => {
                value.push('\\');
                value.push(other);
            }
            None => value.push('\\'),
        }
    }
    Some(value)
}

/// Every keyword of decypher's lexer, sorted. All but `TRUE`, `FALSE` and `NULL` may also be
/// names.
#[rustfmt::skip]
pub(super) const KEYWORDS: &[&str] = &[
    "ACCESS", "ADD", "ALL", "AND", "ANY", "AS", "ASC", "ASCENDING", "BREAK", "BY", "CALL", "CASE",
    "CONCURRENTLY", "CONSTRAINT", "CONSTRAINTS", "CONTAINS", "CONTINUE", "COUNT", "CREATE", "CSV",
    "DATABASE", "DATABASES", "DELETE", "DESC", "DESCENDING", "DETACH", "DISTINCT", "DO", "DROP",
    "EACH", "ELSE", "END", "ENDS", "ERROR", "EXISTS", "EXTRACT", "FAIL", "FALSE",
    "FIELDTERMINATOR", "FILTER", "FINISH", "FOR", "FOREACH", "FROM", "FULLTEXT", "FUNCTIONS",
    "GRAPH", "HEADERS", "IF", "IN", "INDEX", "INDEXES", "IS", "KEY", "LIMIT", "LOAD", "LOOKUP",
    "MANDATORY", "MATCH", "MERGE", "NODE", "NONE", "NOT", "NULL", "OF", "ON", "OPTIONAL",
    "OPTIONS", "OR", "ORDER", "POINT", "PROCEDURES", "PROPERTY", "RANGE", "REDUCE", "REMOVE",
    "REQUIRE", "RETURN", "ROWS", "SCALAR", "SET", "SHOW", "SINGLE", "SKIP", "STARTS", "TEXT",
    "THEN", "TRANSACTIONS", "TRUE", "TYPE", "TYPES", "UNION", "UNIQUE", "UNWIND", "USE", "WHEN",
    "WHERE", "WITH", "XOR", "YIELD",
];

pub(super) fn is_keyword(word: &[u8]) -> bool {
    // Keywords are short, and the list is sorted: one uppercase copy and a binary search.
    let mut upper = [0u8; 16];
    let Some(upper) = upper.get_mut(..word.len()) else {
        return false;
    };
    upper.copy_from_slice(word);
    upper.make_ascii_uppercase();
    KEYWORDS
        .binary_search_by(|keyword| keyword.as_bytes().cmp(upper))
        .is_ok()
}

pub(super) fn is_literal_keyword(word: &[u8]) -> bool {
    ["TRUE", "FALSE", "NULL"]
        .iter()
        .any(|keyword| keyword.as_bytes().eq_ignore_ascii_case(word))
}
