//! Why a file is not Rust tokens, in words a user can act on.
//!
//! proc-macro2's lexer says only "cannot parse string into token stream" and where it stopped.
//! What is at that place tells why: an opening bracket never closed, a closing one that does
//! not match, a string, character literal or block comment never closed, an escape that does
//! not exist, or a character Rust does not allow there.

use super::FileProblem;
use crate::positions::{LineIndex, Span};
use crate::source::span_of;

/// The problem of a file whose text `source` proc-macro2 could not lex, stopping with `error`.
/// Spans of `source` must be readable on this thread (see `with_fast_spans`).
pub fn explain(source: &str, lines: &LineIndex, error: &proc_macro2::LexError) -> FileProblem {
    let offset = (span_of(error.span()).start as usize).min(source.len());
    let rest = &source[offset..];
    let one_char = |message: String| FileProblem {
        message,
        span: Span::new(
            offset,
            offset + rest.chars().next().map_or(0, char::len_utf8),
        ),
    };
    let Some(first) = rest.chars().next() else {
        return one_char("the file ends in the middle of a token".to_string());
    };
    match first {
        '(' | '[' | '{' => one_char(format!(
            "this `{first}` is never closed: the file ends before its `{}`",
            closing(first)
        )),
        ')' | ']' | '}' => one_char(unmatched_close(source, lines, offset, first)),
        '/' if rest.starts_with("/*") => one_char(
            "this block comment is never closed: no `*/` ends it (block comments nest, so each `/*` inside needs its own `*/`)"
                .to_string(),
        ),
        '\'' => char_literal(rest, offset),
        _ => match string_literal(rest) {
            Some(prefix) => string_problem(rest, prefix, offset),
            None if first.is_ascii_digit() => one_char(format!(
                "this number literal (`{}`) is not valid Rust",
                quoted(word_at(rest))
            )),
            None => one_char(format!(
                "`{}` (U+{:04X}) cannot appear in Rust code outside a string or comment",
                first.escape_debug(),
                u32::from(first)
            )),
        },
    }
}

fn closing(open: char) -> char {
    match open {
        '(' => ')',
        '[' => ']',
        _ => '}',
    }
}

/// A `)`, `]` or `}` at `offset` that closes no bracket, or another one than the last opened.
fn unmatched_close(source: &str, lines: &LineIndex, offset: usize, close: char) -> String {
    // Lexing the text before it stops at the innermost bracket still open there.
    let open = source[..offset]
        .parse::<proc_macro2::TokenStream>()
        .err()
        .map(|error| span_of(error.span()).start as usize)
        .filter(|&open| open < offset)
        .and_then(|open| Some((open, source[open..].chars().next()?)));
    match open {
        Some((open, opened)) if matches!(opened, '(' | '[' | '{') => {
            let position = lines.line_col(source, open as u32);
            format!(
                "this `{close}` does not close the `{opened}` opened at line {}, column {}, which needs a `{}` first",
                position.line,
                position.column,
                closing(opened)
            )
        }
        _ => format!("this `{close}` closes nothing: no bracket is open before it"),
    }
}

/// The prefix of a string literal at the start of `rest` (`"`, `r#"`, `b"`, `br"`, `c"`,
/// `cr"`), as (whether raw, number of `#`, whether bytes, length of the prefix).
#[derive(Clone, Copy)]
struct StringPrefix {
    raw: bool,
    hashes: usize,
    bytes: bool,
    len: usize,
}

fn string_literal(rest: &str) -> Option<StringPrefix> {
    let (kind, after_kind) = if let Some(after) = rest.strip_prefix("br") {
        ("br", after)
    } else if let Some(after) = rest.strip_prefix("cr") {
        ("cr", after)
    } else if let Some(after) = rest.strip_prefix('b') {
        ("b", after)
    } else if let Some(after) = rest.strip_prefix('c') {
        ("c", after)
    } else if let Some(after) = rest.strip_prefix('r') {
        ("r", after)
    } else {
        ("", rest)
    };
    let raw = kind.ends_with('r');
    let hashes = if raw {
        after_kind.bytes().take_while(|&byte| byte == b'#').count()
    } else {
        0
    };
    after_kind[hashes..]
        .starts_with('"')
        .then_some(StringPrefix {
            raw,
            hashes,
            bytes: kind.starts_with('b'),
            len: kind.len() + hashes + 1,
        })
}

