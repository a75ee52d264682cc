//! Suppression directives, and a small lexer that finds code cheaply.
//!
//! A directive is a `//` comment: `// partner-safety: allow(PS102, PS301) until: 2027-03-31
//! reason: …`. syn drops comments, so directives are read from the source text, and only from
//! real comments as the language lexes them: [`scan`] asks proc-macro2's lexer, which follows
//! rustc's rules (prefixed and suffixed literals, raw strings, nested block comments), where
//! the tokens are, and reads a directive only from a `//` comment that starts between two
//! tokens. Text inside a literal of any kind is never a directive; neither is a doc comment
//! (`///`, `//!`, `/** */`: documentation, lexed as a `#[doc]` attribute) nor a `/* */` comment.
//!
//! The forgiving lexer below finds where code is ([`code_runs`]) and fingerprints an
//! expression's tokens ([`token_fingerprint`]). It runs on every file, so it
//! trades exactness in rare corners for speed, and it is never used to find directives.

use crate::positions::{is_ident_byte, LineIndex, Span};

/// What the lexer sees: a run of code, or a whole comment.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Lexeme {
    Code(std::ops::Range<usize>),
    Comment,
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
    Comment,
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
                Some((NonCode::Comment, end))
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
                Some((NonCode::Comment, cursor.min(self.bytes.len())))
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
            Some((NonCode::Comment, end)) => (Lexeme::Comment, end),
            Some((NonCode::Literal, end)) => {
                // A literal's suffix is part of it (`"a"r` is one token, as rustc lexes it):
                // the `r` must not start a raw string.
                let end = end
                    + self
                        .bytes
                        .get(end..)
                        .unwrap_or_default()
                        .iter()
                        .take_while(|&&byte| is_ident_byte(byte))
                        .count();
                (Lexeme::Literal(start..end), end)
            }
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
            Lexeme::Comment => gap = true,
        }
    }
    // A fixed seed: runs and cached facts agree.
    use std::hash::BuildHasher;
    foldhash::fast::FixedState::with_seed(0).hash_one(tokens.as_slice())
}

/// One `// partner-safety: …` comment.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Directive {
    /// The whole comment, without its line ending.
    pub span: Span,
    /// 0-based line of the comment.
    pub line: usize,
    /// Whether the comment is alone on its line (it then covers what follows it).
    pub own_line: bool,
    /// Where the construct the directive stands before may start: from the first attribute or
    /// doc comment of the unbroken run of outer attributes the comment stands in (or the first
    /// token after the comment, when no attribute comes right before it) to the first token after
    /// that run that is not an attribute. An item whose extent starts in this window carries the
    /// directive among its leading attributes. `None` when the comment follows code on its line
    /// with no attribute right before it, or when no token follows it.
    pub leads: Option<Span>,
    /// Codes or names inside `allow(…)`, with their spans.
    pub codes: Vec<(String, Span)>,
    pub until: Option<String>,
    pub reason: Option<String>,
    /// Why the directive could not be read, if it could not.
    pub malformed: Option<String>,
}

const MARKER: &str = "partner-safety:";

/// Finds every suppression directive in a file: the `//` comments, as the language lexes them,
/// that start with the marker.
///
/// Lexes the file with proc-macro2 when it holds the marker at all, and then invalidates this
/// thread's proc-macro2 spans: call it when no other span of this thread is still in use.
pub fn scan(text: &str, lines: &LineIndex) -> Vec<Directive> {
    // Every directive holds the marker right after `//` and spaces; most files have no marker
    // at all, and a substring search is far cheaper than lexing the file.
    let candidates: Vec<usize> = memchr::memmem::find_iter(text.as_bytes(), MARKER)
        .filter(|&marker| {
            text[..marker]
                .trim_end_matches(|c: char| c.is_whitespace() && c != '\n')
                .ends_with("//")
        })
        .collect();
    if candidates.is_empty() {
        return Vec::new();
    }
    // rustc skips a `#!` line; proc-macro2 would lex it as tokens.
    let source: std::sync::Arc<str> = crate::source::without_shebang(text).into();
    // A file the language cannot lex is not analysed either: it has no directives.
    with_tokens(&source, lines, |tokens| {
        let mut directives = Vec::new();
        let mut last_gap = None;
        for candidate in candidates {
            let Some(gap) = tokens.gap_at(candidate) else {
                continue; // inside a token: a literal, a doc comment
            };
            if last_gap.replace(gap.next_mark) == Some(gap.next_mark) {
                continue; // the gap of an earlier candidate: read already
            }
            for comment in line_comments(&source, gap.text) {
                if let Some(mut directive) = parse_comment(&source, lines, comment) {
                    directive.leads = tokens.leads(gap.next_mark, directive.own_line);
                    directives.push(directive);
                }
            }
        }
        directives
    })
    .unwrap_or_default()
}

