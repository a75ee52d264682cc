//! The offset-preserving pre-pass that turns a text into the parser's input, and the small Cypher
//! lexer it and the rewrites read tokens with.
//!
//! Every pass replaces bytes with the same number of bytes (or appends past the end), so byte
//! offsets reported by the parser index the caller's original text unchanged.

use super::facts::{CypherError, CypherErrorKind, Span};

/// Deeper input is refused: the parser recurses once per level and aborts the process on
/// stack overflow, which an untrusted pull request must never be able to trigger.
pub(crate) const MAX_NESTING: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenKind {
    Whitespace,
    Comment,
    Word,
    QuotedName,
    String,
    Parameter,
    Number,
    Punct,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Token {
    pub kind: TokenKind,
    pub start: usize,
    pub end: usize,
}

impl Token {
    pub(crate) fn is_trivia(self) -> bool {
        matches!(self.kind, TokenKind::Whitespace | TokenKind::Comment)
    }
}

/// Unterminated strings, names and comments run to the end of the input; the parser reports them.
pub(crate) fn tokenize(text: &str) -> Tokens<'_> {
    Tokens { text, pos: 0 }
}

pub(crate) struct Tokens<'a> {
    text: &'a str,
    pos: usize,
}

impl Iterator for Tokens<'_> {
    type Item = Token;

    fn next(&mut self) -> Option<Token> {
        let rest = self.text.get(self.pos..)?;
        let first = rest.chars().next()?;
        let after_first = &rest[first.len_utf8()..];
        let (kind, len) = if is_space(first) {
            (TokenKind::Whitespace, scan_while(rest, is_space))
        } else if rest.starts_with("//") {
            (TokenKind::Comment, rest.find('\n').unwrap_or(rest.len()))
        } else if let Some(after_open) = rest.strip_prefix("/*") {
            let len = after_open.find("*/").map_or(rest.len(), |i| i + 4);
            (TokenKind::Comment, len)
        } else if first == '\'' || first == '"' {
            (TokenKind::String, scan_quoted(rest, first as u8, true))
        } else if first == '`' {
            (TokenKind::QuotedName, scan_quoted(rest, b'`', false))
        } else if first == '$' && after_first.starts_with('`') {
            (
                TokenKind::Parameter,
                1 + scan_quoted(after_first, b'`', false),
            )
        } else if first == '$' && after_first.starts_with(is_word_char) {
            (
                TokenKind::Parameter,
                1 + scan_while(after_first, is_word_char),
            )
        } else if first.is_ascii_digit() {
            (TokenKind::Number, scan_number(rest))
        } else if is_word_char(first) {
            (TokenKind::Word, scan_while(rest, is_word_char))
        } else {
            (TokenKind::Punct, first.len_utf8())
        };
        let start = self.pos;
        self.pos += len.max(1);
        Some(Token {
            kind,
            start,
            end: self.pos,
        })
    }
}

/// Whitespace, and the byte-order mark a file or a string may start with: [`prepare`] blanks
/// it, so the parser never sees it.
fn is_space(c: char) -> bool {
    c.is_whitespace() || c == BYTE_ORDER_MARK
}

const BYTE_ORDER_MARK: char = '\u{feff}';

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn scan_while(text: &str, accept: impl Fn(char) -> bool) -> usize {
    text.find(|c| !accept(c)).unwrap_or(text.len())
}

/// Length of a quoted token including both quotes. Backticks escape themselves by doubling.
fn scan_quoted(text: &str, quote: u8, backslash_escapes: bool) -> usize {
    let bytes = text.as_bytes();
    let mut i = 1;
    while let Some(&b) = bytes.get(i) {
        let escape = if backslash_escapes {
            b == b'\\'
        } else {
            b == quote && bytes.get(i + 1) == Some(&quote)
        };
        if escape {
            i += 2;
        } else if b == quote {
            return i + 1;
        } else {
            i += 1;
        }
    }
    // A trailing backslash can step past the end; stay on a char boundary.
    text.len()
}

/// `12`, `0x1F`, `1.5e-3`; a `..` range operator is not part of the number.
fn scan_number(text: &str) -> usize {
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(&b) = bytes.get(i) {
        let exponent_sign = (b == b'-' || b == b'+')
            && i > 0
            && matches!(bytes.get(i - 1), Some(b'e' | b'E'))
            && !text.starts_with("0x");
        let decimal_point = b == b'.' && bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        if b.is_ascii_alphanumeric() || b == b'_' || decimal_point || exponent_sign {
            i += 1;
        } else {
            break;
        }
    }
    i
}

/// A query rewritten for the parser, plus what the rewrites removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Prepared {
    /// Same length as the input, optionally followed by a synthetic tail.
    pub text: String,
    pub original_len: usize,
    pub call_imports: Vec<CallImport>,
    /// Parameters the rewrites replaced, so the facts still list them.
    pub removed_parameters: Vec<(String, Span)>,
    /// Every statement was a schema command (see [`schema_statements`]), now blanked: there
    /// is nothing left to parse.
    pub only_schema: bool,
}

/// A `CALL (a, b) { … }` scope list, blanked for the parser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CallImport {
    /// Offset of the `CALL` keyword.
    pub call_start: usize,
    pub names: Vec<String>,
    /// `CALL (*)`.
    pub all: bool,
}

/// Replaces `format!` syntax so the text lexes as Cypher: `{{`→` {`, `}}`→`} ` and each hole
/// becomes an identifier of the same length. Runs on raw characters because `format!` sees
/// holes everywhere, including inside Cypher strings and comments.
pub(crate) fn normalise_template(text: &str) -> (String, Vec<Span>) {
    let mut out = String::with_capacity(text.len());
    let mut holes = Vec::new();
    let mut pos = 0;
    while let Some(c) = text[pos..].chars().next() {
        let rest = &text[pos..];
        if rest.starts_with("{{") {
            out.push_str(" {");
            pos += 2;
        } else if rest.starts_with("}}") {
            out.push_str("} ");
            pos += 2;
        } else if let Some(len) = hole_len(rest) {
            out.push('_');
            for inner in rest[1..len - 1].chars() {
                if inner.is_ascii_alphanumeric() {
                    out.push(inner);
                } else {
                    out.extend(std::iter::repeat_n('_', inner.len_utf8()));
                }
            }
            out.push('_');
            holes.push(Span::new(pos, pos + len));
            pos += len;
        } else {
            out.push(c);
            pos += c.len_utf8();
        }
    }
    (out, holes)
}

