//! Source positions: byte spans into a file's text and their line/column form.
//!
//! Everything the analysis keeps about a position is a byte span; lines and
//! columns are derived only when a finding is reported, from the file's
//! [`LineIndex`].

use serde::Serialize;

/// A half-open byte range into one file's text.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        let start = clamp_u32(start);
        Span {
            start,
            end: clamp_u32(end).max(start),
        }
    }

    pub fn empty_at(offset: usize) -> Self {
        Span::new(offset, offset)
    }

    pub fn cover(self, other: Span) -> Span {
        Span {
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn len(self) -> usize {
        (self.end - self.start) as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

fn clamp_u32(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// The span of a syn/proc-macro2 token, as byte offsets into the parsed text.
pub fn span_of(span: proc_macro2::Span) -> Span {
    let range = span.byte_range();
    Span::new(range.start, range.end)
}

/// The span from the first to the last token of a syntax node.
pub fn span_of_tokens(node: &impl quote::ToTokens) -> Span {
    let mut tokens = node.to_token_stream().into_iter();
    let Some(first) = tokens.next() else {
        return Span::default();
    };
    let first = span_of(first.span());
    let last = tokens
        .last()
        .map(|token| span_of(token.span()))
        .unwrap_or(first);
    first.cover(last)
}

/// A 1-based line and column; columns count Unicode scalar values.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Line starts of one text, for turning byte offsets into lines and columns.
#[derive(Clone, Debug, Default)]
pub struct LineIndex {
    line_starts: Vec<u32>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|&(_, byte)| byte == b'\n')
                .map(|(offset, _)| clamp_u32(offset + 1)),
        );
        LineIndex { line_starts }
    }

    /// 0-based line number containing `offset`.
    pub fn line_of(&self, offset: u32) -> usize {
        self.line_starts
            .partition_point(|&start| start <= offset)
            .saturating_sub(1)
    }

    pub fn line_start(&self, line: usize) -> u32 {
        self.line_starts.get(line).copied().unwrap_or(u32::MAX)
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    pub fn line_col(&self, text: &str, offset: u32) -> LineCol {
        let offset = offset.min(clamp_u32(text.len()));
        let line = self.line_of(offset);
        let start = self.line_start(line) as usize;
        let end = floor_char_boundary(text, offset as usize).max(start);
        let column = text
            .get(start..end)
            .map_or(0, |prefix| prefix.chars().count());
        LineCol {
            line: clamp_u32(line + 1),
            column: clamp_u32(column + 1),
        }
    }

    /// The text of a 0-based line, without its line ending.
    pub fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.line_start(line) as usize;
        let end = self
            .line_starts
            .get(line + 1)
            .map_or(text.len(), |&next| next as usize);
        text.get(start.min(text.len())..end.min(text.len()))
            .unwrap_or("")
            .trim_end_matches(['\n', '\r'])
    }
}

pub fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while offset > 0 && !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every expression's fast span equals the printed one.
    #[test]
    fn expression_spans_match_the_printed_tokens() {
        use syn::visit::Visit;
        struct Compare(usize);
        impl<'ast> Visit<'ast> for Compare {
            fn visit_expr(&mut self, expr: &'ast syn::Expr) {
                assert_eq!(
                    expr_span(expr),
                    span_of_tokens(expr),
                    "{}",
                    quote::quote!(#expr)
                );
                match expr {
                    syn::Expr::Call(call) => assert_eq!(call_span(call), span_of_tokens(call)),
                    syn::Expr::MethodCall(call) => {
                        assert_eq!(method_call_span(call), span_of_tokens(call))
                    }
                    _ => {}
                }
                self.0 += 1;
                syn::visit::visit_expr(self, expr);
            }
        }
        let source = r#"
async fn handler(graph: &Graph, session: Session, t: (u8, u8)) -> Result<(), E> {
    let rows = graph
        .execute(query("MATCH (t:Tenant {id: $id}) RETURN t").param("id", session.tenant_id.as_str()))
        .await?;
    let n = rows.next().await.ok()??.get::<i64>("n").unwrap_or_default() as u64;
    let v = Vec::<u8>::new().len() + t.0 as usize + (n as usize) + -1i32 as usize;
    let s = format!("{}", n).len() + vec![1, 2].len() + ::std::cmp::max(1, 2);
    let r = &mut session.partner_id.clone();
    let b = { 1 } + unsafe { 2 } + 'l: { 3 };
    #[allow(unused)] let a = #[inline] f(1).g(|x| x + 1).h[0].i;
    <T as Trait>::f(&*r, &&session, b, s, v, a);
    Ok(())
}
"#;
        let file = syn::parse_file(source).unwrap();
        let mut compare = Compare(0);
        compare.visit_file(&file);
        assert!(compare.0 > 50, "{} expressions", compare.0);
    }

    #[test]
    fn line_col_counts_chars_not_bytes() {
        let text = "ab\nçd\r\nx";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 0), LineCol { line: 1, column: 1 });
        assert_eq!(index.line_col(text, 3), LineCol { line: 2, column: 1 });
        // 'd' follows the two-byte 'ç'
        assert_eq!(index.line_col(text, 5), LineCol { line: 2, column: 2 });
        assert_eq!(index.line_col(text, 8), LineCol { line: 3, column: 1 });
        assert_eq!(index.line_text(text, 1), "çd");
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let text = "a\n";
        let index = LineIndex::new(text);
        assert_eq!(index.line_col(text, 99), LineCol { line: 2, column: 1 });
        assert_eq!(index.line_text(text, 7), "");
    }
}