/// What the directive reader keeps of a token: its span, and enough of its kind to see
/// attributes (`#`, `!`, a bracket group). A doc comment is lexed as the tokens of
/// `#[doc = "…"]` (`#![doc = "…"]` for an inner one), each spanning the whole comment.
#[derive(Clone, Copy, Debug)]
struct Mark {
    span: proc_macro2::Span,
    kind: MarkKind,
    /// For an opening or closing delimiter, the index of the other one.
    partner: u32,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum MarkKind {
    Pound,
    Bang,
    OpenBracket,
    OpenOther,
    Close,
    Other,
}

/// The tokens of a file in source order, groups flattened into their delimiters. Starts never
/// decrease along them (a doc comment's tokens all start where it does), so a position is
/// found by bisection, and only the few tokens a search touches have their offsets computed.
struct Tokens<'a> {
    marks: Vec<Mark>,
    source: &'a str,
}

/// Text between two tokens: only whitespace and comments can be there.
struct Gap {
    text: std::ops::Range<usize>,
    /// The index of the first mark after the gap (the number of marks at the end of the file).
    next_mark: usize,
}

/// Lexes `source` with proc-macro2 and runs `read` over its tokens, or gives `None` when the
/// language cannot lex it.
fn with_tokens<T>(
    source: &std::sync::Arc<str>,
    lines: &LineIndex,
    read: impl FnOnce(&Tokens<'_>) -> T,
) -> Option<T> {
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        crate::source::with_fast_spans(source, lines, || {
            let stream = source.parse::<proc_macro2::TokenStream>().ok()?;
            let tokens = Tokens {
                marks: flatten(stream),
                source,
            };
            Some(read(&tokens))
        })
    }));
    // Positions are extracted; drop proc-macro2's per-thread copy of the source, as the
    // indexer does after parsing.
    proc_macro2::extra::invalidate_current_thread_spans();
    result.ok().flatten()
}

/// Every token of `stream` as a [`Mark`], in source order, without recursion (groups nest
/// as deep as the file does).
fn flatten(stream: proc_macro2::TokenStream) -> Vec<Mark> {
    use proc_macro2::{Delimiter, TokenTree};
    fn mark(span: proc_macro2::Span, kind: MarkKind) -> Mark {
        Mark {
            span,
            kind,
            partner: 0,
        }
    }
    struct Group {
        tokens: proc_macro2::token_stream::IntoIter,
        /// The index of the group's opening mark, and its closing delimiter.
        open: Option<(usize, proc_macro2::Span)>,
    }
    let mut marks = Vec::new();
    let mut stack = vec![Group {
        tokens: stream.into_iter(),
        open: None,
    }];
    while let Some(group) = stack.last_mut() {
        let Some(token) = group.tokens.next() else {
            if let Some((open, close_span)) = group.open {
                let close = marks.len();
                marks.push(Mark {
                    partner: u32::try_from(open).unwrap_or(u32::MAX),
                    ..mark(close_span, MarkKind::Close)
                });
                if let Some(opening) = marks.get_mut(open) {
                    opening.partner = u32::try_from(close).unwrap_or(u32::MAX);
                }
            }
            stack.pop();
            continue;
        };
        match token {
            TokenTree::Group(inner) => {
                let kind = if inner.delimiter() == Delimiter::Bracket {
                    MarkKind::OpenBracket
                } else {
                    MarkKind::OpenOther
                };
                let open = marks.len();
                marks.push(mark(inner.span_open(), kind));
                let close_span = inner.span_close();
                let tokens = inner.stream();
                // The group's only other owner goes now, so walking it copies nothing.
                drop(inner);
                stack.push(Group {
                    tokens: tokens.into_iter(),
                    open: Some((open, close_span)),
                });
            }
            TokenTree::Punct(punct) => {
                let kind = match punct.as_char() {
                    '#' => MarkKind::Pound,
                    '!' => MarkKind::Bang,
                    _ => MarkKind::Other,
                };
                marks.push(mark(punct.span(), kind));
            }
            TokenTree::Ident(ident) => marks.push(mark(ident.span(), MarkKind::Other)),
            TokenTree::Literal(literal) => marks.push(mark(literal.span(), MarkKind::Other)),
        }
    }
    marks
}

