//! Which function bodies a run must parse, when the workspace has no partner model.
//!
//! Without a partner model (RULES.md R6) no function is in partner context, so every rule
//! and model part that starts from partner context reads nothing of a body. What is left
//! reads bodies by what they visibly hold: a query call, a `Json(…)` response, a role table,
//! a loop over tenants. Each rule (and the shared model, for the queries every rule and the
//! engine's own checks stand on) says what it reads, as names the body calls, names of the
//! function the body belongs to, pieces of its text, or Cypher-looking strings; a body is
//! parsed when its text shows any of them (see [`BodyNeeds::needs`]). Matching is by text
//! alone, in code, strings and comments alike, never by what a name resolves to, so it can
//! only parse more than a rule reads, never less.
//!
//! What a rule reads beyond the body it is in (callees, handlers of routes) cannot be told
//! from one body. So the run with bodies left out only stands while nothing the rules would
//! follow exists: the shell looks for [`BodyNeeds::signal_in_file`] in every path and text
//! before indexing (the pieces any partner model, guard, partner route or tenant loop is
//! spelt with), and asks the engine after the run whether the facts it built need every
//! body after all ([`crate::engine::Checked::needs_every_body`]: a partner model, a guard
//! call, a partner route, a loop over tenants). Either way it parses everything.

use super::name_patterns::Pattern;
use super::signals::{word_around, word_matches, Signals};
use crate::index::skeleton::FnPath;
use crate::positions::Span;
use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

/// What makes a body needed, and what makes every body needed.
#[derive(Debug, Default)]
pub struct BodyNeeds {
    /// Calls that make a body needed, as words the body must hold.
    calls: Vec<CallNeed>,
    /// Bodies of functions with these names (`fmt`), in an `impl` whose header holds words
    /// matching each of these patterns (`Debug`), if any.
    functions: Vec<(Box<str>, Vec<Pattern>)>,
    /// Pieces of text, ASCII case ignored, that make a body holding them needed.
    pieces: Vec<String>,
    /// A body that may hold a string literal that looks like Cypher is needed.
    cypher_strings: bool,
    /// What in a file's path or text needs every body.
    signals: Signals,
    /// Every body is needed (a pattern with no piece to look for).
    all: bool,
    found_pieces: Option<AhoCorasick>,
    /// The pieces of `calls`, in their order.
    found_calls: Option<AhoCorasick>,
}

/// A call that makes a body needed.
#[derive(Debug)]
struct CallNeed {
    /// The called name (`*` wildcards), and its longest literal piece to find it by.
    name: Pattern,
    piece: String,
    /// The other segments of the path, each a word the body must hold.
    segments: Vec<Pattern>,
    /// Only in a method whose body uses `self`.
    in_method: bool,
}

impl BodyNeeds {
    /// A body calling `name` (`*` wildcards) is needed: as a function, a method or a macro,
    /// since bodies are matched by their text as words (see [`BodyNeeds::needs`]). A path
    /// (`Query::new`) is matched in a body that also spells each other segment (`Query`):
    /// rules match a path as written, never through imports.
    pub fn call(&mut self, name: &str) {
        let mut segments: Vec<Box<str>> = name.split("::").map(Box::from).collect();
        let last = segments.pop().unwrap_or_default();
        segments.retain(|segment| !segment.is_empty());
        let name = Pattern::new(&last);
        let piece = name.longest_piece().to_string();
        if piece.is_empty() {
            self.all = true;
        } else {
            let segments = segments
                .iter()
                .map(|segment| Pattern::new(segment))
                .collect();
            self.calls.push(CallNeed {
                name,
                piece,
                segments,
                in_method: false,
            });
        }
    }

    /// The body of any function named `name` is needed.
    pub fn function(&mut self, name: &str) {
        self.functions.push((name.into(), Vec::new()));
    }

    /// The body of a method named `name` is needed, in an `impl` whose header holds a word
    /// matching each of `header` (`*` wildcards): `fmt` in `impl fmt::Debug for Token`.
    pub fn method_in_impl(&mut self, name: &str, header: Vec<Pattern>) {
        self.functions.push((name.into(), header));
    }

    /// As [`BodyNeeds::call`], in a method whose body uses `self`: a rule that reads what a
    /// type's own methods do with its fields.
    pub fn call_in_method(&mut self, name: &str) {
        let before = self.calls.len();
        self.call(name);
        for added in &mut self.calls[before..] {
            added.in_method = true;
        }
    }

