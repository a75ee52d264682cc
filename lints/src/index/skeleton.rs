//! Phase 1 of two-phase indexing: a file's items with their function bodies left out.
//!
//! syn parses every function body, yet most bodies cannot matter to the rules, and parsing
//! them is most of the parse. Here a file is lexed once (proc-macro2), every function body's
//! brace group is replaced by an empty one, and syn parses what is left: items, signatures,
//! types, attributes, consts and statics, item macros. Each body taken out is kept as its byte
//! range in the text (phase 2 re-lexes that slice when the body must be parsed: lexing is far
//! cheaper than keeping a copy of its tokens) and a flat scan of its tokens: the names it
//! calls, its string literals, the identifiers it uses, and whether it holds items of its own.
//!
//! A body is the brace group of a `fn` with a body that sits among items: at the top of the
//! file, in an inline `mod` (at any depth), in an `impl` or in a `trait` (default methods).
//! Left alone, because they are not function bodies or their fns cannot be told from tokens
//! without a parse: `macro_rules!` bodies and other item macros (`cfg_if! { … }`), the
//! initialisers of `const` and `static` items (`const _: () = { impl … }`, closures),
//! `extern { … }` blocks, struct and enum bodies.
//!
//! Reading a signature from tokens: the body is the first brace group after the name at angle
//! depth 0 (`-> Foo<{ N }>` and `where T: Tr<{ N }>` hold braces inside angle brackets; the
//! `>` of `->` and `=>` closes none), unless it delimits a macro (`-> ty_macro! { … }`: a `!`
//! after a name; `-> ! { … }` is the never type and a body). A `;` at angle depth 0 first
//! means there is none (trait methods without a default). `fn(` is a pointer type, not an
//! item, and `r#fn` is an identifier.
//!
//! Inner attributes (and `//!` comments) at the start of a body belong to the function: they
//! stay in the skeleton's empty group, where syn files them among the fn's attributes.
//!
//! Items inside a body (`fn`, `impl`, `use`, `struct`, … at statement level, in any block of
//! it) vanish with the body: such bodies are marked, and phase 2 must parse them. So are
//! bodies nested deeper than the parser may go: phase 2 refuses them (PS000) as the
//! full parse does.
//!
//! Safety: the strip and the scan walk tokens with explicit stacks, never recursing; the
//! skeleton is measured by the same guard as a whole file before syn parses it, so it is
//! refused or given a larger stack on the same terms ([`guard::MAX_DEPTH`]), and each body is
//! measured again before it is parsed.

use super::{guard, lex_error, FileProblem};
use crate::names::{ident_name, Name};
use crate::rust_literal::{parse_rust_literal, LiteralValue};
use crate::source::{span_of, token_start, with_fast_spans, LineIndex, Span};
use proc_macro2::{Delimiter, Group, Punct, Spacing, TokenStream, TokenTree};
use std::sync::Arc;

/// A file's items, bodies left out, and what was kept of each body.
pub struct Skeleton {
    /// The file as syn parses it with every stripped body empty (inner attributes kept).
    pub file: syn::File,
    /// The stripped bodies, in source order.
    pub bodies: Vec<StrippedBody>,
}

/// Which function a body belongs to, named as [`super::functions::FunctionDef`] names it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnPath {
    /// Crate-relative module path, inline modules included.
    pub module_path: Vec<Name>,
    /// For methods: the `impl` block's type (last segment).
    pub impl_type: Option<Name>,
    /// For trait impl methods: the trait (last segment).
    pub trait_name: Option<Name>,
    pub name: Name,
    /// Where the name starts in the text.
    pub name_start: u32,
    /// For methods: the enclosing `impl` or `trait` header in the text, from its keyword to
    /// its opening brace (`impl Display for Role`).
    pub impl_header: Option<Span>,
}

/// A function body taken out of the skeleton.
#[derive(Clone, Debug)]
pub struct StrippedBody {
    pub function: FnPath,
    /// The body's brace group in the text, braces included.
    pub span: Span,
    /// The body holds items of its own, which the skeleton lacks: phase 2 must parse it.
    pub has_nested_items: bool,
    /// The body nests deeper than [`guard::MAX_DEPTH`] brackets: phase 2 must try it, to refuse
    /// the file (PS000) as the full parse does.
    pub too_deep: bool,
    /// Empty unless the skeleton was built with [`Scan::Bodies`].
    pub scan: BodyScan,
}

impl StrippedBody {
    /// Whether phase 2 must parse this body whatever the rules need.
    pub fn must_parse(&self) -> bool {
        self.has_nested_items || self.too_deep
    }
}