/// Length of the `format!` hole at the start of `text`: `{}`, `{name}`, `{0}`, `{name:?}`,
/// `{:>8.2}`. Anything else in braces is left alone, so a Cypher map such as
/// `{id: $tenant_id}` written with single braces in a template still parses as a map.
fn hole_len(text: &str) -> Option<usize> {
    let body = text.strip_prefix('{')?;
    let close = body.find('}')?;
    let (argument, spec) = body[..close]
        .split_once(':')
        .unwrap_or((&body[..close], ""));
    let argument_ok = argument.is_empty()
        || argument.bytes().all(|b| b.is_ascii_digit())
        || (argument.starts_with(|c: char| c.is_alphabetic() || c == '_')
            && argument.chars().all(is_word_char));
    (argument_ok && is_format_spec(spec)).then_some(close + 2)
}

/// `[[fill]align][sign]['#']['0'][width]['.' precision][type]` from `std::fmt`.
fn is_format_spec(spec: &str) -> bool {
    let mut rest = spec;
    let mut chars = rest.chars();
    match (chars.next(), chars.next()) {
        (Some(fill), Some('<' | '^' | '>')) => rest = &rest[fill.len_utf8() + 1..],
        (Some('<' | '^' | '>'), _) => rest = &rest[1..],
        _ => {}
    }
    rest = rest.strip_prefix(['+', '-']).unwrap_or(rest);
    rest = rest.strip_prefix('#').unwrap_or(rest);
    rest = rest.strip_prefix('0').unwrap_or(rest);
    rest = strip_count(rest);
    if let Some(precision) = rest.strip_prefix('.') {
        rest = precision
            .strip_prefix('*')
            .unwrap_or_else(|| strip_count(precision));
    }
    matches!(
        rest,
        "" | "?" | "x?" | "X?" | "x" | "X" | "o" | "b" | "e" | "E" | "p"
    )
}

/// Strips a width or precision: an integer, or an argument name followed by `$`.
fn strip_count(text: &str) -> &str {
    let digits = text.len() - text.trim_start_matches(|c: char| c.is_ascii_digit()).len();
    if digits > 0 {
        return &text[digits..];
    }
    let name_len = text.len() - text.trim_start_matches(is_word_char).len();
    text[name_len..].strip_prefix('$').unwrap_or(text)
}

/// Overwrites each span with its replacement padded by spaces, byte for byte, so the length
/// stays the same. Spans come from token boundaries; anything else leaves the text unchanged.
pub(crate) fn overwrite(text: &str, edits: &[(Span, &str)]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for (span, replacement) in edits {
        if let Some(range) = bytes.get_mut(span.range()) {
            range.fill(b' ');
            let n = replacement.len().min(range.len());
            range[..n].copy_from_slice(&replacement.as_bytes()[..n]);
        }
    }
    String::from_utf8(bytes).unwrap_or_else(|_| text.to_owned())
}

/// Runs the depth guard and the rewrites for constructs the parser does not support yet, and
/// blanks schema commands (see [`schema_statements`]).
pub(crate) fn prepare(text: &str) -> Result<Prepared, CypherError> {
    // Most queries are short and use none of the rewritten constructs; tokenizing them cost
    // as much as a tenth of parsing them. Each level of nesting the guard counts takes a
    // token, so a text no longer than the limit cannot exceed it.
    if text.len() <= MAX_NESTING
        && !mentions_rewritten_word(text)
        && !text.contains(BYTE_ORDER_MARK)
    {
        return Ok(Prepared {
            text: text.to_owned(),
            original_len: text.len(),
            call_imports: Vec::new(),
            removed_parameters: Vec::new(),
            only_schema: false,
        });
    }
    prepare_tokens(text)
}

/// Whether `CALL`, `OF`, `USING`, `INDEX`, `CONSTRAINT`, `CYPHER`, `EXPLAIN`, `PROFILE` or
/// `FINISH` occurs anywhere, in any case and even inside a longer word or a string: every
/// rewrite starts at one of these, and every schema command names an index or a constraint.
fn mentions_rewritten_word(text: &str) -> bool {
    let bytes = text.as_bytes();
    let starts_with = |at: usize, word: &[u8]| {
        bytes
            .get(at..at + word.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(word))
    };
    (0..bytes.len()).any(|at| match bytes[at].to_ascii_lowercase() {
        b'c' => {
            starts_with(at, b"call") || starts_with(at, b"constraint") || starts_with(at, b"cypher")
        }
        b'e' => starts_with(at, b"explain"),
        b'f' => starts_with(at, b"finish"),
        b'i' => starts_with(at, b"index"),
        b'o' => starts_with(at, b"of"),
        b'p' => starts_with(at, b"profile"),
        b'u' => starts_with(at, b"using"),
        _ => false,
    })
}

/// The text of token `i` when it is a word, else `""` (so a keyword test simply fails).
pub(crate) fn word_at<'t>(text: &'t str, tokens: &[Token], i: usize) -> &'t str {
    tokens
        .get(i)
        .filter(|t| t.kind == TokenKind::Word)
        .map_or("", |t| token_text(text, *t))
}

