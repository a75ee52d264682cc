//! Query text from the Rust expression passed to a query call.
//!
//! Indexing records each string-valued expression as a [`StrExpr`]: plain data holding byte
//! spans, because proc-macro2 spans die with the parse of their file. [`resolve`] later follows
//! literals, `concat!`/`format!`/`indoc!`, `include_str!`, `let` bindings and constants across
//! files, and keeps for every byte of the text where it was written, so a finding inside a query
//! points into the literal, included file or `format!` argument it came from.

use std::ops::Range;

use syn::punctuated::Punctuated;
use syn::{Expr, Lit, Token};

use crate::names::Name;
use crate::positions::FileId;
use crate::rust_literal::parse_rust_literal;
use crate::source::{expr_span, macro_span, span_of, span_of_tokens, Span};

/// Lookups (bindings, constants, includes) one resolution may chain; this also ends const cycles.
const MAX_LOOKUPS: usize = 16;
/// Syntax nesting `str_expr` follows; deeper input becomes opaque instead of recursing further.
const MAX_NESTING: usize = 32;

/// A string-valued Rust expression, as plain data (no syn types), recorded per file during indexing.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StrExpr {
    /// A string literal (plain or raw); `span` is the whole literal token in the file.
    Literal { span: Span },
    /// A number, char or bool literal inside `concat!`, with the text it contributes.
    Text { text: String, span: Span },
    /// `concat!(a, b, …)`, or `a + b` on strings.
    Concat(Vec<StrExpr>),
    /// A `format!`-family template and the arguments that fill its holes, in written order.
    Format {
        template: Box<StrExpr>,
        args: Vec<FormatArg>,
        dedent: bool,
    },
    /// `indoc!("…")` (dedented, no holes).
    Indoc(Box<StrExpr>),
    /// `include_str!("path")`.
    Include { path: String, span: Span },
    /// A bare identifier: a local `let` binding or a const/static in scope.
    Name { name: Name, span: Span },
    /// A path of 2+ segments naming a const/static (`queries::LIST_USERS`, `Self::QUERY`).
    Path { segments: Vec<Name>, span: Span },
    /// Anything else: a function call, a field, …
    Unknown { span: Span },
}

/// One argument of a `format!`-family macro; `name` is set for `name = expr`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FormatArg {
    pub name: Option<String>,
    /// The value expression (for `name = expr`, just `expr`).
    pub span: Span,
}

/// Builds the [`StrExpr`] for an expression, looking through borrows, parentheses and the usual
/// `String`/`&str`/`Cow` conversions. `None` means the expression is clearly not a string
/// (a number, closure, array, …), so callers can skip it cheaply.
pub fn str_expr(expr: &Expr) -> Option<StrExpr> {
    str_expr_nested(expr, 0)
}

fn str_expr_nested(expr: &Expr, depth: usize) -> Option<StrExpr> {
    if depth > MAX_NESTING {
        return Some(unknown(expr));
    }
    let inner = |expr: &Expr| str_expr_nested(expr, depth + 1);
    match expr {
        Expr::Lit(lit) => match &lit.lit {
            Lit::Str(literal) => Some(StrExpr::Literal {
                span: span_of(literal.span()),
            }),
            _ => None,
        },
        Expr::Reference(reference) => inner(&reference.expr),
        Expr::Paren(paren) => inner(&paren.expr),
        Expr::Group(group) => inner(&group.expr),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => inner(&unary.expr),
        Expr::MethodCall(call) if call.args.is_empty() && is_conversion(&call.method) => {
            inner(&call.receiver)
        }
        Expr::Call(call) if call.args.len() == 1 && is_conversion_fn(&call.func) => {
            inner(call.args.first()?)
        }
        Expr::Binary(binary) if matches!(binary.op, syn::BinOp::Add(_)) => {
            Some(StrExpr::Concat(vec![
                inner(&binary.left)?,
                inner(&binary.right)?,
            ]))
        }
        Expr::Macro(mac) => Some(macro_str(&mac.mac, depth).unwrap_or_else(|| unknown(expr))),
        Expr::Path(path) => Some(path_str(path).unwrap_or_else(|| unknown(expr))),
        Expr::Array(_)
        | Expr::Assign(_)
        | Expr::Binary(_)
        | Expr::Break(_)
        | Expr::Cast(_)
        | Expr::Closure(_)
        | Expr::Continue(_)
        | Expr::ForLoop(_)
        | Expr::Let(_)
        | Expr::Loop(_)
        | Expr::Range(_)
        | Expr::Repeat(_)
        | Expr::Return(_)
        | Expr::Struct(_)
        | Expr::Tuple(_)
        | Expr::Unary(_)
        | Expr::While(_) => None,
        _ => Some(unknown(expr)),
    }
}

fn unknown(expr: &Expr) -> StrExpr {
    // Only the end is cheap to find without walking the expression, and an
    // unknown part makes a whole text unresolvable, so its place matters little.
    let end = crate::source::expr_end(expr);
    StrExpr::Unknown {
        span: Span::new(end as usize, end as usize),
    }
}

/// Methods that turn a string into another string type without changing its text.
fn is_conversion(method: &syn::Ident) -> bool {
    ["as_str", "as_ref", "to_string", "to_owned", "into", "clone"]
        .iter()
        .any(|name| method == name)
}

/// `String::from(x)`, `Cow::Borrowed(x)`, `Cow::Owned(x)`, with any leading path.
fn is_conversion_fn(func: &Expr) -> bool {
    let Expr::Path(path) = func else {
        return false;
    };
    let mut names = path.path.segments.iter().rev().map(|s| &s.ident);
    let (last, owner) = (names.next(), names.next());
    let is = |ident: Option<&syn::Ident>, name: &str| ident.is_some_and(|ident| ident == name);
    (is(last, "from") && is(owner, "String"))
        || ((is(last, "Borrowed") || is(last, "Owned")) && is(owner, "Cow"))
}