impl Tokens<'_> {
    /// Where `marks[index]` starts; the end of the file past the last one.
    fn start(&self, index: usize) -> u32 {
        match self.marks.get(index) {
            Some(mark) => crate::source::token_start(mark.span),
            None => u32::try_from(self.source.len()).unwrap_or(u32::MAX),
        }
    }

    fn end(&self, index: usize) -> u32 {
        self.marks
            .get(index)
            .map_or(0, |mark| crate::source::token_end(mark.span))
    }

    /// The gap between tokens that holds `offset`, or `None` when a token does.
    fn gap_at(&self, offset: usize) -> Option<Gap> {
        let offset = u32::try_from(offset).ok()?;
        // The first token that starts after `offset`; the one before it, if any, is the last
        // that starts at or before it, and ends the furthest of all those.
        let next_mark = self
            .marks
            .partition_point(|mark| crate::source::token_start(mark.span) <= offset);
        let gap_start = match next_mark.checked_sub(1) {
            Some(previous) => self.end(previous),
            // proc-macro2 skips a byte-order mark at the start of the file.
            None if self.source.starts_with('\u{feff}') => 3,
            None => 0,
        };
        (gap_start <= offset).then(|| Gap {
            text: gap_start as usize..self.start(next_mark) as usize,
            next_mark,
        })
    }

    /// The window of [`Directive::leads`] for a directive in the gap before `next_mark`.
    fn leads(&self, next_mark: usize, own_line: bool) -> Option<Span> {
        let attributes_before = self.attribute_run_before(next_mark);
        if !own_line && attributes_before.is_none() {
            return None;
        }
        let subject = self.first_after_attributes(next_mark);
        if subject >= self.marks.len() {
            return None;
        }
        Some(Span::new(
            attributes_before.unwrap_or_else(|| self.start(next_mark)) as usize,
            self.start(subject) as usize,
        ))
    }

    /// Whether `marks[index]` is the `#` of an outer attribute (`#[…]`, a `///` or `/** */`
    /// doc comment), and if so the index of its closing bracket.
    fn outer_attribute_at(&self, index: usize) -> Option<usize> {
        let pound = self.marks.get(index)?;
        let open = self.marks.get(index + 1)?;
        (pound.kind == MarkKind::Pound && open.kind == MarkKind::OpenBracket)
            .then_some(open.partner as usize)
    }

    /// The start of the unbroken run of outer attributes that ends right before
    /// `marks[next_mark]`, if one does.
    fn attribute_run_before(&self, next_mark: usize) -> Option<u32> {
        let mut run_start = None;
        let mut end = next_mark;
        while let Some(close) = end.checked_sub(1).and_then(|last| self.marks.get(last)) {
            if close.kind != MarkKind::Close {
                break;
            }
            let Some(pound) = (close.partner as usize).checked_sub(1) else {
                break;
            };
            if self.outer_attribute_at(pound) != Some(end - 1) {
                break; // not an attribute, or an inner one (`#![…]`, `//!`)
            }
            run_start = Some(self.start(pound));
            end = pound;
        }
        run_start
    }

    /// The index of the first mark from `index` on that is not part of an outer attribute.
    fn first_after_attributes(&self, mut index: usize) -> usize {
        while let Some(close) = self.outer_attribute_at(index) {
            if close <= index {
                break;
            }
            index = close + 1;
        }
        index
    }
}

/// The `//` comments in a gap between tokens, without their line endings. A gap holds
/// nothing but whitespace, `//` comments and (nested) `/* */` comments, so this is all the
/// lexing it takes; a `//` inside a block comment is part of that comment.
fn line_comments(source: &str, gap: std::ops::Range<usize>) -> Vec<Span> {
    let mut comments = Vec::new();
    let mut cursor = gap.start;
    while let Some(rest) = source.get(cursor..gap.end).filter(|rest| !rest.is_empty()) {
        if rest.starts_with("//") {
            let end =
                memchr::memchr(b'\n', rest.as_bytes()).map_or(gap.end, |found| cursor + found);
            let content_end = if source.as_bytes()[cursor..end].ends_with(b"\r") {
                end - 1
            } else {
                end
            };
            comments.push(Span::new(cursor, content_end));
            cursor = end;
        } else if rest.starts_with("/*") {
            cursor += block_comment_length(rest.as_bytes());
        } else {
            cursor += rest.chars().next().map_or(1, char::len_utf8);
        }
    }
    comments
}

