//! Text from the linted tree, made inert for every output.
//!
//! Messages quote the linted source (identifiers, string literals, Cypher text, the
//! arguments of `format!`), and paths are its file names: on an untrusted pull request
//! all of it is written by the attacker. Whatever format it ends up in, it must stay
//! text:
//! - a control character (C0, DEL, C1), a line or paragraph separator, or an invisible
//!   format character (the bidirectional overrides and isolates that make a reader see
//!   text in another order than it is, zero-width characters, tag characters) is shown
//!   as an escape, `\n` or `\u{1b}`, never written raw;
//! - GitHub Actions reads a workflow command from any line of a job's log: `::name::data`
//!   at the start of a line (after white space) and the older `##[name]data` anywhere in
//!   it. `##[` is shown as `##\u{5b}`, and a line of output whose text starts with `::`
//!   has that first colon shown as `\u{3a}` (see [`guard_line_starts`]).
//!
//! Each format escapes its own markup on top of this (Markdown, XML, the data of a
//! workflow command). A backslash is left as it is: an escape is told apart from a
//! backslash in the source by reading the source, and doubling every backslash would
//! garble paths and patterns in every message to disambiguate a rare one.

use serde::Serialize;
use serde_json::ser::{CompactFormatter, Formatter, PrettyFormatter};
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::ops::Range;
use std::sync::Arc;

/// Whether `c` is shown escaped wherever text from the linted tree is printed.
pub fn is_unsafe(c: char) -> bool {
    // `is_control` is general category Cc: exactly C0, DEL and C1.
    c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') || is_format_character(c)
}

/// General category Cf (Unicode 15.1): invisible characters that change how the
/// text around them is shown: bidirectional marks, embeddings, overrides and
/// isolates (U+202A–U+202E, U+2066–U+2069), zero-width spaces and joiners, the soft
/// hyphen, the byte-order mark, interlinear annotations and tag characters.
fn is_format_character(c: char) -> bool {
    matches!(
        u32::from(c),
        0xAD | 0x600..=0x605
            | 0x61C
            | 0x6DD
            | 0x70F
            | 0x890..=0x891
            | 0x8E2
            | 0x180E
            | 0x200B..=0x200F
            | 0x202A..=0x202E
            | 0x2060..=0x206F
            | 0xFEFF
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
    )
}

/// `text` for one line of output: every unsafe character escaped (line breaks and
/// tabs too) and `##[` broken. For messages, labels, help, file names.
pub fn escape_text(text: &str) -> Cow<'_, str> {
    escape(text, Layout::Escaped)
}

/// Whether line breaks and tabs are kept (a source file shown as a snippet) or
/// escaped (text that must stay on its line).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Layout {
    Kept,
    Escaped,
}

fn escape(text: &str, layout: Layout) -> Cow<'_, str> {
    if !needs_escaping(text, layout) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 16);
    escape_into(text, layout, &mut escaped, |_, _| {});
    Cow::Owned(escaped)
}

fn needs_escaping(text: &str, layout: Layout) -> bool {
    if text.contains("##[") {
        return true;
    }
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        let escaped = match c {
            '\n' | '\t' if layout == Layout::Kept => false,
            '\r' if layout == Layout::Kept => chars.peek() != Some(&'\n'),
            c => is_unsafe(c),
        };
        if escaped {
            return true;
        }
    }
    false
}

/// Writes `text` escaped to `out`, telling `replaced` where each replaced character
/// ended in `text` and how many bytes longer its escape is.
fn escape_into(
    text: &str,
    layout: Layout,
    out: &mut String,
    mut replaced: impl FnMut(usize, usize),
) {
    let mut hashes = 0usize;
    let mut chars = text.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let kept = match c {
            '\n' | '\t' => layout == Layout::Kept,
            // A lone carriage return moves the cursor back over the line; as half of a
            // CRLF line break it is the line break.
            '\r' => layout == Layout::Kept && matches!(chars.peek(), Some((_, '\n'))),
            '[' => hashes < 2,
            c => !is_unsafe(c),
        };
        hashes = if c == '#' { hashes + 1 } else { 0 };
        if kept {
            out.push(c);
            continue;
        }
        let before = out.len();
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
        replaced(at + c.len_utf8(), out.len() - before - c.len_utf8());
    }
}