fn string_problem(rest: &str, prefix: StringPrefix, offset: usize) -> FileProblem {
    let body = &rest[prefix.len..];
    let start = Span::new(offset, offset + prefix.len);
    if prefix.raw {
        let end = format!("\"{}", "#".repeat(prefix.hashes));
        return FileProblem {
            message: if body.contains(end.as_str()) {
                "this raw string literal is not valid Rust (a raw string cannot hold a lone carriage return)".to_string()
            } else {
                format!("this raw string literal is never closed: no `{end}` ends it")
            },
            span: start,
        };
    }
    let mut chars = body.char_indices();
    while let Some((at, c)) = chars.next() {
        match c {
            '"' => {
                return FileProblem {
                    message: "this string literal is not valid Rust (a lone carriage return, or a character its kind cannot hold)".to_string(),
                    span: start,
                }
            }
            '\\' => {
                let escape = &body[at..];
                if let Err(length) = escape_length(escape, prefix.bytes) {
                    let escape_start = offset + prefix.len + at;
                    return FileProblem {
                        message: format!(
                            "`{}` is not an escape Rust knows in this {} literal (`\\n`, `\\r`, `\\t`, `\\\\`, `\\0`, `\\'`, `\\\"`, `\\x7F`{})",
                            quoted(&escape[..length]),
                            if prefix.bytes { "byte string" } else { "string" },
                            if prefix.bytes { "" } else { ", `\\u{…}`" }
                        ),
                        span: Span::new(escape_start, escape_start + length),
                    };
                }
                // The escaped character cannot end the literal.
                chars.next();
            }
            _ => {}
        }
    }
    FileProblem {
        message: "this string literal is never closed: no `\"` ends it".to_string(),
        span: start,
    }
}

/// The length of a valid escape at the start of `escape` (which starts with `\`), or the
/// length of the invalid one as its error.
fn escape_length(escape: &str, bytes: bool) -> Result<usize, usize> {
    let rest = &escape[1..];
    let Some(kind) = rest.chars().next() else {
        return Err(1);
    };
    match kind {
        'n' | 'r' | 't' | '\\' | '0' | '\'' | '"' | '\n' => Ok(2),
        '\r' if rest[1..].starts_with('\n') => Ok(3),
        'x' => {
            let digits = rest[1..]
                .chars()
                .take(2)
                .take_while(char::is_ascii_hexdigit)
                .count();
            let valid = digits == 2
                && (bytes || u8::from_str_radix(&rest[1..3], 16).is_ok_and(|value| value < 0x80));
            if valid {
                Ok(4)
            } else {
                Err(2 + digits)
            }
        }
        'u' if !bytes => {
            let close = rest.find('}').filter(|&close| close < 10);
            let valid = rest[1..].starts_with('{')
                && close.is_some_and(|close| {
                    u32::from_str_radix(&rest[2..close].replace('_', ""), 16)
                        .ok()
                        .and_then(char::from_u32)
                        .is_some()
                });
            match close {
                Some(close) if valid => Ok(close + 2),
                Some(close) => Err(close + 2),
                None => Err(2),
            }
        }
        other => Err(1 + other.len_utf8()),
    }
}

fn char_literal(rest: &str, offset: usize) -> FileProblem {
    let quote = Span::new(offset, offset + 1);
    // A character literal holds one character or one escape.
    let line_end = rest.find('\n').unwrap_or(rest.len());
    let message = if !rest[1..line_end].contains('\'') {
        "this character literal is never closed: no `'` ends it on this line".to_string()
    } else if let Some(escape) = rest[1..].strip_prefix('\\').map(|_| &rest[1..]) {
        match escape_length(escape, false) {
            Err(length) => {
                return FileProblem {
                    message: format!(
                        "`{}` is not an escape Rust knows in a character literal",
                        quoted(&escape[..length.min(escape.len())])
                    ),
                    span: Span::new(offset + 1, offset + 1 + length),
                }
            }
            Ok(_) => "this character literal is not valid Rust: it holds one character or one escape between two `'`".to_string(),
        }
    } else {
        "this character literal is not valid Rust: it holds one character or one escape between two `'`".to_string()
    };
    FileProblem {
        message,
        span: quote,
    }
}

/// The run of letters, digits and `_`, `.`, `+`, `-` a bad number literal is made of.
fn word_at(rest: &str) -> &str {
    let end = rest
        .char_indices()
        .find(|&(_, c)| !(c.is_alphanumeric() || matches!(c, '_' | '.')))
        .map_or(rest.len(), |(at, _)| at);
    &rest[..crate::source::floor_char_boundary(rest, end.min(32))]
}

/// Text from the file, shown with control characters escaped.
fn quoted(text: &str) -> String {
    text.chars().flat_map(char::escape_debug).collect()
}
