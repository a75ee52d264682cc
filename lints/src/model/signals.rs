//! What a partner model, or anything else the rules follow beyond one function body, is
//! spelt with: looked for in every path and text before bodies may be left out (see
//! [`super::body_needs`]).
//!
//! A signal is a set of parts that must all be present in one file, its path or its text:
//! - a piece of text, case kept (`MANAGES`, which a query using the relationship spells);
//! - a word pattern with `*` wildcards, matched against the words of the text and the path:
//!   a type looked up in a body (`get::<PartnerSession>()`), a guard's name. Rust cannot
//!   escape an identifier, so every identifier that matches is in a word that matches;
//! - a segment of a partner path glob, as a word after `mod` or after a `/`: an inline
//!   module, a route attribute, a file.
//!
//! A word is a maximal run of ASCII letters, digits and `_`, and of any non-ASCII character
//! (an identifier may hold those). A word holding a non-ASCII character may be wider than the
//! identifier in it, so the pattern is looked for anywhere inside it, not from its ends.
//!
//! Only what bodies alone can hold must be found here for the findings to be right: a
//! context type looked up and a guard called in a body. Modules, route attributes,
//! parameters and queries are parsed either way, and the run checks the model it built
//! (see [`crate::engine::Checked::needs_every_body`]); their signals only spare a second run
//! when a partner model is plain to see. Partner path globs are also matched exactly against
//! the file's path and the module path it gives, as partner context matches them.

use super::context::PartnerPaths;
use super::name_patterns::Pattern;
use crate::names::Name;
use aho_corasick::AhoCorasick;

#[derive(Debug)]
enum Part {
    Text(String),
    Word(Pattern, String),
    /// A word that names a module or a route segment: after `mod`, or after a `/`.
    Segment(Pattern, String),
    /// A word matched with ASCII case ignored (the pattern lowercase), outside `//` comments.
    Code(Pattern, String),
}

/// Signals, and the searches built over them.
#[derive(Debug, Default)]
pub struct Signals {
    signals: Vec<Vec<Part>>,
    globs: Vec<String>,
    /// A signal with no piece to look for: every file holds it.
    everywhere: bool,
    built: Option<Built>,
}

#[derive(Debug)]
struct Built {
    /// One piece per part, in the order of `parts`.
    search: AhoCorasick,
    /// (signal, part) of each piece.
    parts: Vec<(usize, usize)>,
    paths: PartnerPaths,
}

impl Signals {
    /// A file whose text or path holds `piece` has the signal.
    pub fn text(&mut self, piece: &str) {
        self.add(vec![Part::Text(piece.to_string())]);
    }

    /// A file with a word matching `pattern` (`*` wildcards) has the signal.
    pub fn word(&mut self, pattern: &str) {
        let part = word_part(pattern);
        self.add(part.into_iter().collect());
    }

    /// A file with a word matching `pattern` (`*` wildcards, ASCII case ignored) outside a
    /// line comment has the signal: for what only spares a second run (a loop over
    /// `tenants`), where a word in a comment is not worth a full parse.
    pub fn word_in_code(&mut self, pattern: &str) {
        let lowercase = pattern.to_ascii_lowercase();
        let part = word_part(&lowercase).map(|part| match part {
            Part::Word(pattern, piece) => Part::Code(pattern, piece),
            other => other,
        });
        self.add(part.into_iter().collect());
    }

    /// A file whose path matches `glob`, or whose words match every segment of it that is not
    /// all wildcards (a module or a route segment named so), has the signal. A glob with a
    /// class or an alternation (`[…]`, `{…}`) is not read: every file has it.
    pub fn glob(&mut self, glob: &str) {
        if glob.contains(['[', ']', '{', '}', '\\']) {
            self.everywhere = true;
            return;
        }
        self.globs.push(glob.to_string());
        let mut parts = Vec::new();
        for segment in glob.split('/') {
            // The words of a segment up to its first character that no word holds: the
            // module name of `partner_*.rs`, whose `.rs` comes from the file, not the text.
            let word: String = segment
                .chars()
                .take_while(|&c| c == '*' || c == '?' || is_word_char(c))
                .map(|c| if c == '?' { '*' } else { c })
                .collect();
            if let Some(Part::Word(pattern, piece)) = word_part(&word) {
                parts.push(Part::Segment(pattern, piece));
            }
        }
        // Every segment all wildcards: any file's words may match.
        self.add(parts);
    }

    fn add(&mut self, parts: Vec<Part>) {
        if parts.is_empty() {
            self.everywhere = true;
        } else {
            self.signals.push(parts);
        }
    }

