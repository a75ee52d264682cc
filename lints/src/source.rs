//! Spans of syntax: where syn's nodes and proc-macro2's tokens are in a file, as
//! [`Span`]s of [`crate::positions`]. Code that only speaks of positions imports them from
//! `positions`; they are re-exported here for rule modules, which use both.

use crate::positions::{clamp_u32, is_ident_byte};
pub use crate::positions::{floor_char_boundary, without_shebang, LineCol, LineIndex, Span};

/// The span of a syn/proc-macro2 token, as byte offsets into the parsed text.
pub fn span_of(span: proc_macro2::Span) -> Span {
    in_fast_file(|file| Span::new(file.offset(span.start()), file.offset(span.end())))
        .unwrap_or_else(|| {
            let range = span.byte_range();
            Span::new(range.start, range.end)
        })
}

/// The span of an identifier: one position lookup, the end read from the text. An
/// identifier's token is its text (`r#` included for a raw one), so it ends at the first
/// byte that cannot continue one.
pub fn ident_span(ident: &proc_macro2::Ident) -> Span {
    let token = ident.span();
    in_fast_file(|file| {
        let start = file.offset(token.start());
        let rest = &file.text.as_bytes()[start..];
        let prefix = if rest.starts_with(b"r#") { 2 } else { 0 };
        let length = rest[prefix..]
            .iter()
            .position(|&byte| !is_ident_byte(byte))
            .unwrap_or(rest.len() - prefix);
        Span::new(start, start + prefix + length)
    })
    .unwrap_or_else(|| span_of(token))
}

/// The span from the start of token `first` to the end of token `last`, as
/// `span_of(first).cover(span_of(last))` but with two position lookups instead
/// of four: a syntax node's span is nearly always its first and last tokens'.
pub fn span_between(first: proc_macro2::Span, last: proc_macro2::Span) -> Span {
    match in_fast_file(|file| (file.offset(first.start()), file.offset(last.end()))) {
        // A real last token ends after the first one starts. Only tokens out of
        // order (a synthesized one, at offset 0) need the covering union.
        Some((start, end)) if start < end => Span::new(start, end),
        _ => span_of(first).cover(span_of(last)),
    }
}

/// The byte offset just past a token: one position lookup.
pub fn token_end(token: proc_macro2::Span) -> u32 {
    in_fast_file(|file| clamp_u32(file.offset(token.end()))).unwrap_or_else(|| span_of(token).end)
}

/// The byte offset where a token starts: one position lookup.
pub fn token_start(token: proc_macro2::Span) -> u32 {
    in_fast_file(|file| clamp_u32(file.offset(token.start())))
        .unwrap_or_else(|| span_of(token).start)
}

/// `with_file` on the file being indexed on this thread, if one is (see [`with_fast_spans`]).
fn in_fast_file<T>(with_file: impl FnOnce(&FastSpans) -> T) -> Option<T> {
    FAST_SPANS
        .try_with(|cell| cell.borrow().as_ref().map(with_file))
        .ok()
        .flatten()
}

/// The file being indexed on this thread, to turn token positions into byte
/// offsets from their line and column. proc-macro2's own `byte_range` keeps a
/// growing per-file map from character to byte offsets and was a tenth of the
/// indexing time.
struct FastSpans {
    text: std::sync::Arc<str>,
    lines: LineIndex,
    ascii: bool,
    spines: std::cell::RefCell<SpineMemo>,
}

impl FastSpans {
    fn offset(&self, at: proc_macro2::LineColumn) -> usize {
        let start = self.lines.line_start(at.line.saturating_sub(1)) as usize;
        let start = start.min(self.text.len());
        if self.ascii {
            return (start + at.column).min(self.text.len());
        }
        // Columns count characters.
        let line = &self.text[start..];
        start
            + line
                .char_indices()
                .nth(at.column)
                .map_or(line.len(), |(offset, _)| offset)
    }
}

thread_local! {
    static FAST_SPANS: std::cell::RefCell<Option<FastSpans>> = const { std::cell::RefCell::new(None) };
}

/// Runs `parse_and_index` with [`span_of`] reading positions as lines and
/// columns of `text`. Every token `parse_and_index` asks about must come from
/// parsing exactly `text` (the shebang may be blanked, keeping its length).
pub(crate) fn with_fast_spans<T>(
    text: &std::sync::Arc<str>,
    lines: &LineIndex,
    parse_and_index: impl FnOnce() -> T,
) -> T {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            let _ = FAST_SPANS.try_with(|cell| cell.borrow_mut().take());
        }
    }
    let _ = FAST_SPANS.try_with(|cell| {
        *cell.borrow_mut() = Some(FastSpans {
            text: text.clone(),
            lines: lines.clone(),
            ascii: text.is_ascii(),
            spines: Default::default(),
        })
    });
    let _reset = Reset;
    parse_and_index()
}

/// The span of an item, attributes included, from its first to its last
/// token, without printing it (which costs time proportional to its size,
/// and items nest: an `impl` and each of its functions).
pub fn item_span(item: &syn::Item) -> Span {
    use syn::Item;
    let close = |delim: &proc_macro2::extra::DelimSpan| delim.close();
    let (attrs, vis, first, last): (&[syn::Attribute], Option<&syn::Visibility>, _, _) = match item
    {
        Item::Fn(function) => return fn_item_span(function),
        Item::Struct(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.struct_token.span),
            match (&i.semi_token, &i.fields) {
                (Some(semi), _) => Some(semi.span),
                (None, syn::Fields::Named(named)) => Some(close(&named.brace_token.span)),
                _ => None,
            },
        ),
        Item::Enum(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.enum_token.span),
            Some(close(&i.brace_token.span)),
        ),
        Item::Impl(i) => (
            &i.attrs,
            None,
            Some(
                i.defaultness
                    .map(|t| t.span)
                    .or(i.unsafety.map(|t| t.span))
                    .unwrap_or(i.impl_token.span),
            ),
            Some(close(&i.brace_token.span)),
        ),
        Item::Mod(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.unsafety.map_or(i.mod_token.span, |t| t.span)),
            match (&i.content, &i.semi) {
                (Some((brace, _)), _) => Some(close(&brace.span)),
                (None, Some(semi)) => Some(semi.span),
                _ => None,
            },
        ),
        Item::Const(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.const_token.span),
            Some(i.semi_token.span),
        ),
        Item::Static(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.static_token.span),
            Some(i.semi_token.span),
        ),
        Item::Type(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.type_token.span),
            Some(i.semi_token.span),
        ),
        Item::Use(i) => (
            &i.attrs,
            Some(&i.vis),
            Some(i.use_token.span),
            Some(i.semi_token.span),
        ),
        Item::Trait(i) if i.restriction.is_none() => (
            &i.attrs,
            Some(&i.vis),
            Some(
                i.unsafety
                    .map(|t| t.span)
                    .or(i.auto_token.map(|t| t.span))
                    .unwrap_or(i.trait_token.span),
            ),
            Some(close(&i.brace_token.span)),
        ),
        _ => return span_of_tokens(item),
    };
    let (Some(first), Some(last)) = (first, last) else {
        return span_of_tokens(item);
    };
    let first = outer_start(attrs, vis).unwrap_or(first);
    span_between(first, last)
}