/// The span of an expression from its first to its last token, without
/// turning it into tokens: that costs time proportional to its size, and a
/// chain `x.f().g()…` asks for every prefix of itself, which would make
/// indexing quadratic on hostile input.
pub fn expr_span(expr: &syn::Expr) -> Span {
    let (Some(first), Some(last)) = (first_token(expr), last_token(expr)) else {
        return span_of_tokens(expr);
    };
    span_of(first).cover(span_of(last))
}

/// The byte offset just past an expression's last token.
pub fn expr_end(expr: &syn::Expr) -> u32 {
    last_token(expr).map_or_else(|| span_of_tokens(expr).end, |last| span_of(last).end)
}

/// A call's span, from its callee's first token to the closing parenthesis.
pub fn call_span(call: &syn::ExprCall) -> Span {
    let start = first_token(&call.func).map_or_else(|| span_of_tokens(&call.func), span_of);
    start.cover(span_of(call.paren_token.span.close()))
}

/// A method call's span, from its receiver's first token to the closing parenthesis.
pub fn method_call_span(call: &syn::ExprMethodCall) -> Span {
    let start = first_token(&call.receiver).map_or_else(|| span_of_tokens(&call.receiver), span_of);
    start.cover(span_of(call.paren_token.span.close()))
}

/// A macro invocation's span, from its path to the closing delimiter.
pub fn macro_span(mac: &syn::Macro) -> Span {
    let close = match &mac.delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.close(),
        syn::MacroDelimiter::Brace(b) => b.span.close(),
        syn::MacroDelimiter::Bracket(b) => b.span.close(),
    };
    span_of_tokens(&mac.path).cover(span_of(close))
}

/// The span of a `{ … }` block from its braces.
pub fn block_span(block: &syn::Block) -> Span {
    delimited(&block.brace_token.span)
}

fn delimited(span: &proc_macro2::extra::DelimSpan) -> Span {
    span_of(span.open()).cover(span_of(span.close()))
}

/// How far the first/last token search walks down one side of a tree: a
/// chain longer than this falls back to tokens. The indexer refuses chains
/// of more than [`crate::index::MAX_CHAIN`] operators, which also bounds the
/// cost of walking every prefix of a chain.
const MAX_SPINE: usize = 8192;

pub(crate) fn first_token(expr: &syn::Expr) -> Option<proc_macro2::Span> {
    let mut current = expr;
    for _ in 0..MAX_SPINE {
        match spine_step(current) {
            Step::Down(next) => current = next,
            Step::Found(span) => return span,
        }
    }
    None
}

enum Step<'a> {
    Down(&'a syn::Expr),
    Found(Option<proc_macro2::Span>),
}

/// One step down the left spine of an expression towards its first token.
fn spine_step(current: &syn::Expr) -> Step<'_> {
    use syn::spanned::Spanned;
    if let Some(attr) = expr_attrs(current).first() {
        return Step::Found(Some(attr.pound_token.span));
    }
    Step::Down(match current {
        syn::Expr::MethodCall(e) => &e.receiver,
        syn::Expr::Binary(e) => &e.left,
        syn::Expr::Field(e) => &e.base,
        syn::Expr::Call(e) => &e.func,
        syn::Expr::Index(e) => &e.expr,
        syn::Expr::Try(e) => &e.expr,
        syn::Expr::Await(e) => &e.base,
        syn::Expr::Cast(e) => &e.expr,
        syn::Expr::Assign(e) => &e.left,
        syn::Expr::Range(e) => match &e.start {
            Some(start) => start,
            None => return Step::Found(Some(e.limits.span())),
        },
        syn::Expr::Path(e) => {
            return Step::Found(match &e.qself {
                Some(qself) => Some(qself.lt_token.span),
                None => e
                    .path
                    .leading_colon
                    .map(|c| c.spans[0])
                    .or_else(|| e.path.segments.first().map(|s| s.ident.span())),
            })
        }
        syn::Expr::Lit(e) => return Step::Found(Some(e.lit.span())),
        syn::Expr::Paren(e) => return Step::Found(Some(e.paren_token.span.open())),
        syn::Expr::Tuple(e) => return Step::Found(Some(e.paren_token.span.open())),
        syn::Expr::Array(e) => return Step::Found(Some(e.bracket_token.span.open())),
        syn::Expr::Repeat(e) => return Step::Found(Some(e.bracket_token.span.open())),
        syn::Expr::Block(e) => match &e.label {
            Some(label) => return Step::Found(Some(label.name.apostrophe)),
            None => return Step::Found(Some(e.block.brace_token.span.open())),
        },
        syn::Expr::Reference(e) => return Step::Found(Some(e.and_token.span)),
        syn::Expr::Unary(e) => return Step::Found(Some(e.op.span())),
        syn::Expr::Macro(e) => {
            return Step::Found(e.mac.path.segments.first().map(|s| s.ident.span()))
        }
        syn::Expr::Struct(e) => {
            return Step::Found(e.path.segments.first().map(|s| s.ident.span()))
        }
        syn::Expr::If(e) => return Step::Found(Some(e.if_token.span)),
        syn::Expr::Match(e) => return Step::Found(Some(e.match_token.span)),
        syn::Expr::Return(e) => return Step::Found(Some(e.return_token.span)),
        syn::Expr::Closure(e) => {
            return Step::Found(Some(e.or1_token.span).filter(|_| {
                e.lifetimes.is_none()
                    && e.constness.is_none()
                    && e.movability.is_none()
                    && e.asyncness.is_none()
                    && e.capture.is_none()
            }))
        }
        _ => return Step::Found(None),
    })
}