/// Escapes the first colon of each line whose text, after leading white space,
/// starts with `::`: the Actions runner would run that line as a workflow command.
/// Every line-oriented format passes its output through this: a line can start with
/// a file name (`short`, JUnit) or with whatever word a report wrapped onto it (the
/// human report wraps long messages and help).
pub fn guard_line_starts(text: &str) -> Cow<'_, str> {
    if !text.split('\n').any(starts_like_a_command) {
        return Cow::Borrowed(text);
    }
    let mut guarded = String::with_capacity(text.len() + 8);
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            guarded.push('\n');
        }
        if starts_like_a_command(line) {
            // White space is one byte or more, `:` one: the split is on boundaries.
            let indent = line.len() - line.trim_start().len();
            guarded.push_str(&line[..indent]);
            guarded.push_str("\\u{3a}");
            guarded.push_str(&line[indent + 1..]);
        } else {
            guarded.push_str(line);
        }
    }
    Cow::Owned(guarded)
}

/// The runner trims what .NET counts as white space; Rust's `trim_start` trims the
/// Unicode White_Space characters, the same set.
/// Whether text that must be printed as it is (a patch, which must still apply) is
/// safe to print: no character that would be escaped anywhere else, no line that
/// could be read as a workflow command.
pub fn is_printable_verbatim(text: &str) -> bool {
    !needs_escaping(text, Layout::Kept) && !text.split('\n').any(starts_like_a_command)
}

fn starts_like_a_command(line: &str) -> bool {
    line.trim_start().starts_with("::")
}

/// A source file as a report shows it in a snippet: line breaks and tabs kept,
/// everything else unsafe escaped, with the map from offsets in the file to offsets
/// in the shown text so that spans still point at what they flagged.
pub struct SourceText {
    text: Arc<str>,
    /// For each replaced character: where it ended in the file, and how much longer
    /// the shown text is than the file from there on.
    shifts: Vec<(usize, usize)>,
}

impl SourceText {
    pub fn new(text: &Arc<str>) -> Self {
        if !needs_escaping(text, Layout::Kept) {
            return SourceText {
                text: text.clone(),
                shifts: Vec::new(),
            };
        }
        let mut shown = String::with_capacity(text.len() + 16);
        let mut shifts = Vec::new();
        let mut growth = 0;
        escape_into(text, Layout::Kept, &mut shown, |end, longer| {
            growth += longer;
            shifts.push((end, growth));
        });
        SourceText {
            text: Arc::from(shown),
            shifts,
        }
    }

    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// Where an offset of the file is in the shown text. An offset at a replaced
    /// character is the start of its escape, so a span over it covers the escape.
    pub fn offset(&self, original: usize) -> usize {
        let replaced_before = self.shifts.partition_point(|&(end, _)| end <= original);
        let growth = match replaced_before.checked_sub(1) {
            Some(last) => self.shifts[last].1,
            None => 0,
        };
        original + growth
    }

    pub fn range(&self, original: Range<usize>) -> Range<usize> {
        self.offset(original.start)..self.offset(original.end)
    }
}

/// Pretty JSON in which the unsafe characters serde leaves raw (DEL, C1, the
/// separators and format characters) and the `[` of `##[` are written as `\u`
/// escapes: the same strings for a JSON reader, nothing live for a terminal or a
/// CI log the document is printed to.
pub fn write_json(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut *out,
        InertJson {
            inner: PrettyFormatter::new(),
        },
    );
    value.serialize(&mut serializer)?;
    writeln!(out)
}