    /// A body whose text holds `piece`, ASCII case ignored, is needed: for names matched by
    /// wildcard patterns or by their words (`*tenants*`, `role`), looked for in identifiers,
    /// strings and comments alike, in the body, the function's signature and the header of
    /// the `impl` or `trait` it is in.
    pub fn piece(&mut self, piece: &str) {
        if piece.is_empty() {
            self.all = true;
        } else {
            self.pieces.push(piece.to_string());
        }
    }

    /// A body holding a string literal that looks like Cypher is needed.
    pub fn cypher_strings(&mut self) {
        self.cypher_strings = true;
    }

    /// A workspace with `piece` in any file path or text needs every body (see [`Signals`]).
    pub fn signal(&mut self, piece: &str) {
        self.signals.text(piece);
    }

    /// A workspace with a word matching `pattern` (`Partner*Context`) in any file path or
    /// text needs every body.
    pub fn signal_pattern(&mut self, pattern: &str) {
        self.signals.word(pattern);
    }

    /// A workspace with a word matching `pattern` (ASCII case ignored) outside a line comment
    /// needs every body: for what a rule would only find after the run (a loop over tenants)
    /// and have it start over, which costs more than parsing everything at once.
    pub fn signal_in_code(&mut self, pattern: &str) {
        self.signals.word_in_code(pattern);
    }

    /// A workspace with a file under the path glob `glob`, or a module or route named like
    /// its segments, needs every body.
    pub fn signal_glob(&mut self, glob: &str) {
        self.signals.glob(glob);
    }

    /// Builds the searches; call once everything is added.
    pub fn finish(mut self) -> BodyNeeds {
        if !self.pieces.is_empty() {
            self.found_pieces = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&self.pieces)
                .ok();
        }
        if !self.calls.is_empty() {
            self.found_calls = AhoCorasick::new(self.calls.iter().map(|call| &call.piece)).ok();
        }
        // A search that could not be built finds nothing: every body is needed instead.
        self.all |= (!self.pieces.is_empty() && self.found_pieces.is_none())
            || (!self.calls.is_empty() && self.found_calls.is_none());
        self.signals.finish();
        self
    }

    /// Whether every body is needed whatever the files hold.
    pub fn needs_everything(&self) -> bool {
        self.all
    }

    /// Whether the file at `path` (workspace-relative) with `text` holds a signal: a piece
    /// any partner model, or anything else the rules follow beyond one body, is spelt with.
    pub fn signal_in_file(&self, path: &str, text: &str) -> bool {
        self.all || self.signals.in_file(path, text)
    }

    /// Whether the body of `function`, at `body` in the file whose text is `text`, must be
    /// parsed. Read from the text, so that a body left out is never walked: a called name is
    /// looked for as a word (see [`super::signals`]: a call, a macro, a method, or the word in
    /// a string or a comment), and a Cypher-looking string as what follows any `"`.
    pub fn needs(&self, function: &FnPath, body: Span, text: &str) -> bool {
        let body_text = text.get(body.range()).unwrap_or(text);
        self.all
            || self.functions.iter().any(|(name, header)| {
                **name == *function.name
                    && header.iter().all(|word| {
                        function.impl_header.is_some_and(|span| {
                            has_word(
                                text.get(span.range()).unwrap_or(""),
                                word,
                                word.longest_piece(),
                            )
                        })
                    })
            })
            || self.calls_a_needed_name(function, body_text)
            || (self.cypher_strings && crate::cypher::text_may_hold_cypher_literal(body_text))
            || self.found_pieces.as_ref().is_some_and(|search| {
                // The signature and the body (`fn roles_of(r: &Role) { … }`), and the header
                // of the `impl` the function is in (`impl Role { fn grants(&self) … }`).
                let signature = function.name_start as usize..body.end as usize;
                let header = function.impl_header.map_or(0..0, |header| header.range());
                [signature, header]
                    .into_iter()
                    .any(|range| search.is_match(text.get(range).unwrap_or(text)))
            })
    }
}

impl BodyNeeds {
    /// Whether `body_text` (of `function`) calls a name that makes it needed, as words: every
    /// piece is found in one pass, and the word around each is matched.
    fn calls_a_needed_name(&self, function: &FnPath, body_text: &str) -> bool {
        let Some(search) = &self.found_calls else {
            return false;
        };
        let mut in_method = None;
        search.find_overlapping_iter(body_text).any(|found| {
            let call = &self.calls[found.pattern().as_usize()];
            if call.in_method
                && !*in_method.get_or_insert_with(|| {
                    function.impl_header.is_some()
                        && has_word(body_text, &Pattern::new("self"), "self")
                })
            {
                return false;
            }
            let (_, word) = word_around(body_text, found.start(), found.end());
            word_matches(&call.name, word)
                && call
                    .segments
                    .iter()
                    .all(|segment| has_word(body_text, segment, segment.longest_piece()))
        })
    }
}