/// The span of a free function, attributes included.
pub fn fn_item_span(function: &syn::ItemFn) -> Span {
    let first = outer_start(&function.attrs, Some(&function.vis))
        .unwrap_or_else(|| signature_start(&function.sig));
    span_between(first, function.block.brace_token.span.close())
}

/// The span of a function in an `impl` block, attributes included.
pub fn impl_fn_span(function: &syn::ImplItemFn) -> Span {
    let first = outer_start(&function.attrs, Some(&function.vis))
        .or(function.defaultness.map(|t| t.span))
        .unwrap_or_else(|| signature_start(&function.sig));
    span_between(first, function.block.brace_token.span.close())
}

/// The span of a function in a trait, attributes included.
pub fn trait_fn_span(function: &syn::TraitItemFn) -> Span {
    let first =
        outer_start(&function.attrs, None).unwrap_or_else(|| signature_start(&function.sig));
    let last = match (&function.default, &function.semi_token) {
        (Some(block), _) => block.brace_token.span.close(),
        (None, Some(semi)) => semi.span,
        (None, None) => return span_of_tokens(function),
    };
    span_between(first, last)
}

/// The span of an item from its first keyword `first` to its last token `last`, its outer
/// attributes and visibility included, without printing it.
pub fn item_like_span(
    attrs: &[syn::Attribute],
    vis: Option<&syn::Visibility>,
    first: proc_macro2::Span,
    last: proc_macro2::Span,
) -> Span {
    span_between(outer_start(attrs, vis).unwrap_or(first), last)
}

/// The span of a struct or variant field, attributes included.
pub fn field_span(field: &syn::Field) -> Span {
    let first = outer_start(&field.attrs, Some(&field.vis))
        .or_else(|| field.ident.as_ref().map(proc_macro2::Ident::span))
        .or_else(|| type_first_token(&field.ty));
    ends_or_tokens(first, type_last_token(&field.ty), field)
}

/// The span of an enum variant, attributes, fields and discriminant included.
pub fn variant_span(variant: &syn::Variant) -> Span {
    let first = outer_start(&variant.attrs, None).unwrap_or_else(|| variant.ident.span());
    let last = match (&variant.discriminant, &variant.fields) {
        (Some((_, expr)), _) => last_token(expr),
        (None, syn::Fields::Named(named)) => Some(named.brace_token.span.close()),
        (None, syn::Fields::Unnamed(unnamed)) => Some(unnamed.paren_token.span.close()),
        (None, syn::Fields::Unit) => Some(variant.ident.span()),
    };
    ends_or_tokens(Some(first), last, variant)
}

/// The span of an item of an `impl` block, attributes included.
pub fn impl_item_span(item: &syn::ImplItem) -> Span {
    use syn::ImplItem;
    let (first, last) = match item {
        ImplItem::Fn(function) => return impl_fn_span(function),
        ImplItem::Const(constant) => (
            outer_start(&constant.attrs, Some(&constant.vis))
                .or(constant.defaultness.map(|t| t.span))
                .unwrap_or(constant.const_token.span),
            Some(constant.semi_token.span),
        ),
        ImplItem::Type(alias) => (
            outer_start(&alias.attrs, Some(&alias.vis))
                .or(alias.defaultness.map(|t| t.span))
                .unwrap_or(alias.type_token.span),
            Some(alias.semi_token.span),
        ),
        ImplItem::Macro(invocation) => match outer_start(&invocation.attrs, None)
            .or_else(|| path_first_token(&invocation.mac.path))
        {
            Some(first) => (first, macro_end(&invocation.mac, invocation.semi_token)),
            None => return span_of_tokens(item),
        },
        _ => return span_of_tokens(item),
    };
    ends_or_tokens(Some(first), last, item)
}

/// The span of an item of a trait, attributes included.
pub fn trait_item_span(item: &syn::TraitItem) -> Span {
    use syn::TraitItem;
    let (first, last) = match item {
        TraitItem::Fn(function) => return trait_fn_span(function),
        TraitItem::Const(constant) => (
            outer_start(&constant.attrs, None).unwrap_or(constant.const_token.span),
            Some(constant.semi_token.span),
        ),
        TraitItem::Type(alias) => (
            outer_start(&alias.attrs, None).unwrap_or(alias.type_token.span),
            Some(alias.semi_token.span),
        ),
        TraitItem::Macro(invocation) => match outer_start(&invocation.attrs, None)
            .or_else(|| path_first_token(&invocation.mac.path))
        {
            Some(first) => (first, macro_end(&invocation.mac, invocation.semi_token)),
            None => return span_of_tokens(item),
        },
        _ => return span_of_tokens(item),
    };
    ends_or_tokens(Some(first), last, item)
}

/// The last token of a macro invocation in item position: its `;`, else its closing delimiter.
fn macro_end(mac: &syn::Macro, semi: Option<syn::Token![;]>) -> Option<proc_macro2::Span> {
    Some(semi.map_or_else(
        || match &mac.delimiter {
            syn::MacroDelimiter::Paren(p) => p.span.close(),
            syn::MacroDelimiter::Brace(b) => b.span.close(),
            syn::MacroDelimiter::Bracket(b) => b.span.close(),
        },
        |semi| semi.span,
    ))
}

/// The first token of an item: its first outer attribute, else its visibility.
fn outer_start(
    attrs: &[syn::Attribute],
    vis: Option<&syn::Visibility>,
) -> Option<proc_macro2::Span> {
    attrs
        .iter()
        .find(|attr| matches!(attr.style, syn::AttrStyle::Outer))
        .map(|attr| attr.pound_token.span)
        .or(match vis {
            Some(syn::Visibility::Public(token)) => Some(token.span),
            Some(syn::Visibility::Restricted(restricted)) => Some(restricted.pub_token.span),
            _ => None,
        })
}