/// `value` as one line of JSON (a message of a JSON-lines stream), escaped as in
/// [`write_json`].
pub fn write_json_line(out: &mut dyn Write, value: &impl Serialize) -> io::Result<()> {
    let mut serializer = serde_json::Serializer::with_formatter(
        &mut *out,
        InertJson {
            inner: CompactFormatter,
        },
    );
    value.serialize(&mut serializer)?;
    writeln!(out)
}

/// A JSON formatter (pretty or compact) whose strings carry no unsafe character raw.
struct InertJson<F> {
    inner: F,
}

impl<F: Formatter> Formatter for InertJson<F> {
    /// serde writes a string as fragments separated by its own escapes (of C0, `"`
    /// and `\`), so a `##[` never spans two fragments.
    fn write_string_fragment<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        fragment: &str,
    ) -> io::Result<()> {
        let mut hashes = 0usize;
        let mut written = 0;
        for (at, c) in fragment.char_indices() {
            let escaped = is_unsafe(c) || (c == '[' && hashes >= 2);
            hashes = if c == '#' { hashes + 1 } else { 0 };
            if escaped {
                writer.write_all(&fragment.as_bytes()[written..at])?;
                for unit in c.encode_utf16(&mut [0; 2]) {
                    write!(writer, "\\u{unit:04x}")?;
                }
                written = at + c.len_utf8();
            }
        }
        writer.write_all(&fragment.as_bytes()[written..])
    }

    fn begin_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.begin_array(writer)
    }

    fn end_array<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_array(writer)
    }

    fn begin_array_value<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_array_value(writer, first)
    }

    fn end_array_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_array_value(writer)
    }

    fn begin_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.begin_object(writer)
    }

    fn end_object<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_object(writer)
    }

    fn begin_object_key<W: ?Sized + Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> io::Result<()> {
        self.inner.begin_object_key(writer, first)
    }

    fn begin_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.begin_object_value(writer)
    }

    fn end_object_value<W: ?Sized + Write>(&mut self, writer: &mut W) -> io::Result<()> {
        self.inner.end_object_value(writer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_inert_text_is_printed_verbatim() {
        assert!(is_printable_verbatim(
            "--- a/src/x.rs\n+++ b/src/x.rs\n@@ -1 +1 @@\n-\tfn f() {}\r\n"
        ));
        for forged in [
            "+ \u{1b}[31m",
            " let s = \"##[error]x\";",
            "::add-mask::x",
            "+a\u{202e}b",
            "--- a/x\r.rs",
        ] {
            assert!(!is_printable_verbatim(forged), "{forged:?}");
        }
    }

    #[test]
    fn control_characters_are_shown_escaped() {
        assert_eq!(
            escape_text("a\nb\r\nc\td\0e\u{1b}[31mf\u{7f}g\u{9b}h"),
            "a\\nb\\r\\nc\\td\\u{0}e\\u{1b}[31mf\\u{7f}g\\u{9b}h"
        );
        assert_eq!(
            escape_text("x\u{2028}y\u{2029}z\u{85}"),
            "x\\u{2028}y\\u{2029}z\\u{85}"
        );
    }

    #[test]
    fn invisible_characters_that_reorder_or_hide_text_are_shown_escaped() {
        // Trojan Source: an override that shows `admin` where the text says `nimda`.
        assert_eq!(
            escape_text("\u{202e}nimda\u{202c} \u{2066}x\u{2069}"),
            "\\u{202e}nimda\\u{202c} \\u{2066}x\\u{2069}"
        );
        assert_eq!(
            escape_text("a\u{200b}b\u{200d}c\u{feff}d\u{ad}e\u{e0041}"),
            "a\\u{200b}b\\u{200d}c\\u{feff}d\\u{ad}e\\u{e0041}"
        );
    }

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for text in [
            "secret field `Settings.api_key` is serialized",
            "ünïcödé, 日本語, emoji 🦀, a\\nb written with a backslash",
            "#[derive(Serialize)] and # [not] and #x[y]",
            "",
        ] {
            assert!(matches!(escape_text(text), Cow::Borrowed(_)), "{text}");
        }
    }

    #[test]
    fn legacy_workflow_commands_are_broken_wherever_they_are() {
        assert_eq!(
            escape_text("x ##[add-mask]secret"),
            "x ##\\u{5b}add-mask]secret"
        );
        assert_eq!(escape_text("###[error]"), "###\\u{5b}error]");
        assert_eq!(escape_text("#\u{1b}#[x"), "#\\u{1b}#[x");
    }

    #[test]
    fn lines_that_would_start_a_workflow_command_are_guarded() {
        assert_eq!(
            guard_line_starts("ok\n::error::x\n   ::add-mask::y\n\u{a0}::z::w\nfine :: here\n"),
            "ok\n\\u{3a}:error::x\n   \\u{3a}:add-mask::y\n\u{a0}\\u{3a}:z::w\nfine :: here\n"
        );
        assert!(matches!(
            guard_line_starts("a::b\n  help: x::y\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn source_text_keeps_its_lines_and_maps_spans_onto_the_escapes() {
        let file: Arc<str> =
            Arc::from("let a = \"\u{1b}[2J\";\r\nlet b = \"é\rx\";\n\tlet c = 1;\n");
        let shown = SourceText::new(&file);
        assert_eq!(
            &**shown.text(),
            "let a = \"\\u{1b}[2J\";\r\nlet b = \"é\\rx\";\n\tlet c = 1;\n"
        );
        // Every span keeps pointing at the same text.
        let at = |needle: &str| file.find(needle).unwrap();
        for needle in ["let a", "[2J", "let b", "x\"", "let c", "1;"] {
            let range = at(needle)..at(needle) + needle.len();
            assert_eq!(&shown.text()[shown.range(range)], needle);
        }
        // A span over a replaced character covers its escape.
        let escape = at("\u{1b}")..at("\u{1b}") + 1;
        assert_eq!(&shown.text()[shown.range(escape)], "\\u{1b}");
        let carriage = at("\rx")..at("\rx") + 1;
        assert_eq!(&shown.text()[shown.range(carriage)], "\\r");
        assert_eq!(shown.offset(file.len()), shown.text().len());
    }

    #[test]
    fn clean_source_text_is_shared_not_copied() {
        let file: Arc<str> = Arc::from("fn main() {\r\n\tlet x = \"a\\nb\";\n}\n");
        let shown = SourceText::new(&file);
        assert!(Arc::ptr_eq(shown.text(), &file));
        assert_eq!(shown.range(3..7), 3..7);
    }

    #[test]
    fn json_strings_stay_the_same_data_with_nothing_raw() {
        let value = serde_json::json!({
            "message": "a\u{1b}b\u{7f}c\u{9b}d\u{202e}e\u{2028}f\u{e0041}g ##[add-mask]x \"q\" \\ \n",
            "plain": "ü [x] #[y]",
        });
        let mut written = Vec::new();
        write_json(&mut written, &value).unwrap();
        let text = String::from_utf8(written).unwrap();
        assert!(!text.chars().any(|c| is_unsafe(c) && c != '\n'), "{text:?}");
        assert!(!text.contains("##["), "{text}");
        assert!(text.contains("\\u001b"), "{text}");
        assert!(text.contains("\\udb40\\udc41"), "{text}");
        assert!(text.contains("\"plain\": \"ü [x] #[y]\""), "{text}");
        let read: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(read, value);
        // Laid out as `to_writer_pretty` lays it out.
        let pretty =
            serde_json::to_string_pretty(&serde_json::json!({"a": [1, {"b": []}]})).unwrap();
        let mut ours = Vec::new();
        write_json(&mut ours, &serde_json::json!({"a": [1, {"b": []}]})).unwrap();
        assert_eq!(String::from_utf8(ours).unwrap(), pretty + "\n");
    }
}