impl StrExpr {
    /// The expression naming `segments` (a local or const, or a const by path) at `span`.
    pub fn named(segments: &[Name], span: Span) -> StrExpr {
        match segments {
            [name] => StrExpr::Name {
                name: name.clone(),
                span,
            },
            _ => StrExpr::Path {
                segments: segments.to_vec(),
                span,
            },
        }
    }
}

/// A path that can name a local or a const: no `<T as Trait>::`, no generic arguments.
pub fn is_name_path(path: &syn::ExprPath) -> bool {
    path.qself.is_none()
        && path
            .path
            .segments
            .iter()
            .all(|segment| segment.arguments.is_none())
}

fn path_str(path: &syn::ExprPath) -> Option<StrExpr> {
    if !is_name_path(path) {
        return None;
    }
    let segments = crate::names::segment_names(&path.path);
    Some(StrExpr::named(
        &segments,
        crate::source::expr_path_span(path),
    ))
}

/// The string macros we understand, matched by their last path segment so `std::format!` and
/// `indoc::formatdoc!` work too. `None` for any other macro or a body that does not parse.
fn macro_str(mac: &syn::Macro, depth: usize) -> Option<StrExpr> {
    let name = mac.path.segments.last()?.ident.to_string();
    let args = || {
        mac.parse_body_with(Punctuated::<Expr, Token![,]>::parse_terminated)
            .ok()
    };
    let nested = |expr: &Expr| str_expr_nested(expr, depth + 1).unwrap_or_else(|| unknown(expr));
    let concat = |args: Punctuated<Expr, Token![,]>| {
        let parts = args
            .iter()
            .map(|part| concat_literal(part).unwrap_or_else(|| nested(part)));
        StrExpr::Concat(parts.collect())
    };
    match name.as_str() {
        "concat" => Some(concat(args()?)),
        "concatdoc" => Some(StrExpr::Indoc(Box::new(concat(args()?)))),
        "indoc" => Some(StrExpr::Indoc(Box::new(nested(&single(args()?)?)))),
        "format" | "format_args" => format_str(args()?, 0, false, nested),
        "formatdoc" => format_str(args()?, 0, true, nested),
        // The destination comes first; writeln!'s trailing newline is left out of the text.
        "write" | "writeln" => format_str(args()?, 1, false, nested),
        "writedoc" => format_str(args()?, 1, true, nested),
        "include_str" => Some(StrExpr::Include {
            path: mac.parse_body::<syn::LitStr>().ok()?.value(),
            span: macro_span(mac),
        }),
        _ => None,
    }
}

fn single(args: Punctuated<Expr, Token![,]>) -> Option<Expr> {
    let mut args = args.into_iter();
    let first = args.next()?;
    args.next().is_none().then_some(first)
}

/// `concat!` also takes number, char and bool literals, contributing the text rustc gives them
/// (`0x10` is "16", suffixes dropped).
fn concat_literal(expr: &Expr) -> Option<StrExpr> {
    let (negative, lit) = match expr {
        Expr::Lit(lit) => ("", &lit.lit),
        Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Neg(_)) => match &*unary.expr {
            Expr::Lit(lit) => ("-", &lit.lit),
            _ => return None,
        },
        _ => return None,
    };
    let text = match lit {
        Lit::Int(int) => format!("{negative}{}", int.base10_digits()),
        Lit::Float(float) => format!("{negative}{}", float.base10_digits()),
        Lit::Char(c) if negative.is_empty() => c.value().to_string(),
        Lit::Bool(b) if negative.is_empty() => b.value.to_string(),
        _ => return None,
    };
    Some(StrExpr::Text {
        text,
        span: span_of_tokens(expr),
    })
}

fn format_str(
    args: Punctuated<Expr, Token![,]>,
    skip: usize,
    dedent: bool,
    nested: impl Fn(&Expr) -> StrExpr,
) -> Option<StrExpr> {
    let mut args = args.into_iter().skip(skip);
    let template = nested(&args.next()?);
    let args = args.map(|arg| match &arg {
        Expr::Assign(assign) => FormatArg {
            name: match &*assign.left {
                Expr::Path(name) => name.path.get_ident().map(ToString::to_string),
                _ => None,
            },
            span: expr_span(&assign.right),
        },
        _ => FormatArg {
            name: None,
            span: expr_span(&arg),
        },
    });
    Some(StrExpr::Format {
        template: Box::new(template),
        args: args.collect(),
        dedent,
    })
}

/// What the resolver needs from the workspace.
pub trait Resolver {
    /// The full text of a file.
    fn file_text(&self, file: FileId) -> &str;
    /// The StrExpr bound to `name` by the last simple `let name = …` in `file` before `offset`
    /// (the caller handles scoping).
    fn binding(&self, file: FileId, name: &str, before: u32) -> Option<StrExpr>;
    /// A const/static named by these segments (a bare name is one segment), as seen from
    /// `file`; returns the file it lives in and its initializer.
    fn constant(&self, file: FileId, segments: &[Name]) -> Option<(FileId, StrExpr)>;
    /// The file `include_str!(path)` names, relative to the directory of `file`, if it is inside
    /// the workspace (the resolver refuses paths leaving the root).
    fn include(&self, file: FileId, path: &str) -> Option<FileId>;
}

pub use crate::cypher::TextMode;

/// The text of a resolved string with a map back to source.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ResolvedText {
    pub text: String,
    pub mode: TextMode,
    /// Consecutive runs of `text`, sorted by `text_start`, covering all of it.
    pieces: Vec<Piece>,
    /// Where offsets at or past the end of `text` map (e.g. a literal's closing quote).
    end: Piece,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Piece {
    /// First byte of `text` in this piece; the piece runs to the next piece's start.
    text_start: usize,
    file: FileId,
    /// When `linear`, byte k of the piece was written at `source.start + k`. Otherwise every
    /// byte stands for all of `source`: an escape sequence, a `format!` argument, a number.
    source: Span,
    linear: bool,
}