/// Whether `text` holds a word matching `pattern`, found by its `piece`.
fn has_word(text: &str, pattern: &Pattern, piece: &str) -> bool {
    text.match_indices(piece).any(|(at, found)| {
        let (_, word) = word_around(text, at, at + found.len());
        word_matches(pattern, word)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Name;

    /// Whether the body of the function named `name` in `text` is needed.
    fn needed(needs: &BodyNeeds, text: &str, name: &str) -> bool {
        let start = text.find(&format!("fn {name}")).unwrap() + 3;
        let open = start + text[start..].find('{').unwrap();
        let close = open + text[open..].find("}\n").unwrap() + 1;
        let header = text[..start].rfind("impl").filter(|at| {
            // The `impl` encloses the function while its block is open.
            let between = &text[*at..start];
            between.matches('{').count() > between.matches('}').count()
        });
        let function = FnPath {
            module_path: Vec::new(),
            impl_type: None,
            trait_name: None,
            name: Name::from(name),
            name_start: start as u32,
            impl_header: header.map(|at| Span::new(at, at + text[at..].find('{').unwrap())),
        };
        needs.needs(&function, Span::new(open, close), text)
    }

    fn built(add: impl FnOnce(&mut BodyNeeds)) -> BodyNeeds {
        let mut needs = BodyNeeds::default();
        add(&mut needs);
        needs.finish()
    }

    #[test]
    fn a_called_name_is_needed_as_a_word_not_inside_another() {
        let needs = built(|needs| needs.call("run"));
        let text = "fn a() { graph.run(q).await }\nfn b() { let rt = runtime(); rt.block_on(f) }\n";
        assert!(needed(&needs, text, "a"));
        assert!(!needed(&needs, text, "b"));
    }

    #[test]
    fn a_path_is_needed_where_each_of_its_segments_is_spelt() {
        let needs = built(|needs| needs.call("Query::new"));
        let text = "fn a() { Query::new(\"MATCH (n)\") }\nfn b() { Vec::new() }\n";
        assert!(needed(&needs, text, "a"));
        assert!(!needed(&needs, text, "b"));
    }

    #[test]
    fn a_method_named_in_an_impl_is_needed_only_under_that_header() {
        let needs = built(|needs| needs.method_in_impl("fmt", vec![Pattern::new("Debug")]));
        let text = "impl fmt::Debug for Key {\nfn fmt(&self) { w(self.secret) }\n}\nimpl fmt::Display for Key {\nfn fmt(&self) { w(self.id) }\n}\n";
        assert!(needed(&needs, text, "fmt"));
        let display = &text[text.find("impl fmt::Display").unwrap()..];
        assert!(!needed(&needs, display, "fmt"));
    }

    #[test]
    fn a_call_in_a_method_is_needed_only_where_self_is_used() {
        let needs = built(|needs| needs.call_in_method("fs::read"));
        let method = "impl Tls {\nfn load(&self) { fs::read(&self.key_path) }\n}\n";
        let free = "fn load(path: &str) { fs::read(path) }\n";
        assert!(needed(&needs, method, "load"));
        assert!(!needed(&needs, free, "load"));
    }

    #[test]
    fn strings_that_may_be_cypher_are_needed_in_every_spelling() {
        let needs = built(BodyNeeds::cypher_strings);
        for body in [
            r#""MATCH (n) RETURN n""#,
            r##"r#"MATCH (n:"Tenant") RETURN n"#"##,
            r#""\u{4d}ATCH (n) RETURN n""#,
            r#""  \n  CREATE (n)""#,
        ] {
            let text = format!("fn f() {{ run({body}) }}\n");
            assert!(needed(&needs, &text, "f"), "{body}");
        }
        for body in [r#""no query here""#, r#""hello world""#, r#"'"', 1"#] {
            let text = format!("fn f() {{ log({body}) }}\n");
            assert!(!needed(&needs, &text, "f"), "{body}");
        }
    }

    #[test]
    fn a_piece_is_looked_for_in_the_signature_the_body_and_the_impl_header() {
        let needs = built(|needs| needs.piece("role"));
        let text = "impl UserRole {\nfn grants(&self) { match self { _ => &[] } }\n}\nfn of(r: &Kind) { r.grants() }\nfn perms(r: RoleName) { r.x() }\n";
        assert!(needed(&needs, text, "grants"));
        assert!(!needed(&needs, text, "of"));
        assert!(needed(&needs, text, "perms"));
    }
}
