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

/// The span of an expression, the same as [`span_of_tokens`] gives, read
/// from the expression's own first and last tokens where its shape tells
/// them. Printing a method chain to tokens once per link (the indexer asks
/// for every call and receiver) was quadratic in the chain's length and cost
/// as much as parsing; other shapes still go through [`span_of_tokens`].
pub fn span_of_expr(expr: &syn::Expr) -> Span {
    expr_bounds(expr, 0).unwrap_or_else(|| span_of_tokens(expr))
}

/// The span of a call `f(..)`, as [`span_of_tokens`] gives it.
pub fn span_of_call(call: &syn::ExprCall) -> Span {
    call_bounds(call, 0).unwrap_or_else(|| span_of_tokens(call))
}

/// The span of a method call `x.f(..)`, as [`span_of_tokens`] gives it.
pub fn span_of_method_call(call: &syn::ExprMethodCall) -> Span {
    method_call_bounds(call, 0).unwrap_or_else(|| span_of_tokens(call))
}

/// Receiver chains deeper than this are printed instead (still correct).
const MAX_BOUNDS_DEPTH: usize = 64;

fn call_bounds(call: &syn::ExprCall, depth: usize) -> Option<Span> {
    if !call.attrs.is_empty() {
        return None;
    }
    let start = expr_bounds(&call.func, depth + 1)?;
    Some(start.cover(span_of(call.paren_token.span.close())))
}

fn method_call_bounds(call: &syn::ExprMethodCall, depth: usize) -> Option<Span> {
    if !call.attrs.is_empty() {
        return None;
    }
    let start = expr_bounds(&call.receiver, depth + 1)?;
    Some(start.cover(span_of(call.paren_token.span.close())))
}

/// `a::b::c` without `::` in front, a `<T as U>` or generic arguments.
fn plain_path_bounds(path: &syn::Path) -> Option<Span> {
    if path.leading_colon.is_some()
        || path
            .segments
            .iter()
            .any(|segment| !segment.arguments.is_none())
    {
        return None;
    }
    let first = path.segments.first()?;
    let last = path.segments.last()?;
    Some(span_of(first.ident.span()).cover(span_of(last.ident.span())))
}

fn expr_bounds(expr: &syn::Expr, depth: usize) -> Option<Span> {
    if depth > MAX_BOUNDS_DEPTH {
        return None;
    }
    let tail = |inner: &syn::Expr, end: proc_macro2::Span| {
        Some(expr_bounds(inner, depth + 1)?.cover(span_of(end)))
    };
    match expr {
        syn::Expr::MethodCall(call) => method_call_bounds(call, depth),
        syn::Expr::Call(call) => call_bounds(call, depth),
        syn::Expr::Await(e) if e.attrs.is_empty() => tail(&e.base, e.await_token.span),
        syn::Expr::Try(e) if e.attrs.is_empty() => tail(&e.expr, e.question_token.spans[0]),
        syn::Expr::Field(e) if e.attrs.is_empty() => {
            let end = match &e.member {
                syn::Member::Named(ident) => ident.span(),
                syn::Member::Unnamed(index) => index.span,
            };
            tail(&e.base, end)
        }
        syn::Expr::Path(e) if e.attrs.is_empty() && e.qself.is_none() => plain_path_bounds(&e.path),
        syn::Expr::Lit(e) if e.attrs.is_empty() => Some(span_of(e.lit.span())),
        syn::Expr::Paren(e) if e.attrs.is_empty() => Some(span_of(e.paren_token.span.join())),
        syn::Expr::Reference(e) if e.attrs.is_empty() => {
            let start = span_of(e.and_token.spans[0]);
            Some(start.cover(expr_bounds(&e.expr, depth + 1)?))
        }
        syn::Expr::Macro(e) if e.attrs.is_empty() => {
            let close = match &e.mac.delimiter {
                syn::MacroDelimiter::Paren(d) => d.span.close(),
                syn::MacroDelimiter::Brace(d) => d.span.close(),
                syn::MacroDelimiter::Bracket(d) => d.span.close(),
            };
            Some(plain_path_bounds(&e.mac.path)?.cover(span_of(close)))
        }
        syn::Expr::Block(e) if e.attrs.is_empty() && e.label.is_none() => {
            Some(span_of(e.block.brace_token.span.join()))
        }
        _ => None,
    }
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
                    span_of_expr(expr),
                    span_of_tokens(expr),
                    "{}",
                    quote::quote!(#expr)
                );
                match expr {
                    syn::Expr::Call(call) => assert_eq!(span_of_call(call), span_of_tokens(call)),
                    syn::Expr::MethodCall(call) => {
                        assert_eq!(span_of_method_call(call), span_of_tokens(call))
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