/// The length of the (nested) block comment that `text` starts with.
fn block_comment_length(text: &[u8]) -> usize {
    let mut depth = 0usize;
    let mut cursor = 0;
    while cursor + 1 < text.len() {
        match (text[cursor], text[cursor + 1]) {
            (b'/', b'*') => {
                depth += 1;
                cursor += 2;
            }
            (b'*', b'/') => {
                depth = depth.saturating_sub(1);
                cursor += 2;
                if depth == 0 {
                    return cursor;
                }
            }
            _ => cursor += 1,
        }
    }
    text.len()
}

fn parse_comment(source: &str, lines: &LineIndex, span: Span) -> Option<Directive> {
    let comment = source.get(span.range())?;
    let rest = comment
        .strip_prefix("//")?
        .trim_start()
        .strip_prefix(MARKER)?;
    let rest_offset = span.start as usize + comment.len() - rest.len();
    let line = lines.line_of(span.start);
    let line_start = lines.line_start(line) as usize;
    let own_line = source
        .get(line_start..span.start as usize)
        .is_some_and(|before| {
            before
                .trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}')
                .is_empty()
        });
    let mut directive = Directive {
        span,
        line,
        own_line,
        leads: None,
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

/// Reads `allow(CODE, …)` and then the `until: YYYY-MM-DD` and `reason: …` clauses, in
/// either order. The reason runs to the end of the comment or to an `until:` clause after it.
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
    let mut reason_seen = false;
    while !tail.is_empty() {
        if let Some(after) = tail.strip_prefix("until:") {
            if directive.until.is_some() {
                return Err("`until:` is given twice".to_string());
            }
            let after = after.trim_start();
            let date = after.split_whitespace().next().unwrap_or("");
            check_date(date)?;
            directive.until = Some(date.to_string());
            tail = after[date.len()..].trim_start();
        } else if let Some(after) = tail.strip_prefix("reason:") {
            if reason_seen {
                return Err("`reason:` is given twice".to_string());
            }
            reason_seen = true;
            let reason_end = until_clause_in(after).unwrap_or(after.len());
            let reason = after[..reason_end].trim();
            if !reason.is_empty() {
                directive.reason = Some(reason.to_string());
            }
            tail = after[reason_end..].trim_start();
        } else {
            return Err(format!("unexpected `{tail}`; {EXPECTED}"));
        }
    }
    Ok(())
}

/// Where an `until:` clause starts in a reason's text: at a word that begins with `until:`.
fn until_clause_in(reason: &str) -> Option<usize> {
    reason
        .match_indices("until:")
        .map(|(at, _)| at)
        .find(|&at| {
            reason[..at]
                .chars()
                .next_back()
                .is_none_or(char::is_whitespace)
        })
}