fn signature_start(sig: &syn::Signature) -> proc_macro2::Span {
    sig.constness
        .map(|t| t.span)
        .or(sig.asyncness.map(|t| t.span))
        .or(sig.unsafety.map(|t| t.span))
        .or(sig.abi.as_ref().map(|abi| abi.extern_token.span))
        .unwrap_or(sig.fn_token.span)
}

/// The span from the first to the last token of a syntax node.
pub fn span_of_tokens(node: &impl quote::ToTokens) -> Span {
    let mut tokens = node.to_token_stream().into_iter();
    let Some(first) = tokens.next() else {
        return Span::default();
    };
    match tokens.last() {
        Some(last) => span_between(first.span(), last.span()),
        None => span_of(first.span()),
    }
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
    // Most arguments are one token: one position lookup instead of two.
    match expr {
        syn::Expr::Path(path) => return expr_path_span(path),
        syn::Expr::Lit(literal) if literal.attrs.is_empty() => return span_of(literal.lit.span()),
        _ => {}
    }
    let (Some(first), Some(last)) = (first_token(expr), last_token(expr)) else {
        return span_of_tokens(expr);
    };
    span_between(first, last)
}

/// The span of a path expression (`tenant_id`, `Role::Admin`, `::std::u8::MAX`) from its
/// first to its last token; paths are the commonest expressions there are.
pub fn expr_path_span(expr: &syn::ExprPath) -> Span {
    if !expr.attrs.is_empty() || expr.qself.is_some() {
        return span_of_tokens(expr);
    }
    if let Some(single) = expr.path.get_ident() {
        return ident_span(single);
    }
    path_span(&expr.path)
}

/// The byte offset just past an expression's last token.
pub fn expr_end(expr: &syn::Expr) -> u32 {
    last_token(expr).map_or_else(|| span_of_tokens(expr).end, token_end)
}

/// A call's span, from its callee's first token to the closing parenthesis.
pub fn call_span(call: &syn::ExprCall) -> Span {
    let close = call.paren_token.span.close();
    first_token(&call.func).map_or_else(
        || span_of_tokens(&call.func).cover(span_of(close)),
        |first| span_between(first, close),
    )
}

/// A method call's span, from its receiver's first token to the closing parenthesis.
pub fn method_call_span(call: &syn::ExprMethodCall) -> Span {
    let close = call.paren_token.span.close();
    first_token(&call.receiver).map_or_else(
        || span_of_tokens(&call.receiver).cover(span_of(close)),
        |first| span_between(first, close),
    )
}

/// A macro invocation's span, from its path to the closing delimiter.
pub fn macro_span(mac: &syn::Macro) -> Span {
    let close = match &mac.delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.close(),
        syn::MacroDelimiter::Brace(b) => b.span.close(),
        syn::MacroDelimiter::Bracket(b) => b.span.close(),
    };
    path_first_token(&mac.path).map_or_else(
        || span_of_tokens(&mac.path).cover(span_of(close)),
        |first| span_between(first, close),
    )
}

/// Spans from a first and a last token, or from printing the node when either is unknown.
fn ends_or_tokens(
    first: Option<proc_macro2::Span>,
    last: Option<proc_macro2::Span>,
    node: &impl quote::ToTokens,
) -> Span {
    match (first, last) {
        (Some(first), Some(last)) => span_between(first, last),
        _ => span_of_tokens(node),
    }
}

/// The span of a pattern; patterns are as common as expressions (parameters, `let`, arms).
pub fn pat_span(pat: &syn::Pat) -> Span {
    ends_or_tokens(pat_first_token(pat), pat_last_token(pat), pat)
}

/// The span of a typed parameter `name: Type`.
pub fn pat_type_span(typed: &syn::PatType) -> Span {
    let first = if typed.attrs.is_empty() {
        pat_first_token(&typed.pat)
    } else {
        None
    };
    ends_or_tokens(first, type_last_token(&typed.ty), typed)
}

pub fn type_span(ty: &syn::Type) -> Span {
    ends_or_tokens(type_first_token(ty), type_last_token(ty), ty)
}

pub fn path_span(path: &syn::Path) -> Span {
    ends_or_tokens(path_first_token(path), path_last_token(path), path)
}

/// An attribute from `#` to `]`.
pub fn attr_span(attr: &syn::Attribute) -> Span {
    span_between(attr.pound_token.span, attr.bracket_token.span.close())
}

pub fn member_span(member: &syn::Member) -> Span {
    span_of(match member {
        syn::Member::Named(ident) => ident.span(),
        syn::Member::Unnamed(index) => index.span,
    })
}

/// `base.field`, without printing the chain below it.
pub fn expr_field_span(expr: &syn::ExprField) -> Span {
    let first = if expr.attrs.is_empty() {
        first_token(&expr.base)
    } else {
        None
    };
    match first {
        Some(first) => span_between(
            first,
            match &expr.member {
                syn::Member::Named(ident) => ident.span(),
                syn::Member::Unnamed(index) => index.span,
            },
        ),
        None => span_of_tokens(expr),
    }
}

/// A closure from its first token to the end of its body, without printing the body.
pub fn closure_span(expr: &syn::ExprClosure) -> Span {
    let plain = expr.attrs.is_empty()
        && expr.lifetimes.is_none()
        && expr.constness.is_none()
        && expr.movability.is_none()
        && expr.asyncness.is_none()
        && expr.capture.is_none();
    let first = plain.then_some(expr.or1_token.span);
    ends_or_tokens(first, last_token(&expr.body), expr)
}

fn path_first_token(path: &syn::Path) -> Option<proc_macro2::Span> {
    match &path.leading_colon {
        Some(colon) => Some(colon.spans[0]),
        None => path.segments.first().map(|segment| segment.ident.span()),
    }
}

fn path_last_token(path: &syn::Path) -> Option<proc_macro2::Span> {
    let segment = path.segments.last()?;
    match &segment.arguments {
        syn::PathArguments::None => Some(segment.ident.span()),
        syn::PathArguments::AngleBracketed(arguments) => Some(arguments.gt_token.span),
        syn::PathArguments::Parenthesized(arguments) => match &arguments.output {
            syn::ReturnType::Default => Some(arguments.paren_token.span.close()),
            syn::ReturnType::Type(_, ty) => type_last_token(ty),
        },
    }
}

