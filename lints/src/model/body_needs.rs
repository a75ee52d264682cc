//! Which function bodies a run must parse, when the workspace has no partner model.
//!
//! Without a partner model (RULES.md R6) no function is in partner context, so every rule
//! and model part that starts from partner context reads nothing of a body. What is left
//! reads bodies by what they visibly hold: a query call, a `Json(…)` response, a role table,
//! a loop over tenants. Each rule (and the shared model, for the queries every rule and the
//! engine's own checks stand on) says what it reads, as names the body calls, names of the
//! function the body belongs to, pieces of its text, or Cypher-looking strings; a body is
//! parsed when its token scan ([`skeleton::BodyScan`]) or its text shows any of them.
//! Matching is by name and text alone, never by what a name resolves to, so it can only
//! parse more than a rule reads, never less.
//!
//! What a rule reads beyond the body it is in (callees, handlers of routes) cannot be told
//! from one body. So the run with bodies left out only stands while nothing the rules would
//! follow exists: the shell looks for [`BodyNeeds::signal_in_file`] in every path and text
//! before indexing (the pieces any partner model, guard, partner route or tenant loop is
//! spelt with), and asks the engine after the run whether the facts it built need every
//! body after all ([`crate::engine::Checked::needs_every_body`]: a partner model, a guard
//! call, a partner route, a loop over tenants). Either way it parses everything.
//!
//! [`skeleton::BodyScan`]: crate::index::skeleton::BodyScan

use super::name_patterns::Pattern;
use super::signals::Signals;
use crate::index::skeleton::{CallKind, StrippedBody};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder};

/// What makes a body needed, and what makes every body needed.
#[derive(Debug, Default)]
pub struct BodyNeeds {
    /// Calls that make a body needed: their kind, the called name (`*` wildcards), and the
    /// other segments of the path, each of which the body must use as a word.
    calls: Vec<(CallKind, Pattern, Vec<Box<str>>)>,
    /// Bodies of functions with these names (`fmt`, `serialize`, `default`).
    functions: Vec<Box<str>>,
    /// Pieces of text, ASCII case ignored, that make a body holding them needed.
    pieces: Vec<String>,
    /// A body holding a string literal that looks like Cypher is needed.
    cypher_strings: bool,
    /// What in a file's path or text needs every body.
    signals: Signals,
    /// Every body is needed (a pattern with no piece to look for).
    all: bool,
    found_pieces: Option<AhoCorasick>,
}

impl BodyNeeds {
    /// A body calling `name` as `kind` is needed; `*` in it matches any run of characters.
    /// A path (`Query::new`) is matched by its last segment, as the scan sees calls, in a
    /// body that also uses each other segment (`Query`) as a word: a path is matched as
    /// written, never through imports, so the full parse could not see it otherwise.
    pub fn call(&mut self, kind: CallKind, name: &str) {
        let mut segments: Vec<Box<str>> = name.split("::").map(Box::from).collect();
        let last = segments.pop().unwrap_or_default();
        segments.retain(|segment| !segment.is_empty());
        self.calls.push((kind, Pattern::new(&last), segments));
    }

    /// As [`BodyNeeds::call`], for a call of any kind but a macro's: `name(…)`, `Type::name(…)`
    /// and `.name(…)`.
    pub fn call_or_method(&mut self, name: &str) {
        self.call(CallKind::Call, name);
        self.call(CallKind::Method, name);
    }

    /// The body of any function named `name` is needed.
    pub fn function(&mut self, name: &str) {
        self.functions.push(name.into());
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

    /// A workspace with a file under the path glob `glob`, or a module or route named like
    /// its segments, needs every body.
    pub fn signal_glob(&mut self, glob: &str) {
        self.signals.glob(glob);
    }

    /// Every body is needed.
    pub fn everything(&mut self) {
        self.all = true;
    }

    /// Builds the searches; call once everything is added.
    pub fn finish(mut self) -> BodyNeeds {
        if !self.pieces.is_empty() {
            self.found_pieces = AhoCorasickBuilder::new()
                .ascii_case_insensitive(true)
                .build(&self.pieces)
                .ok();
        }
        // A search that could not be built finds nothing: every body is needed instead.
        self.all |= !self.pieces.is_empty() && self.found_pieces.is_none();
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

    /// Whether `body`, in the file whose text is `text`, must be parsed.
    pub fn needs(&self, body: &StrippedBody, text: &str) -> bool {
        self.all
            || self
                .functions
                .iter()
                .any(|name| **name == *body.function.name)
            || self.calls.iter().any(|(kind, name, words)| {
                body.scan
                    .calls
                    .iter()
                    .any(|called| called.kind == *kind && name.matches(&called.name))
                    && words.iter().all(|word| body.scan.words.contains(word))
            })
            || (self.cypher_strings
                && body
                    .scan
                    .strings
                    .iter()
                    .any(|string| crate::cypher::looks_like_cypher(&string.literal.value)))
            || self.found_pieces.as_ref().is_some_and(|search| {
                // The signature and the body (`fn roles_of(r: &Role) { … }`), and the header
                // of the `impl` the function is in (`impl Role { fn grants(&self) … }`).
                let function = body.function.name_start as usize..body.span.end as usize;
                let header = body
                    .function
                    .impl_header
                    .map_or(0..0, |header| header.range());
                [function, header]
                    .into_iter()
                    .any(|range| search.is_match(text.get(range).unwrap_or(text)))
            })
    }
}