/// What a flat walk over a body's tokens tells, macro arguments included.
#[derive(Clone, Debug, Default)]
pub struct BodyScan {
    /// Names the body calls, sorted, each once per kind.
    pub calls: Vec<CalledName>,
    /// Its plain and raw string literals, in source order.
    pub strings: Vec<BodyString>,
    /// Every identifier it uses.
    pub words: WordSet,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct CalledName {
    /// Without `r#`.
    pub name: Name,
    pub kind: CallKind,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum CallKind {
    /// `name(…)`, `path::name(…)`, `name::<T>(…)`: a function, an associated function, or a
    /// tuple struct or variant (tokens cannot tell).
    Call,
    /// `.name(…)`, `.name::<T>(…)`.
    Method,
    /// `name!(…)`, `name![…]`, `name! { … }`.
    Macro,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BodyString {
    /// Where the literal's token starts in the text.
    pub offset: u32,
    /// Its value, with the map from value offsets back to the token.
    pub literal: LiteralValue,
}

/// A set of identifiers, each kept as a 32-bit hash: a body's words cost 4 bytes each, and a
/// rule's vocabulary is looked up without a string per identifier. Two words may share a hash,
/// so `contains` can say yes for a word the body lacks (about one in four billion): fit to pick
/// bodies to parse, never to conclude anything about one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WordSet(Vec<u32>);

impl WordSet {
    pub fn contains(&self, word: &str) -> bool {
        self.0.binary_search(&word_hash(word)).is_ok()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// FNV-1a over the word's bytes, folded to 32 bits: stable across runs and versions (a set
/// may be kept in the cache), and quick for identifiers, which are short.
fn word_hash(word: &str) -> u32 {
    let word = word.strip_prefix("r#").unwrap_or(word);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in word.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash ^ (hash >> 32)) as u32
}

/// Whether to scan the stripped bodies' tokens for calls, strings and words. Nested items
/// and depth are found either way: without them the skeleton would lose items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scan {
    Skip,
    Bodies,
}

/// Why a file has no skeleton.
#[derive(Debug)]
pub enum SkeletonError {
    /// Not Rust the tool can read, or beyond its limits: reported as PS000, exactly as a full
    /// parse of the file would be.
    Refused(FileProblem),
    /// The skeleton needs this many bytes of stack to parse, more than the caller said it has:
    /// build it again on a thread with that much (twice, as `index_file` gives).
    NeedsStack(usize),
}

/// Lexes `text` (a file's whole text, `lines` its line index), strips its function bodies and
/// parses the rest. `module_path` is the file's module path; `stack` how many bytes of stack
/// the calling thread is sure to have for the parse.
///
/// Spans in the skeleton stay valid until the caller invalidates this thread's spans
/// (`proc_macro2::extra::invalidate_current_thread_spans`), which it should do once it is done
/// with the skeleton, as `index_file` does after each file.
pub fn build(
    text: &Arc<str>,
    lines: &LineIndex,
    module_path: &[Name],
    scan: Scan,
    stack: usize,
) -> Result<Skeleton, SkeletonError> {
    with_fast_spans(text, lines, || {
        let source = crate::source::without_shebang(text);
        let stream = source
            .parse::<TokenStream>()
            .map_err(|error| SkeletonError::Refused(lex_error::explain(&source, lines, &error)))?;
        let mut bodies = Vec::new();
        let stripped = strip(stream, &source, module_path, scan, &mut bodies);
        let measured = guard::measure(stripped).map_err(SkeletonError::Refused)?;
        if measured.stack_bytes() > stack {
            return Err(SkeletonError::NeedsStack(measured.stack_bytes()));
        }
        let skeleton: TokenStream = measured.tokens.into_iter().collect();
        let file = syn::parse2::<syn::File>(skeleton).map_err(|error| {
            SkeletonError::Refused(FileProblem {
                message: error.to_string(),
                span: span_of(error.span()),
            })
        })?;
        name_methods(&file, &mut bodies);
        Ok(Skeleton { file, bodies })
    })
}

/// Why a stripped body has no statements.
#[derive(Debug)]
pub enum BodyError {
    /// It does not parse, or is beyond the tool's limits: PS000, at offsets into the file.
    Refused(FileProblem),
    /// Parsing it needs this many bytes of stack, more than the caller said it has.
    NeedsStack(usize),
}

/// Parses a stripped body's statements from the file's `text`: the slice is lexed again, its
/// inner attributes (already the fn's, in the skeleton) are passed over, and the statements
/// are parsed as syn's `ItemFn` parses them. `stack` is how many bytes of stack the calling
/// thread is sure to have.
///
/// Spans of the statements are relative to the body's slice (add `body.span.start`); the
/// problems reported are already at offsets into the file. Call it outside of another
/// file's span context: problems are placed by proc-macro2's own positions.
pub fn parse_body(
    text: &str,
    body: &StrippedBody,
    stack: usize,
) -> Result<Vec<syn::Stmt>, BodyError> {
    use syn::parse::Parser as _;
    let shift = |problem: FileProblem| {
        BodyError::Refused(FileProblem {
            span: Span {
                start: problem.span.start.saturating_add(body.span.start),
                end: problem.span.end.saturating_add(body.span.start),
            },
            ..problem
        })
    };
    let slice = text.get(body.span.range()).ok_or_else(|| {
        BodyError::Refused(FileProblem {
            message: "the function body is not where the skeleton found it".into(),
            span: body.span,
        })
    })?;
    let stream = slice.parse::<TokenStream>().map_err(|error| {
        shift(FileProblem {
            message: error.to_string(),
            span: Span::new(
                error.span().byte_range().start,
                error.span().byte_range().end,
            ),
        })
    })?;
    let measured = guard::measure(stream).map_err(shift)?;
    if measured.stack_bytes() > stack {
        return Err(BodyError::NeedsStack(measured.stack_bytes()));
    }
    let mut tokens = measured.tokens.into_iter();
    let inner = match (tokens.next(), tokens.next()) {
        (Some(TokenTree::Group(group)), None) if group.delimiter() == Delimiter::Brace => {
            group.stream()
        }
        _ => {
            return Err(BodyError::Refused(FileProblem {
                message: "the function body is not one brace group".into(),
                span: body.span,
            }))
        }
    };
    let parser = |input: syn::parse::ParseStream<'_>| {
        input.call(syn::Attribute::parse_inner)?;
        input.call(syn::Block::parse_within)
    };
    parser.parse2(inner).map_err(|error| {
        let range = error.span().byte_range();
        shift(FileProblem {
            message: error.to_string(),
            span: Span::new(range.start, range.end),
        })
    })
}

/// Phase 2 over a whole file: empties each function body of `tokens` (a file's top-level
/// tokens, as the guard measured them) that `needed` does not ask for, given the function and
/// the body's place in `source`, and returns the tokens with how many bodies were emptied. A
/// body that may hold items of its own is kept whatever `needed` says: the skeleton would
/// lose them. An emptied body keeps its inner attributes and its span, so the parse gives the
/// full parse's tree with that body empty, at the full parse's offsets.
///
/// `needed` reads the body's text, not its tokens: a body left out is dropped unwalked, and a
/// body kept is parsed from the tokens as they were. Matching names in text also matches them
/// in strings and comments, so it may keep more than needed, never less. Items are looked for
/// in the text first ([`may_hold_items`]); only a body whose text spells an item keyword has
/// its tokens walked, through a copy.
pub fn strip_unneeded(
    tokens: Vec<TokenTree>,
    source: &str,
    module_path: &[Name],
    needed: &dyn Fn(&FnPath, Span) -> bool,
) -> (Vec<TokenTree>, u32) {
    let mut skipped = 0u32;
    let tokens = walk_bodies(tokens, module_path, &mut |group, function| {
        let span = span_of(group.span());
        let text = source.get(span.range()).unwrap_or("");
        if text.is_empty() || needed(&function, span) {
            return group;
        }
        // The text may spell an item keyword in a string or a comment: the tokens tell.
        if may_hold_items(text) && holds_items(&group, source) {
            return group;
        }
        skipped = skipped.saturating_add(1);
        emptied_group(group, text)
    });
    (tokens, skipped)
}

/// Whether a body's tokens hold an item of its own, as the scan of phase 1 finds them. The
/// group is walked through a copy of its tokens, so it can still be kept whole.
fn holds_items(group: &Group, source: &str) -> bool {
    let mut scanner = Scanner::new(source, Scan::Skip);
    for token in group.stream() {
        scanner.token(token);
    }
    scanner.finish().has_nested_items
}

/// `group` without its statements: its inner attributes (`#![…]`, `//!`) kept, as the fn's.
fn emptied_group(group: Group, text: &str) -> Group {
    let span = group.span();
    let mut inner_attributes = Vec::new();
    // Only a body that spells one can start with one (a `//!` lexes as `#![doc = …]`).
    if text.contains("#!") || text.contains("//!") || text.contains("/*!") {
        let stream = group.stream();
        drop(group);
        let mut tokens = stream.into_iter();
        while let (Some(first), Some(second), Some(third)) =
            (tokens.next(), tokens.next(), tokens.next())
        {
            match (&first, &second, &third) {
                (TokenTree::Punct(hash), TokenTree::Punct(bang), TokenTree::Group(attribute))
                    if hash.as_char() == '#'
                        && bang.as_char() == '!'
                        && attribute.delimiter() == Delimiter::Bracket =>
                {
                    inner_attributes.extend([first, second, third]);
                }
                _ => break,
            }
        }
    }
    let mut empty = Group::new(Delimiter::Brace, inner_attributes.into_iter().collect());
    empty.set_span(span);
    empty
}

/// Keywords that may start an item inside a body, which the skeleton would lose.
const ITEM_KEYWORDS: &[&str] = &[
    "const",
    "enum",
    "extern",
    "fn",
    "impl",
    "macro",
    "macro_rules",
    "mod",
    "static",
    "struct",
    "trait",
    "type",
    "union",
    "use",
];

/// Whether a body's text may hold an item: one of [`ITEM_KEYWORDS`] as a word anywhere, code,
/// string or comment, except where it plainly starts none: `'static` (a lifetime), `fn(` (a
/// pointer type, or a call of `r#fn`), `*const` (a pointer type) and `const {` (a block). A
/// word is a run of ASCII letters, digits and `_` and of non-ASCII characters, so a keyword
/// inside an identifier is not one.
pub fn may_hold_items(text: &str) -> bool {
    let bytes = text.as_bytes();
    let is_word = |byte: u8| byte.is_ascii_alphanumeric() || byte == b'_' || !byte.is_ascii();
    let mut at = 0;
    while at < bytes.len() {
        if !is_word(bytes[at]) {
            at += 1;
            continue;
        }
        let start = at;
        while at < bytes.len() && is_word(bytes[at]) {
            at += 1;
        }
        let word = &text[start..at];
        if !ITEM_KEYWORDS.contains(&word) {
            continue;
        }
        let before = text[..start].trim_end().as_bytes().last().copied();
        let after = text[at..].trim_start().as_bytes().first().copied();
        let plainly_none = match word {
            "static" => start > 0 && bytes[start - 1] == b'\'',
            "fn" => after == Some(b'('),
            "const" => before == Some(b'*') || after == Some(b'{'),
            _ => false,
        };
        if !plainly_none {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// The strip: item contexts (the file, inline modules, impls, traits), walked with a stack.

/// A group of items being walked, its tokens rebuilt in place.
struct ItemContext {
    list: Vec<TokenTree>,
    next: usize,
    /// Where the group goes back in the enclosing context; `None` for the file.
    slot: Option<(usize, Delimiter, proc_macro2::Span)>,
    /// The module it opens, if it is an inline `mod`.
    opens_module: bool,
    /// The header of the `impl` or `trait` whose items these are.
    impl_header: Option<Span>,
}

fn strip(
    stream: TokenStream,
    source: &str,
    module_path: &[Name],
    scan: Scan,
    bodies: &mut Vec<StrippedBody>,
) -> TokenStream {
    let list = walk_bodies(
        stream.into_iter().collect(),
        module_path,
        &mut |group, function| {
            let (empty, body) = strip_body(group, source, function, scan);
            bodies.push(body);
            empty
        },
    );
    list.into_iter().collect()
}

/// Walks the items of `list` (a file's top-level tokens), handing each function body's brace
/// group to `body` with the function it belongs to, and putting back the group it returns.
fn walk_bodies(
    list: Vec<TokenTree>,
    module_path: &[Name],
    body: &mut dyn FnMut(Group, FnPath) -> Group,
) -> Vec<TokenTree> {
    let mut modules = module_path.to_vec();
    let mut stack = vec![ItemContext {
        list,
        next: 0,
        slot: None,
        opens_module: false,
        impl_header: None,
    }];
    loop {
        let Some(context) = stack.last_mut() else {
            return Vec::new();
        };
        if context.next >= context.list.len() {
            let Some(done) = stack.pop() else {
                return Vec::new();
            };
            let Some((slot, delimiter, span)) = done.slot else {
                return done.list;
            };
            if done.opens_module {
                modules.pop();
            }
            let mut group = Group::new(delimiter, done.list.into_iter().collect());
            group.set_span(span);
            if let Some(outer) = stack.last_mut() {
                outer.list[slot] = TokenTree::Group(group);
            }
            continue;
        }
        let at = context.next;
        context.next += 1;
        let TokenTree::Ident(keyword) = &context.list[at] else {
            continue;
        };
        let list = &context.list;
        if keyword == "fn" {
            let Some(TokenTree::Ident(name)) = list.get(at + 1) else {
                // `fn(…)`: a pointer type.
                continue;
            };
            let function = FnPath {
                module_path: modules.clone(),
                impl_type: None,
                trait_name: None,
                name: ident_name(name),
                name_start: token_start(name.span()),
                impl_header: context.impl_header,
            };
            match header_end(list, at + 2) {
                HeaderEnd::Body(body_at) => {
                    context.next = body_at + 1;
                    let TokenTree::Group(group) = std::mem::replace(
                        &mut context.list[body_at],
                        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
                    ) else {
                        continue;
                    };
                    context.list[body_at] = TokenTree::Group(body(group, function));
                }
                HeaderEnd::Semicolon(end) => context.next = end + 1,
                HeaderEnd::None => context.next = context.list.len(),
            }
        } else if keyword == "mod" {
            if let (Some(TokenTree::Ident(name)), Some(TokenTree::Group(group))) =
                (list.get(at + 1), list.get(at + 2))
            {
                if group.delimiter() == Delimiter::Brace {
                    modules.push(ident_name(name));
                    let inner = enter(context, at + 2, true, None);
                    stack.push(inner);
                }
            }
        } else if keyword == "impl" || keyword == "trait" {
            match header_end(list, at + 1) {
                HeaderEnd::Body(body_at) => {
                    let header = Span {
                        start: token_start(keyword.span()),
                        end: token_start(list[body_at].span()),
                    };
                    let inner = enter(context, body_at, false, Some(header));
                    stack.push(inner);
                }
                HeaderEnd::Semicolon(end) => context.next = end + 1,
                HeaderEnd::None => context.next = context.list.len(),
            }
        }
    }
}

/// Takes the brace group at `at` out of `context` to walk its items; it goes back when done.
fn enter(
    context: &mut ItemContext,
    at: usize,
    opens_module: bool,
    impl_header: Option<Span>,
) -> ItemContext {
    context.next = at + 1;
    let taken = std::mem::replace(
        &mut context.list[at],
        TokenTree::Punct(Punct::new(';', Spacing::Alone)),
    );
    let (list, slot) = match taken {
        TokenTree::Group(group) => {
            let (delimiter, span) = (group.delimiter(), group.span());
            // Dropped first, so the stream is the only owner of its tokens and is moved out,
            // not copied.
            let stream = group.stream();
            drop(group);
            (stream.into_iter().collect(), Some((at, delimiter, span)))
        }
        other => (vec![other], None),
    };
    ItemContext {
        list,
        next: 0,
        slot,
        opens_module,
        impl_header,
    }
}

enum HeaderEnd {
    /// The index of the body (or item list) brace group.
    Body(usize),
    /// The index of the `;` that ends an item without one.
    Semicolon(usize),
    /// Neither before the end of the group (code that does not parse).
    None,
}

/// Where the header of a `fn`, `impl` or `trait` starting at `from` ends.
fn header_end(list: &[TokenTree], from: usize) -> HeaderEnd {
    let mut angles = 0usize;
    for at in from..list.len() {
        match &list[at] {
            TokenTree::Punct(punct) => match punct.as_char() {
                '<' => angles += 1,
                '>' if !is_arrow_head(list, at) => angles = angles.saturating_sub(1),
                ';' if angles == 0 => return HeaderEnd::Semicolon(at),
                _ => {}
            },
            TokenTree::Group(group)
                if angles == 0
                    && group.delimiter() == Delimiter::Brace
                    && !delimits_macro(list, at) =>
            {
                return HeaderEnd::Body(at)
            }
            _ => {}
        }
    }
    HeaderEnd::None
}

/// Whether the `>` at `at` is the head of `->` or `=>`.
fn is_arrow_head(list: &[TokenTree], at: usize) -> bool {
    matches!(
        at.checked_sub(1).and_then(|before| list.get(before)),
        Some(TokenTree::Punct(punct))
            if matches!(punct.as_char(), '-' | '=') && punct.spacing() == Spacing::Joint
    )
}

/// Whether the group at `at` is a macro's (`name! { … }`): `-> ! { … }` and `for ! { … }` are
/// the never type before a body.
fn delimits_macro(list: &[TokenTree], at: usize) -> bool {
    let before = |back: usize| at.checked_sub(back).and_then(|index| list.get(index));
    match (before(2), before(1)) {
        (Some(TokenTree::Ident(name)), Some(TokenTree::Punct(bang))) if bang.as_char() == '!' => {
            !is_keyword(&ident_name(name))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// One body: its inner attributes kept, the rest scanned.

fn strip_body(group: Group, source: &str, function: FnPath, scan: Scan) -> (Group, StrippedBody) {
    let span = group.span();
    let stream = group.stream();
    drop(group);
    let mut tokens = stream.into_iter();
    let mut scanner = Scanner::new(source, scan);
    let mut inner_attributes = Vec::new();
    // `#![…]` (and `//!`, which lexes as one) at the start of the body: the fn's.
    loop {
        let Some(first) = tokens.next() else { break };
        if !is_punct(&first, '#') {
            scanner.token(first);
            break;
        }
        let Some(second) = tokens.next() else {
            scanner.token(first);
            break;
        };
        if !is_punct(&second, '!') {
            scanner.token(first);
            scanner.token(second);
            break;
        }
        match tokens.next() {
            Some(TokenTree::Group(attribute)) if attribute.delimiter() == Delimiter::Bracket => {
                inner_attributes.extend([first, second, TokenTree::Group(attribute)]);
            }
            third => {
                scanner.token(first);
                scanner.token(second);
                if let Some(third) = third {
                    scanner.token(third);
                }
                break;
            }
        }
    }
    for token in tokens {
        scanner.token(token);
    }
    let scanned = scanner.finish();
    let mut empty = Group::new(Delimiter::Brace, inner_attributes.into_iter().collect());
    empty.set_span(span);
    let body = StrippedBody {
        function,
        span: span_of(span),
        has_nested_items: scanned.has_nested_items,
        too_deep: scanned.too_deep,
        scan: scanned.scan,
    };
    (empty, body)
}

fn is_punct(token: &TokenTree, wanted: char) -> bool {
    matches!(token, TokenTree::Punct(punct) if punct.as_char() == wanted)
}

/// A token as the scan remembers it, for the next few tokens to look back at.
#[derive(Clone, Default)]
enum Seen {
    #[default]
    Nothing,
    Ident(Name, Word),
    Punct(char, Spacing),
    Group(Delimiter),
    Literal,
}

/// What an identifier is to the scan.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Word {
    /// Starts an item wherever it stands: `struct`, `enum`, `trait`, `impl`, `mod`, `use`,
    /// `type`, `macro`.
    Item,
    /// An item when a name follows (`fn name`), not as a pointer type (`fn(…)`).
    Fn,
    /// An item when a name follows, unless it is a pointer's (`*const T`, `&raw const x`);
    /// `const { … }` is a block.
    Const,
    /// An item unless it is a lifetime (`'static`).
    Static,
    /// `extern crate` and `extern { … }` are items, `extern "C" fn(…)` a pointer type.
    Extern,
    /// A weak keyword: `union Name` is an item, `union` alone a name.
    Union,
    MacroRules,
    Raw,
    /// Any other keyword: never a name that is called.
    Keyword,
    Name,
}

impl Word {
    fn of(name: &str) -> Word {
        match name {
            // `macro` is a reserved word: only a declarative macro 2.0 item starts with it.
            "struct" | "enum" | "trait" | "impl" | "mod" | "use" | "type" | "macro" => Word::Item,
            "fn" => Word::Fn,
            "const" => Word::Const,
            "static" => Word::Static,
            "extern" => Word::Extern,
            "union" => Word::Union,
            "macro_rules" => Word::MacroRules,
            "raw" => Word::Raw,
            _ if is_keyword(name) => Word::Keyword,
            _ => Word::Name,
        }
    }
}

/// Rust's keywords that can stand before `(` or `!` without naming a function or a macro.
fn is_keyword(name: &str) -> bool {
    matches!(
        name,
        "as" | "async"
            | "await"
            | "box"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "yield"
    )
}

/// A bracket group of the body being scanned, with the tokens just before the current one.
struct Level {
    tokens: proc_macro2::token_stream::IntoIter,
    /// Inside a macro's arguments: tokens there are not statements.
    in_macro: bool,
    /// The last four tokens, latest first.
    seen: [Seen; 4],
}

struct Scanner<'a> {
    source: &'a str,
    scan: Scan,
    /// The groups being scanned inside the one at hand (which has no entry: its tokens come
    /// one by one through `token`).
    levels: Vec<Level>,
    /// The body's own level's last tokens.
    seen: [Seen; 4],
    calls: Vec<CalledName>,
    strings: Vec<BodyString>,
    words: Vec<u32>,
    has_nested_items: bool,
    too_deep: bool,
}

struct Scanned {
    scan: BodyScan,
    has_nested_items: bool,
    too_deep: bool,
}

impl<'a> Scanner<'a> {
    fn new(source: &'a str, scan: Scan) -> Scanner<'a> {
        Scanner {
            source,
            scan,
            levels: Vec::new(),
            seen: Default::default(),
            calls: Vec::new(),
            strings: Vec::new(),
            words: Vec::new(),
            has_nested_items: false,
            too_deep: false,
        }
    }

    /// One token of the body's own level, and everything inside it.
    fn token(&mut self, token: TokenTree) {
        let mut next = Some(token);
        loop {
            let token = match next.take() {
                Some(token) => token,
                None => match self.levels.last_mut() {
                    None => return,
                    Some(level) => match level.tokens.next() {
                        Some(token) => token,
                        None => {
                            self.levels.pop();
                            continue;
                        }
                    },
                },
            };
            let in_macro = self.levels.last().is_some_and(|level| level.in_macro);
            let seen = match self.levels.last_mut() {
                Some(level) => &mut level.seen,
                None => &mut self.seen,
            };
            let now = match &token {
                TokenTree::Ident(ident) => {
                    let name = ident_name(ident);
                    let word = Word::of(&name);
                    Seen::Ident(name, word)
                }
                TokenTree::Punct(punct) => Seen::Punct(punct.as_char(), punct.spacing()),
                TokenTree::Group(group) => Seen::Group(group.delimiter()),
                TokenTree::Literal(_) => Seen::Literal,
            };
            if !in_macro && starts_item(&now, seen) {
                self.has_nested_items = true;
            }
            if self.scan == Scan::Bodies {
                if let Some(call) = call_at(&now, seen) {
                    self.calls.push(call);
                }
                match (&now, &token) {
                    (Seen::Ident(name, _), _) => self.words.push(word_hash(name)),
                    (_, TokenTree::Literal(literal)) => {
                        let span = span_of(literal.span());
                        let text = self.source.get(span.range()).unwrap_or("");
                        if text.starts_with('"')
                            || text.starts_with("r\"")
                            || text.starts_with("r#")
                        {
                            if let Some(literal) = parse_rust_literal(text) {
                                self.strings.push(BodyString {
                                    offset: span.start,
                                    literal,
                                });
                            }
                        }
                    }
                    _ => {}
                }
            }
            let opens_macro = matches!(&now, Seen::Group(_))
                && matches!(&seen[0], Seen::Punct('!', _))
                && matches!(&seen[1], Seen::Ident(_, Word::Name | Word::MacroRules));
            seen.rotate_right(1);
            seen[0] = now;
            if let TokenTree::Group(group) = token {
                if self.levels.len() >= guard::MAX_DEPTH {
                    // Deeper than any body the parser takes: phase 2 refuses it.
                    self.too_deep = true;
                    continue;
                }
                let stream = group.stream();
                drop(group);
                self.levels.push(Level {
                    tokens: stream.into_iter(),
                    in_macro: in_macro || opens_macro,
                    seen: Default::default(),
                });
            }
        }
    }

    fn finish(mut self) -> Scanned {
        self.calls.sort_unstable();
        self.calls.dedup();
        self.words.sort_unstable();
        self.words.dedup();
        Scanned {
            scan: BodyScan {
                calls: self.calls,
                strings: self.strings,
                words: WordSet(self.words),
            },
            has_nested_items: self.has_nested_items,
            too_deep: self.too_deep,
        }
    }
}

/// Whether `now`, after the tokens `seen` (latest first), shows that an item starts.
fn starts_item(now: &Seen, seen: &[Seen; 4]) -> bool {
    match (now, &seen[0], &seen[1]) {
        (Seen::Ident(_, Word::Item), _, _) => true,
        (Seen::Ident(_, Word::Static), before, _) => !matches!(before, Seen::Punct('\'', _)),
        // The name may be a weak keyword itself: `fn union()`, `union union { … }`.
        (
            Seen::Ident(_, Word::Name | Word::Raw | Word::Union | Word::MacroRules),
            Seen::Ident(_, Word::Fn | Word::Union),
            _,
        ) => true,
        (Seen::Ident(_, Word::Fn), Seen::Ident(_, Word::Const), _) => true,
        (Seen::Ident(_, Word::Name | Word::Raw), Seen::Ident(_, Word::Const), before) => {
            !matches!(before, Seen::Punct('*', _) | Seen::Ident(_, Word::Raw))
        }
        (Seen::Punct('!', _), Seen::Ident(_, Word::MacroRules), _) => true,
        (Seen::Ident(name, _), Seen::Ident(_, Word::Extern), _) => name == "crate",
        (Seen::Group(Delimiter::Brace), Seen::Ident(_, Word::Extern), _) => true,
        (Seen::Group(Delimiter::Brace), Seen::Literal, Seen::Ident(_, Word::Extern)) => true,
        _ => false,
    }
}

/// The name called, if `now` (after `seen`) shows a call.
fn call_at(now: &Seen, seen: &[Seen; 4]) -> Option<CalledName> {
    let called = |name: &Name, kind| CalledName {
        name: Name::from(name.strip_prefix("r#").unwrap_or(name)),
        kind,
    };
    let kind_after = |before: &Seen| match before {
        Seen::Punct('.', _) => CallKind::Method,
        _ => CallKind::Call,
    };
    match (now, &seen[0], &seen[1], &seen[2], &seen[3]) {
        (
            Seen::Group(Delimiter::Parenthesis),
            Seen::Ident(name, Word::Name | Word::Raw | Word::Union),
            before,
            _,
            _,
        ) => Some(called(name, kind_after(before))),
        (
            Seen::Punct('!', Spacing::Alone),
            Seen::Ident(name, Word::Name | Word::Raw | Word::Union),
            _,
            _,
            _,
        ) => Some(called(name, CallKind::Macro)),
        // `name::<T>(…)`: named at the turbofish.
        (
            Seen::Punct('<', _),
            Seen::Punct(':', _),
            Seen::Punct(':', Spacing::Joint),
            Seen::Ident(name, Word::Name | Word::Raw | Word::Union),
            before,
        ) => Some(called(name, kind_after(before))),
        _ => None,
    }
}

// ---------------------------------------------------------------------------------------------
// Naming methods: the `impl` a body sits in, read from the parsed skeleton.

/// Sets the `impl` type and trait of every body that is a method, as the indexer names them.
fn name_methods(file: &syn::File, bodies: &mut [StrippedBody]) {
    let mut pending: Vec<&syn::Item> = file.items.iter().rev().collect();
    while let Some(item) = pending.pop() {
        match item {
            syn::Item::Mod(module) => {
                if let Some((_, items)) = &module.content {
                    pending.extend(items.iter().rev());
                }
            }
            syn::Item::Impl(block) => {
                let impl_type = super::indexer::type_name(&block.self_ty).map(Name::from);
                let trait_name = block
                    .trait_
                    .as_ref()
                    .and_then(|(_, path, _)| path.segments.last())
                    .map(|segment| ident_name(&segment.ident));
                for impl_item in &block.items {
                    let syn::ImplItem::Fn(function) = impl_item else {
                        continue;
                    };
                    let start = token_start(function.block.brace_token.span.open());
                    if let Ok(found) = bodies.binary_search_by_key(&start, |body| body.span.start) {
                        bodies[found].function.impl_type = impl_type.clone();
                        bodies[found].function.trait_name = trait_name.clone();
                    }
                }
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::ToTokens;
    use syn::visit::Visit;

    /// The stack a test thread is sure to have for a parse: the pipeline's in-place budget.
    const STACK: usize = 512 * 1024;

    fn skeleton_of(text: &str) -> Skeleton {
        try_skeleton(text).unwrap_or_else(|error| panic!("no skeleton: {error:?}\n{text}"))
    }

    fn try_skeleton(text: &str) -> Result<Skeleton, SkeletonError> {
        let text: Arc<str> = Arc::from(text);
        build(&text, &LineIndex::new(&text), &[], Scan::Bodies, STACK)
    }

    /// Empties, in a full parse, the bodies the skeleton strips: fns among items (the file,
    /// inline modules, impls, traits), nothing inside consts, statics or macros. Each
    /// body's statements are kept, and whether it holds items.
    #[derive(Default)]
    struct EmptyBodies {
        bodies: Vec<(String, bool)>,
    }

    impl EmptyBodies {
        fn items(&mut self, items: &mut [syn::Item]) {
            for item in items {
                match item {
                    syn::Item::Fn(function) => self.take(&mut function.block),
                    syn::Item::Mod(module) => {
                        if let Some((_, items)) = &mut module.content {
                            self.items(items);
                        }
                    }
                    syn::Item::Impl(block) => {
                        for impl_item in &mut block.items {
                            if let syn::ImplItem::Fn(function) = impl_item {
                                self.take(&mut function.block);
                            }
                        }
                    }
                    syn::Item::Trait(definition) => {
                        for trait_item in &mut definition.items {
                            if let syn::TraitItem::Fn(function) = trait_item {
                                if let Some(block) = &mut function.default {
                                    self.take(block);
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }

        fn take(&mut self, block: &mut syn::Block) {
            #[derive(Default)]
            struct Items(bool);
            impl<'ast> Visit<'ast> for Items {
                fn visit_item(&mut self, _: &'ast syn::Item) {
                    self.0 = true;
                }
            }
            let mut items = Items::default();
            items.visit_block(block);
            let stmts = std::mem::take(&mut block.stmts);
            self.bodies.push((statements(&stmts), items.0));
        }
    }

    fn statements(stmts: &[syn::Stmt]) -> String {
        let mut tokens = proc_macro2::TokenStream::new();
        for stmt in stmts {
            stmt.to_tokens(&mut tokens);
        }
        tokens.to_string()
    }

    /// The full parse with the bodies emptied, and the bodies' statements.
    fn emptied(text: &str) -> (String, Vec<(String, bool)>) {
        let mut file = syn::parse_file(text).unwrap_or_else(|error| panic!("{error}\n{text}"));
        let mut empty = EmptyBodies::default();
        empty.items(&mut file.items);
        (file.to_token_stream().to_string(), empty.bodies)
    }

    /// Checks the skeleton of `text` against the full parse, body by body, and returns it.
    fn checked(text: &str) -> Skeleton {
        let skeleton = skeleton_of(text);
        let (tree, full_bodies) = emptied(text);
        assert_eq!(skeleton.file.to_token_stream().to_string(), tree, "{text}");
        assert_eq!(skeleton.bodies.len(), full_bodies.len(), "{text}");
        for (body, (stmts, has_items)) in skeleton.bodies.iter().zip(&full_bodies) {
            let parsed = parse_body(text, body, STACK)
                .unwrap_or_else(|error| panic!("{error:?} in {:?}", body.function));
            assert_eq!(&statements(&parsed), stmts, "{:?}", body.function);
            assert!(
                !has_items || body.has_nested_items,
                "items unseen in {:?}",
                body.function
            );
        }
        skeleton
    }

    fn names(skeleton: &Skeleton) -> Vec<String> {
        skeleton
            .bodies
            .iter()
            .map(|body| {
                let function = &body.function;
                let mut path: Vec<&str> = function.module_path.iter().map(Name::as_str).collect();
                path.extend(function.impl_type.as_deref());
                path.push(&function.name);
                path.join("::")
            })
            .collect()
    }

    fn body_text<'a>(text: &'a str, body: &StrippedBody) -> &'a str {
        &text[body.span.range()]
    }

    #[test]
    fn bodies_of_free_fns_methods_and_default_methods_at_any_module_depth_are_stripped() {
        let text = "fn top() { a(); }\nmod a { mod b { impl S { fn m(&self) { b() } } trait T { fn d(&self) { c() } fn r(&self); } } fn f() { d() } }\nmod decl;\n";
        let skeleton = checked(text);
        assert_eq!(names(&skeleton), ["top", "a::b::S::m", "a::b::d", "a::f"]);
        assert_eq!(
            skeleton.file.to_token_stream().to_string(),
            "fn top () { } mod a { mod b { impl S { fn m (& self) { } } trait T { fn d (& self) { } fn r (& self) ; } } fn f () { } } mod decl ;"
        );
        let bodies: Vec<&str> = skeleton
            .bodies
            .iter()
            .map(|body| body_text(text, body))
            .collect();
        assert_eq!(bodies, ["{ a(); }", "{ b() }", "{ c() }", "{ d() }"]);
    }

    #[test]
    fn methods_are_named_by_their_impl_type_and_trait_and_modules_by_the_file() {
        let text = "impl<T> fmt::Display for crate::x::Wrapper<T> { fn fmt(&self) { w() } }\nimpl Tr for &Other { fn g() {} }\nimpl [u8] { fn h() {} }\n";
        let text_arc: Arc<str> = Arc::from(text);
        let skeleton = build(
            &text_arc,
            &LineIndex::new(text),
            &[Name::from("api"), Name::from("routes")],
            Scan::Skip,
            STACK,
        )
        .unwrap();
        let module = vec![Name::from("api"), Name::from("routes")];
        // The header runs from `impl` to the opening brace, the space before it included.
        let header = |written: &str| {
            let start = text.find(written).unwrap();
            Span::new(start, start + written.len() + 1)
        };
        let path =
            |impl_type: Option<&str>, trait_name: Option<&str>, name: &str, impl_header| FnPath {
                module_path: module.clone(),
                impl_type: impl_type.map(Name::from),
                trait_name: trait_name.map(Name::from),
                name: Name::from(name),
                name_start: text.find(&format!("fn {name}(")).unwrap() as u32 + 3,
                impl_header,
            };
        let paths: Vec<FnPath> = skeleton
            .bodies
            .iter()
            .map(|body| body.function.clone())
            .collect();
        assert_eq!(
            paths,
            [
                path(
                    Some("Wrapper"),
                    Some("Display"),
                    "fmt",
                    Some(header("impl<T> fmt::Display for crate::x::Wrapper<T>"))
                ),
                path(
                    Some("Other"),
                    Some("Tr"),
                    "g",
                    Some(header("impl Tr for &Other"))
                ),
                path(None, None, "h", Some(header("impl [u8]"))),
            ]
        );
        let name_start = text.find("fn fmt").unwrap() + 3;
        assert_eq!(skeleton.bodies[0].function.name_start as usize, name_start);
    }

    #[test]
    fn items_inside_a_body_mark_it_for_phase_two_wherever_they_stand() {
        for item in [
            "fn g() {}",
            "impl S { fn m() {} }",
            "mod m {}",
            "use std::fmt;",
            "struct S;",
            "enum E { A }",
            "trait T {}",
            "macro_rules! m { () => {} }",
            "static S: u8 = 1;",
            "static mut S: u8 = 1;",
            "const C: u8 = 1;",
            "const _: () = ();",
            "const fn g() {}",
            "type T = u8;",
            "union U { a: u8 }",
            "union union<'union> { union: &'union union<'union> }",
            "macro m($x:expr) { $x }",
            "fn union() {}",
            "extern crate alloc;",
            "extern \"C\" { fn puts(); }",
            "extern { }",
            "unsafe fn g() {}",
            "async fn g() {}",
            "pub(crate) fn g() {}",
            "#[inline] fn g() {}",
            "if x { fn g() {} }",
            "let c = || { struct Local; };",
            "loop { use a::b; break; }",
        ] {
            let text = format!("fn f() {{ let a = 1; {item} }}");
            let skeleton = checked(&text);
            assert!(skeleton.bodies[0].has_nested_items, "{item}");
            assert!(skeleton.bodies[0].must_parse(), "{item}");
        }
    }

    #[test]
    fn keywords_that_are_not_items_leave_a_body_to_phase_one() {
        for statement in [
            "let f: fn(u8) -> u8 = g;",
            "let f = g as fn();",
            "let f: extern \"C\" fn() = g;",
            "let f: unsafe extern \"C\" fn() = g;",
            "let p = x as *const u8;",
            "let p: *const [u8] = y;",
            "let r = &raw const place;",
            "let r = &raw mut place;",
            "let s: &'static str = \"\";",
            "let n = const { 1 + 1 };",
            "let u = union + 1;",
            "let v = union as u32;",
            "let r#fn = 1; let r#struct = r#fn;",
            "let b = async { 1 };",
            "unsafe { g() };",
            "m! { fn inside_a_macro() {} struct S; }",
            "quote::quote!(impl X { fn y() {} });",
            "let t = <T as Tr>::f();",
        ] {
            let text = format!("fn f() {{ {statement} }}");
            let skeleton = checked(&text);
            assert!(!skeleton.bodies[0].has_nested_items, "{statement}");
        }
    }

    #[test]
    fn inner_attributes_and_inner_doc_comments_stay_with_the_fn() {
        let text = "fn f() {\n    //! Inner docs.\n    #![allow(unused)]\n    let a = 1;\n}\n";
        let skeleton = checked(text);
        let syn::Item::Fn(function) = &skeleton.file.items[0] else {
            panic!("not a fn");
        };
        let kept: Vec<String> = function
            .attrs
            .iter()
            .map(|attr| attr.to_token_stream().to_string())
            .collect();
        assert_eq!(
            kept,
            ["# ! [doc = \" Inner docs.\"]", "# ! [allow (unused)]"]
        );
        assert_eq!(
            parse_body(text, &skeleton.bodies[0], STACK)
                .map(|stmts| statements(&stmts))
                .unwrap(),
            "let a = 1 ;"
        );
    }

    #[test]
    fn outer_attributes_of_statements_go_with_the_body() {
        // An inner attribute after a statement is not Rust: the body holds the error, so the
        // skeleton stands and the body is refused when it is parsed.
        let text = "fn f() { #[allow(unused)] let a = 1; #![not_first] }";
        assert!(syn::parse_file(text).is_err());
        let skeleton = skeleton_of(text);
        assert!(matches!(
            parse_body(text, &skeleton.bodies[0], STACK),
            Err(BodyError::Refused(_))
        ));
        let text = "fn f() { #[allow(unused)] let a = 1; }";
        let skeleton = checked(text);
        let syn::Item::Fn(function) = &skeleton.file.items[0] else {
            panic!("not a fn");
        };
        assert!(function.attrs.is_empty());
    }

    #[test]
    fn braces_in_a_signature_are_not_its_body() {
        let text = "fn a<const N: usize>() -> Foo<{ N }> { one() }\n\
                    fn b() -> impl Fn() -> Foo<{ N + 1 }> { two() }\n\
                    fn c<T>(t: T) -> [u8; { N }] where T: Tr<{ N }>, for<'a> &'a T: Fn(u8) -> Bar<{ 2 }> { three() }\n\
                    fn d<const M: usize = { 3 }>() { four() }\n\
                    fn e() -> Vec<Box<dyn Fn() -> u8>> { five() }\n\
                    fn f() -> Foo<Box<dyn Fn() -> u8>, { N }> { six() }\n";
        let skeleton = checked(text);
        let bodies: Vec<&str> = skeleton
            .bodies
            .iter()
            .map(|body| body_text(text, body))
            .collect();
        assert_eq!(
            bodies,
            [
                "{ one() }",
                "{ two() }",
                "{ three() }",
                "{ four() }",
                "{ five() }",
                "{ six() }"
            ]
        );
    }

    #[test]
    fn a_macro_in_return_position_is_a_type_and_the_never_type_is_not_a_macro() {
        let text = "fn a() -> ty_macro! { T } { one() }\nfn b() -> ! { loop {} }\nimpl Tr for ! { fn c() -> ! { panic!() } }\n";
        let skeleton = checked(text);
        let bodies: Vec<&str> = skeleton
            .bodies
            .iter()
            .map(|body| body_text(text, body))
            .collect();
        assert_eq!(bodies, ["{ one() }", "{ loop {} }", "{ panic!() }"]);
    }

    #[test]
    fn pointer_types_and_raw_identifiers_are_not_fns() {
        let text = "type F = fn(u8) -> u8;\nstatic G: fn() = g;\npub const r#fn: extern \"C\" fn() = h;\nstruct S { f: fn(), r#fn: u8 }\n";
        let skeleton = checked(text);
        assert!(skeleton.bodies.is_empty());
        let text = "fn r#fn() { a() }\nfn r#match(f: fn() -> u8) -> fn() { b() }\n";
        let skeleton = checked(text);
        assert_eq!(names(&skeleton), ["r#fn", "r#match"]);
    }

    #[test]
    fn macro_definitions_item_macros_and_extern_blocks_are_left_alone() {
        let text = "macro_rules! m { () => { fn inside() { x() } } }\n\
                    cfg_if::cfg_if! { if #[cfg(unix)] { fn unix() { y() } } }\n\
                    thread_local! { static S: u8 = { 1 }; }\n\
                    extern \"C\" { fn puts(s: *const u8); }\n\
                    unsafe extern \"C\" { safe fn abs(x: i32) -> i32; }\n";
        let skeleton = checked(text);
        assert!(skeleton.bodies.is_empty());
        assert!(skeleton
            .file
            .to_token_stream()
            .to_string()
            .contains("fn inside () { x () }"));
        let text = "extern \"C\" fn exported() { z() }\nm! { }\nfn after_macro() { w() }\n";
        let skeleton = checked(text);
        assert_eq!(names(&skeleton), ["exported", "after_macro"]);
    }

    #[test]
    fn const_and_static_initialisers_are_not_bodies() {
        let text = "const _: () = { impl S { fn m() { x() } } };\n\
                    static F: fn() -> u8 = || { 1 };\n\
                    const G: &dyn Fn() -> u8 = &|| { 2 };\n\
                    static H: u8 = { fn helper() -> u8 { 3 } helper() };\n";
        let skeleton = checked(text);
        assert!(skeleton.bodies.is_empty());
        let text = "impl S { fn m() { x() } const C: u8 = { 1 }; }\n";
        let skeleton = checked(text);
        assert_eq!(names(&skeleton), ["S::m"]);
    }

    #[test]
    fn qualified_fns_with_where_clauses_are_stripped_and_bodiless_ones_are_not() {
        let text = "pub async fn a() { x() }\nunsafe fn b() { x() }\nconst fn c() -> u8 { 1 }\npub(crate) extern \"C\" fn d() { x() }\nasync unsafe fn e() {}\n\
                    fn f<T>(t: T) where T: Clone, { x() }\n\
                    trait T { fn g(&self); fn h(&self) where Self: Sized; async fn i(&self) { x() } unsafe fn j(); }\n";
        let skeleton = checked(text);
        assert_eq!(names(&skeleton), ["a", "b", "c", "d", "e", "f", "i"]);
    }

    #[test]
    fn the_scan_names_calls_methods_macros_and_turbofish_calls() {
        let text = "fn f() { let a = helper(1); a.method(x).other::<T>(); crate::m::path_call(); format!(\"{}\", inside_macro(y)); Vec::<u8>::new(); if (a) {} r#match(); s.field; }";
        let skeleton = checked(text);
        let calls: Vec<(&str, CallKind)> = skeleton.bodies[0]
            .scan
            .calls
            .iter()
            .map(|call| (call.name.as_str(), call.kind))
            .collect();
        assert_eq!(
            calls,
            [
                ("Vec", CallKind::Call),
                ("format", CallKind::Macro),
                ("helper", CallKind::Call),
                ("inside_macro", CallKind::Call),
                ("match", CallKind::Call),
                ("method", CallKind::Method),
                ("new", CallKind::Call),
                ("other", CallKind::Method),
                ("path_call", CallKind::Call),
            ]
        );
    }

    #[test]
    fn the_scan_keeps_decoded_strings_at_their_offsets_and_every_identifier() {
        let text = "fn f() { q(\"MATCH (n)\\n RETURN n\"); q(r#\"raw \"x\"\"#); b\"bytes\"; 'c'; 1; sqlx::query!(\"SELECT 1\"); let partner_id = r#type; }";
        let skeleton = checked(text);
        let scan = &skeleton.bodies[0].scan;
        let strings: Vec<(u32, &str)> = scan
            .strings
            .iter()
            .map(|string| (string.offset, string.literal.value.as_str()))
            .collect();
        let at = |token: &str| text.find(token).unwrap() as u32;
        assert_eq!(
            strings,
            [
                (at("\"MATCH"), "MATCH (n)\n RETURN n"),
                (at("r#\"raw"), "raw \"x\""),
                (at("\"SELECT"), "SELECT 1")
            ]
        );
        for word in ["q", "sqlx", "query", "partner_id", "type", "let"] {
            assert!(scan.words.contains(word), "{word}");
        }
        for word in ["MATCH", "bytes", "partner", "f"] {
            assert!(!scan.words.contains(word), "{word}");
        }
    }

    #[test]
    fn without_the_scan_bodies_are_still_stripped_and_items_still_found() {
        let text: Arc<str> = Arc::from("fn f() { fn g() {} h() }");
        let skeleton = build(&text, &LineIndex::new(&text), &[], Scan::Skip, STACK).unwrap();
        assert_eq!(skeleton.bodies.len(), 1);
        assert!(skeleton.bodies[0].has_nested_items);
        assert!(skeleton.bodies[0].scan.calls.is_empty());
        assert!(skeleton.bodies[0].scan.words.is_empty());
    }

    #[test]
    fn a_syntax_error_in_a_body_passes_phase_one_and_is_reported_where_the_full_parse_reports_it() {
        let text = "fn ok() { 1 }\nfn bad() {\n    let = 2;\n}\n";
        let skeleton = skeleton_of(text);
        assert_eq!(skeleton.bodies.len(), 2);
        assert!(parse_body(text, &skeleton.bodies[0], STACK).is_ok());
        let Err(BodyError::Refused(problem)) = parse_body(text, &skeleton.bodies[1], STACK) else {
            panic!("the bad body parsed");
        };
        let full = super::super::index_file("src/lib.rs".into(), Arc::from(text));
        assert_eq!(Some(problem), full.problem);
    }

    #[test]
    fn a_syntax_error_in_a_signature_fails_the_skeleton_as_it_fails_the_full_parse() {
        let text = "fn ok() { 1 }\nfn bad(x: ) -> { 2 }\n";
        let Err(SkeletonError::Refused(problem)) = try_skeleton(text) else {
            panic!("the bad signature parsed");
        };
        let full = super::super::index_file("src/lib.rs".into(), Arc::from(text));
        assert_eq!(Some(problem), full.problem);
    }

    #[test]
    fn nesting_beyond_the_limit_in_a_body_is_left_to_phase_two_which_refuses_it() {
        let levels = guard::MAX_DEPTH + 1;
        let text = format!(
            "fn f() {{ {}{} }}\nfn g() {{ h() }}\n",
            "[".repeat(levels),
            "]".repeat(levels)
        );
        let skeleton = skeleton_of(&text);
        assert_eq!(names(&skeleton), ["f", "g"]);
        assert!(skeleton.bodies[0].too_deep);
        assert!(skeleton.bodies[0].must_parse());
        assert!(!skeleton.bodies[1].too_deep);
        let Err(BodyError::Refused(problem)) = parse_body(&text, &skeleton.bodies[0], STACK) else {
            panic!("a body nested beyond the limit was parsed");
        };
        assert!(
            problem
                .message
                .starts_with("brackets, blocks, generics or closures nest at least 8,0"),
            "{}",
            problem.message
        );
        let full = super::super::index_file("src/lib.rs".into(), Arc::from(text.as_str()));
        assert_eq!(Some(problem.span), full.problem.map(|full| full.span));
    }

    #[test]
    fn a_deep_body_within_the_limit_asks_for_a_larger_stack_and_parses_on_one() {
        let levels = 2_000;
        let text = format!(
            "fn f() {{ {}1{} }}\n",
            "(".repeat(levels),
            ")".repeat(levels)
        );
        let skeleton = skeleton_of(&text);
        assert!(!skeleton.bodies[0].too_deep);
        let Err(BodyError::NeedsStack(bytes)) = parse_body(&text, &skeleton.bodies[0], STACK)
        else {
            panic!("a deep body was parsed on a small stack");
        };
        let body = skeleton.bodies[0].clone();
        let parsed = std::thread::Builder::new()
            .stack_size(bytes * 2)
            .spawn(move || {
                parse_body(&text, &body, bytes)
                    .map(|stmts| stmts.len())
                    .ok()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(parsed, Some(1));
    }

    #[test]
    fn nesting_beyond_the_limit_in_a_signature_is_refused_as_the_full_parse_refuses_it() {
        let levels = guard::MAX_DEPTH + 1;
        let text = format!(
            "fn f() -> {}u8{} {{}}\n",
            "[".repeat(levels),
            "]".repeat(levels)
        );
        let Err(SkeletonError::Refused(problem)) = try_skeleton(&text) else {
            panic!("a signature nested beyond the limit was parsed");
        };
        let full = super::super::index_file("src/lib.rs".into(), Arc::from(text.as_str()));
        assert_eq!(Some(problem), full.problem);
    }

    #[test]
    fn a_deep_signature_within_the_limit_asks_for_a_larger_stack() {
        let levels = 2_000;
        let text = format!(
            "mod m {{ fn f() -> {}u8{} {{ g() }} }}\n",
            "[".repeat(levels),
            "]".repeat(levels)
        );
        let Err(SkeletonError::NeedsStack(bytes)) = try_skeleton(&text) else {
            panic!("a deep signature was parsed on a small stack");
        };
        let names = std::thread::Builder::new()
            .stack_size(bytes * 2)
            .spawn(move || {
                let arc: Arc<str> = Arc::from(text.as_str());
                build(&arc, &LineIndex::new(&text), &[], Scan::Skip, bytes)
                    .map(|skeleton| names(&skeleton))
                    .ok()
            })
            .unwrap()
            .join()
            .unwrap();
        assert_eq!(names, Some(vec!["m::f".to_string()]));
    }

    #[test]
    fn hostile_headers_and_unbalanced_tokens_end_without_panics() {
        for text in [
            "impl ".repeat(50_000),
            "fn f ".repeat(50_000),
            format!(
                "fn f() -> {}u8{} {{}}",
                "Vec<".repeat(50_000),
                ">".repeat(50_000)
            ),
            format!("fn f() -> {} {{}}", ">".repeat(50_000)),
            format!("trait T {}", "> ".repeat(10_000)),
            "fn".to_string(),
            "fn f".to_string(),
            "mod".to_string(),
            "fn f() { #".to_string(),
            "fn f() { # !".to_string(),
        ] {
            let _ = try_skeleton(&text);
        }
    }

    /// `text` lexed and parsed after [`strip_unneeded`] with only the bodies `needed` names
    /// kept, and how many bodies were emptied.
    fn stripped_file(text: &str, module_path: &[Name]) -> (syn::File, u32) {
        stripped_keeping(text, module_path, &[])
    }

    fn stripped_keeping(text: &str, module_path: &[Name], needed: &[&str]) -> (syn::File, u32) {
        let arc: Arc<str> = Arc::from(text);
        let lines = LineIndex::new(text);
        with_fast_spans(&arc, &lines, || {
            let source = crate::source::without_shebang(text);
            let stream: TokenStream = source.parse().unwrap();
            let (tokens, skipped) = strip_unneeded(
                stream.into_iter().collect(),
                &source,
                module_path,
                &|function, _| needed.contains(&function.name.as_str()),
            );
            let file = syn::parse2::<syn::File>(tokens.into_iter().collect())
                .unwrap_or_else(|error| panic!("{error}\n{text}"));
            (file, skipped)
        })
    }

    #[test]
    fn phase_two_empties_unneeded_bodies_and_keeps_needed_ones_and_inner_attributes() {
        let text = "fn keep() { a(); }\nfn drop_me() { #![allow(unused)] b(); }\nimpl S { fn keep(&self) { c() } fn m(&self) { d() } }\ntrait T { fn t(&self) { e() } }\nmod m { fn n() { f() } }\n";
        let (file, skipped) = stripped_keeping(text, &[], &["keep"]);
        assert_eq!(skipped, 4);
        assert_eq!(
            file.to_token_stream().to_string(),
            "fn keep () { a () ; } fn drop_me () { # ! [allow (unused)] } impl S { fn keep (& self) { c () } fn m (& self) { } } trait T { fn t (& self) { } } mod m { fn n () { } }"
        );
    }

    #[test]
    fn phase_two_keeps_bodies_with_items_and_empties_those_that_only_spell_them() {
        let text = "fn items() { use std::fmt; struct A; }\nfn strings() { log(\"use struct fn impl\"); /* mod trait */ }\nfn pointer(f: fn(u8)) { let g: fn(u8) = f; let s: &'static str = \"\"; let p: *const u8 = q; const { 1 }; }\n";
        let (file, skipped) = stripped_file(text, &[]);
        assert_eq!(skipped, 2);
        assert_eq!(
            file.to_token_stream().to_string(),
            "fn items () { use std :: fmt ; struct A ; } fn strings () { } fn pointer (f : fn (u8)) { }"
        );
    }

    #[test]
    fn item_keywords_in_text_are_found_except_where_they_plainly_start_no_item() {
        for text in [
            "{ use a::b; }",
            "{ struct A; }",
            "{ fn g() {} }",
            "{ const X: u8 = 1; }",
            "{ static S: u8 = 1; }",
            "{ impl A {} }",
            "{ macro_rules! m { () => {} } }",
            "{ extern crate alloc; }",
            "{ let s = \"a type\"; }",
        ] {
            assert!(may_hold_items(text), "{text}");
        }
        for text in [
            "{ let f: fn(u8) = g; }",
            "{ let f: fn (u8) = g; }",
            "{ let s: &'static str = x; }",
            "{ let p: *const u8 = q; }",
            "{ const { 1 } }",
            "{ let type_name = used_fn(static_mod); }",
            "{ let éfn = 1; }",
            "{ r#fn() }",
        ] {
            assert!(!may_hold_items(text), "{text}");
        }
    }

    /// The repository's own Rust files (and those under the directories in
    /// `SKELETON_DIFFERENTIAL_ROOTS`, separated by `:`, to check other code bases): wherever
    /// the full parse succeeds, the skeleton is its tree with the bodies emptied, every body
    /// re-parses to the same statements, no body with items goes unmarked, and every body is
    /// named as the index names its function.
    #[test]
    fn the_skeleton_matches_the_full_parse_on_real_files() {
        let outcome = std::thread::Builder::new()
            .stack_size(256 * 1024 * 1024)
            .spawn(differential_over_real_files)
            .unwrap()
            .join();
        if let Err(payload) = outcome {
            std::panic::resume_unwind(payload);
        }
    }

    /// Whether syn kept any item of `file` as unparsed tokens.
    fn holds_verbatim(file: &syn::File) -> bool {
        #[derive(Default)]
        struct Verbatim(bool);
        impl<'ast> Visit<'ast> for Verbatim {
            fn visit_item(&mut self, item: &'ast syn::Item) {
                self.0 |= matches!(item, syn::Item::Verbatim(_));
                syn::visit::visit_item(self, item);
            }
            fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
                self.0 |= matches!(item, syn::ImplItem::Verbatim(_));
                syn::visit::visit_impl_item(self, item);
            }
            fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
                self.0 |= matches!(item, syn::TraitItem::Verbatim(_));
                syn::visit::visit_trait_item(self, item);
            }
            fn visit_stmt(&mut self, stmt: &'ast syn::Stmt) {
                self.0 |= matches!(stmt, syn::Stmt::Item(syn::Item::Verbatim(_)));
                syn::visit::visit_stmt(self, stmt);
            }
        }
        let mut verbatim = Verbatim::default();
        verbatim.visit_file(file);
        verbatim.0
    }

    fn differential_over_real_files() {
        let repository = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut roots: Vec<std::path::PathBuf> = ["fixtures", "lints/src", "src"]
            .iter()
            .map(|dir| repository.join(dir))
            .collect();
        if let Ok(extra) = std::env::var("SKELETON_DIFFERENTIAL_ROOTS") {
            roots.extend(
                extra
                    .split(':')
                    .filter(|dir| !dir.is_empty())
                    .map(Into::into),
            );
        }
        let mut files = Vec::new();
        let mut pending = roots.clone();
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else {
                continue;
            };
            for entry in entries.flatten() {
                let path = entry.path();
                let Ok(kind) = entry.file_type() else {
                    continue;
                };
                if kind.is_dir() && entry.file_name() != "target" && entry.file_name() != ".git" {
                    pending.push(path);
                } else if kind.is_file() && path.extension().is_some_and(|ext| ext == "rs") {
                    files.push(path);
                }
            }
        }
        files.sort();
        let (mut compared, mut bodies, mut marked, mut over_marked, mut named) = (0, 0, 0, 0, 0);
        let mut verbatim = 0;
        for path in &files {
            let Ok(text) = std::fs::read_to_string(path) else {
                continue;
            };
            let Ok(mut full) = syn::parse_file(&text) else {
                continue;
            };
            // Unstable syntax syn keeps as tokens (`default fn` in a trait, `macro` items):
            // the skeleton empties bodies syn does not see as bodies there.
            if holds_verbatim(&full) {
                verbatim += 1;
                continue;
            }
            let relative = path
                .strip_prefix(&repository)
                .unwrap_or(path)
                .to_string_lossy()
                .replace('\\', "/");
            let module_path = super::super::functions::module_path_of_file(&relative);
            let arc: Arc<str> = Arc::from(text.as_str());
            let skeleton = build(
                &arc,
                &LineIndex::new(&text),
                &module_path,
                Scan::Bodies,
                usize::MAX,
            )
            .unwrap_or_else(|error| panic!("{}: {error:?}", path.display()));
            let mut empty = EmptyBodies::default();
            empty.items(&mut full.items);
            if text.starts_with("#!") && !text.starts_with("#![") {
                // syn keeps the shebang apart; the pipeline blanks it.
                full.shebang = None;
            }
            assert_eq!(
                skeleton.file.to_token_stream().to_string(),
                full.to_token_stream().to_string(),
                "{}",
                path.display()
            );
            assert_eq!(
                skeleton.bodies.len(),
                empty.bodies.len(),
                "{}",
                path.display()
            );
            for (body, (stmts, has_items)) in skeleton.bodies.iter().zip(&empty.bodies) {
                let parsed = parse_body(&text, body, usize::MAX).unwrap_or_else(|error| {
                    panic!("{}: {:?}: {error:?}", path.display(), body.function)
                });
                assert_eq!(
                    &statements(&parsed),
                    stmts,
                    "{}: {:?}",
                    path.display(),
                    body.function
                );
                assert!(
                    !has_items || body.has_nested_items,
                    "{}: items unseen in {:?}",
                    path.display(),
                    body.function
                );
                marked += usize::from(body.has_nested_items);
                over_marked += usize::from(body.has_nested_items && !has_items);
            }
            // Every body is a function the index records, under the same name.
            let indexed = super::super::index_file(relative.clone(), arc.clone());
            for body in &skeleton.bodies {
                let function = &body.function;
                assert!(
                    indexed
                        .functions
                        .iter()
                        .any(|def| def.name_span.start == function.name_start
                            && def.name == function.name
                            && def.module_path == function.module_path
                            && def.impl_type == function.impl_type
                            && def.trait_name == function.trait_name),
                    "{}: {function:?} is not indexed so",
                    path.display()
                );
                named += 1;
            }
            proc_macro2::extra::invalidate_current_thread_spans();
            // Phase 2 with no body needed: the same tree once every body is emptied, and every
            // body holding items kept whole.
            let (stripped, _) = stripped_file(&text, &module_path);
            let mut stripped_bodies = EmptyBodies::default();
            let mut stripped_tree = stripped;
            stripped_bodies.items(&mut stripped_tree.items);
            assert_eq!(
                stripped_tree.to_token_stream().to_string(),
                skeleton.file.to_token_stream().to_string(),
                "{}",
                path.display()
            );
            for (kept, (stmts, has_items)) in stripped_bodies.bodies.iter().zip(&empty.bodies) {
                assert!(
                    !has_items || kept.0 == *stmts,
                    "{}: items lost",
                    path.display()
                );
            }
            proc_macro2::extra::invalidate_current_thread_spans();
            compared += 1;
            bodies += skeleton.bodies.len();
        }
        eprintln!(
            "{compared} files, {bodies} bodies, {marked} marked for phase 2 ({over_marked} without items), {named} named; {verbatim} files with unstable syntax left out"
        );
        assert!(
            compared > 100 && bodies > 1_000,
            "{compared} files, {bodies} bodies"
        );
    }
}