fn pat_first_token(pat: &syn::Pat) -> Option<proc_macro2::Span> {
    use syn::Pat;
    match pat {
        Pat::Ident(p) if p.attrs.is_empty() => Some(
            p.by_ref
                .map(|t| t.span)
                .or(p.mutability.map(|t| t.span))
                .unwrap_or_else(|| p.ident.span()),
        ),
        Pat::Path(p) if p.attrs.is_empty() && p.qself.is_none() => path_first_token(&p.path),
        Pat::TupleStruct(p) if p.attrs.is_empty() && p.qself.is_none() => path_first_token(&p.path),
        Pat::Struct(p) if p.attrs.is_empty() && p.qself.is_none() => path_first_token(&p.path),
        Pat::Tuple(p) if p.attrs.is_empty() => Some(p.paren_token.span.open()),
        Pat::Slice(p) if p.attrs.is_empty() => Some(p.bracket_token.span.open()),
        Pat::Reference(p) if p.attrs.is_empty() => Some(p.and_token.span),
        Pat::Wild(p) if p.attrs.is_empty() => Some(p.underscore_token.span),
        Pat::Lit(p) if p.attrs.is_empty() => Some(p.lit.span()),
        Pat::Rest(p) if p.attrs.is_empty() => Some(p.dot2_token.spans[0]),
        Pat::Or(p) if p.attrs.is_empty() => match &p.leading_vert {
            Some(vert) => Some(vert.span),
            None => pat_first_token(p.cases.first()?),
        },
        Pat::Type(p) if p.attrs.is_empty() => pat_first_token(&p.pat),
        _ => None,
    }
}

fn pat_last_token(pat: &syn::Pat) -> Option<proc_macro2::Span> {
    use syn::Pat;
    match pat {
        Pat::Ident(p) => match &p.subpat {
            Some((_, sub)) => pat_last_token(sub),
            None => Some(p.ident.span()),
        },
        Pat::Path(p) => path_last_token(&p.path),
        Pat::TupleStruct(p) => Some(p.paren_token.span.close()),
        Pat::Struct(p) => Some(p.brace_token.span.close()),
        Pat::Tuple(p) => Some(p.paren_token.span.close()),
        Pat::Slice(p) => Some(p.bracket_token.span.close()),
        Pat::Reference(p) => pat_last_token(&p.pat),
        Pat::Wild(p) => Some(p.underscore_token.span),
        Pat::Lit(p) => Some(p.lit.span()),
        Pat::Rest(p) => Some(p.dot2_token.spans[1]),
        Pat::Or(p) => pat_last_token(p.cases.last()?),
        Pat::Type(p) => type_last_token(&p.ty),
        _ => None,
    }
}

fn type_first_token(ty: &syn::Type) -> Option<proc_macro2::Span> {
    use syn::Type;
    match ty {
        Type::Path(t) => match &t.qself {
            Some(qself) => Some(qself.lt_token.span),
            None => path_first_token(&t.path),
        },
        Type::Reference(t) => Some(t.and_token.span),
        Type::Ptr(t) => Some(t.star_token.span),
        Type::Slice(t) => Some(t.bracket_token.span.open()),
        Type::Array(t) => Some(t.bracket_token.span.open()),
        Type::Tuple(t) => Some(t.paren_token.span.open()),
        Type::Paren(t) => Some(t.paren_token.span.open()),
        Type::Never(t) => Some(t.bang_token.span),
        Type::Infer(t) => Some(t.underscore_token.span),
        Type::ImplTrait(t) => Some(t.impl_token.span),
        Type::TraitObject(t) => t.dyn_token.map(|token| token.span),
        _ => None,
    }
}

fn type_last_token(ty: &syn::Type) -> Option<proc_macro2::Span> {
    use syn::Type;
    match ty {
        Type::Path(t) => path_last_token(&t.path),
        Type::Reference(t) => type_last_token(&t.elem),
        Type::Ptr(t) => type_last_token(&t.elem),
        Type::Slice(t) => Some(t.bracket_token.span.close()),
        Type::Array(t) => Some(t.bracket_token.span.close()),
        Type::Tuple(t) => Some(t.paren_token.span.close()),
        Type::Paren(t) => Some(t.paren_token.span.close()),
        Type::Never(t) => Some(t.bang_token.span),
        Type::Infer(t) => Some(t.underscore_token.span),
        Type::ImplTrait(t) if !t.bounds.trailing_punct() => bound_last_token(t.bounds.last()?),
        Type::TraitObject(t) if !t.bounds.trailing_punct() => bound_last_token(t.bounds.last()?),
        _ => None,
    }
}

fn bound_last_token(bound: &syn::TypeParamBound) -> Option<proc_macro2::Span> {
    match bound {
        syn::TypeParamBound::Trait(bound) => match &bound.paren_token {
            Some(paren) => Some(paren.span.close()),
            None => path_last_token(&bound.path),
        },
        syn::TypeParamBound::Lifetime(lifetime) => Some(lifetime.ident.span()),
        _ => None,
    }
}

/// The span of a `{ … }` block from its braces.
pub fn block_span(block: &syn::Block) -> Span {
    delimited(&block.brace_token.span)
}

fn delimited(span: &proc_macro2::extra::DelimSpan) -> Span {
    span_between(span.open(), span.close())
}

/// How far the first/last token search walks down one side of a tree. The depth guard
/// ([`crate::index::guard`]) refuses files nested anywhere near this deep, so the bound only
/// keeps the loop finite.
const MAX_SPINE: usize = 1 << 20;

/// Steps a search takes before it consults and fills the memo of long spines (see
/// [`SpineMemo`]); ordinary expressions are never this deep and pay nothing for it.
const MEMO_AFTER: usize = 16;

/// Which end of an expression a spine search looks for.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
enum End {
    First,
    Last,
}

/// The first or last tokens of the nodes on long spines, so that asking for the span of every
/// node of a chain (`x.f().g()…`, `!!…x`, an `else if` chain) costs time linear in its length
/// instead of quadratic: the first search down a chain records the answer for every node it
/// passes. A node is known by its own token (the `.` of a method call, the operator of a binary
/// expression, the `if` of an `if`) and its kind, never by its address: syntax trees of macro
/// arguments are parsed, dropped and parsed again while a file is indexed, and an address can
/// come back as another node, while one token belongs to one node of each kind, whose ends
/// are the same in every parse of it (a parse of macro arguments starts and ends where an
/// expression does).
#[derive(Default)]
struct SpineMemo {
    ends:
        foldhash::HashMap<(End, u32, std::mem::Discriminant<syn::Expr>), Option<proc_macro2::Span>>,
}