impl ResolvedText {
    /// A whole file's text (a `.cypher` file), mapped one to one.
    pub fn whole_file(file: FileId, text: &str) -> ResolvedText {
        self::whole_file(text, file).finish()
    }

    /// The source position of a byte offset in `text`. Inside an escape, a `format!` hole or a
    /// `concat!` number it is the start of what was written there; past the end, the end.
    pub fn location(&self, offset: usize) -> (FileId, u32) {
        let piece = self.piece_at(offset);
        if !piece.linear {
            return (piece.file, piece.source.start);
        }
        let shift = u32::try_from(offset.saturating_sub(piece.text_start)).unwrap_or(u32::MAX);
        (piece.file, piece.source.start.saturating_add(shift))
    }

    /// Source span for a range of `text`. When both ends come from one file the span runs from
    /// the first byte's position to the end of what the last byte was written as (so a range
    /// ending in `\"` or a hole covers the whole escape or argument); otherwise it is cut at the
    /// end of the first piece.
    pub fn span(&self, range: Range<usize>) -> (FileId, Span) {
        let (file, start) = self.location(range.start);
        if range.end <= range.start {
            return (file, Span { start, end: start });
        }
        let last = self.piece_at(range.end - 1);
        let (last_file, last_start) = self.location(range.end - 1);
        let end = if last.linear {
            last_start.saturating_add(1)
        } else {
            last.source.end
        };
        if last_file == file && end >= start {
            return (file, Span { start, end });
        }
        let first_end = self.piece_at(range.start).source.end.max(start);
        (
            file,
            Span {
                start,
                end: first_end,
            },
        )
    }

    /// Every file the text came from, in order of first appearance.
    pub fn files(&self) -> Vec<FileId> {
        let mut files = Vec::new();
        for piece in self
            .pieces
            .iter()
            .chain(self.pieces.is_empty().then_some(&self.end))
        {
            if !files.contains(&piece.file) {
                files.push(piece.file);
            }
        }
        files
    }

    fn piece_at(&self, offset: usize) -> &Piece {
        if offset >= self.text.len() {
            return &self.end;
        }
        let after = self
            .pieces
            .partition_point(|piece| piece.text_start <= offset);
        after
            .checked_sub(1)
            .and_then(|index| self.pieces.get(index))
            .unwrap_or(&self.end)
    }
}

/// Resolves to text; `None` if any part is unknown or cannot be resolved, since a query with an
/// unknown part is unknowable. At most [`MAX_LOOKUPS`] bindings, constants and includes are
/// chained, which ends const cycles.
pub fn resolve(expr: &StrExpr, file: FileId, resolver: &dyn Resolver) -> Option<ResolvedText> {
    Some(build(expr, file, resolver, MAX_LOOKUPS)?.finish())
}

/// Where one byte of resolved text was written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Origin {
    file: FileId,
    source: Span,
}

impl Origin {
    /// A byte written as itself at `offset`.
    fn byte(file: FileId, offset: usize) -> Self {
        let source = Span::new(offset, offset + 1);
        Origin { file, source }
    }
}

/// Text under construction: one origin per byte keeps concatenation, dedenting and hole
/// filling trivial; `finish` compresses it into pieces.
struct Built {
    text: String,
    origins: Vec<Origin>,
    mode: TextMode,
    end: Origin,
}

impl Built {
    fn plain(text: String, origins: Vec<Origin>, end: Origin) -> Self {
        let mode = TextMode::Plain;
        Built {
            text,
            origins,
            mode,
            end,
        }
    }
}

fn build(expr: &StrExpr, file: FileId, resolver: &dyn Resolver, lookups: usize) -> Option<Built> {
    let recurse = |expr: &StrExpr| build(expr, file, resolver, lookups);
    match expr {
        StrExpr::Literal { span } => literal(resolver.file_text(file), file, *span),
        StrExpr::Text { text, span } => {
            let origin = Origin {
                file,
                source: *span,
            };
            Some(Built::plain(text.clone(), vec![origin; text.len()], origin))
        }
        StrExpr::Concat(parts) => concat(parts.iter().map(recurse).collect::<Option<_>>()?, file),
        StrExpr::Format {
            template,
            args,
            dedent,
        } => {
            let mut template = recurse(template)?;
            if *dedent {
                template = unindent(template)?;
            }
            fill_holes(&mut template, args, file);
            template.mode = TextMode::Template;
            Some(template)
        }
        StrExpr::Indoc(inner) => unindent(recurse(inner)?),
        StrExpr::Include { path, .. } => {
            let target = resolver.include(file, path)?;
            Some(whole_file(resolver.file_text(target), target))
        }
        StrExpr::Name { name, span } => {
            let lookups = lookups.checked_sub(1)?;
            // A local binding shadows a constant of the same name.
            if let Some(bound) = resolver.binding(file, name, span.start) {
                return build(&bound, file, resolver, lookups);
            }
            let (home, init) = resolver.constant(file, std::slice::from_ref(name))?;
            build(&init, home, resolver, lookups)
        }
        StrExpr::Path { segments, .. } => {
            let lookups = lookups.checked_sub(1)?;
            let (home, init) = resolver.constant(file, segments)?;
            build(&init, home, resolver, lookups)
        }
        StrExpr::Unknown { .. } => None,
    }
}