    /// Builds the searches; call once every signal is added.
    pub fn finish(&mut self) {
        let mut pieces = Vec::new();
        let mut parts = Vec::new();
        for (signal, signal_parts) in self.signals.iter().enumerate() {
            for (index, part) in signal_parts.iter().enumerate() {
                pieces.push(match part {
                    Part::Text(text) => text.clone(),
                    Part::Word(_, piece) | Part::Segment(_, piece) | Part::Code(_, piece) => {
                        piece.clone()
                    }
                });
                parts.push((signal, index));
            }
        }
        // Case is told apart after a match (`Code` parts ignore it): the search ignores it.
        let search = aho_corasick::AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .build(&pieces);
        let paths = PartnerPaths::new(&self.globs);
        match (search, paths) {
            (Ok(search), Ok(paths)) => {
                self.built = Some(Built {
                    search,
                    parts,
                    paths,
                })
            }
            // A search that could not be built finds nothing: every file has a signal.
            _ => self.everywhere = true,
        }
    }

    /// Whether the file at `path` (workspace-relative, `/`-separated) with `text` holds a
    /// signal.
    pub fn in_file(&self, path: &str, text: &str) -> bool {
        if self.everywhere {
            return true;
        }
        let Some(built) = &self.built else {
            return !self.signals.is_empty();
        };
        let module_path: Vec<Name> = crate::index::functions::module_path_of_file(path);
        if built.paths.matches(path, &module_path) {
            return true;
        }
        let mut present: Vec<Vec<bool>> = self
            .signals
            .iter()
            .map(|parts| vec![false; parts.len()])
            .collect();
        for haystack in [path, text] {
            for found in built.search.find_overlapping_iter(haystack) {
                let (signal, index) = built.parts[found.pattern().as_usize()];
                if present[signal][index] {
                    continue;
                }
                let matched = &haystack[found.start()..found.end()];
                present[signal][index] = match &self.signals[signal][index] {
                    Part::Text(text) => matched == text,
                    Part::Code(pattern, _) => {
                        let line = haystack[..found.start()].rsplit('\n').next().unwrap_or("");
                        let (_, word) = word_around(haystack, found.start(), found.end());
                        !line.contains("//") && word_matches(pattern, &word.to_ascii_lowercase())
                    }
                    Part::Word(pattern, _) => {
                        let (_, word) = word_around(haystack, found.start(), found.end());
                        word_matches(pattern, word)
                    }
                    Part::Segment(pattern, _) => {
                        let (start, word) = word_around(haystack, found.start(), found.end());
                        names_a_segment(haystack, start) && word_matches(pattern, word)
                    }
                };
            }
        }
        present.iter().any(|parts| parts.iter().all(|&found| found))
    }
}

/// A word pattern and the piece to find it by: its longest literal part, the first of
/// equals. `None` for a pattern that is all wildcards.
fn word_part(pattern: &str) -> Option<Part> {
    let pattern = Pattern::new(pattern);
    let piece = pattern.longest_piece().to_string();
    (!piece.is_empty()).then_some(Part::Word(pattern, piece))
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || !c.is_ascii()
}

/// Whether the word starting at `start` names a module or a path segment: it follows a `/`
/// (a path, a route) or the keyword `mod`. Partner context from a module, a route attribute
/// or a file is seen without bodies (the run checks the model after), so this only spares a
/// second run: an escaped `/` (`"\x2fmsp"`) is not looked for.
fn names_a_segment(text: &str, start: usize) -> bool {
    let before = &text[..start];
    if before.is_empty() || before.ends_with('/') {
        return true;
    }
    let before = before.trim_end();
    before.len() < start
        && before.ends_with("mod")
        && !before[..before.len() - 3]
            .chars()
            .next_back()
            .is_some_and(is_word_char)
}

/// The word holding the bytes `start..end` of `text` (which lie inside one word), and where
/// it starts.
pub(super) fn word_around(text: &str, start: usize, end: usize) -> (usize, &str) {
    let from = text[..start]
        .char_indices()
        .rev()
        .take_while(|&(_, c)| is_word_char(c))
        .last()
        .map_or(start, |(at, _)| at);
    let to = text[end..]
        .char_indices()
        .find(|&(_, c)| !is_word_char(c))
        .map_or(text.len(), |(at, _)| end + at);
    (from, &text[from..to])
}