fn prepare_tokens(text: &str) -> Result<Prepared, CypherError> {
    let mut significant: Vec<Token> = tokenize(text).filter(|t| !t.is_trivia()).collect();
    check_nesting(text, &significant)?;
    // The other rewrites see the text as the parser will: without the schema commands.
    let schema = schema_statements(text, &significant);
    if !schema.is_empty() {
        // Both are in text order.
        let mut statements = schema.iter().peekable();
        significant.retain(|t| {
            while statements.next_if(|s| s.end <= t.start).is_some() {}
            statements.peek().is_none_or(|s| s.start > t.start)
        });
    }
    let only_schema = !schema.is_empty() && significant.is_empty();
    // What precedes a statement's first clause is not part of it for the parser.
    let options = statement_options(text, &significant);
    let finishes_after_writes = finishes_after_writes(text, &significant);
    let byte_order_marks = tokenize(text)
        .filter(|t| {
            t.kind == TokenKind::Whitespace && token_text(text, *t).contains(BYTE_ORDER_MARK)
        })
        .map(|t| Span::new(t.start, t.end))
        .collect::<Vec<_>>();
    let word = |i: usize| word_at(text, &significant, i);
    let is = |i: usize, keyword: &str| word(i).eq_ignore_ascii_case(keyword);
    let punct = |i: usize, p: &str| {
        significant
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && token_text(text, *t) == p)
    };

    let mut blanks: Vec<Span> = Vec::new();
    let mut call_imports = Vec::new();
    let mut batch_size_params = Vec::new();
    let mut last_top_level_call_body = None;
    let mut depth = 0usize;
    let mut buffer = [0u8; KEYWORD_BUFFER];
    for (i, token) in significant.iter().enumerate() {
        // Most tokens are names and punctuation: one uppercase copy decides the keyword tests.
        let keyword = upper_keyword(text, *token, &mut buffer);
        if keyword == b"CALL" && punct(i + 1, "(") {
            // `CALL (t) {` (Neo4j 5.21 scope clause), not `CALL proc(…)`.
            let close = matching_close(text, &significant, i + 1);
            if let Some(close) = close.filter(|&c| punct(c + 1, "{")) {
                let inner = significant.get(i + 2..close).unwrap_or_default();
                call_imports.push(CallImport {
                    call_start: token.start,
                    names: inner
                        .iter()
                        .filter(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedName))
                        .map(|t| unquote_name(token_text(text, *t)))
                        .collect(),
                    all: inner.iter().any(|t| token_text(text, *t) == "*"),
                });
                let open_start = significant.get(i + 1).map_or(token.end, |t| t.start);
                let close_end = significant.get(close).map_or(token.end, |t| t.end);
                blanks.push(Span::new(open_start, close_end));
            }
        }
        if keyword == b"CALL" && depth == 0 {
            let brace = if punct(i + 1, "{") {
                Some(i + 1)
            } else {
                call_imports
                    .last()
                    .filter(|import| import.call_start == token.start)
                    .and_then(|_| matching_close(text, &significant, i + 1))
                    .map(|close| close + 1)
            };
            last_top_level_call_body = brace.and_then(|b| matching_close(text, &significant, b));
        }
        if keyword == b"OF"
            && significant
                .get(i + 1)
                .is_some_and(|t| t.kind == TokenKind::Parameter)
            && (is(i + 2, "ROWS") || is(i + 2, "ROW"))
        {
            batch_size_params.extend(significant.get(i + 1).map(|t| Span::new(t.start, t.end)));
        }
        if keyword == b"USING" && HINT_KINDS.iter().any(|kind| is(i + 1, kind)) {
            blanks.push(hint_span(text, &significant, i));
        }
        match token_text(text, *token) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            _ => {}
        }
    }

    // A unit subquery as the last clause, optionally followed by `IN TRANSACTIONS …` and a
    // final `;`, which is blanked so that the appended RETURN joins the same statement.
    let mut after_last_call = last_top_level_call_body
        .and_then(|close| significant.get(close + 1..))
        .unwrap_or_default();
    let final_semicolon = match after_last_call.split_last() {
        Some((last, rest)) if token_text(text, *last) == ";" => {
            after_last_call = rest;
            Some(Span::new(last.start, last.end))
        }
        _ => None,
    };
    let ends_with_unit_call = last_top_level_call_body.is_some()
        && after_last_call.iter().all(|t| {
            t.kind != TokenKind::Punct
                && !CLAUSE_WORDS
                    .iter()
                    .any(|k| token_text(text, *t).eq_ignore_ascii_case(k))
        });
    // `OF $n ROWS` → `OF 1   ROWS`: the batch size does not matter to the linter.
    let edits: Vec<(Span, &str)> = (schema
        .iter()
        .chain(&blanks)
        .chain(&options)
        .chain(&finishes_after_writes)
        .chain(&byte_order_marks)
        .map(|&span| (span, "")))
    .chain(batch_size_params.iter().map(|&span| (span, "1")))
    .chain(
        final_semicolon
            .filter(|_| ends_with_unit_call)
            .map(|span| (span, "")),
    )
    .collect();
    let mut rewritten = overwrite(text, &edits);
    if ends_with_unit_call {
        // The parser wants a RETURN after a unit subquery; past the end, offsets stay valid.
        rewritten.push_str("\nRETURN 1");
    }
    let removed_parameters = batch_size_params
        .iter()
        .map(|span| {
            (
                unquote_name(text.get(span.start + 1..span.end).unwrap_or("")),
                *span,
            )
        })
        .collect();
    Ok(Prepared {
        text: rewritten,
        original_len: text.len(),
        call_imports,
        removed_parameters,
        only_schema,
    })
}

/// The query options before each statement's first clause, as written: `EXPLAIN`, `PROFILE`
/// and `CYPHER [version] [name=value …]`, in any order (`CYPHER 5 EXPLAIN MATCH …`,
/// `CYPHER runtime=slotted MATCH …`). They choose how Neo4j plans and runs the statement,
/// not what it reads or writes, so the statement is analysed as if they were not there.
///
/// Only this shape is taken: whatever else follows `CYPHER` is left for the parser, which
/// rejects it (decypher itself would skip any tokens after `CYPHER` up to the first clause
/// keyword, and with them a pattern such as `CYPHER 5 (t:Tenant) RETURN t`).
fn statement_options(text: &str, tokens: &[Token]) -> Vec<Span> {
    let word = |i: usize| word_at(text, tokens, i);
    let is = |i: usize, keyword: &str| word(i).eq_ignore_ascii_case(keyword);
    let kind_at = |i: usize| tokens.get(i).map(|t| t.kind);
    let equals = |i: usize| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && token_text(text, *t) == "=")
    };
    let mut starts = vec![0];
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token_text(text, *token) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            ";" if depth == 0 => starts.push(i + 1),
            _ => {}
        }
    }
    let mut options = Vec::new();
    for start in starts {
        let mut at = start;
        loop {
            if is(at, "EXPLAIN") || is(at, "PROFILE") {
                at += 1;
            } else if is(at, "CYPHER") {
                at += 1;
                if kind_at(at) == Some(TokenKind::Number) {
                    at += 1;
                }
                while kind_at(at) == Some(TokenKind::Word)
                    && equals(at + 1)
                    && matches!(kind_at(at + 2), Some(TokenKind::Word | TokenKind::Number))
                {
                    at += 3;
                }
            } else {
                break;
            }
        }
        if let (Some(first), Some(last)) = (
            tokens.get(start),
            at.checked_sub(1).and_then(|i| tokens.get(i)),
        ) {
            if at > start {
                options.push(Span::new(first.start, last.end));
            }
        }
    }
    options
}