fn literal(file_text: &str, file: FileId, span: Span) -> Option<Built> {
    let literal = parse_rust_literal(file_text.get(span.range())?)?;
    let at = |value_offset| span.start as usize + literal.source_offset(value_offset);
    let mut origins = Vec::with_capacity(literal.value.len());
    if let Some(from) = literal.verbatim_from() {
        // Written as itself, byte for byte (most literals).
        let start = span.start as usize + from;
        origins.extend((start..start + literal.value.len()).map(|byte| Origin::byte(file, byte)));
    } else {
        for (index, c) in literal.value.char_indices() {
            let (start, end) = (at(index), at(index + c.len_utf8()));
            if end.checked_sub(start) == Some(c.len_utf8()) {
                origins.extend((start..end).map(|byte| Origin::byte(file, byte)));
            } else {
                let source = Span::new(start, end);
                origins.extend(std::iter::repeat_n(Origin { file, source }, c.len_utf8()));
            }
        }
    }
    let end = Span::empty_at(at(literal.value.len()));
    let end = Origin { file, source: end };
    Some(Built::plain(literal.value, origins, end))
}

fn whole_file(text: &str, file: FileId) -> Built {
    let origins = (0..text.len()).map(|byte| Origin::byte(file, byte));
    let end = Span::empty_at(text.len());
    Built::plain(
        text.to_owned(),
        origins.collect(),
        Origin { file, source: end },
    )
}

fn concat(parts: Vec<Built>, file: FileId) -> Option<Built> {
    // Joining a template with plain text: the plain braces must not read as holes.
    let template = parts.iter().any(|part| part.mode == TextMode::Template);
    let nowhere = Origin {
        file,
        source: Span::default(),
    };
    let mut joined = Built::plain(String::new(), Vec::new(), nowhere);
    if template {
        joined.mode = TextMode::Template;
    }
    for part in parts {
        let part = if template && part.mode == TextMode::Plain {
            escape_braces(part)?
        } else {
            part
        };
        joined.text.push_str(&part.text);
        joined.origins.extend(part.origins);
        joined.end = part.end;
    }
    Some(joined)
}

fn escape_braces(part: Built) -> Option<Built> {
    let mut text = String::with_capacity(part.text.len());
    let mut origins = Vec::with_capacity(part.origins.len());
    for (index, c) in part.text.char_indices() {
        let copies = if matches!(c, '{' | '}') { 2 } else { 1 };
        for _ in 0..copies {
            text.push(c);
            origins.extend_from_slice(part.origins.get(index..index + c.len_utf8())?);
        }
    }
    Some(Built {
        text,
        origins,
        ..part
    })
}

/// What a `format!` hole reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HoleArg {
    /// `{}`: the next positional argument.
    Next,
    /// `{0}`.
    Index(usize),
    /// `{tenant_id}`: a named argument or an inline capture.
    Name(String),
}

/// One hole of a `format!`-family template.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormatHole {
    /// The hole's bytes in the template, braces included.
    pub range: Range<usize>,
    pub arg: HoleArg,
    /// The format spec after `:` (`?`, `#`, `#?`, `.*`), empty for `{}`.
    pub spec: String,
}

/// The holes of a format template: `{}`, `{0}`, `{e}`, `{:?}`, `{e:#}`; `{{` and `}}` are
/// braces. The one reading of templates every rule and the string model share.
pub fn format_holes(template: &str) -> Vec<FormatHole> {
    let text = template.as_bytes();
    let mut holes = Vec::new();
    let mut pos = 0;
    while let Some(&byte) = text.get(pos) {
        let next = text.get(pos + 1).copied();
        if (byte == b'{' && next == Some(b'{')) || (byte == b'}' && next == Some(b'}')) {
            pos += 2;
            continue;
        }
        let close = text[pos..].iter().position(|&b| b == b'}');
        let (b'{', Some(close)) = (byte, close) else {
            pos += 1;
            continue;
        };
        let range = pos..pos + close + 1;
        let body = template.get(pos + 1..pos + close).unwrap_or("");
        let (argument, spec) = body.split_once(':').unwrap_or((body, ""));
        let argument = argument.trim();
        let arg = if argument.is_empty() {
            HoleArg::Next
        } else if let Ok(index) = argument.parse::<usize>() {
            HoleArg::Index(index)
        } else {
            HoleArg::Name(argument.to_string())
        };
        pos = range.end;
        holes.push(FormatHole {
            range,
            arg,
            spec: spec.to_string(),
        });
    }
    holes
}

/// Points each hole that an argument fills at that argument. Inline captures (`{tenant_id}`)
/// keep pointing at themselves: the hole is all the source there is.
fn fill_holes(template: &mut Built, args: &[FormatArg], file: FileId) {
    let mut next_positional = 0;
    for hole in format_holes(&template.text) {
        if hole.spec.contains(".*") {
            // `.*` takes the precision from the next positional argument first.
            next_positional += 1;
        }
        let filler = match &hole.arg {
            HoleArg::Next => {
                next_positional += 1;
                args.get(next_positional - 1)
            }
            HoleArg::Index(index) => args.get(*index),
            HoleArg::Name(name) => args
                .iter()
                .find(|arg| arg.name.as_deref() == Some(name.as_str())),
        };
        if let (Some(arg), Some(origins)) = (filler, template.origins.get_mut(hole.range)) {
            origins.fill(Origin {
                file,
                source: arg.span,
            });
        }
    }
}

fn unindent(built: Built) -> Option<Built> {
    let mut text = Vec::with_capacity(built.text.len());
    let mut origins = Vec::with_capacity(built.origins.len());
    for kept in unindent_ranges(&built.text) {
        text.extend_from_slice(built.text.as_bytes().get(kept.clone())?);
        origins.extend_from_slice(built.origins.get(kept)?);
    }
    Some(Built {
        text: String::from_utf8(text).ok()?,
        origins,
        ..built
    })
}