/// Whether a word matches: exactly for an ASCII word; for one holding other characters,
/// anywhere inside it, since the identifier may be only part of it.
pub(super) fn word_matches(pattern: &Pattern, word: &str) -> bool {
    if word.is_ascii() {
        return pattern.matches(word);
    }
    (0..word.len())
        .filter(|&start| word.is_char_boundary(start))
        .any(|start| {
            (start..=word.len())
                .rev()
                .filter(|&end| word.is_char_boundary(end))
                .any(|end| pattern.matches(&word[start..end]))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signals(build: impl FnOnce(&mut Signals)) -> Signals {
        let mut signals = Signals::default();
        build(&mut signals);
        signals.finish();
        signals
    }

    #[test]
    fn a_word_pattern_is_a_signal_only_in_a_word_it_matches() {
        let guards = signals(|s| s.word("assert_*manages*"));
        assert!(guards.in_file("src/a.rs", "fn f() { assert_partner_manages(t)?; }"));
        // Both pieces written, in no one word: an assertion and a comment.
        assert!(!guards.in_file(
            "src/a.rs",
            "// the pool manages its workers\nfn f() { assert_eq!(a, b); }"
        ));
        let context = signals(|s| s.word("Partner*Context"));
        assert!(context.in_file("src/a.rs", "fn f(ctx: Extension<PartnerAdminContext>) {}"));
        assert!(!context.in_file("src/a.rs", "// Partner support\nfn f(cx: &mut Context) {}"));
        assert!(!context.in_file("src/a.rs", "fn f(cx: PartnerContextual) {}"));
    }

    #[test]
    fn a_word_with_other_characters_is_searched_inside() {
        let context = signals(|s| s.word("Partner*Context"));
        // `→` is no identifier character: the identifier starts after it.
        assert!(context.in_file("src/a.rs", "fn f(c: →PartnerContext) {}"));
        assert!(context.in_file("src/a.rs", "fn f(c: PartnerÉContext) {}"));
    }

    #[test]
    fn a_glob_is_a_signal_in_the_path_or_in_words_for_each_of_its_segments() {
        let paths = signals(|s| {
            s.glob("**/msp/**");
            s.glob("**/partner_*.rs");
            s.glob("**/api/partners/**");
        });
        assert!(paths.in_file("src/msp/tenants.rs", ""));
        assert!(
            paths.in_file("src/msp.rs", ""),
            "the module path crate/msp/…"
        );
        assert!(paths.in_file("src/lib.rs", "mod msp { fn f() {} }"));
        assert!(paths.in_file("src/lib.rs", "#[get(\"/msp/devices\")] fn f() {}"));
        assert!(!paths.in_file("src/abi.rs", "const ABI: &str = \"msp430-interrupt\";"));
        assert!(!paths.in_file("src/asm.rs", "fn boot(msp: u32) { let msp = msp; }"));
        assert!(!paths.in_file("src/mail.rs", "const TO: &str = \"partner@example.com\";"));
        assert!(paths.in_file("src/lib.rs", "mod partner_tools;"));
        assert!(paths.in_file("src/lib.rs", "pub(crate) mod\n    msp {}"));
        assert!(!paths.in_file("src/lib.rs", "fn partner() {}"));
        assert!(!paths.in_file("src/lib.rs", "fn remod msp() {}"));
        // One segment in the path, the other in the text.
        assert!(paths.in_file("src/api.rs", "mod partners { }"));
        assert!(!paths.in_file("src/web.rs", "mod partners { }"));
    }

    #[test]
    fn a_glob_or_pattern_without_a_piece_is_everywhere() {
        assert!(signals(|s| s.word("*")).in_file("src/a.rs", ""));
        assert!(signals(|s| s.glob("**/*.rs")).in_file("src/a.rs", ""));
        assert!(signals(|s| s.glob("src/{partner,msp}/**")).in_file("src/a.rs", ""));
    }

    #[test]
    fn a_word_in_code_ignores_case_and_line_comments() {
        let tenants = signals(|s| s.word_in_code("*tenants*"));
        assert!(tenants.in_file("src/a.rs", "fn f() { for t in all_Tenants() {} }"));
        assert!(tenants.in_file("src/a.rs", "fn f(tenants: Vec<T>) {}"));
        assert!(!tenants.in_file("src/a.rs", "// Always build for tenants\nfn f() {}"));
        assert!(!tenants.in_file("src/a.rs", "fn f() { tenant.id() }"));
    }

    #[test]
    fn text_pieces_keep_their_case() {
        let manages = signals(|s| s.text("MANAGES"));
        assert!(manages.in_file("src/a.rs", "const Q: &str = \"MATCH (p)-[:MANAGES]->(t)\";"));
        assert!(!manages.in_file("src/a.rs", "// the pool manages its workers"));
    }
}