/// Checks an `until:` date: `YYYY-MM-DD`, and a day the calendar has.
fn check_date(date: &str) -> Result<(), String> {
    if date.is_empty() {
        return Err("`until:` needs a date of the form YYYY-MM-DD".to_string());
    }
    let not_a_date = || format!("`until: {date}` is not a date of the form YYYY-MM-DD");
    let parts: Vec<&str> = date.split('-').collect();
    let [year, month, day] = parts.as_slice() else {
        return Err(not_a_date());
    };
    let digits = |s: &str, len: usize| s.len() == len && s.bytes().all(|b| b.is_ascii_digit());
    if !(digits(year, 4) && digits(month, 2) && digits(day, 2)) {
        return Err(not_a_date());
    }
    let (Ok(year_number), Ok(month_number), Ok(day_number)) = (
        year.parse::<u32>(),
        month.parse::<usize>(),
        day.parse::<u32>(),
    ) else {
        return Err(not_a_date());
    };
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let Some(month_name) = month_number
        .checked_sub(1)
        .and_then(|index| MONTHS.get(index))
    else {
        return Err(format!(
            "`until: {date}` is not a real date: there is no month {month}"
        ));
    };
    let leap = year_number % 4 == 0 && (year_number % 100 != 0 || year_number % 400 == 0);
    let days = match month_number {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    if day_number == 0 {
        return Err(format!(
            "`until: {date}` is not a real date: there is no day {day}"
        ));
    }
    if day_number > days {
        return Err(format!(
            "`until: {date}` is not a real date: {month_name} {year} has {days} days"
        ));
    }
    Ok(())
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
    }

    /// Each directive found: `line:column` of its `//`, then its reason or what is wrong with it.
    fn read(text: &str) -> Vec<String> {
        let lines = LineIndex::new(text);
        scan(text, &lines)
            .into_iter()
            .map(|directive| {
                let at = lines.line_col(text, directive.span.start);
                let what = match (&directive.malformed, &directive.reason) {
                    (Some(problem), _) => format!("malformed: {problem}"),
                    (None, Some(reason)) => reason.clone(),
                    (None, None) => "no reason".to_owned(),
                };
                format!("{}:{} {what}", at.line, at.column)
            })
            .collect()
    }

    const HIDDEN: &str = "// partner-safety: allow(PS104) reason: hidden";

    /// Literals of every form, written so that a guess at where a literal ends would see the
    /// directive after them as a comment: rustc lexes it as part of the literal.
    fn literals_holding_a_directive() -> Vec<String> {
        [
            // `"a"r` is a string with the suffix `r`; `"x\" …"` is one string.
            r#""a"r"x\" {HIDDEN}""#,
            r#""a"br"x\" {HIDDEN}""#,
            r#""a"cr"x\" {HIDDEN}""#,
            r##""a"r#"x\"# {HIDDEN}"#"##,
            r#""a"suffix"x\" {HIDDEN}""#,
            r#""{HIDDEN}""#,
            r#"r"{HIDDEN}""#,
            r##"r#"" {HIDDEN}"#"##,
            r###"r##""# {HIDDEN}"##"###,
            r#"b"\" {HIDDEN}""#,
            r#"br"{HIDDEN}""#,
            r##"br#"" {HIDDEN}"#"##,
            r#"c"\" {HIDDEN}""#,
            r#"cr"{HIDDEN}""#,
            r##"cr#"" {HIDDEN}"#"##,
            // A quote in a char literal opens no string, an escaped quote ends none.
            r#"'"' "{HIDDEN}""#,
            r#"'\'' "{HIDDEN}""#,
            r#"b'\'' "{HIDDEN}""#,
            r#"'a' "{HIDDEN}""#,
            // A lifetime is no char literal that would end at the next quote.
            r#"&'a "{HIDDEN}""#,
            // In a block comment, nested ones included, `//` is part of that comment.
            "/* /* */ {HIDDEN} */",
            "/* \" */ \"{HIDDEN}\"",
        ]
        .iter()
        .map(|form| form.replace("{HIDDEN}", HIDDEN))
        .collect()
    }

    #[test]
    fn a_directive_inside_any_literal_or_block_comment_is_not_read() {
        for form in literals_holding_a_directive() {
            let text = format!("ignore!({form});\n");
            assert_eq!(read(&text), Vec::<String>::new(), "{text}");
        }
    }

    #[test]
    fn a_real_comment_right_after_any_literal_is_read() {
        for form in [
            r#""a"r"#,
            r#""x"suffix"#,
            r#""http://example.com""#,
            r##"r#"" // "#"##,
            r###"r##""# "##"###,
            r#"b"\"""#,
            r#"br"x""#,
            r##"br#"""#"##,
            r#"c"\"""#,
            r#"cr"x""#,
            r##"cr#"""#"##,
            r#"'"'"#,
            r#"'\''"#,
            r#"b'\''"#,
            r#"'a'"#,
            r#"&'a"#,
            "r#type",
            "/* /* */ */",
            "/* \" */",
        ] {
            let text = format!("ignore!({form}); // partner-safety: allow(PS104) reason: real\n");
            let column = text[..text.rfind("// partner").unwrap()].chars().count() + 1;
            assert_eq!(read(&text), [format!("1:{column} real")], "{text}");
        }
    }

    #[test]
    fn any_spacing_after_the_slashes_reads_and_a_marker_elsewhere_is_no_directive() {
        let text = "//partner-safety: allow(PS104) reason: tight\n\
                    //\t\u{a0} partner-safety: allow(PS104) reason: spaced\n\
                    // see partner-safety: allow(PS104) reason: not first\n\
                    let s = \"partner-safety: allow(PS104) reason: text\";\n";
        assert_eq!(read(text), ["1:1 tight", "2:1 spaced"]);
    }

    #[test]
    fn doc_comments_and_block_comments_are_not_directives() {
        let text = "//! partner-safety: allow(PS104) reason: inner doc\n\
                    /// partner-safety: allow(PS104) reason: doc\n\
                    /** partner-safety: allow(PS104) reason: block doc */\n\
                    /*! partner-safety: allow(PS104) reason: inner block doc */\n\
                    /* partner-safety: allow(PS104) reason: block */\n\
                    //// partner-safety: allow(PS104) reason: four slashes\n\
                    // partner-safety: allow(PS104) reason: plain\n\
                    struct S;\n";
        assert_eq!(read(text), ["7:1 plain"]);
    }

    #[test]
    fn crlf_lines_and_a_last_line_without_newline() {
        let text = "fn f() {}\r\n  // partner-safety: allow(PS104) reason: crlf\r\nstruct S; // partner-safety: allow(PS104) reason: last";
        let found = directives(text);
        assert_eq!(read(text), ["2:3 crlf", "3:11 last"]);
        assert!(found[0].own_line);
        assert_eq!(
            &text[found[0].span.range()],
            "// partner-safety: allow(PS104) reason: crlf"
        );
        assert!(!found[1].own_line);
    }

    #[test]
    fn offsets_hold_after_non_ascii_text_a_byte_order_mark_and_a_shebang() {
        let text = "\u{feff}// partner-safety: allow(PS104) reason: after the mark\n\
                    let é = \"ü\"; // partner-safety: allow(PS104) reason: after ü\n";
        let found = directives(text);
        assert_eq!(read(text), ["1:2 after the mark", "2:14 after ü"]);
        assert!(found[0].own_line);
        assert_eq!(&text[found[1].codes[0].1.range()], "PS104");
        // rustc skips a `#!` line; an inner attribute is no such line.
        let script = "#!/usr/bin/env run // partner-safety: allow(PS104) reason: shebang\n\
                      fn main() {} // partner-safety: allow(PS104) reason: code\n";
        assert_eq!(read(script), ["2:14 code"]);
        assert_eq!(
            read("#![allow(dead_code)] // partner-safety: allow(PS104) reason: attr\n"),
            ["1:22 attr"]
        );
    }

    #[test]
    fn a_file_the_language_cannot_lex_has_no_directives() {
        assert_eq!(
            read("fn f( // partner-safety: allow(PS104) reason: unbalanced\n"),
            Vec::<String>::new()
        );
        assert_eq!(
            read("// partner-safety: allow(PS104) reason: open string\nlet s = \"abc;\n"),
            Vec::<String>::new()
        );
    }

    #[test]
    fn until_comes_before_or_after_the_reason() {
        let found = directives(
            "// partner-safety: allow(PS104) until: 2027-03-31 reason: before\n\
             // partner-safety: allow(PS104) reason: after, once the migration is done until: 2028-02-29\n\
             // partner-safety: allow(PS104) reason: wait until:2027-01-01\n",
        );
        let read: Vec<_> = found
            .iter()
            .map(|d| {
                (
                    d.reason.as_deref(),
                    d.until.as_deref(),
                    d.malformed.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (Some("before"), Some("2027-03-31"), None),
                (
                    Some("after, once the migration is done"),
                    Some("2028-02-29"),
                    None
                ),
                (Some("wait"), Some("2027-01-01"), None),
            ]
        );
    }

    #[test]
    fn an_impossible_or_misspelt_date_makes_the_directive_unreadable() {
        let problem = |tail: &str| {
            let text = format!("// partner-safety: allow(PS104) {tail}\n");
            directives(&text)[0].malformed.clone()
        };
        for (tail, expected) in [
            (
                "until: 2099-02-31 reason: x",
                "`until: 2099-02-31` is not a real date: February 2099 has 28 days",
            ),
            (
                "reason: x until: 2099-02-31",
                "`until: 2099-02-31` is not a real date: February 2099 has 28 days",
            ),
            (
                "until: 2027-02-29 reason: x",
                "`until: 2027-02-29` is not a real date: February 2027 has 28 days",
            ),
            (
                "until: 1900-02-29 reason: x",
                "`until: 1900-02-29` is not a real date: February 1900 has 28 days",
            ),
            (
                "until: 2027-04-31 reason: x",
                "`until: 2027-04-31` is not a real date: April 2027 has 30 days",
            ),
            (
                "until: 2027-13-01 reason: x",
                "`until: 2027-13-01` is not a real date: there is no month 13",
            ),
            (
                "until: 2027-00-10 reason: x",
                "`until: 2027-00-10` is not a real date: there is no month 00",
            ),
            (
                "until: 2027-01-00 reason: x",
                "`until: 2027-01-00` is not a real date: there is no day 00",
            ),
            (
                "until: 2027-4-1 reason: x",
                "`until: 2027-4-1` is not a date of the form YYYY-MM-DD",
            ),
            (
                "until: 2027-04-01x reason: x",
                "`until: 2027-04-01x` is not a date of the form YYYY-MM-DD",
            ),
            (
                "until: soon reason: x",
                "`until: soon` is not a date of the form YYYY-MM-DD",
            ),
            (
                "reason: x until:",
                "`until:` needs a date of the form YYYY-MM-DD",
            ),
            (
                "reason: x until: 2027-04-01 or later",
                "unexpected `or later`; expected `allow(CODE, …) reason: …`",
            ),
            (
                "until: 2027-04-01 reason: x until: 2027-05-01",
                "`until:` is given twice",
            ),
        ] {
            assert_eq!(problem(tail).as_deref(), Some(expected), "{tail}");
        }
        for valid in ["2028-02-29", "2000-02-29", "2027-12-31", "2027-01-01"] {
            assert_eq!(
                problem(&format!("until: {valid} reason: x")),
                None,
                "{valid}"
            );
        }
    }

    /// For each directive, the text from the start of its window to the end of the line where
    /// its subject starts, `⏎` for line breaks.
    fn windows(text: &str) -> Vec<Option<String>> {
        directives(text)
            .into_iter()
            .map(|directive| {
                directive.leads.map(|window| {
                    let subject_line_end = text[window.end as usize..]
                        .find('\n')
                        .map_or(text.len(), |n| window.end as usize + n);
                    text[window.start as usize..subject_line_end].replace('\n', "⏎")
                })
            })
            .collect()
    }

    #[test]
    fn a_directive_leads_the_construct_whose_attributes_it_stands_among() {
        // After the docs, and between attributes: the window runs from the docs to `pub`.
        let text = "/// Docs.\n\
                    // partner-safety: allow(PS104) reason: after the docs\n\
                    #[derive(Serialize)]\n\
                    // partner-safety: allow(PS104) reason: between attributes\n\
                    #[serde(rename_all = \"camelCase\")]\n\
                    pub struct Creds { pub api_key: String }\n";
        let whole = text.trim_end().replace('\n', "⏎");
        assert_eq!(windows(text), [Some(whole.clone()), Some(whole)]);
        // Inside a body: the field that follows, or the one whose attributes it follows.
        let text = "struct S {\n    // partner-safety: allow(PS104) reason: a\n    \n    a: String,\n    #[serde(skip)] // partner-safety: allow(PS104) reason: b\n    b: String,\n    c: String, // partner-safety: allow(PS104) reason: c\n}\n";
        assert_eq!(
            windows(text),
            [
                Some("a: String,".to_owned()),
                Some(
                    "#[serde(skip)] // partner-safety: allow(PS104) reason: b⏎    b: String,"
                        .to_owned()
                ),
                None,
            ]
        );
        // An inner attribute belongs to the enclosing module; nothing follows the last one.
        let text = "#![allow(x)] // partner-safety: allow(PS104) reason: inner\nfn f() {}\n// partner-safety: allow(PS104) reason: end\n";
        assert_eq!(windows(text), [None, None]);
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
        // A literal's suffix is part of it: the `r` of `"a"r` starts no raw string.
        assert_eq!(code("m!(\"a\"r\"x\\\" // (\"); y"), "m!(); y");
        assert_eq!(code("m!(\"a\"br\"x\\\" // (\"); y"), "m!(); y");
        // Unterminated literals and comments run to the end.
        assert_eq!(code("a \"b"), "a ");
        assert_eq!(code("a /* b"), "a ");
    }
}