/// The byte ranges of `text` that indoc's unindent keeps (indoc 2): an empty first line is
/// dropped with its newline; later lines lose the least indentation (spaces and tabs) found on
/// any of them that is not blank. The first line keeps its indentation and is not measured.
fn unindent_ranges(text: &str) -> Vec<Range<usize>> {
    let skip_cr = usize::from(text.starts_with("\r\n"));
    let drop_first_line = skip_cr == 1 || text.starts_with('\n');
    let mut lines = Vec::new();
    let mut line_start = skip_cr;
    for (index, byte) in text.bytes().enumerate().skip(skip_cr) {
        if byte == b'\n' {
            lines.push(line_start..index);
            line_start = index + 1;
        }
    }
    lines.push(line_start..text.len());
    let indent = |line: &Range<usize>| {
        let bytes = text.as_bytes().get(line.clone()).unwrap_or_default();
        bytes.iter().position(|&b| b != b' ' && b != b'\t')
    };
    let remove = lines.iter().skip(1).filter_map(indent).min().unwrap_or(0);
    let mut kept = Vec::with_capacity(lines.len() * 2);
    for (number, line) in lines.into_iter().enumerate() {
        if number > 1 || (number == 1 && !drop_first_line) {
            kept.push(line.start - 1..line.start);
        }
        if number == 0 {
            kept.push(line);
        } else if line.len() > remove {
            kept.push(line.start + remove..line.end);
        }
    }
    kept
}

impl Built {
    fn finish(self) -> ResolvedText {
        let mut pieces: Vec<Piece> = Vec::new();
        for (offset, origin) in self.origins.iter().enumerate() {
            if let Some(last) = pieces.last_mut() {
                if last.absorb(origin) {
                    continue;
                }
            }
            pieces.push(Piece {
                text_start: offset,
                file: origin.file,
                source: origin.source,
                linear: is_one_byte(origin.source),
            });
        }
        ResolvedText {
            end: Piece {
                text_start: self.text.len(),
                file: self.end.file,
                source: self.end.source,
                linear: false,
            },
            text: self.text,
            mode: self.mode,
            pieces,
        }
    }
}

impl Piece {
    /// Extends this piece by the next byte of text if the piece already maps it right.
    fn absorb(&mut self, next: &Origin) -> bool {
        if next.file != self.file {
            return false;
        }
        if !self.linear {
            return next.source == self.source;
        }
        let continues = is_one_byte(next.source) && next.source.start == self.source.end;
        if continues {
            self.source.end = next.source.end;
        }
        continues
    }
}

