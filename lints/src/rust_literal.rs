//! Rust string literal source → value, with a map back to source offsets.
//!
//! The Cypher parser reports offsets into the literal's value; diagnostics need offsets into
//! the Rust source, which differ wherever the literal has escapes or line continuations.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralValue {
    pub value: String,
    offsets: OffsetMap,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum OffsetMap {
    /// Raw strings and plain ASCII strings without escapes: the value is a slice of the token.
    Shifted { prefix_len: usize },
    /// Escaped strings: the token offset of each value byte, plus one entry for the end.
    Table(Vec<usize>),
}

impl LiteralValue {
    /// When every value byte is written as itself in the token, the token offset of the
    /// value's first byte.
    pub fn verbatim_from(&self) -> Option<usize> {
        match self.offsets {
            OffsetMap::Shifted { prefix_len } => Some(prefix_len),
            OffsetMap::Table(_) => None,
        }
    }

    /// Token offset of `value_offset`. Every byte of an escape maps to the escape's backslash;
    /// an offset just past an escape maps to the next source character, so mapped ranges
    /// stay half-open. Offsets past the value clamp to the closing quote.
    pub fn source_offset(&self, value_offset: usize) -> usize {
        let value_offset = value_offset.min(self.value.len());
        match &self.offsets {
            OffsetMap::Shifted { prefix_len } => prefix_len + value_offset,
            OffsetMap::Table(table) => table.get(value_offset).copied().unwrap_or(0),
        }
    }
}

/// The source of a plain or raw string literal token (`"…"`, `r#"…"#`) from just past its
/// opening quote, undecoded, for a look at how it starts; `None` for any other token.
pub fn literal_body(token: &str) -> Option<&str> {
    token
        .trim_start_matches('r')
        .trim_start_matches('#')
        .strip_prefix('"')
}

/// The value of a plain string literal token (`"…"`) that has nothing to decode: no escape,
/// no quote and no carriage return (a CRLF in a literal decodes to LF). `None` for any other
/// token, which must be decoded to know its value.
pub fn undecoded_value(token: &str) -> Option<&str> {
    let body = token.strip_prefix('"')?.strip_suffix('"')?;
    (!body
        .bytes()
        .any(|byte| matches!(byte, b'\\' | b'"' | b'\r')))
    .then_some(body)
}

/// Decodes the source text of one Rust string literal token: `"…"`, `r"…"` or `r#"…"#`.
/// Byte and C strings, and malformed tokens, give `None`.
pub fn parse_rust_literal(token: &str) -> Option<LiteralValue> {
    if let Some(raw) = token.strip_prefix('r') {
        return parse_raw(raw);
    }
    // Most literals have no escape, no line break to normalise and only ASCII: the value is
    // the body, byte for byte (what the table below would say, without building it).
    if let Some(value) = undecoded_value(token).filter(|value| value.is_ascii()) {
        return Some(LiteralValue {
            value: value.to_owned(),
            offsets: OffsetMap::Shifted { prefix_len: 1 },
        });
    }
    let body = token.strip_prefix('"')?.strip_suffix('"')?;
    let mut value = String::with_capacity(body.len());
    let mut table = Vec::with_capacity(body.len() + 1);
    let mut chars = body.char_indices().peekable();
    while let Some((index, c)) = chars.next() {
        let source = index + 1;
        let decoded = match c {
            '"' => return None,
            '\r' if chars.peek().map(|&(_, next)| next) == Some('\n') => continue,
            '\\' => match chars.next()?.1 {
                'n' => '\n',
                'r' => '\r',
                't' => '\t',
                '\\' => '\\',
                '0' => '\0',
                '\'' => '\'',
                '"' => '"',
                'x' => {
                    let digits = [chars.next()?.1, chars.next()?.1];
                    let code = u32::from_str_radix(&String::from_iter(digits), 16).ok()?;
                    char::from_u32(code).filter(char::is_ascii)?
                }
                'u' => decode_unicode_escape(&mut chars)?,
                '\n' | '\r' => {
                    // A line continuation: the newline and the next line's indentation vanish.
                    while chars.next_if(|&(_, next)| next.is_whitespace()).is_some() {}
                    continue;
                }
                _ => return None,
            },
            other => other,
        };
        let mut buffer = [0; 4];
        let encoded = decoded.encode_utf8(&mut buffer);
        value.push_str(encoded);
        table.extend(std::iter::repeat_n(source, encoded.len()));
    }
    table.push(token.len() - 1);
    Some(LiteralValue {
        value,
        offsets: OffsetMap::Table(table),
    })
}

/// `{1F600}` after `\u`: one to six hex digits, underscores allowed after the first.
fn decode_unicode_escape(
    chars: &mut std::iter::Peekable<std::str::CharIndices<'_>>,
) -> Option<char> {
    if chars.next()?.1 != '{' {
        return None;
    }
    let mut digits = String::new();
    loop {
        match chars.next()?.1 {
            '}' => break,
            '_' if !digits.is_empty() => {}
            c if c.is_ascii_hexdigit() && digits.len() < 6 => digits.push(c),
            _ => return None,
        }
    }
    char::from_u32(u32::from_str_radix(&digits, 16).ok()?)
}