fn last_token(expr: &syn::Expr) -> Option<proc_macro2::Span> {
    use syn::spanned::Spanned;
    let mut current = expr;
    for _ in 0..MAX_SPINE {
        current = match current {
            syn::Expr::MethodCall(e) => return Some(e.paren_token.span.close()),
            syn::Expr::Call(e) => return Some(e.paren_token.span.close()),
            syn::Expr::Binary(e) => &e.right,
            syn::Expr::Field(e) => return Some(e.member.span()),
            syn::Expr::Index(e) => return Some(e.bracket_token.span.close()),
            syn::Expr::Try(e) => return Some(e.question_token.span),
            syn::Expr::Await(e) => return Some(e.await_token.span),
            syn::Expr::Assign(e) => &e.right,
            syn::Expr::Reference(e) => &e.expr,
            syn::Expr::Unary(e) => &e.expr,
            syn::Expr::Range(e) => match &e.end {
                Some(end) => end,
                None => return Some(e.limits.span()),
            },
            syn::Expr::Path(e) => {
                return e
                    .path
                    .segments
                    .last()
                    .filter(|s| s.arguments.is_none())
                    .map(|s| s.ident.span())
            }
            syn::Expr::Lit(e) => return Some(e.lit.span()),
            syn::Expr::Paren(e) => return Some(e.paren_token.span.close()),
            syn::Expr::Tuple(e) => return Some(e.paren_token.span.close()),
            syn::Expr::Array(e) => return Some(e.bracket_token.span.close()),
            syn::Expr::Repeat(e) => return Some(e.bracket_token.span.close()),
            syn::Expr::Block(e) => return Some(e.block.brace_token.span.close()),
            syn::Expr::Struct(e) => return Some(e.brace_token.span.close()),
            syn::Expr::Match(e) => return Some(e.brace_token.span.close()),
            syn::Expr::Macro(e) => {
                return Some(match &e.mac.delimiter {
                    syn::MacroDelimiter::Paren(p) => p.span.close(),
                    syn::MacroDelimiter::Brace(b) => b.span.close(),
                    syn::MacroDelimiter::Bracket(b) => b.span.close(),
                })
            }
            syn::Expr::Closure(e) => &e.body,
            syn::Expr::Return(e) => match &e.expr {
                Some(value) => value,
                None => return Some(e.return_token.span),
            },
            _ => return None,
        };
    }
    None
}

fn expr_attrs(expr: &syn::Expr) -> &[syn::Attribute] {
    match expr {
        syn::Expr::MethodCall(e) => &e.attrs,
        syn::Expr::Binary(e) => &e.attrs,
        syn::Expr::Call(e) => &e.attrs,
        syn::Expr::Field(e) => &e.attrs,
        syn::Expr::Path(e) => &e.attrs,
        syn::Expr::Lit(e) => &e.attrs,
        syn::Expr::Macro(e) => &e.attrs,
        syn::Expr::Closure(e) => &e.attrs,
        syn::Expr::Block(e) => &e.attrs,
        _ => &[],
    }
}

#[cfg(test)]
mod span_tests {
    use super::*;

    #[test]
    fn expression_spans_match_their_tokens() {
        let text = "fn f() { let _ = [x.f(a, b).g()?.h, 1 + foo::bar(2) * 3, &mut y[0].z, -w, (1, 2), Foo { a: 1 }, m!(x), || 5, a..b, \"s\", -x.await, |v| v + 1]; }";
        let file = syn::parse_file(text).unwrap();
        let syn::Item::Fn(function) = &file.items[0] else {
            panic!()
        };
        let syn::Stmt::Local(local) = &function.block.stmts[0] else {
            panic!()
        };
        let syn::Expr::Array(array) = &*local.init.as_ref().unwrap().expr else {
            panic!()
        };
        for element in &array.elems {
            assert_eq!(
                expr_span(element),
                span_of_tokens(element),
                "{}",
                &text[span_of_tokens(element).range()]
            );
        }
        assert_eq!(
            &text[block_span(&function.block).range()],
            &text[text.find('{').unwrap()..]
        );
    }
}