fn is_one_byte(span: Span) -> bool {
    span.end.checked_sub(span.start) == Some(1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use syn::visit::{self, Visit};

    /// An in-memory workspace: `.rs` files are parsed for `let`s, consts and `query(…)` calls.
    #[derive(Default)]
    struct Workspace {
        files: Vec<(String, String)>,
        lets: Vec<(FileId, String, u32, StrExpr)>,
        consts: Vec<(FileId, String, StrExpr)>,
        queries: Vec<(FileId, Option<StrExpr>)>,
    }

    struct Collector<'a> {
        file: FileId,
        workspace: &'a mut Workspace,
    }

    impl<'ast> Visit<'ast> for Collector<'_> {
        fn visit_local(&mut self, local: &'ast syn::Local) {
            let pat = match &local.pat {
                syn::Pat::Type(typed) => &*typed.pat,
                pat => pat,
            };
            if let (syn::Pat::Ident(ident), Some(init)) = (pat, &local.init) {
                if let Some(expr) = str_expr(&init.expr) {
                    let end = span_of_tokens(local).end;
                    let name = ident.ident.to_string();
                    self.workspace.lets.push((self.file, name, end, expr));
                }
            }
            visit::visit_local(self, local);
        }

        fn visit_item_const(&mut self, item: &'ast syn::ItemConst) {
            self.constant(&item.ident, &item.expr);
        }

        fn visit_item_static(&mut self, item: &'ast syn::ItemStatic) {
            self.constant(&item.ident, &item.expr);
        }

        fn visit_impl_item_const(&mut self, item: &'ast syn::ImplItemConst) {
            self.constant(&item.ident, &item.expr);
        }

        fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
            if let Expr::Path(path) = &*call.func {
                if path.path.is_ident("query") {
                    let arg = call.args.first().and_then(str_expr);
                    self.workspace.queries.push((self.file, arg));
                }
            }
            visit::visit_expr_call(self, call);
        }
    }

    impl Collector<'_> {
        fn constant(&mut self, name: &syn::Ident, init: &Expr) {
            if let Some(expr) = str_expr(init) {
                let entry = (self.file, name.to_string(), expr);
                self.workspace.consts.push(entry);
            }
        }
    }

    impl Workspace {
        fn new(files: &[(&str, &str)]) -> Self {
            let mut workspace = Workspace::default();
            for (file, (path, text)) in files.iter().enumerate() {
                workspace.files.push((path.to_string(), text.to_string()));
                if path.ends_with(".rs") {
                    let ast = syn::parse_file(text).expect("test file parses");
                    let workspace = &mut workspace;
                    Collector { file, workspace }.visit_file(&ast);
                }
            }
            workspace
        }

        /// The resolved argument of the `n`th `query(…)` call.
        fn query(&self, n: usize) -> Option<ResolvedText> {
            let (file, expr) = self.queries.get(n).expect("query call");
            resolve(expr.as_ref().expect("string-like argument"), *file, self)
        }

        /// The source text that `needle`'s first occurrence in `resolved` maps to.
        fn source_of(&self, resolved: &ResolvedText, needle: &str) -> (FileId, &str) {
            let start = resolved.text.find(needle).expect("needle in text");
            let (file, span) = resolved.span(start..start + needle.len());
            (file, &self.file_text(file)[span.range()])
        }

        /// Asserts each byte of `needle` maps to the same byte in the source.
        fn assert_verbatim(&self, resolved: &ResolvedText, needle: &str, file: FileId) {
            let start = resolved.text.find(needle).expect("needle in text");
            for offset in start..start + needle.len() {
                let (found, at) = resolved.location(offset);
                assert_eq!(found, file, "{needle:?} byte {offset}");
                let source = self.file_text(found).as_bytes()[at as usize];
                assert_eq!(
                    source,
                    resolved.text.as_bytes()[offset],
                    "{needle:?} {offset}"
                );
            }
        }

        fn offset_of(&self, file: FileId, needle: &str) -> u32 {
            self.file_text(file).find(needle).expect("needle in source") as u32
        }
    }

    impl Resolver for Workspace {
        fn file_text(&self, file: FileId) -> &str {
            self.files.get(file).map_or("", |(_, text)| text)
        }

        fn binding(&self, file: FileId, name: &str, before: u32) -> Option<StrExpr> {
            let lets = self
                .lets
                .iter()
                .filter(|(f, n, end, _)| *f == file && n == name && *end <= before);
            lets.max_by_key(|(_, _, end, _)| *end)
                .map(|(.., expr)| expr.clone())
        }

        fn constant(&self, file: FileId, segments: &[Name]) -> Option<(FileId, StrExpr)> {
            let name = segments.last()?;
            let mut candidates = self.consts.iter().filter(|(_, n, _)| n == name);
            let local = candidates.clone().find(|(f, ..)| *f == file);
            local
                .or_else(|| candidates.next())
                .map(|(f, _, expr)| (*f, expr.clone()))
        }

        fn include(&self, file: FileId, path: &str) -> Option<FileId> {
            let (from, _) = self.files.get(file)?;
            let mut parts: Vec<&str> = from.split('/').collect();
            parts.pop();
            for part in path.split('/') {
                match part {
                    "." | "" => {}
                    ".." => {
                        parts.pop()?;
                    }
                    part => parts.push(part),
                }
            }
            let target = parts.join("/");
            self.files.iter().position(|(p, _)| *p == target)
        }
    }

    fn one_file(text: &str) -> Workspace {
        Workspace::new(&[("src/lib.rs", text)])
    }

    #[test]
    fn escaped_literal_maps_each_byte_to_where_it_was_written() {
        let workspace = one_file(
            r#"fn f() { query("MATCH (t:Tenant {name: \"x\"})\n RETURN \u{e9}, \
                    t.Tenant"); }"#,
        );
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(
            resolved.text,
            "MATCH (t:Tenant {name: \"x\"})\n RETURN é, t.Tenant"
        );
        assert_eq!(resolved.mode, TextMode::Plain);
        assert_eq!(resolved.files(), vec![0]);
        workspace.assert_verbatim(&resolved, "(t:Tenant", 0);
        workspace.assert_verbatim(&resolved, "t.Tenant", 0);
        assert_eq!(workspace.source_of(&resolved, "\"x\""), (0, r#"\"x\""#));
        assert_eq!(workspace.source_of(&resolved, "é"), (0, r"\u{e9}"));
        assert_eq!(
            workspace.source_of(&resolved, "\n RETURN"),
            (0, r"\n RETURN")
        );
        let text = workspace.file_text(0);
        let closing_quote = text.rfind('"').expect("quote") as u32;
        assert_eq!(resolved.location(resolved.text.len()), (0, closing_quote));
    }

    #[test]
    fn raw_literal_maps_one_to_one() {
        let workspace = one_file(r###"fn f() { query(r#"MATCH (t:Tenant {id: "a\n"})"#); }"###);
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(resolved.text, r#"MATCH (t:Tenant {id: "a\n"})"#);
        workspace.assert_verbatim(&resolved, &resolved.text, 0);
    }

    #[test]
    fn concat_with_a_constant_from_another_file() {
        let workspace = Workspace::new(&[
            (
                "src/lib.rs",
                r#"fn f() { query(concat!(queries::PREFIX, "MATCH (t:Tenant) ", 0x10, '!', true)); }"#,
            ),
            ("src/queries.rs", r#"pub const PREFIX: &str = "CYPHER 5 ";"#),
        ]);
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(resolved.text, "CYPHER 5 MATCH (t:Tenant) 16!true");
        assert_eq!(resolved.files(), vec![1, 0]);
        workspace.assert_verbatim(&resolved, "CYPHER 5 ", 1);
        workspace.assert_verbatim(&resolved, "MATCH (t:Tenant) ", 0);
        assert_eq!(workspace.source_of(&resolved, "16"), (0, "0x10"));
        assert_eq!(workspace.source_of(&resolved, "true"), (0, "true"));
        // A range spanning both files stops at the end of the first piece.
        assert_eq!(workspace.source_of(&resolved, "5 MATCH"), (1, "5 "));
    }

    #[test]
    fn holes_of_format_templates() {
        let holes: Vec<(std::ops::Range<usize>, HoleArg, String)> =
            format_holes("{{literal}} {} {0:?} {e:#} {:#?} {:.*}")
                .into_iter()
                .map(|hole| (hole.range, hole.arg, hole.spec))
                .collect();
        assert_eq!(
            holes,
            [
                (12..14, HoleArg::Next, String::new()),
                (15..20, HoleArg::Index(0), "?".into()),
                (21..26, HoleArg::Name("e".into()), "#".into()),
                (27..32, HoleArg::Next, "#?".into()),
                (33..38, HoleArg::Next, ".*".into()),
            ]
        );
    }

    #[test]
    fn format_holes_map_to_their_arguments() {
        let workspace = one_file(
            r#"fn f() { query(&format!(
                "MATCH (t {{id: {}}}) WHERE t.a = {1} AND t.b = {name} AND t.c = {tenant_id} AND t.d = {:?}",
                id, other.field, name = user.name
            )); }"#,
        );
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(resolved.mode, TextMode::Template);
        assert_eq!(
            resolved.text,
            "MATCH (t {{id: {}}}) WHERE t.a = {1} AND t.b = {name} AND t.c = {tenant_id} AND t.d = {:?}"
        );
        let hole = |needle: &str| {
            let start = resolved.text.find(needle).expect("hole");
            start..start + needle.len()
        };
        let source = |range: Range<usize>| {
            let (file, span) = resolved.span(range);
            &workspace.file_text(file)[span.range()]
        };
        let positional = hole("{}}}").start;
        assert_eq!(source(positional..positional + 2), "id");
        assert_eq!(source(hole("{1}")), "other.field");
        assert_eq!(source(hole("{name}")), "user.name");
        assert_eq!(source(hole("{tenant_id}")), "{tenant_id}");
        assert_eq!(source(hole("{:?}")), "other.field");
        // Every byte inside an argument's hole is the argument's start.
        let name = hole("{name}");
        let user = workspace.offset_of(0, "user.name");
        assert!(name
            .clone()
            .all(|offset| resolved.location(offset) == (0, user)));
        let capture = hole("{tenant_id}");
        let written = workspace.offset_of(0, "{tenant_id}");
        assert_eq!(resolved.location(capture.start), (0, written));
        workspace.assert_verbatim(&resolved, "{{id: ", 0);
    }

    #[test]
    fn precision_star_takes_the_next_positional_argument_first() {
        let workspace = one_file(r#"fn f() { query(format!("{:.*} {} {2}", digits, x, y)); }"#);
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(workspace.source_of(&resolved, "{:.*}"), (0, "x"));
        assert_eq!(workspace.source_of(&resolved, "{}"), (0, "y"));
        assert_eq!(workspace.source_of(&resolved, "{2}"), (0, "y"));
    }

    #[test]
    fn indoc_and_formatdoc_dedent_without_losing_the_map() {
        let workspace = one_file(concat!(
            "fn f() {\n",
            "    query(indoc! {\"\n",
            "        MATCH (t:Tenant)\n",
            "          WHERE t.id = $id\n",
            "\n",
            "        RETURN t\n",
            "    \"});\n",
            "    query(formatdoc!(\"\n",
            "\t\tMATCH (t {{id: {}}})\n",
            "\t\tRETURN t\", tenant));\n",
            "    query(format!(indoc!(\"\n",
            "        MATCH (t {{id: {0}}})\"), tenant));\n",
            "}\n",
        ));
        let indoc = workspace.query(0).expect("indoc resolves");
        assert_eq!(
            indoc.text,
            "MATCH (t:Tenant)\n  WHERE t.id = $id\n\nRETURN t\n"
        );
        assert_eq!(indoc.mode, TextMode::Plain);
        workspace.assert_verbatim(&indoc, &indoc.text, 0);

        let formatdoc = workspace.query(1).expect("formatdoc resolves");
        assert_eq!(formatdoc.text, "MATCH (t {{id: {}}})\nRETURN t");
        assert_eq!(formatdoc.mode, TextMode::Template);
        workspace.assert_verbatim(&formatdoc, "MATCH (t {{id: ", 0);
        workspace.assert_verbatim(&formatdoc, "}})\nRETURN t", 0);
        let hole = formatdoc.text.find("{}").expect("hole");
        assert_eq!(workspace.source_of(&formatdoc, "{}"), (0, "tenant"));
        assert_eq!(
            formatdoc.location(hole + 1).1,
            workspace.offset_of(0, "tenant")
        );

        let nested = workspace.query(2).expect("format!(indoc!(…)) resolves");
        assert_eq!(nested.text, "MATCH (t {{id: {0}}})");
        assert_eq!(workspace.source_of(&nested, "{0}"), (0, "tenant"));
    }

    #[test]
    fn unindent_matches_indoc() {
        for (input, expected) in [
            ("\n    a\n      b\n    c", "a\n  b\nc"),
            ("\r\n    a\r\n    b", "a\r\nb"),
            ("first\n    a\n    b\n", "first\na\nb\n"),
            // Blank lines lose at most the common indentation, like any other.
            ("  keep\n\tx\n\t\n   \n\ty", "  keep\nx\n\n  \ny"),
            ("\n  a\n \n  b", "a\n\nb"),
            ("", ""),
            ("\n", ""),
        ] {
            let kept: String = unindent_ranges(input)
                .into_iter()
                .map(|range| &input[range])
                .collect();
            assert_eq!(kept, expected, "{input:?}");
        }
    }

    #[test]
    fn include_str_maps_into_the_included_file() {
        let query_file = "MATCH (t:Tenant)\nRETURN t\n";
        let workspace = Workspace::new(&[
            (
                "crates/app/src/lib.rs",
                r#"fn f() {
                    query(include_str!("../queries/list.cypher"));
                    query(include_str!("../../../../etc/passwd"));
                    query(concat!(include_str!("../queries/list.cypher"), "LIMIT 1"));
                }"#,
            ),
            ("crates/app/queries/list.cypher", query_file),
        ]);
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(resolved.text, query_file);
        assert_eq!(resolved.files(), vec![1]);
        assert_eq!(workspace.source_of(&resolved, "RETURN t"), (1, "RETURN t"));
        assert_eq!(resolved.location(0), (1, 0));
        assert_eq!(
            workspace.query(1),
            None,
            "paths leaving the root are refused"
        );
        let concat = workspace.query(2).expect("resolves");
        assert_eq!(concat.files(), vec![1, 0]);
        assert_eq!(workspace.source_of(&concat, "LIMIT 1"), (0, "LIMIT 1"));
    }

    #[test]
    fn let_bindings_chain_and_shadow_constants() {
        let workspace = one_file(
            r#"
            const Q: &str = "MATCH (c:Const) RETURN c";
            fn g() { query(Q); }
            fn f(id: &str) {
                let a = "MATCH (t:Tenant) RETURN t";
                let b = a;
                query(b.as_str());
                let Q: String = format!("MATCH (t {{id: {}}})", id);
                query(&Q);
            }
            "#,
        );
        let constant = workspace.query(0).expect("constant resolves");
        assert_eq!(constant.text, "MATCH (c:Const) RETURN c");
        let chained = workspace.query(1).expect("let chain resolves");
        assert_eq!(chained.text, "MATCH (t:Tenant) RETURN t");
        workspace.assert_verbatim(&chained, "Tenant", 0);
        let shadowing = workspace.query(2).expect("binding resolves");
        assert_eq!(shadowing.mode, TextMode::Template);
        assert_eq!(shadowing.text, "MATCH (t {{id: {}}})");
        assert_eq!(workspace.source_of(&shadowing, "{}"), (0, "id"));
    }

    #[test]
    fn plain_text_joined_to_a_template_has_its_braces_escaped() {
        let workspace = one_file(
            r#"fn f(id: u64) { query(format!("MATCH (t {{id: {}}})", id) + " SET t += {a: 1}"); }"#,
        );
        let resolved = workspace.query(0).expect("resolves");
        assert_eq!(resolved.mode, TextMode::Template);
        assert_eq!(resolved.text, "MATCH (t {{id: {}}}) SET t += {{a: 1}}");
        assert_eq!(workspace.source_of(&resolved, "{{a: 1}}"), (0, "{a: 1}"));
    }

    #[test]
    fn const_cycles_and_unknown_parts_give_none() {
        let workspace = one_file(
            r#"
            const A: &str = B;
            const B: &str = A;
            const SELF_REF: &str = concat!(SELF_REF, "x");
            struct S { q: String }
            impl S {
                const QUERY: &'static str = "MATCH (s) RETURN s";
                fn f(&self) {
                    query(A);
                    query(SELF_REF);
                    query(concat!("MATCH ", helper()));
                    query(&self.q);
                    query(format!(template(), 1));
                    query(MISSING);
                    query(Self::QUERY);
                    query(b"MATCH");
                }
            }
            "#,
        );
        for n in 0..6 {
            assert_eq!(workspace.query(n), None, "query {n}");
        }
        let path = workspace.query(6).expect("Self::QUERY resolves");
        assert_eq!(path.text, "MATCH (s) RETURN s");
        assert_eq!(workspace.queries[7].1, None, "byte strings are not strings");
    }

    #[test]
    fn str_expr_looks_through_conversions_and_wrappers() {
        let workspace = one_file(
            r#"fn f(s: &String) {
                query(&format!("MATCH (t) RETURN t"));
                query(format!("MATCH (t) RETURN t").as_str());
                query(String::from("MATCH (t) RETURN t"));
                query("MATCH (t) RETURN t".into());
                query(std::format!("MATCH (t) RETURN t").to_string());
                query(Cow::Borrowed(("MATCH (t) RETURN t")));
                query(std::borrow::Cow::Owned("MATCH (t) RETURN t".to_string()));
                query(&*"MATCH (t) RETURN t".to_owned().clone());
                query(write!(buffer, "MATCH (t) RETURN t"));
                query(Vec::from("MATCH (t) RETURN t"));
                query(Owned("MATCH (t) RETURN t"));
                query(Cow::from("MATCH (t) RETURN t"));
                query(42);
                query(|| "MATCH (t) RETURN t");
                query([1, 2]);
                query(Config { q: 1 });
                query(true);
                query(-1);
            }"#,
        );
        for n in 0..9 {
            let resolved = workspace.query(n).expect("string-like");
            assert_eq!(resolved.text, "MATCH (t) RETURN t", "query {n}");
            workspace.assert_verbatim(&resolved, "RETURN", 0);
        }
        // Calls that are not conversions: an unknown string.
        for n in 9..12 {
            assert!(
                matches!(workspace.queries[n].1, Some(StrExpr::Unknown { .. })),
                "query {n}"
            );
        }
        for n in 12..18 {
            assert_eq!(workspace.queries[n].1, None, "query {n}");
        }
    }

    #[test]
    fn str_expr_keeps_no_proc_macro2_spans() {
        let text = r#"fn f() { query(concat!("MATCH ", "(t)")); }"#;
        let workspace = one_file(text);
        proc_macro2::extra::invalidate_current_thread_spans();
        let resolved = workspace.query(0).expect("resolves after invalidation");
        assert_eq!(resolved.text, "MATCH (t)");
    }

    #[test]
    fn nothing_panics_on_nonsense() {
        let workspace = one_file(r#"fn f() { query("é\u{e9}x"); }"#);
        let weird = Span { start: 40, end: 3 };
        let exprs = [
            StrExpr::Literal { span: weird },
            StrExpr::Literal {
                span: Span::new(17, 99),
            },
            StrExpr::Literal {
                span: Span::new(u32::MAX as usize, u32::MAX as usize),
            },
            StrExpr::Format {
                template: Box::new(StrExpr::Text {
                    text: "{} {9} {x} {:.*} {".into(),
                    span: weird,
                }),
                args: vec![FormatArg {
                    name: None,
                    span: weird,
                }],
                dedent: true,
            },
            StrExpr::Indoc(Box::new(StrExpr::Text {
                text: "\n é\n\t\u{3000}x\n".into(),
                span: Span::default(),
            })),
            StrExpr::Concat(Vec::new()),
            StrExpr::Include {
                path: "/".into(),
                span: weird,
            },
            StrExpr::Path {
                segments: Vec::new(),
                span: weird,
            },
        ];
        let mut resolved: Vec<ResolvedText> = exprs
            .iter()
            .filter_map(|expr| resolve(expr, 7, &workspace))
            .collect();
        resolved.push(workspace.query(0).expect("resolves"));
        for text in &resolved {
            text.files();
            for start in 0..text.text.len() + 3 {
                for end in 0..text.text.len() + 3 {
                    text.location(start);
                    text.span(start..end);
                }
            }
            text.location(usize::MAX);
            text.span(usize::MAX - 1..usize::MAX);
        }
    }
}