/// The memo of the file being indexed on this thread, if any.
fn with_spine_memo<T>(use_memo: impl FnOnce(&mut SpineMemo, &FastSpans) -> T) -> Option<T> {
    in_fast_file(|file| {
        let mut memo = file.spines.borrow_mut();
        use_memo(&mut memo, file)
    })
}

/// Forgets the long spines found so far: called when a syntax tree is dropped, to keep the
/// memo small.
pub(crate) fn forget_spines() {
    let _ = with_spine_memo(|memo, _| memo.ends.clear());
}

/// The key of `expr` in the memo: its own token's offset and its kind.
fn spine_key(
    end: End,
    expr: &syn::Expr,
    file: &FastSpans,
) -> Option<(End, u32, std::mem::Discriminant<syn::Expr>)> {
    let own = own_token(expr)?;
    Some((
        end,
        clamp_u32(file.offset(own.start())),
        std::mem::discriminant(expr),
    ))
}

/// The token that belongs to `expr` itself rather than to a child: its operator, keyword or
/// opening delimiter, for the kinds that make up long spines.
fn own_token(expr: &syn::Expr) -> Option<proc_macro2::Span> {
    use syn::Expr;
    Some(match expr {
        Expr::MethodCall(e) => e.dot_token.span,
        Expr::Field(e) => e.dot_token.span,
        Expr::Await(e) => e.dot_token.span,
        Expr::Call(e) => e.paren_token.span.open(),
        Expr::Index(e) => e.bracket_token.span.open(),
        Expr::Try(e) => e.question_token.span,
        Expr::Cast(e) => e.as_token.span,
        Expr::Assign(e) => e.eq_token.span,
        Expr::Binary(e) => bin_op_token(&e.op),
        Expr::Unary(e) => match e.op {
            syn::UnOp::Deref(t) => t.span,
            syn::UnOp::Not(t) => t.span,
            syn::UnOp::Neg(t) => t.span,
            _ => return None,
        },
        Expr::Reference(e) => e.and_token.span,
        Expr::RawAddr(e) => e.and_token.span,
        Expr::Range(e) => range_limits_token(&e.limits),
        Expr::Closure(e) => e.or1_token.span,
        Expr::Return(e) => e.return_token.span,
        Expr::Break(e) => e.break_token.span,
        Expr::Yield(e) => e.yield_token.span,
        Expr::Let(e) => e.let_token.span,
        Expr::If(e) => e.if_token.span,
        _ => return None,
    })
}

fn range_limits_token(limits: &syn::RangeLimits) -> proc_macro2::Span {
    match limits {
        syn::RangeLimits::HalfOpen(t) => t.spans[0],
        syn::RangeLimits::Closed(t) => t.spans[0],
    }
}

fn bin_op_token(op: &syn::BinOp) -> proc_macro2::Span {
    use syn::BinOp;
    match op {
        BinOp::Add(t) => t.span,
        BinOp::Sub(t) => t.span,
        BinOp::Mul(t) => t.span,
        BinOp::Div(t) => t.span,
        BinOp::Rem(t) => t.span,
        BinOp::And(t) => t.spans[0],
        BinOp::Or(t) => t.spans[0],
        BinOp::BitXor(t) => t.span,
        BinOp::BitAnd(t) => t.span,
        BinOp::BitOr(t) => t.span,
        BinOp::Shl(t) => t.spans[0],
        BinOp::Shr(t) => t.spans[0],
        BinOp::Eq(t) => t.spans[0],
        BinOp::Lt(t) => t.span,
        BinOp::Le(t) => t.spans[0],
        BinOp::Ne(t) => t.spans[0],
        BinOp::Ge(t) => t.spans[0],
        BinOp::Gt(t) => t.span,
        BinOp::AddAssign(t) => t.spans[0],
        BinOp::SubAssign(t) => t.spans[0],
        BinOp::MulAssign(t) => t.spans[0],
        BinOp::DivAssign(t) => t.spans[0],
        BinOp::RemAssign(t) => t.spans[0],
        BinOp::BitXorAssign(t) => t.spans[0],
        BinOp::BitAndAssign(t) => t.spans[0],
        BinOp::BitOrAssign(t) => t.spans[0],
        BinOp::ShlAssign(t) => t.spans[0],
        BinOp::ShrAssign(t) => t.spans[0],
        _ => proc_macro2::Span::call_site(),
    }
}

/// Walks down one side of `expr` with `step` until it finds the token at that end, through
/// the memo once the walk is long (see [`SpineMemo`]).
fn spine_end<'a>(
    end: End,
    expr: &'a syn::Expr,
    step: impl Fn(&'a syn::Expr) -> Step<'a>,
) -> Option<proc_macro2::Span> {
    let mut current = expr;
    let mut passed: Vec<&syn::Expr> = Vec::new();
    let remember = |passed: &[&syn::Expr], found: Option<proc_macro2::Span>| {
        if !passed.is_empty() {
            let _ = with_spine_memo(|memo, file| {
                for node in passed {
                    if let Some(key) = spine_key(end, node, file) {
                        memo.ends.insert(key, found);
                    }
                }
            });
        }
        found
    };
    for steps in 0..MAX_SPINE {
        if steps >= MEMO_AFTER {
            let known = with_spine_memo(|memo, file| {
                spine_key(end, current, file).and_then(|key| memo.ends.get(&key).copied())
            })
            .flatten();
            if let Some(found) = known {
                return remember(&passed, found);
            }
            passed.push(current);
        }
        match step(current) {
            Step::Down(next) => current = next,
            Step::Found(found) => return remember(&passed, found),
        }
    }
    None
}

pub(crate) fn first_token(expr: &syn::Expr) -> Option<proc_macro2::Span> {
    spine_end(End::First, expr, first_step)
}

fn last_token(expr: &syn::Expr) -> Option<proc_macro2::Span> {
    spine_end(End::Last, expr, last_step)
}

enum Step<'a> {
    Down(&'a syn::Expr),
    Found(Option<proc_macro2::Span>),
}