/// `FINISH` where the clause before it writes (`MATCH (n) SET n.seen = true FINISH`).
///
/// decypher parses such a query and builds a tree without the writes: its `FINISH` body keeps
/// only the reading clauses. Without `FINISH` the same query ends with its writes, which the
/// parser keeps, and it means the same: nothing is returned either way. A `FINISH` after a
/// reading clause is left for the parser, which loses nothing there.
fn finishes_after_writes(text: &str, tokens: &[Token]) -> Vec<Span> {
    const WRITES: &[&str] = &[
        "CREATE", "MERGE", "SET", "DELETE", "REMOVE", "FOREACH", "INSERT",
    ];
    let word = |i: usize| word_at(text, tokens, i);
    let after_dot_or_colon = |i: usize| {
        i.checked_sub(1)
            .and_then(|before| tokens.get(before))
            .is_some_and(|t| {
                t.kind == TokenKind::Punct && matches!(token_text(text, *t), "." | ":")
            })
    };
    let mut finishes = Vec::new();
    // The last clause keyword seen at each bracket depth.
    let mut last_clause: Vec<Option<&str>> = vec![None];
    for (i, token) in tokens.iter().enumerate() {
        match token_text(text, *token) {
            "(" | "[" | "{" => last_clause.push(None),
            ")" | "]" | "}" if last_clause.len() > 1 => {
                last_clause.pop();
            }
            ";" => {
                if let Some(last) = last_clause.last_mut() {
                    *last = None;
                }
            }
            _ => {}
        }
        let keyword = word(i);
        if keyword.is_empty() || after_dot_or_colon(i) {
            continue;
        }
        if keyword.eq_ignore_ascii_case("FINISH") {
            let writes = last_clause
                .last()
                .copied()
                .flatten()
                .is_some_and(|last| WRITES.iter().any(|w| w.eq_ignore_ascii_case(last)));
            if writes {
                finishes.push(Span::new(token.start, token.end));
            }
        }
        let starts_clause = CLAUSE_WORDS
            .iter()
            .chain(WRITES)
            .any(|w| w.eq_ignore_ascii_case(keyword));
        if let (true, Some(last)) = (starts_clause, last_clause.last_mut()) {
            *last = Some(keyword);
        }
    }
    finishes
}

/// The schema commands among the statements of `text`, each from its first token to its `;`
/// (or the end of the text): `CREATE [kind] INDEX …`, `CREATE CONSTRAINT …`,
/// `DROP INDEX|CONSTRAINT …` and `SHOW [qualifiers] INDEXES|CONSTRAINTS …`.
///
/// They are blanked before parsing. A schema command reads and writes no tenant data (it
/// names a label, never a node), so it gives the rules nothing to check, and the parser knows
/// only some of the index kinds Neo4j has (not `VECTOR`, not `BTREE`): parsing them would turn
/// a migration's `CREATE VECTOR INDEX` into a parse error, and a statement after one, in a
/// `.cypher` file, is lost to the parser's reading of the command. Every word that starts one
/// of these commands is unknown to the data clauses, except `CREATE`: `CREATE (n:Index)` and
/// `CREATE index = (a)-->(b)` are data queries and stay as they are.
fn schema_statements(text: &str, tokens: &[Token]) -> Vec<Span> {
    let mut statements = Vec::new();
    let mut start = 0;
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate() {
        match token_text(text, *token) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => depth = depth.saturating_sub(1),
            ";" if depth == 0 => {
                if is_schema_command(text, &tokens[start..i]) {
                    statements.push(Span::new(tokens[start].start, token.end));
                }
                start = i + 1;
            }
            _ => {}
        }
    }
    if let (true, Some(last)) = (
        is_schema_command(text, tokens.get(start..).unwrap_or_default()),
        tokens.last(),
    ) {
        statements.push(Span::new(tokens[start].start, last.end));
    }
    statements
}

/// The index kinds Neo4j 4 and 5 write between `CREATE` and `INDEX`.
const INDEX_KINDS: &[&str] = &[
    "VECTOR", "FULLTEXT", "TEXT", "POINT", "RANGE", "LOOKUP", "BTREE",
];

/// Words `SHOW` may take before `INDEXES` or `CONSTRAINTS` (`SHOW REL PROPERTY EXISTENCE
/// CONSTRAINTS`).
const MAX_SHOW_QUALIFIERS: usize = 4;

/// Whether one statement's tokens start a schema command (see [`schema_statements`]).
fn is_schema_command(text: &str, statement: &[Token]) -> bool {
    let word = |i: usize| word_at(text, statement, i);
    let is = |i: usize, keyword: &str| word(i).eq_ignore_ascii_case(keyword);
    let is_object = |i: usize| is(i, "INDEX") || is(i, "CONSTRAINT");
    if is(0, "CREATE") {
        let kind = INDEX_KINDS.iter().any(|kind| is(1, kind));
        let object = if kind { 2 } else { 1 };
        // `CREATE index = (a)-->(b)` binds a path named `index`.
        let path_binding = statement
            .get(object + 1)
            .is_some_and(|t| token_text(text, *t) == "=");
        is_object(object) && !path_binding
    } else if is(0, "DROP") {
        is_object(1)
    } else if is(0, "SHOW") {
        (1..=MAX_SHOW_QUALIFIERS + 1)
            .take_while(|&i| !word(i).is_empty())
            .any(|i| {
                ["INDEX", "INDEXES", "CONSTRAINT", "CONSTRAINTS"]
                    .iter()
                    .any(|w| is(i, w))
            })
    } else {
        false
    }
}

const HINT_KINDS: &[&str] = &["INDEX", "SCAN", "JOIN", "TEXT", "RANGE", "POINT", "BTREE"];

/// Words that start a clause or a clause part (WHERE, ORDER BY, hints): boundaries for the
/// pre-passes, which do not need to know the grammar in more detail.
pub(crate) const CLAUSE_WORDS: &[&str] = &[
    "MATCH", "OPTIONAL", "WITH", "RETURN", "UNWIND", "CREATE", "MERGE", "SET", "DELETE", "DETACH",
    "REMOVE", "FOREACH", "CALL", "LOAD", "UNION", "FINISH", "USE", "WHERE", "USING", "ORDER",
];

/// Room for the longest keyword the pre-passes test (`CONTAINS`, `OPTIONAL`) and then some.
const KEYWORD_BUFFER: usize = 12;

/// A word token in ASCII upper case when it is short enough to be a keyword, else empty.
/// Non-ASCII bytes stay as they are and so never equal a keyword's.
fn upper_keyword<'b>(text: &str, token: Token, buffer: &'b mut [u8; KEYWORD_BUFFER]) -> &'b [u8] {
    let word = token_text(text, token).as_bytes();
    if token.kind != TokenKind::Word || word.len() > KEYWORD_BUFFER {
        return &[];
    }
    let upper = &mut buffer[..word.len()];
    upper.copy_from_slice(word);
    upper.make_ascii_uppercase();
    upper
}

fn is_clause_word(keyword: &[u8]) -> bool {
    CLAUSE_WORDS.iter().any(|word| word.as_bytes() == keyword)
}