fn parse_raw(after_r: &str) -> Option<LiteralValue> {
    let hashes = after_r.len() - after_r.trim_start_matches('#').len();
    let closing = format!("\"{}", "#".repeat(hashes));
    let body = after_r
        .get(hashes..)?
        .strip_prefix('"')?
        .strip_suffix(closing.as_str())?;
    if body.contains(closing.as_str()) {
        return None;
    }
    Some(LiteralValue {
        value: body.to_owned(),
        offsets: OffsetMap::Shifted {
            prefix_len: 2 + hashes,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undecoded_values_are_what_syn_decodes() {
        let tokens = [
            r#""MATCH (t:Tenant) RETURN t""#,
            r#""Größe ünd 名前""#,
            r#""""#,
            "\"line\r\nbreak\"",
            r#""tab\tescape""#,
            r#""quote \" inside""#,
            r##"r"raw""##,
            r###"r#"raw "quoted""#"###,
            r#""suffix"s"#,
        ];
        for token in tokens {
            if let Some(value) = undecoded_value(token) {
                let decoded = syn::parse_str::<syn::LitStr>(token).expect("a literal");
                assert_eq!(value, decoded.value(), "{token}");
            }
        }
        // Escapes, CRLF, raw strings and suffixes are left to the decoder.
        let plain: Vec<bool> = tokens
            .iter()
            .map(|token| undecoded_value(token).is_some())
            .collect();
        assert_eq!(
            plain,
            [true, true, true, false, false, false, false, false, false]
        );
    }

    fn mapped(token: &str, needle: &str) -> String {
        let literal = parse_rust_literal(token).expect("valid literal");
        let start = literal.value.find(needle).expect("needle in value");
        let source = literal.source_offset(start)..literal.source_offset(start + needle.len());
        token[source].to_owned()
    }

    #[test]
    fn plain_ascii_literals_map_byte_for_byte() {
        let token = "\"MATCH (t:Tenant {id: $id}) RETURN t\"";
        let literal = parse_rust_literal(token).expect("valid");
        assert_eq!(literal.value, &token[1..token.len() - 1]);
        for offset in 0..=literal.value.len() {
            assert_eq!(literal.source_offset(offset), offset + 1);
        }
        // A CRLF line break in the source is still read as LF.
        assert_eq!(
            parse_rust_literal("\"a\r\nb\"").expect("valid").value,
            "a\nb"
        );
    }

    #[test]
    fn decodes_common_escapes() {
        let literal = parse_rust_literal(r#""a\"b\n\t\\\0\'\x41\u{1F600}c""#).expect("valid");
        assert_eq!(literal.value, "a\"b\n\t\\\0'A\u{1F600}c");
    }

    #[test]
    fn maps_value_offsets_back_through_escapes() {
        let token = r#""MATCH (u:User {name: \"x\"})\n RETURN u""#;
        assert_eq!(mapped(token, "(u:User"), "(u:User");
        assert_eq!(mapped(token, "RETURN u"), "RETURN u");
        assert_eq!(mapped(token, "\"x\""), "\\\"x\\\"");
        let literal = parse_rust_literal(token).expect("valid");
        assert_eq!(literal.source_offset(literal.value.len()), token.len() - 1);
        assert_eq!(literal.source_offset(usize::MAX), token.len() - 1);
    }

    #[test]
    fn line_continuation_skips_the_next_lines_indentation() {
        let token = "\"MATCH (t) \\\n        RETURN t\"";
        let literal = parse_rust_literal(token).expect("valid");
        assert_eq!(literal.value, "MATCH (t) RETURN t");
        assert_eq!(mapped(token, "RETURN"), "RETURN");
        assert_eq!(mapped(token, "(t)"), "(t)");
    }

    #[test]
    fn multibyte_characters_keep_their_offsets() {
        let token = "\"é\\u{e9}x\"";
        let literal = parse_rust_literal(token).expect("valid");
        assert_eq!(literal.value, "ééx");
        assert_eq!(
            literal.source_offset(2),
            3,
            "second é maps to its backslash"
        );
        assert_eq!(mapped(token, "x"), "x");
    }

    #[test]
    fn raw_strings_map_one_to_one_after_the_prefix() {
        let token = r####"r##"MATCH (n {k: "#"}) RETURN n"##"####;
        let literal = parse_rust_literal(token).expect("valid");
        assert_eq!(literal.value, r##"MATCH (n {k: "#"}) RETURN n"##);
        assert_eq!(mapped(token, "RETURN n"), "RETURN n");
        assert_eq!(
            parse_rust_literal(r#"r"plain""#).map(|l| l.value),
            Some("plain".to_owned())
        );
    }

    #[test]
    fn rejects_malformed_and_non_string_literals() {
        for token in [
            "",
            "\"",
            "\"\\\"",
            "\"a\"b\"",
            "\"\\q\"",
            "\"\\x8F\"",
            "\"\\x4\"",
            "\"\\u{110000}\"",
            "\"\\u{}\"",
            "\"\\u{1234567}\"",
            "\"\\u12\"",
            "r#\"a\"",
            "r#\"a\"#\"#",
            "b\"x\"",
            "br\"x\"",
            "c\"x\"",
            "'x'",
            "r",
            "r#",
        ] {
            assert_eq!(parse_rust_literal(token), None, "{token:?}");
        }
    }

    #[test]
    fn never_panics_on_prefixes_of_literals() {
        let tokens = [r#""a\"\u{1F600}\\\n  é""#, r###"r##"x"#"##"###, "\"\\x41\\"];
        for token in tokens {
            for (end, _) in token.char_indices() {
                if let Some(literal) = parse_rust_literal(&token[..end]) {
                    for offset in 0..=literal.value.len() + 1 {
                        assert!(literal.source_offset(offset) <= end);
                    }
                }
            }
        }
    }
}