/// One step down the left spine of an expression towards its first token.
fn first_step(current: &syn::Expr) -> Step<'_> {
    use syn::Expr;
    if let Some(attr) = expr_attrs(current).first() {
        return Step::Found(Some(attr.pound_token.span));
    }
    let label = |label: &Option<syn::Label>, keyword: proc_macro2::Span| {
        Step::Found(Some(
            label
                .as_ref()
                .map_or(keyword, |label| label.name.apostrophe),
        ))
    };
    Step::Down(match current {
        Expr::MethodCall(e) => &e.receiver,
        Expr::Binary(e) => &e.left,
        Expr::Field(e) => &e.base,
        Expr::Call(e) => &e.func,
        Expr::Index(e) => &e.expr,
        Expr::Try(e) => &e.expr,
        Expr::Await(e) => &e.base,
        Expr::Cast(e) => &e.expr,
        Expr::Assign(e) => &e.left,
        Expr::Range(e) => match &e.start {
            Some(start) => start,
            None => return Step::Found(Some(range_limits_token(&e.limits))),
        },
        Expr::Path(e) => {
            return Step::Found(match &e.qself {
                Some(qself) => Some(qself.lt_token.span),
                None => path_first_token(&e.path),
            })
        }
        Expr::Struct(e) => {
            return Step::Found(match &e.qself {
                Some(qself) => Some(qself.lt_token.span),
                None => path_first_token(&e.path),
            })
        }
        Expr::Macro(e) => return Step::Found(path_first_token(&e.mac.path)),
        Expr::Lit(e) => return Step::Found(Some(e.lit.span())),
        Expr::Paren(e) => return Step::Found(Some(e.paren_token.span.open())),
        Expr::Tuple(e) => return Step::Found(Some(e.paren_token.span.open())),
        Expr::Array(e) => return Step::Found(Some(e.bracket_token.span.open())),
        Expr::Repeat(e) => return Step::Found(Some(e.bracket_token.span.open())),
        Expr::Block(e) => return label(&e.label, e.block.brace_token.span.open()),
        Expr::Loop(e) => return label(&e.label, e.loop_token.span),
        Expr::While(e) => return label(&e.label, e.while_token.span),
        Expr::ForLoop(e) => return label(&e.label, e.for_token.span),
        Expr::Reference(e) => return Step::Found(Some(e.and_token.span)),
        Expr::RawAddr(e) => return Step::Found(Some(e.and_token.span)),
        Expr::Unary(_) => return Step::Found(own_token(current)),
        Expr::If(e) => return Step::Found(Some(e.if_token.span)),
        Expr::Match(e) => return Step::Found(Some(e.match_token.span)),
        Expr::Return(e) => return Step::Found(Some(e.return_token.span)),
        Expr::Break(e) => return Step::Found(Some(e.break_token.span)),
        Expr::Continue(e) => return Step::Found(Some(e.continue_token.span)),
        Expr::Yield(e) => return Step::Found(Some(e.yield_token.span)),
        Expr::Let(e) => return Step::Found(Some(e.let_token.span)),
        Expr::Async(e) => return Step::Found(Some(e.async_token.span)),
        Expr::Const(e) => return Step::Found(Some(e.const_token.span)),
        Expr::Unsafe(e) => return Step::Found(Some(e.unsafe_token.span)),
        Expr::TryBlock(e) => return Step::Found(Some(e.try_token.span)),
        Expr::Infer(e) => return Step::Found(Some(e.underscore_token.span)),
        Expr::Group(e) => &e.expr,
        Expr::Closure(e) => {
            return Step::Found(Some(
                e.lifetimes
                    .as_ref()
                    .map(|lifetimes| lifetimes.for_token.span)
                    .or(e.constness.map(|t| t.span))
                    .or(e.movability.map(|t| t.span))
                    .or(e.asyncness.map(|t| t.span))
                    .or(e.capture.map(|t| t.span))
                    .unwrap_or(e.or1_token.span),
            ))
        }
        _ => return Step::Found(None),
    })
}

/// One step down the right spine of an expression towards its last token.
fn last_step(current: &syn::Expr) -> Step<'_> {
    use syn::spanned::Spanned;
    use syn::Expr;
    let close = |delimiter: &proc_macro2::extra::DelimSpan| Step::Found(Some(delimiter.close()));
    let label_end = |label: &Option<syn::Lifetime>, keyword: proc_macro2::Span| {
        Some(label.as_ref().map_or(keyword, |label| label.ident.span()))
    };
    Step::Down(match current {
        Expr::MethodCall(e) => return close(&e.paren_token.span),
        Expr::Call(e) => return close(&e.paren_token.span),
        Expr::Binary(e) => &e.right,
        Expr::Field(e) => return Step::Found(Some(e.member.span())),
        Expr::Index(e) => return close(&e.bracket_token.span),
        Expr::Try(e) => return Step::Found(Some(e.question_token.span)),
        Expr::Await(e) => return Step::Found(Some(e.await_token.span)),
        Expr::Assign(e) => &e.right,
        Expr::Reference(e) => &e.expr,
        Expr::RawAddr(e) => &e.expr,
        Expr::Unary(e) => &e.expr,
        Expr::Let(e) => &e.expr,
        Expr::Group(e) => &e.expr,
        Expr::Cast(e) => return Step::Found(type_last_token(&e.ty)),
        Expr::Range(e) => match &e.end {
            Some(end) => end,
            None => return Step::Found(Some(range_limits_token(&e.limits))),
        },
        Expr::Path(e) => return Step::Found(path_last_token(&e.path)),
        Expr::Lit(e) => return Step::Found(Some(e.lit.span())),
        Expr::Paren(e) => return close(&e.paren_token.span),
        Expr::Tuple(e) => return close(&e.paren_token.span),
        Expr::Array(e) => return close(&e.bracket_token.span),
        Expr::Repeat(e) => return close(&e.bracket_token.span),
        Expr::Block(e) => return close(&e.block.brace_token.span),
        Expr::Struct(e) => return close(&e.brace_token.span),
        Expr::Match(e) => return close(&e.brace_token.span),
        Expr::Loop(e) => return close(&e.body.brace_token.span),
        Expr::While(e) => return close(&e.body.brace_token.span),
        Expr::ForLoop(e) => return close(&e.body.brace_token.span),
        Expr::Async(e) => return close(&e.block.brace_token.span),
        Expr::Const(e) => return close(&e.block.brace_token.span),
        Expr::Unsafe(e) => return close(&e.block.brace_token.span),
        Expr::TryBlock(e) => return close(&e.block.brace_token.span),
        Expr::If(e) => match &e.else_branch {
            Some((_, otherwise)) => otherwise,
            None => return close(&e.then_branch.brace_token.span),
        },
        Expr::Macro(e) => {
            return Step::Found(Some(match &e.mac.delimiter {
                syn::MacroDelimiter::Paren(p) => p.span.close(),
                syn::MacroDelimiter::Brace(b) => b.span.close(),
                syn::MacroDelimiter::Bracket(b) => b.span.close(),
            }))
        }
        Expr::Closure(e) => &e.body,
        Expr::Return(e) => match &e.expr {
            Some(value) => value,
            None => return Step::Found(Some(e.return_token.span)),
        },
        Expr::Yield(e) => match &e.expr {
            Some(value) => value,
            None => return Step::Found(Some(e.yield_token.span)),
        },
        Expr::Break(e) => match &e.expr {
            Some(value) => value,
            None => return Step::Found(label_end(&e.label, e.break_token.span)),
        },
        Expr::Continue(e) => return Step::Found(label_end(&e.label, e.continue_token.span)),
        Expr::Infer(e) => return Step::Found(Some(e.underscore_token.span)),
        _ => return Step::Found(None),
    })
}