pub(crate) fn token_text(text: &str, token: Token) -> &str {
    text.get(token.start..token.end).unwrap_or("")
}

pub(crate) fn unquote_name(name: &str) -> String {
    match name.strip_prefix('`').and_then(|n| n.strip_suffix('`')) {
        Some(inner) => inner.replace("``", "`"),
        None => name.to_owned(),
    }
}

/// Index of the token closing the bracket at `open`, if it is closed.
pub(crate) fn matching_close(text: &str, tokens: &[Token], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (i, token) in tokens.iter().enumerate().skip(open) {
        match token_text(text, *token) {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" => {
                depth = depth.checked_sub(1)?;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// From `USING` up to the next clause keyword, `;`, or the bracket that encloses the hint.
fn hint_span(text: &str, tokens: &[Token], using: usize) -> Span {
    let start = tokens.get(using).map_or(0, |t| t.start);
    let mut end = tokens.get(using).map_or(start, |t| t.end);
    let mut depth = 0usize;
    for token in tokens.iter().skip(using + 1) {
        let token_text = token_text(text, *token);
        let stops = depth == 0
            && (token_text == ";"
                || (token.kind == TokenKind::Word
                    && CLAUSE_WORDS
                        .iter()
                        .any(|k| token_text.eq_ignore_ascii_case(k))));
        if stops {
            break;
        }
        match token_text {
            "(" | "[" | "{" => depth += 1,
            ")" | "]" | "}" if depth == 0 => break,
            ")" | "]" | "}" => depth -= 1,
            _ => {}
        }
        end = token.end;
    }
    Span::new(start, end)
}

/// Refuses input whose syntax tree could be deeper than [`MAX_NESTING`].
///
/// Counts, per bracket level, the openers and operators since the last separator: the
/// parser builds one tree level per bracket and per operator in a chain (`a+b+c`, `NOT NOT`,
/// `n.a.b`, `x[0][0]`), while commas and clause keywords start siblings. This over-estimates
/// the real depth, which is the safe direction.
fn check_nesting(text: &str, tokens: &[Token]) -> Result<(), CypherError> {
    let mut frames: Vec<usize> = vec![0];
    let mut depth = 0usize;
    let mut after_starts_or_ends = false;
    let mut buffer = [0u8; KEYWORD_BUFFER];
    for token in tokens {
        let token_text = token_text(text, *token);
        let keyword = upper_keyword(text, *token, &mut buffer);
        // `STARTS WITH` is an operator, not the WITH clause.
        let operator_suffix = after_starts_or_ends;
        after_starts_or_ends = matches!(keyword, b"STARTS" | b"ENDS");
        let opens = matches!(token_text, "(" | "[" | "{") || keyword == b"CASE";
        let closes = matches!(token_text, ")" | "]" | "}") || keyword == b"END";
        let separates = !operator_suffix
            && (token_text == ","
                || matches!(keyword, b"WHEN" | b"THEN" | b"ELSE" | b"AS")
                || is_clause_word(keyword));
        let operator = (token.kind == TokenKind::Punct && !opens && !closes && !separates)
            || matches!(
                keyword,
                b"AND"
                    | b"OR"
                    | b"XOR"
                    | b"NOT"
                    | b"IN"
                    | b"IS"
                    | b"STARTS"
                    | b"ENDS"
                    | b"CONTAINS"
            );
        if let Some(top) = frames.last_mut() {
            if separates {
                depth -= *top;
                *top = 0;
            } else if opens || operator {
                *top += 1;
                depth += 1;
            }
        }
        if opens {
            frames.push(0);
        } else if closes && frames.len() > 1 {
            depth -= frames.pop().unwrap_or(0);
        }
        if depth > MAX_NESTING {
            return Err(CypherError {
                message: format!("query nests deeper than {MAX_NESTING} levels; not parsed"),
                span: Span::new(token.start, token.end),
                kind: CypherErrorKind::TooDeep,
            });
        }
    }
    Ok(())
}

/// The first token that is not whitespace or a comment (empty at the end if there is none).
pub(crate) fn first_token_span(text: &str) -> Span {
    tokenize(text)
        .find(|t| !t.is_trivia())
        .map_or(Span::new(text.len(), text.len()), |t| {
            Span::new(t.start, t.end)
        })
}

/// The words a query starts with (some only before a second word: see [`looks_like_cypher`]).
const FIRST_WORDS: &[&str] = &[
    "MATCH", "UNWIND", "WITH", "CALL", "RETURN", "FOREACH", "USE", "CREATE", "MERGE", "OPTIONAL",
    "LOAD", "LET", "INSERT",
];

/// Whether a Rust string literal token (`"…"`, `r#"…"#`) may decode to text that
/// [`looks_like_cypher`], read from the token without decoding it: `false` only when its first
/// word, after whitespace, is plainly none of [`FIRST_WORDS`]. An escape or a comment before or
/// in that word could decode to anything, and a token of another shape says `true` too. A doc
/// comment (`/// …`, which syn reads as a `#[doc = "…"]` literal) is its own text.
pub fn literal_may_be_cypher(token: &str) -> bool {
    let doc = ["///", "//!", "/**", "/*!"]
        .iter()
        .find_map(|marker| token.strip_prefix(marker));
    let Some(body) = doc.or_else(|| crate::rust_literal::literal_body(token)) else {
        return true;
    };
    text_may_start_cypher(body)
}

/// Whether undecoded literal text may decode to a query's start: its first word, after
/// whitespace, is one of [`FIRST_WORDS`], or an escape or a comment could be.
fn text_may_start_cypher(body: &str) -> bool {
    let body = body.trim_start();
    if body.starts_with(['\\', '/']) {
        return true;
    }
    let end = body.find(|c| !is_word_char(c)).unwrap_or(body.len());
    let (word, after) = body.split_at(end);
    after.starts_with('\\')
        || FIRST_WORDS
            .iter()
            .any(|first| first.eq_ignore_ascii_case(word))
}

/// Whether Rust source `text` may hold a string literal whose value [`looks_like_cypher`],
/// read without lexing: a literal is tried from every `"` (so every real literal is tried,
/// whatever comments, chars or other literals surround it), plain up to the next unescaped
/// `"` and raw (`r#"…"#`) when a raw prefix stands before it. A quote with no end, or text
/// that does not decode, counts as one.
pub fn text_may_hold_cypher_literal(text: &str) -> bool {
    memchr::memchr_iter(b'"', text.as_bytes()).any(|quote| {
        text_may_start_cypher(&text[quote + 1..])
            && (plain_literal_may_be_cypher(text, quote) || raw_literal_may_be_cypher(text, quote))
    })
}

/// The plain literal from the `"` at `quote`, if it looks like Cypher (or cannot be read).
fn plain_literal_may_be_cypher(text: &str, quote: usize) -> bool {
    let bytes = text.as_bytes();
    let mut at = quote + 1;
    while at < bytes.len() {
        match bytes[at] {
            b'\\' => at += 2,
            b'"' => {
                return crate::rust_literal::parse_rust_literal(&text[quote..=at])
                    .is_none_or(|literal| looks_like_cypher(&literal.value));
            }
            _ => at += 1,
        }
    }
    true
}

/// The raw literal whose opening `"` is at `quote` (`r"…"`, `r#"…"#`), if one stands there and
/// looks like Cypher (or cannot be read).
fn raw_literal_may_be_cypher(text: &str, quote: usize) -> bool {
    let before = &text[..quote];
    let hashes = before.len() - before.trim_end_matches('#').len();
    if !before[..before.len() - hashes].ends_with('r') {
        return false;
    }
    let closing = format!("\"{}", "#".repeat(hashes));
    let Some(end) = text[quote + 1..].find(&closing) else {
        return true;
    };
    let token = &text[quote - hashes - 1..quote + 1 + end + closing.len()];
    crate::rust_literal::parse_rust_literal(token)
        .is_none_or(|literal| looks_like_cypher(&literal.value))
}

/// Cheap test for "this string is a Cypher query": it starts with a clause keyword, and not
/// with one of the SQL statements that share it (`CREATE TABLE …`, `MERGE INTO …`, `INSERT
/// INTO …`, a common table expression `WITH name AS (…)`: see [`is_sql_cte`]). Query options
/// before the clause (`CYPHER 5`, `EXPLAIN`, `PROFILE`) and a byte-order mark are skipped.
pub fn looks_like_cypher(text: &str) -> bool {
    let tokens: Vec<Token> = tokenize(text)
        .filter(|t| !t.is_trivia())
        .take(OPTIONS_LOOKAHEAD + CTE_LOOKAHEAD)
        .collect();
    let options_end = statement_options(text, &tokens)
        .first()
        .filter(|options| tokens.first().is_some_and(|t| t.start == options.start))
        .map_or(0, |options| {
            tokens.iter().take_while(|t| t.end <= options.end).count()
        });
    // No other language starts with `CYPHER` (SQL has `EXPLAIN` too): whatever follows it,
    // the text is meant as Cypher, and a parse error says what is wrong with it.
    if (0..options_end).any(|i| word_at(text, &tokens, i).eq_ignore_ascii_case("CYPHER")) {
        return true;
    }
    let tokens = tokens.get(options_end..).unwrap_or_default();
    let upper = |i: usize| {
        tokens
            .get(i)
            .map_or("", |t| token_text(text, *t))
            .to_ascii_uppercase()
    };
    let punct = |i: usize, p: &str| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && token_text(text, *t) == p)
    };
    let first = upper(0);
    if !FIRST_WORDS.contains(&first.as_str()) {
        return false;
    }
    if first == "WITH" {
        return !is_sql_cte(text, tokens.get(1..).unwrap_or_default());
    }
    let second = upper(1);
    match first.as_str() {
        // SQL shares these keywords: `CREATE TABLE …`, `MERGE INTO …`, `INSERT INTO …`.
        "CREATE" | "MERGE" => !SQL_OBJECTS.contains(&second.as_str()),
        "INSERT" => punct(1, "("),
        // `LET x = …` (Cypher 25), not a sentence that starts with "let".
        "LET" => {
            tokens
                .get(1)
                .is_some_and(|t| matches!(t.kind, TokenKind::Word | TokenKind::QuotedName))
                && punct(2, "=")
        }
        "OPTIONAL" => second == "MATCH",
        "LOAD" => second == "CSV",
        _ => true,
    }
}

/// Tokens [`looks_like_cypher`] reads past for query options: `CYPHER` with a version and a
/// few `name=value` settings fits many times over.
const OPTIONS_LOOKAHEAD: usize = 64;

/// Tokens after `WITH` that [`is_sql_cte`] looks at: a CTE's column list is short, and a
/// longer one is a query that starts like Cypher, the side to err on.
const CTE_LOOKAHEAD: usize = 64;

/// Whether the significant tokens after a leading `WITH` start a SQL common table expression:
/// `[RECURSIVE] name [(column, …)] AS [[NOT] MATERIALIZED] (`, the name a word or quoted
/// (`"name"`, `` `name` ``). `sqlx::query` shares the default query-call name `query`.
///
/// The test is `AS` followed by `(`, which Cypher never writes: its `AS` is always followed
/// by the variable it introduces (`WITH collect(n) AS ns`, `WITH $tenant AS t`). `RECURSIVE`
/// alone does not decide, as `recursive` is a valid Cypher variable name
/// (`WITH recursive AS r …`); a SQL recursive CTE has the same shape after it.
fn is_sql_cte(text: &str, tokens: &[Token]) -> bool {
    let word = |i: usize| word_at(text, tokens, i);
    let is = |i: usize, keyword: &str| word(i).eq_ignore_ascii_case(keyword);
    let punct = |i: usize, p: &str| {
        tokens
            .get(i)
            .is_some_and(|t| t.kind == TokenKind::Punct && token_text(text, *t) == p)
    };
    let cte_at = |name: usize| {
        let is_name = tokens.get(name).is_some_and(|t| {
            matches!(
                t.kind,
                TokenKind::Word | TokenKind::QuotedName | TokenKind::String
            )
        });
        if !is_name {
            return false;
        }
        let mut at = name + 1;
        if punct(at, "(") {
            match matching_close(text, tokens, at) {
                Some(close) => at = close + 1,
                None => return false,
            }
        }
        if !is(at, "AS") {
            return false;
        }
        at += 1;
        if is(at, "NOT") {
            at += 1;
        }
        if is(at, "MATERIALIZED") {
            at += 1;
        }
        punct(at, "(")
    };
    cte_at(0) || (is(0, "RECURSIVE") && cte_at(1))
}

const SQL_OBJECTS: &[&str] = &[
    "TABLE",
    "VIEW",
    "INTO",
    "SCHEMA",
    "SEQUENCE",
    "TRIGGER",
    "EXTENSION",
    "TYPE",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<(TokenKind, &str)> {
        tokenize(text)
            .filter(|t| !t.is_trivia())
            .map(|t| (t.kind, token_text(text, t)))
            .collect()
    }

    #[test]
    fn lexes_names_strings_parameters_and_comments() {
        let text = "MATCH (`a b`:X {k: 'it\\'s', d: \"q\\\"\"}) // c {\n/* } */ WHERE $p = $`odd name` + 1.5e-3";
        use TokenKind::*;
        assert_eq!(
            kinds(text),
            vec![
                (Word, "MATCH"),
                (Punct, "("),
                (QuotedName, "`a b`"),
                (Punct, ":"),
                (Word, "X"),
                (Punct, "{"),
                (Word, "k"),
                (Punct, ":"),
                (String, "'it\\'s'"),
                (Punct, ","),
                (Word, "d"),
                (Punct, ":"),
                (String, "\"q\\\"\""),
                (Punct, "}"),
                (Punct, ")"),
                (Word, "WHERE"),
                (Parameter, "$p"),
                (Punct, "="),
                (Parameter, "$`odd name`"),
                (Punct, "+"),
                (Number, "1.5e-3"),
            ]
        );
        assert_eq!(
            kinds("[1..3]"),
            vec![
                (Punct, "["),
                (Number, "1"),
                (Punct, "."),
                (Punct, "."),
                (Number, "3"),
                (Punct, "]")
            ]
        );
    }

    #[test]
    fn unterminated_tokens_run_to_the_end() {
        for text in ["'abc", "`abc", "/* abc", "'abc\\", "\"é\\"] {
            let tokens: Vec<Token> = tokenize(text).collect();
            assert_eq!(tokens.len(), 1, "{text:?}");
            assert_eq!(tokens[0].end, text.len());
        }
    }

    #[test]
    fn template_normalisation_keeps_every_offset() {
        let text =
            "MATCH (n:{label} {{id: $id}})-[:{}]->(m:{0}) WHERE n.{key:?} = 'é{}' RETURN {{}}";
        let (normalised, holes) = normalise_template(text);
        assert_eq!(normalised.len(), text.len());
        assert_eq!(
            normalised,
            "MATCH (n:_label_  {id: $id} )-[:__]->(m:_0_) WHERE n._key___ = 'é__' RETURN  {} "
        );
        let hole_texts: Vec<&str> = holes.iter().map(|h| &text[h.range()]).collect();
        assert_eq!(hole_texts, ["{label}", "{}", "{0}", "{key:?}", "{}"]);
    }

    #[test]
    fn single_brace_maps_are_not_holes() {
        let (normalised, holes) =
            normalise_template("MATCH (t {id: $tenant_id, n:{x:1}}) RETURN {:>8.2}");
        assert_eq!(holes.len(), 2, "{normalised}");
        assert!(normalised.starts_with("MATCH (t {id: $tenant_id, n:_x_1_})"));
    }

    #[test]
    fn rewrites_keep_the_original_length() {
        let cases = [
            ("MATCH (t) CALL (t) { MATCH (t)-->(r) RETURN r } RETURN r", "MATCH (t) CALL     { MATCH (t)-->(r) RETURN r } RETURN r"),
            ("MATCH (u:User) USING INDEX u:User(email) WHERE u.a = 1 RETURN u", "MATCH (u:User)                           WHERE u.a = 1 RETURN u"),
            ("CALL { CREATE (n) };", "CALL { CREATE (n) } \nRETURN 1"),
            ("UNWIND $r AS x CALL { WITH x CREATE (n) } IN TRANSACTIONS OF $batch ROWS", "UNWIND $r AS x CALL { WITH x CREATE (n) } IN TRANSACTIONS OF 1      ROWS\nRETURN 1"),
            ("CYPHER 5 runtime=slotted EXPLAIN MATCH (n) RETURN n", "                                 MATCH (n) RETURN n"),
            ("\u{feff}PROFILE MATCH (n) RETURN n; CYPHER 25 MATCH (m) RETURN m", "           MATCH (n) RETURN n;           MATCH (m) RETURN m"),
            ("MATCH (n) SET n.seen = true FINISH", "MATCH (n) SET n.seen = true       "),
            // After a read nothing is lost, and `finish` as a name is a name.
            ("MATCH (n) WHERE n.x FINISH", "MATCH (n) WHERE n.x FINISH"),
            ("MATCH (n) SET n.finish = true RETURN n.finish", "MATCH (n) SET n.finish = true RETURN n.finish"),
        ];
        for (input, expected) in cases {
            let prepared = prepare(input).expect(input);
            assert_eq!(prepared.text, expected);
            assert_eq!(prepared.original_len, input.len());
        }
    }

    #[test]
    fn pre_passes_never_move_a_byte_on_any_prefix_of_the_query_set() {
        let data = include_str!("../../tests/data/cypher-queries.txt");
        for (block, end) in data
            .split("\n---\n")
            .flat_map(|b| b.char_indices().map(move |(i, _)| (b, i)))
        {
            let prefix = &block[..end];
            let (normalised, _) = normalise_template(prefix);
            assert_eq!(normalised.len(), prefix.len());
            for text in [prefix, normalised.as_str()] {
                // The shortcut for short texts without rewrites changes nothing.
                assert_eq!(prepare(text), prepare_tokens(text), "{text:?}");
                let Ok(prepared) = prepare(text) else {
                    continue;
                };
                let tail = prepared.text.get(text.len()..);
                assert!(matches!(tail, Some("" | "\nRETURN 1")), "{tail:?}");
            }
        }
    }

    #[test]
    fn schema_commands_are_blanked() {
        let vector = "CREATE VECTOR INDEX vector_index FOR (a:Indexed) ON (a.embedding) \
                      OPTIONS {indexConfig: {`vector.dimensions`: 1536}}";
        for text in [
            vector,
            "create btree index b for (n:Place) on (n.x);",
            "CREATE INDEX ON :User(email)",
            "CREATE CONSTRAINT c IF NOT EXISTS FOR (t:Tenant) REQUIRE t.id IS UNIQUE",
            "DROP INDEX vector_index IF EXISTS",
            "DROP CONSTRAINT c",
            "SHOW VECTOR INDEXES YIELD name WHERE name STARTS WITH 'v' RETURN name",
            "SHOW REL PROPERTY EXISTENCE CONSTRAINTS",
            "SHOW INDEXES; CREATE FULLTEXT INDEX f FOR (n:Doc) ON EACH [n.title];",
        ] {
            let prepared = prepare(text).expect(text);
            assert_eq!(prepared.text, " ".repeat(text.len()), "{text:?}");
            assert!(prepared.only_schema, "{text:?}");
        }
        // Each statement is judged on its own; the data statements stay for the parser.
        let migration = "CREATE CONSTRAINT c FOR (t:Tenant) REQUIRE t.id IS UNIQUE;\n\
                         MATCH (t:Tenant {id: $id}) SET t.ok = true;\n\
                         CREATE TEXT INDEX t FOR (n:Doc) ON (n.title)";
        let prepared = prepare(migration).expect("prepared");
        assert_eq!(
            prepared.text,
            format!(
                "{}\nMATCH (t:Tenant {{id: $id}}) SET t.ok = true;\n{}",
                " ".repeat(58),
                " ".repeat(44)
            )
        );
        assert!(!prepared.only_schema);
    }

    #[test]
    fn data_queries_naming_indexes_or_constraints_are_kept() {
        for text in [
            "CREATE (n:Index {name: $name})",
            "CREATE (i:Constraint) RETURN i",
            "CREATE (v:VECTOR)-[:IN]->(x:INDEX) RETURN v",
            "CREATE index = (a)-[:R]->(b) RETURN index",
            "MATCH (n:Index) WHERE n.ddl = 'CREATE INDEX x' RETURN n",
            "MATCH (n) SET n.show = 'SHOW INDEXES' RETURN n",
            "CALL db.indexes()",
            "MATCH (c:Constraint) DETACH DELETE c",
        ] {
            let prepared = prepare(text).expect(text);
            assert_eq!(prepared.text, text);
            assert!(!prepared.only_schema, "{text:?}");
        }
    }

    #[test]
    fn records_call_scope_lists() {
        let prepared = prepare(
            "MATCH (a), (b) CALL (a, `b`) { RETURN 1 AS x } CALL (*) { RETURN 2 AS y } RETURN x",
        )
        .expect("prepared");
        assert_eq!(prepared.call_imports.len(), 2);
        assert_eq!(prepared.call_imports[0].names, ["a", "b"]);
        assert!(prepared.call_imports[1].all);
        assert!(
            !prepared.text.ends_with("RETURN 1"),
            "the last CALL is followed by RETURN"
        );
    }

    #[test]
    fn a_call_followed_by_clauses_is_not_trailing() {
        for text in [
            "CALL { CREATE (n) } RETURN 1",
            "CALL { CREATE (n) } CREATE (m)",
            "CALL db.labels()",
            "MATCH (n) WHERE EXISTS { CALL { RETURN 1 AS x } RETURN x } RETURN n",
        ] {
            assert_eq!(prepare(text).expect(text).text, text);
        }
    }

    #[test]
    fn nesting_guard_counts_brackets_and_operator_chains() {
        let deep = |open: &str, close: &str, n: usize| {
            format!("RETURN {}1{}", open.repeat(n), close.repeat(n))
        };
        assert!(prepare(&deep("(", ")", 250)).is_ok());
        assert!(prepare(&deep("(", ")", 257)).is_err());
        assert!(prepare(&format!("RETURN {}1", "1 + ".repeat(250))).is_ok());
        assert!(prepare(&format!("RETURN {}1", "1 + ".repeat(257))).is_err());
        assert!(prepare(&format!(
            "MATCH (n) WHERE n.a STARTS WITH 'x' {} RETURN n",
            "AND n.a STARTS WITH 'x' ".repeat(100)
        ))
        .is_err());
        // Siblings do not add up.
        assert!(prepare(&format!("RETURN [{}1]", "1 + 1, ".repeat(10_000))).is_ok());
        let error = prepare(&deep("[", "]", 300)).expect_err("too deep");
        assert_eq!(error.kind, CypherErrorKind::TooDeep);
        assert_eq!(error.span, Span::new(7 + MAX_NESTING, 8 + MAX_NESTING));
    }

    #[test]
    fn recognises_cypher_by_its_first_clause() {
        for text in [
            "MATCH (n)",
            "  // c\n optional match (n)",
            "/* x */ MERGE (n)",
            "unwind $x AS y",
            "LOAD CSV FROM 'x' AS r",
            "CALL db.labels()",
            "CREATE (n)",
            "USE db MATCH (n)",
            "WITH 1 AS x RETURN x",
        ] {
            assert!(looks_like_cypher(text), "{text:?}");
        }
        for text in [
            "",
            "hello",
            "SELECT * FROM t",
            "CREATE TABLE t (x int)",
            "MERGE INTO t",
            "OPTIONAL",
            "LOAD DATA",
            "matches",
        ] {
            assert!(!looks_like_cypher(text), "{text:?}");
        }
    }

    #[test]
    fn sql_common_table_expressions_are_not_cypher() {
        for text in [
            "WITH RECURSIVE subtree AS (SELECT id, parent_id FROM org_units WHERE id = $1 \
             UNION ALL SELECT o.id, o.parent_id FROM org_units o JOIN subtree s ON o.parent_id = s.id) \
             SELECT id FROM subtree",
            "with recursive t(n) AS (VALUES (1) UNION ALL SELECT n + 1 FROM t) SELECT sum(n) FROM t",
            "WITH active AS (SELECT * FROM users WHERE active) SELECT * FROM active",
            "WITH totals(tenant_id, total) AS (SELECT tenant_id, sum(amount) FROM usage) SELECT 1",
            "/* c */ WITH a AS (SELECT 1), b AS (SELECT 2) SELECT * FROM a, b",
            "WITH \"quoted name\" AS MATERIALIZED (SELECT 1) SELECT 1",
            "WITH `t` AS NOT MATERIALIZED (SELECT 1) SELECT 1",
        ] {
            assert!(!looks_like_cypher(text), "{text:?}");
            // The look at the literal token only rules out what is plainly not a query.
            assert!(literal_may_be_cypher(&format!("{text:?}")), "{text:?}");
        }
        // Cypher's `AS` is followed by the variable it introduces, never by `(`.
        for text in [
            "WITH 1 AS x RETURN x",
            "WITH n AS m MATCH (m)-->(o) RETURN o",
            "WITH $tenant AS t MATCH (x:Tenant {id: t}) RETURN x",
            "WITH collect(n) AS ns UNWIND ns AS n RETURN n",
            "WITH n, count(*) AS c RETURN n, c",
            "WITH toLower($name) AS name MATCH (u:User {name: name}) RETURN u",
            "WITH recursive AS r RETURN r",
            "WITH recursive, n AS m RETURN m",
            "WITH {a: 1} AS m RETURN m",
            "with [x IN $ids | x + 1] AS ids RETURN ids",
        ] {
            assert!(looks_like_cypher(text), "{text:?}");
            let parsed = crate::cypher::parse_query(text, crate::cypher::TextMode::Plain);
            assert!(parsed.is_ok(), "{text:?}: {parsed:?}");
        }
    }
}
