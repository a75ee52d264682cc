//! The event grammar of `tracing` (and `log`) macros:
//! `[target: "…",] [parent: expr,] [name: "…",] [Level,]` (the level only
//! for `event!`), then fields `name = [%|?]expr`, `[%|?]place`, then an
//! optional format string and its arguments.

use super::facts::{EventFact, EventField};
use super::syntax::arg_fact;
use crate::source::span_of_tokens;
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::Token;

/// Macros whose bodies follow the `tracing`/`log` event grammar.
pub(super) const EVENT_MACROS: &[&str] = &["trace", "debug", "info", "warn", "error", "event"];
/// The parsed event, plus every expression in it (field values and
/// format arguments) for the body walker to visit.
pub struct ParsedEvent {
    pub fact: EventFact,
    pub exprs: Vec<syn::Expr>,
}

pub fn parse(tokens: proc_macro2::TokenStream, with_level: bool) -> Option<ParsedEvent> {
    let parser = move |input: ParseStream<'_>| parse_event(input, with_level);
    parser.parse2(tokens).ok()
}

fn parse_event(input: ParseStream<'_>, with_level: bool) -> syn::Result<ParsedEvent> {
    let mut target = None;
    let mut exprs = Vec::new();
    // `key: value,` prefixes, in any order.
    while input.peek(syn::Ident) && input.peek2(Token![:]) && !input.peek2(Token![::]) {
        let key: syn::Ident = input.parse()?;
        input.parse::<Token![:]>()?;
        let value: syn::Expr = input.parse()?;
        if key == "target" {
            if let syn::Expr::Lit(syn::ExprLit {
                lit: syn::Lit::Str(text),
                ..
            }) = &value
            {
                target = Some(text.value());
            }
        }
        exprs.push(value);
        end_of_item(input)?;
    }
    if with_level && !input.is_empty() {
        exprs.push(input.parse()?);
        end_of_item(input)?;
    }
    let mut fields = Vec::new();
    while !input.is_empty() {
        if input.peek(syn::LitStr) && !assignment_follows(input) {
            // The message and its format arguments.
            let _message: syn::LitStr = input.parse()?;
            while !input.is_empty() {
                input.parse::<Token![,]>()?;
                if input.is_empty() {
                    break;
                }
                exprs.push(input.parse()?);
            }
            break;
        }
        let field = parse_field(input)?;
        exprs.push(field.1);
        fields.push(field.0);
        end_of_item(input)?;
    }
    Ok(ParsedEvent {
        fact: EventFact { target, fields },
        exprs,
    })
}

/// Whether the token after the next one is `=` (not `==`): `"a.b" = value`.
fn assignment_follows(input: ParseStream<'_>) -> bool {
    input.peek2(Token![=]) && !input.peek2(Token![==])
}

fn end_of_item(input: ParseStream<'_>) -> syn::Result<()> {
    if !input.is_empty() {
        input.parse::<Token![,]>()?;
    }
    Ok(())
}

fn sigil(input: ParseStream<'_>) -> syn::Result<()> {
    if input.peek(Token![%]) {
        input.parse::<Token![%]>()?;
    } else if input.peek(Token![?]) {
        input.parse::<Token![?]>()?;
    }
    Ok(())
}

/// `a.b = [%|?]expr`, `"a.b" = expr`, or the shorthand `[%|?]a.b`.
fn parse_field(input: ParseStream<'_>) -> syn::Result<(EventField, syn::Expr)> {
    let named = input.fork();
    if let Ok(name) = field_name(&named) {
        if named.peek(Token![=]) && !named.peek(Token![==]) {
            let first = input.span();
            field_name(input)?;
            input.parse::<Token![=]>()?;
            sigil(input)?;
            let value: syn::Expr = input.parse()?;
            let value_fact = arg_fact(&value);
            let span = crate::source::span_of(first).cover(value_fact.span);
            return Ok((
                EventField {
                    name,
                    span,
                    value: value_fact,
                },
                value,
            ));
        }
    }
    sigil(input)?;
    let value: syn::Expr = input.parse()?;
    let value_fact = arg_fact(&value);
    let name = value_fact
        .place
        .as_ref()
        .map(|place| place.join("."))
        .unwrap_or_else(|| span_text(&value));
    Ok((
        EventField {
            name,
            span: span_of_tokens(&value),
            value: value_fact,
        },
        value,
    ))
}

fn span_text(value: &syn::Expr) -> String {
    quote::ToTokens::to_token_stream(value).to_string()
}

/// `a.b.c` (keywords allowed, as in `r#type`) or a string literal.
fn field_name(input: ParseStream<'_>) -> syn::Result<String> {
    if input.peek(syn::LitStr) {
        let text: syn::LitStr = input.parse()?;
        return Ok(text.value());
    }
    let mut name = syn::Ident::parse_any(input)?.unraw().to_string();
    while input.peek(Token![.]) && !input.peek(Token![..]) {
        input.parse::<Token![.]>()?;
        name.push('.');
        name.push_str(&syn::Ident::parse_any(input)?.unraw().to_string());
    }
    Ok(name)
}