fn expr_attrs(expr: &syn::Expr) -> &[syn::Attribute] {
    use syn::Expr;
    match expr {
        Expr::Array(e) => &e.attrs,
        Expr::Assign(e) => &e.attrs,
        Expr::Async(e) => &e.attrs,
        Expr::Await(e) => &e.attrs,
        Expr::Binary(e) => &e.attrs,
        Expr::Block(e) => &e.attrs,
        Expr::Break(e) => &e.attrs,
        Expr::Call(e) => &e.attrs,
        Expr::Cast(e) => &e.attrs,
        Expr::Closure(e) => &e.attrs,
        Expr::Const(e) => &e.attrs,
        Expr::Continue(e) => &e.attrs,
        Expr::Field(e) => &e.attrs,
        Expr::ForLoop(e) => &e.attrs,
        Expr::Group(e) => &e.attrs,
        Expr::If(e) => &e.attrs,
        Expr::Index(e) => &e.attrs,
        Expr::Infer(e) => &e.attrs,
        Expr::Let(e) => &e.attrs,
        Expr::Lit(e) => &e.attrs,
        Expr::Loop(e) => &e.attrs,
        Expr::Macro(e) => &e.attrs,
        Expr::Match(e) => &e.attrs,
        Expr::MethodCall(e) => &e.attrs,
        Expr::Paren(e) => &e.attrs,
        Expr::Path(e) => &e.attrs,
        Expr::Range(e) => &e.attrs,
        Expr::RawAddr(e) => &e.attrs,
        Expr::Reference(e) => &e.attrs,
        Expr::Repeat(e) => &e.attrs,
        Expr::Return(e) => &e.attrs,
        Expr::Struct(e) => &e.attrs,
        Expr::Try(e) => &e.attrs,
        Expr::TryBlock(e) => &e.attrs,
        Expr::Tuple(e) => &e.attrs,
        Expr::Unary(e) => &e.attrs,
        Expr::Unsafe(e) => &e.attrs,
        Expr::While(e) => &e.attrs,
        Expr::Yield(e) => &e.attrs,
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

    #[test]
    fn path_spans_match_their_tokens() {
        for text in [
            "tenant_id",
            "Role::Admin",
            "::std::u8::MAX",
            "Vec::<u8>::new",
            "size_of::<u8>",
            "<T as Default>::default",
            "#[allow(unused)] x",
            "crate::a::b",
        ] {
            let syn::Expr::Path(path) = syn::parse_str::<syn::Expr>(text).unwrap() else {
                panic!("{text} is not a path");
            };
            assert_eq!(expr_path_span(&path), span_of_tokens(&path), "{text}");
            assert_eq!(expr_path_span(&path).range(), 0..text.len(), "{text}");
        }
    }

    /// Every pattern, type, path, attribute, field access and closure: the span from its ends
    /// equals the printed one.
    #[test]
    fn node_spans_match_their_tokens() {
        use syn::visit::Visit;
        #[derive(Default)]
        struct Compare(std::collections::BTreeMap<&'static str, usize>);
        impl Compare {
            fn check(&mut self, kind: &'static str, fast: Span, node: &impl quote::ToTokens) {
                assert_eq!(
                    fast,
                    span_of_tokens(node),
                    "{kind}: {}",
                    node.to_token_stream()
                );
                *self.0.entry(kind).or_default() += 1;
            }
        }
        impl<'ast> Visit<'ast> for Compare {
            fn visit_pat(&mut self, pat: &'ast syn::Pat) {
                self.check("pat", pat_span(pat), pat);
                syn::visit::visit_pat(self, pat);
            }
            fn visit_pat_type(&mut self, typed: &'ast syn::PatType) {
                self.check("pat_type", pat_type_span(typed), typed);
                syn::visit::visit_pat_type(self, typed);
            }
            fn visit_type(&mut self, ty: &'ast syn::Type) {
                self.check("type", type_span(ty), ty);
                syn::visit::visit_type(self, ty);
            }
            fn visit_path(&mut self, path: &'ast syn::Path) {
                self.check("path", path_span(path), path);
                syn::visit::visit_path(self, path);
            }
            fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
                self.check("attr", attr_span(attr), attr);
            }
            fn visit_member(&mut self, member: &'ast syn::Member) {
                self.check("member", member_span(member), member);
            }
            fn visit_expr_field(&mut self, expr: &'ast syn::ExprField) {
                self.check("field", expr_field_span(expr), expr);
                syn::visit::visit_expr_field(self, expr);
            }
            fn visit_expr_closure(&mut self, expr: &'ast syn::ExprClosure) {
                self.check("closure", closure_span(expr), expr);
                syn::visit::visit_expr_closure(self, expr);
            }
        }
        let text = r#"#![allow(unused)]
#[derive(Debug)]
struct S<'a, T: Clone + 'a> { a: &'a mut [u8; 4], b: Option<Vec<T>>, c: *const (), d: fn(u8) -> !, e: (u8,) }
fn f(x: u8, mut y: &str, ref z: u8, (a, b): (u8, u16), S { a, .. }: S, [p, q @ ..]: [u8; 2],
     _: impl Fn(u8) -> u8 + Send, w: Box<dyn std::error::Error + 'static>, v: <T as Tr>::Out,
     u: ::std::vec::Vec<u8>, t: &dyn Fn(), #[allow(unused)] s: u8, r: Option<fn()>, o: (), n: _) {
    match x { 1 | 2 => {}, -3 => {}, Some(v) if v > 1 => {}, E::A { x: ref y, .. } => {}, E::B(..) => {},
        a @ 1..=5 => {}, &[..] => {}, (1, _) | (_, 1) => {}, | 7 => {}, m!() => {}, _ => {} }
    let c = |a: u8, b| a + b;
    let d = move || self.x.y.0;
    let e = async move { 1 };
    let f = #[inline] || x.await.field;
    let g = r.0 .1;
    let h = call(a).b.c;
    let Foo::<u8> { x, .. } = foo;
    let i: <Vec<u8> as IntoIterator>::Item = 1;
}
"#;
        let file = syn::parse_file(text).unwrap();
        let mut compare = Compare::default();
        compare.visit_file(&file);
        for kind in [
            "pat", "pat_type", "type", "path", "attr", "member", "field", "closure",
        ] {
            assert!(
                compare.0.get(kind).copied().unwrap_or(0) >= 3,
                "{kind}: {:?}",
                compare.0
            );
        }
    }

    /// Every item's fast span equals the printed one.
    #[test]
    fn item_spans_match_their_tokens() {
        use syn::visit::Visit;
        struct Compare(usize);
        impl<'ast> Visit<'ast> for Compare {
            fn visit_item(&mut self, item: &'ast syn::Item) {
                assert_eq!(
                    item_span(item),
                    span_of_tokens(item),
                    "{}",
                    quote::quote!(#item)
                );
                if let syn::Item::Fn(function) = item {
                    assert_eq!(fn_item_span(function), span_of_tokens(function));
                }
                self.0 += 1;
                syn::visit::visit_item(self, item);
            }
            fn visit_impl_item_fn(&mut self, function: &'ast syn::ImplItemFn) {
                assert_eq!(impl_fn_span(function), span_of_tokens(function));
                self.0 += 1;
                syn::visit::visit_impl_item_fn(self, function);
            }
            fn visit_trait_item_fn(&mut self, function: &'ast syn::TraitItemFn) {
                assert_eq!(trait_fn_span(function), span_of_tokens(function));
                self.0 += 1;
                syn::visit::visit_trait_item_fn(self, function);
            }
        }
        let text = r#"
/// Docs.
#[derive(Debug)]
pub struct A { x: u8 }
struct B(u8);
pub(crate) struct C;
enum E { X, Y(u8) }
#[cfg(test)]
mod m { #![allow(dead_code)] pub fn f() {} }
mod n;
pub const K: &str = "k";
static S: u8 = 1;
type T = u8;
use std::fmt;
pub(super) use std::io;
unsafe trait Tr { fn g(&self); fn h(&self) -> u8 { 1 } #[inline] fn i() {} }
auto trait Au {}
unsafe impl Tr for A { fn g(&self) {} }
impl A { /// doc
    pub async fn a(&self) {} const fn b() {} pub(crate) unsafe extern "C" fn c() {} }
#[allow(unused)] async unsafe fn d() {}
extern "C" fn e() {}
macro_rules! mac { () => {} }
mac!();
extern crate core;
union U { a: u8 }
"#;
        let file = syn::parse_file(text).unwrap();
        let mut compare = Compare(0);
        compare.visit_file(&file);
        assert!(compare.0 > 25, "{} items", compare.0);
    }

    /// Offsets read from lines and columns (and identifiers' ends read from the text) equal
    /// proc-macro2's byte ranges, on multi-byte characters, raw identifiers and `\r\n` line
    /// ends too.
    #[test]
    fn fast_spans_equal_byte_ranges() {
        fn all_spans(
            stream: proc_macro2::TokenStream,
            out: &mut Vec<proc_macro2::Span>,
            idents: &mut Vec<proc_macro2::Ident>,
        ) {
            for token in stream {
                out.push(token.span());
                match token {
                    proc_macro2::TokenTree::Group(group) => {
                        out.push(group.span_open());
                        out.push(group.span_close());
                        all_spans(group.stream(), out, idents);
                    }
                    proc_macro2::TokenTree::Ident(ident) => idents.push(ident),
                    _ => {}
                }
            }
        }
        for text in [
            "fn f() { let é = \"çà\"; g(é, 'ß') }\r\n// ünï\r\nstruct Ω { a: u8 }\n",
            "fn ascii() { x.y(1, 2) }\n\n  const C: u8 = 3;",
            "\u{feff}fn bom() { \"日本\" }",
            "fn r#match(r#type: Ωmega) -> 'a { x_1+y9 (z) ünï.b } end",
        ] {
            let text: std::sync::Arc<str> = text.into();
            let lines = LineIndex::new(&text);
            let stream: proc_macro2::TokenStream = text.parse().unwrap();
            let mut spans = Vec::new();
            let mut idents = Vec::new();
            all_spans(stream, &mut spans, &mut idents);
            assert!(spans.len() > 5);
            assert!(!idents.is_empty());
            for ident in &idents {
                let fast = with_fast_spans(&text, &lines, || ident_span(ident));
                assert_eq!(fast, span_of(ident.span()), "{text:?}: {ident}");
            }
            let synthesized = proc_macro2::Span::call_site();
            for &span in &spans {
                let slow = span_of(span);
                let fast = with_fast_spans(&text, &lines, || span_of(span));
                assert_eq!(fast, slow, "{text:?}");
                let ends = with_fast_spans(&text, &lines, || (token_start(span), token_end(span)));
                assert_eq!(ends, (slow.start, slow.end), "{text:?}");
                // Between two tokens in order, out of order, or with a synthesized one: the
                // same as covering both.
                for &last in spans.iter().chain([&synthesized]) {
                    let covered = slow.cover(span_of(last));
                    let (last_start, last_end) = (span_of(last).start, span_of(last).end);
                    let in_order = last_start >= slow.start && last_end >= slow.end;
                    let reversed = last_end <= slow.start;
                    if !in_order && !reversed {
                        continue; // one inside the other: not a first and a last token
                    }
                    let between = with_fast_spans(&text, &lines, || span_between(span, last));
                    assert_eq!(
                        between,
                        covered,
                        "{text:?}: {slow:?} to {:?}",
                        span_of(last)
                    );
                    let from_synthesized =
                        with_fast_spans(&text, &lines, || span_between(synthesized, last));
                    assert_eq!(from_synthesized, span_of(synthesized).cover(span_of(last)));
                }
            }
        }
    }
}
