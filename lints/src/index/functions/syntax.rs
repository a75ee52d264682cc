//! Readings of syn nodes the body walker and the indexer share: places, arguments,
//! patterns, amounts, attributes and the methods they see through.

use super::facts::*;
use crate::index::TypeRef;
use crate::names::{ident_name, segment_names, Name};
use crate::positions::Span;
use crate::source::{expr_span, token_end, token_start};
use syn::punctuated::Punctuated;

/// How deep an amount's expression is followed.
const MAX_AMOUNT_DEPTH: usize = 8;

/// The amount an expression holds, when it is built only from integer literals, paths,
/// products, `Duration` constructors and `as_secs`/`as_millis`.
pub fn amount_of(expr: &syn::Expr) -> Option<Amount> {
    amount_within(expr, 0)
}

fn amount_within(expr: &syn::Expr, depth: usize) -> Option<Amount> {
    if depth > MAX_AMOUNT_DEPTH {
        return None;
    }
    let expr = strip_transparent(expr);
    match expr {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok().map(Amount::Int),
        syn::Expr::Cast(cast) => amount_within(&cast.expr, depth + 1),
        syn::Expr::Path(path) if path.qself.is_none() => Some(Amount::Const(
            path.path
                .segments
                .iter()
                .map(|segment| ident_name(&segment.ident))
                .collect(),
        )),
        syn::Expr::Binary(binary) if matches!(binary.op, syn::BinOp::Mul(_)) => {
            let left = amount_within(&binary.left, depth + 1)?;
            let right = amount_within(&binary.right, depth + 1)?;
            Some(Amount::Product(vec![left, right]))
        }
        syn::Expr::Call(call) => {
            let syn::Expr::Path(path) = &*call.func else {
                return None;
            };
            let mut segments = path.path.segments.iter().rev();
            let function = segments.next()?.ident.to_string();
            let owner = segments.next()?.ident.to_string();
            let millis = duration_unit(&owner, &function)?;
            let of = amount_within(call.args.first()?, depth + 1)?;
            Some(Amount::Duration {
                millis,
                of: Box::new(of),
            })
        }
        syn::Expr::MethodCall(call) if call.args.is_empty() => {
            let millis = match call.method.to_string().as_str() {
                "as_secs" | "num_seconds" => 1_000,
                "as_millis" | "num_milliseconds" => 1,
                _ => return None,
            };
            let of = amount_within(&call.receiver, depth + 1)?;
            Some(Amount::Count {
                millis,
                of: Box::new(of),
            })
        }
        _ => None,
    }
}

/// Milliseconds per unit of `Duration::from_secs`-like constructors (std's and chrono's).
pub(crate) fn duration_unit(owner: &str, function: &str) -> Option<u64> {
    if !matches!(owner, "Duration" | "TimeDelta") {
        return None;
    }
    Some(match function {
        "from_millis" | "milliseconds" | "try_milliseconds" => 1,
        "from_secs" | "new" | "seconds" | "try_seconds" => 1_000,
        "from_mins" | "minutes" | "try_minutes" => 60_000,
        "from_hours" | "hours" | "try_hours" => 3_600_000,
        "from_days" | "days" | "try_days" => 86_400_000,
        "from_weeks" | "weeks" | "try_weeks" => 604_800_000,
        _ => return None,
    })
}

/// The trait paths of bounds in a list (`AsyncCommands + Send` → `AsyncCommands`, `Send`).
fn bound_paths<'a>(
    bounds: impl IntoIterator<Item = &'a syn::TypeParamBound>,
    out: &mut Vec<Vec<Name>>,
) {
    for bound in bounds {
        if let syn::TypeParamBound::Trait(trait_bound) = bound {
            out.push(segment_names(&trait_bound.path));
        }
    }
}

/// The trait bounds a parameter's type is known by: `impl Trait` (through
/// references), or a generic parameter's bounds and `where` clauses.
pub(super) fn param_bounds(generics: &syn::Generics, ty: &syn::Type) -> Vec<Vec<Name>> {
    let mut ty = ty;
    while let syn::Type::Reference(reference) = ty {
        ty = &reference.elem;
    }
    let mut out = Vec::new();
    match ty {
        syn::Type::ImplTrait(implementation) => bound_paths(&implementation.bounds, &mut out),
        syn::Type::Path(path) if path.qself.is_none() => {
            let Some(ident) = path.path.get_ident() else {
                return out;
            };
            for param in generics.type_params() {
                if param.ident == *ident {
                    bound_paths(&param.bounds, &mut out);
                }
            }
            for predicate in generics.where_clause.iter().flat_map(|w| &w.predicates) {
                if let syn::WherePredicate::Type(predicate) = predicate {
                    if matches!(&predicate.bounded_ty, syn::Type::Path(p) if p.path.is_ident(ident))
                    {
                        bound_paths(&predicate.bounds, &mut out);
                    }
                }
            }
        }
        _ => {}
    }
    fitted(out)
}

/// Names a parameter pattern binds, looking through tuple-struct extractors
/// (`Extension(session)`, `State(AppState { db, .. })` binds the first name).
pub(super) fn pattern_name(pat: &syn::Pat) -> Option<Name> {
    match pat {
        syn::Pat::Ident(ident) => Some(ident_name(&ident.ident)),
        syn::Pat::TupleStruct(tuple) if tuple.elems.len() == 1 => {
            tuple.elems.first().and_then(pattern_name)
        }
        syn::Pat::Reference(reference) => pattern_name(&reference.pat),
        syn::Pat::Type(typed) => pattern_name(&typed.pat),
        _ => None,
    }
}

/// Whether a parameter pattern binds its name inside a one-field tuple struct
/// (`Extension(session)`, `TenantPath(tenant_id)`), through `&` and `mut` as written.
pub(super) fn unwraps_a_tuple_struct(pat: &syn::Pat) -> bool {
    match pat {
        syn::Pat::TupleStruct(tuple) => tuple.elems.len() == 1,
        syn::Pat::Reference(reference) => unwraps_a_tuple_struct(&reference.pat),
        syn::Pat::Type(typed) => unwraps_a_tuple_struct(&typed.pat),
        _ => false,
    }
}

/// A function's declared return type (`None` when it declares none).
pub(crate) fn return_type(sig: &syn::Signature) -> Option<TypeRef> {
    match &sig.output {
        syn::ReturnType::Default => None,
        syn::ReturnType::Type(_, ty) => Some(TypeRef::from_syn(ty)),
    }
}

/// A function's attributes, doc comments left out: they are `#[doc = "…"]` to syn, and no
/// rule reads a function's documentation (its routes, tests and caching are other attributes).
pub(super) fn attribute_facts(attrs: &[syn::Attribute]) -> Vec<AttrFact> {
    let is_doc = |attr: &&syn::Attribute| attr.path().is_ident("doc");
    let mut facts = Vec::with_capacity(attrs.iter().filter(|attr| !is_doc(attr)).count());
    facts.extend(
        attrs
            .iter()
            .filter(|attr| !is_doc(attr))
            .filter_map(attribute_fact),
    );
    facts
}

fn attribute_fact(attr: &syn::Attribute) -> Option<AttrFact> {
    let name = attr.path().segments.last()?.ident.to_string();
    let first_string = match &attr.meta {
        syn::Meta::List(list) => list
            .parse_args_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
            .ok()
            .and_then(|args| {
                args.iter().find_map(|arg| match arg {
                    syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
                    syn::Expr::Assign(assign) if matches!(&*assign.left, syn::Expr::Path(p) if p.path.is_ident("path")) => {
                        match &*assign.right {
                            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
                            _ => None,
                        }
                    }
                    _ => None,
                })
            }),
        syn::Meta::NameValue(name_value) => match &name_value.value {
            syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
            _ => None,
        },
        syn::Meta::Path(_) => None,
    };
    Some(AttrFact {
        name,
        first_string,
        span: crate::source::attr_span(attr),
    })
}

/// Where a macro invocation starts and ends: the same for every walk over
/// one parse of a file, so a body's macro arguments are parsed once.
pub fn macro_key(mac: &syn::Macro) -> (u32, u32) {
    let close = match &mac.delimiter {
        syn::MacroDelimiter::Paren(p) => p.span.close(),
        syn::MacroDelimiter::Brace(b) => b.span.close(),
        syn::MacroDelimiter::Bracket(b) => b.span.close(),
    };
    let start = mac
        .path
        .segments
        .first()
        .map_or(0, |segment| token_start(segment.ident.span()));
    (start, token_end(close))
}

/// Methods that pass a value through unchanged for our purposes.
const TRANSPARENT_METHODS: &[&str] = &[
    "clone",
    "to_vec",
    "as_str",
    "as_ref",
    "to_string",
    "to_owned",
    "into",
    "as_deref",
    "borrow",
    "deref",
];

/// Methods that normalize text before a comparison: the value compared is
/// still the receiver.
const NORMALIZING_METHODS: &[&str] = &[
    "trim",
    "trim_start",
    "trim_end",
    "to_lowercase",
    "to_uppercase",
    "to_ascii_lowercase",
    "to_ascii_uppercase",
];

/// One side of a comparison, read through normalizing calls.
pub(super) fn comparison_side(expr: &syn::Expr) -> ArgFact {
    let mut current = strip_transparent(expr);
    while let syn::Expr::MethodCall(call) = current {
        if !call.args.is_empty() || !NORMALIZING_METHODS.contains(&call.method.to_string().as_str())
        {
            break;
        }
        current = strip_transparent(&call.receiver);
    }
    let mut fact = arg_fact(current);
    fact.span = expr_span(expr);
    fact
}

/// The place an expression reads, through references and copies:
/// `&session.tenant_id.clone()` → `["session", "tenant_id"]`.
pub fn place_of(expr: &syn::Expr) -> Option<Vec<Name>> {
    let mut segments = Vec::new();
    let mut current = expr;
    loop {
        match current {
            syn::Expr::Path(path) if path.qself.is_none() => {
                return Some(path_then_fields(&path.path, segments));
            }
            syn::Expr::Field(field) => {
                segments.push(member_name(&field.member));
                current = &field.base;
            }
            syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => {
                current = &unary.expr
            }
            other => current = inside_transparent(other)?,
        }
    }
}

/// What a reference, parentheses, a group or a value-keeping method call (`.clone()`,
/// `.as_str()`, …) wraps: one step of what [`place_of`] and [`strip_transparent`] see through.
fn inside_transparent(expr: &syn::Expr) -> Option<&syn::Expr> {
    match expr {
        syn::Expr::Reference(reference) => Some(&reference.expr),
        syn::Expr::Paren(paren) => Some(&paren.expr),
        syn::Expr::Group(group) => Some(&group.expr),
        syn::Expr::MethodCall(call)
            if call.args.is_empty()
                && TRANSPARENT_METHODS
                    .iter()
                    .any(|method| call.method == method) =>
        {
            Some(&call.receiver)
        }
        _ => None,
    }
}

/// A field's name, or its position in a tuple struct (`0`).
pub(super) fn member_name(member: &syn::Member) -> Name {
    match member {
        syn::Member::Named(ident) => ident_name(ident),
        syn::Member::Unnamed(index) => compact_str::format_compact!("{}", index.index),
    }
}

/// A path's segment names, then the fields read from it (collected innermost last).
fn path_then_fields(path: &syn::Path, fields_reversed: Vec<Name>) -> Vec<Name> {
    let mut place = Vec::with_capacity(path.segments.len() + fields_reversed.len());
    place.extend(path.segments.iter().map(|s| ident_name(&s.ident)));
    place.extend(fields_reversed.into_iter().rev());
    place
}

/// The place a field chain reads (`a.b.c`), only through fields and paths:
/// `f().b` reads no place of its own.
pub(super) fn place_of_field_chain(expr: &syn::ExprField) -> Option<Vec<Name>> {
    let mut segments = Vec::new();
    let mut current = expr;
    loop {
        segments.push(member_name(&current.member));
        match &*current.base {
            syn::Expr::Field(inner) => current = inner,
            syn::Expr::Path(path) if path.qself.is_none() => {
                return Some(path_then_fields(&path.path, segments));
            }
            _ => return None,
        }
    }
}

/// Shapes are fingerprints of short expressions: comparing long ones says
/// little, and hashing every receiver of a long chain would be quadratic.
const MAX_SHAPE_BYTES: usize = 512;

pub fn arg_fact(expr: &syn::Expr) -> ArgFact {
    let span = expr_span(expr);
    let place = place_of(expr);
    let shape_span = if place.is_some() || span.len() > MAX_SHAPE_BYTES {
        None
    } else {
        shape_span(expr, span)
    };
    let string = match (expr, &place) {
        // A bare path (the commonest argument) is the string expression of its own name:
        // built from the place and span just found instead of looking both up again.
        (syn::Expr::Path(path), Some(segments)) if crate::strings::is_name_path(path) => {
            Some(crate::strings::StrExpr::named(segments, span))
        }
        _ => crate::strings::str_expr(expr),
    };
    ArgFact {
        span,
        place,
        string,
        shape_span,
        int: int_literal(expr),
    }
}

/// The value of an integer literal, through `&`, parentheses, `as` casts
/// and `Some(..)`.
pub fn int_literal(expr: &syn::Expr) -> Option<u64> {
    match strip_transparent(expr) {
        syn::Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok(),
        syn::Expr::Cast(cast) => int_literal(&cast.expr),
        syn::Expr::Call(call) if call.args.len() == 1 => match &*call.func {
            syn::Expr::Path(path) if path.path.is_ident("Some") => {
                call.args.first().and_then(int_literal)
            }
            _ => None,
        },
        _ => None,
    }
}

/// Methods that walk a collection item by item, keeping (a subset of) its
/// items: stripped to find what a loop iterates.
const ITEM_ADAPTERS: &[&str] = &[
    "iter",
    "into_iter",
    "iter_mut",
    "cloned",
    "copied",
    "enumerate",
    "filter",
    "collect",
    "values",
    "into_values",
    "keys",
    "into_keys",
    "rev",
    "skip",
    "skip_while",
    "take_while",
    "drain",
    "into_stream",
    "peekable",
    "fuse",
];

/// Methods a `while let` condition pulls the next item with.
const NEXT_METHODS: &[&str] = &["next", "try_next", "next_row", "next_item"];

/// The collection an iteration walks (see [`IterFact::source`]) and the
/// argument of a `.take(n)` on the way.
pub(super) fn iteration_source(
    expr: &syn::Expr,
    next_methods: bool,
) -> (&syn::Expr, Option<ArgFact>) {
    let mut current = expr;
    let mut take = None;
    // Chains are bounded by the nesting limit the parser enforces.
    loop {
        current = match current {
            syn::Expr::Reference(reference) => &reference.expr,
            syn::Expr::Paren(paren) => &paren.expr,
            syn::Expr::Group(group) => &group.expr,
            syn::Expr::Await(inner) => &inner.base,
            syn::Expr::Try(inner) => &inner.expr,
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                if method == "take" && call.args.len() == 1 {
                    take = call.args.first().map(arg_fact);
                } else if !(ITEM_ADAPTERS.contains(&method.as_str())
                    || TRANSPARENT_METHODS.contains(&method.as_str())
                    || (next_methods && NEXT_METHODS.contains(&method.as_str())))
                {
                    return (current, take);
                }
                &call.receiver
            }
            // `stream::iter(tenants)`, `futures::stream::iter(tenants)`.
            syn::Expr::Call(call) if call.args.len() == 1 => match &*call.func {
                syn::Expr::Path(path)
                    if path.path.segments.len() >= 2
                        && path.path.segments.last().is_some_and(|s| s.ident == "iter") =>
                {
                    match call.args.first() {
                        Some(arg) => arg,
                        None => return (current, take),
                    }
                }
                _ => return (current, take),
            },
            _ => return (current, take),
        };
    }
}

/// Names a pattern binds, for iteration items: `t`, `(i, t)`, `&t`, `Ok(t)`.
pub(super) fn pattern_bindings(pat: &syn::Pat, out: &mut Vec<String>) {
    match pat {
        syn::Pat::Ident(ident) => out.push(ident.ident.to_string()),
        syn::Pat::Tuple(tuple) => tuple.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::TupleStruct(tuple) => tuple.elems.iter().for_each(|p| pattern_bindings(p, out)),
        syn::Pat::Reference(reference) => pattern_bindings(&reference.pat, out),
        syn::Pat::Type(typed) => pattern_bindings(&typed.pat, out),
        syn::Pat::Paren(paren) => pattern_bindings(&paren.pat, out),
        syn::Pat::Struct(fields) => fields
            .fields
            .iter()
            .for_each(|field| pattern_bindings(&field.pat, out)),
        _ => {}
    }
}

/// Names a pattern binds, each with the field it comes from.
type FieldBindings = Vec<(String, String)>;

/// The path pattern of a `match` arm or `if let`, with the names it binds.
pub(super) fn path_pattern(pat: &syn::Pat) -> Option<(Vec<Name>, FieldBindings)> {
    match pat {
        syn::Pat::TupleStruct(tuple) => {
            let bindings = tuple
                .elems
                .iter()
                .enumerate()
                .filter_map(|(position, elem)| Some((bound_name(elem)?, position.to_string())))
                .collect();
            Some((segment_names(&tuple.path), bindings))
        }
        syn::Pat::Struct(fields) => {
            let bindings = fields
                .fields
                .iter()
                .filter_map(|field| {
                    let member = match &field.member {
                        syn::Member::Named(ident) => ident.to_string(),
                        syn::Member::Unnamed(index) => index.index.to_string(),
                    };
                    Some((bound_name(&field.pat)?, member))
                })
                .collect();
            Some((segment_names(&fields.path), bindings))
        }
        // A unit variant (`Self::Unauthorized`): no bindings, but it says which variant a
        // `match` arm is about. A one-segment path is a constant or an imported variant.
        syn::Pat::Path(path) if path.path.segments.len() >= 2 => {
            Some((segment_names(&path.path), Vec::new()))
        }
        syn::Pat::Reference(reference) => path_pattern(&reference.pat),
        syn::Pat::Paren(paren) => path_pattern(&paren.pat),
        _ => None,
    }
}

/// The name a sub-pattern binds directly (`e`, `ref e`, `&e`, `e @ ..`), not
/// through a nested path pattern (recorded on its own).
fn bound_name(pat: &syn::Pat) -> Option<String> {
    match pat {
        syn::Pat::Ident(ident) => Some(ident.ident.to_string()),
        syn::Pat::Reference(reference) => bound_name(&reference.pat),
        syn::Pat::Type(typed) => bound_name(&typed.pat),
        syn::Pat::Paren(paren) => bound_name(&paren.pat),
        _ => None,
    }
}

/// Path sub-patterns nested in a pattern: `AppError::Db(e)` in `Err(AppError::Db(e))`.
pub(super) fn nested_patterns(pat: &syn::Pat) -> Vec<&syn::Pat> {
    match pat {
        syn::Pat::TupleStruct(tuple) => tuple.elems.iter().collect(),
        syn::Pat::Struct(fields) => fields.fields.iter().map(|field| &*field.pat).collect(),
        syn::Pat::Tuple(tuple) => tuple.elems.iter().collect(),
        syn::Pat::Reference(reference) => vec![&*reference.pat],
        syn::Pat::Paren(paren) => vec![&*paren.pat],
        syn::Pat::Or(or) => or.cases.iter().collect(),
        _ => Vec::new(),
    }
}

/// Whether an expression names a status code: `StatusCode::NOT_FOUND`,
/// `http::StatusCode::from_u16(502)`, `axum::http::StatusCode::OK`.
pub(super) fn is_status_code(expr: &syn::Expr) -> bool {
    let path = match strip_transparent(expr) {
        syn::Expr::Path(path) => &path.path,
        syn::Expr::Call(call) => match &*call.func {
            syn::Expr::Path(path) => &path.path,
            _ => return false,
        },
        syn::Expr::MethodCall(call) => return is_status_code(&call.receiver),
        _ => return false,
    };
    path.segments
        .iter()
        .any(|segment| segment.ident == "StatusCode")
}

/// The values of a `serde_json::json!` body: `{"error": e.to_string(), "n": [a, b]}`.
pub(super) fn json_values(
    tokens: proc_macro2::TokenStream,
    out: &mut Vec<syn::Expr>,
    depth: usize,
) {
    use syn::parse::Parser;
    if depth > 32 {
        return;
    }
    // A whole value that is an expression (`json!(e.to_string())`, `json!(null)`).
    let mut parts: Vec<proc_macro2::TokenStream> = Vec::new();
    let mut current = proc_macro2::TokenStream::new();
    for token in tokens {
        match &token {
            proc_macro2::TokenTree::Punct(punct) if punct.as_char() == ',' => {
                parts.push(std::mem::take(&mut current));
            }
            _ => current.extend([token]),
        }
    }
    if !current.is_empty() {
        parts.push(current);
    }
    for part in parts {
        let trees: Vec<proc_macro2::TokenTree> = part.clone().into_iter().collect();
        // `key: value` inside an object: the value is after the first lone `:`.
        let colon = trees.iter().enumerate().position(|(index, tree)| {
            matches!(tree, proc_macro2::TokenTree::Punct(p) if p.as_char() == ':' && p.spacing() == proc_macro2::Spacing::Alone)
                && !matches!(trees.get(index.wrapping_sub(1)), Some(proc_macro2::TokenTree::Punct(p)) if p.as_char() == ':')
        });
        let value: Vec<proc_macro2::TokenTree> = match colon {
            Some(at) => trees.get(at + 1..).unwrap_or(&[]).to_vec(),
            None => trees,
        };
        match value.as_slice() {
            [proc_macro2::TokenTree::Group(group)]
                if matches!(
                    group.delimiter(),
                    proc_macro2::Delimiter::Brace | proc_macro2::Delimiter::Bracket
                ) =>
            {
                json_values(group.stream(), out, depth + 1)
            }
            [] => {}
            _ => {
                let stream: proc_macro2::TokenStream = value.into_iter().collect();
                if let Ok(expr) =
                    (|input: syn::parse::ParseStream<'_>| input.parse::<syn::Expr>()).parse2(stream)
                {
                    out.push(expr);
                }
            }
        }
    }
}

/// The expression with the wrappers `place_of` sees through removed.
pub(crate) fn strip_transparent(expr: &syn::Expr) -> &syn::Expr {
    let mut current = expr;
    while let Some(inner) = inside_transparent(current) {
        current = inner;
    }
    current
}

/// Where the tokens of an expression that is not a place are, to compare it by
/// [`ArgFact::shape`]; `span` is where the whole expression is.
pub(super) fn shape_span(expr: &syn::Expr, span: Span) -> Option<Span> {
    let stripped = strip_transparent(expr);
    if matches!(
        stripped,
        syn::Expr::Closure(_) | syn::Expr::Async(_) | syn::Expr::Block(_) | syn::Expr::Unsafe(_)
    ) {
        return None;
    }
    let span = if std::ptr::eq(stripped, expr) {
        span
    } else {
        expr_span(stripped)
    };
    (!span.is_empty()).then_some(span)
}

/// Whether `..rest` is a default value: `Default::default()`, `T::default()`,
/// `<T as Default>::default()`.
pub(super) fn is_default_call(expr: &syn::Expr) -> bool {
    match strip_transparent(expr) {
        syn::Expr::Call(call) if call.args.is_empty() => matches!(
            &*call.func,
            syn::Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "default")
        ),
        _ => false,
    }
}

/// Whether evaluating this expression leaves the function or answers with an error: `return`,
/// `Err(..)`, `bail!(..)`, or a block that does one of these at its top level.
pub(super) fn exits(expr: &syn::Expr) -> bool {
    match expr {
        syn::Expr::Return(_) => true,
        syn::Expr::Try(inner) => exits(&inner.expr),
        syn::Expr::Call(call) => matches!(&*call.func, syn::Expr::Path(path)
            if path.path.segments.last().is_some_and(|last| last.ident == "Err")),
        syn::Expr::Macro(mac) => is_exiting_macro(&mac.mac),
        syn::Expr::Block(block) => block_exits(&block.block),
        _ => false,
    }
}

fn is_exiting_macro(mac: &syn::Macro) -> bool {
    mac.path
        .segments
        .last()
        .is_some_and(|last| last.ident == "bail")
}

/// Whether a block leaves the function or answers with an error at its top level.
pub(super) fn block_exits(block: &syn::Block) -> bool {
    block.stmts.iter().any(|stmt| match stmt {
        syn::Stmt::Expr(expr, _) => exits(expr),
        syn::Stmt::Macro(mac) => is_exiting_macro(&mac.mac),
        _ => false,
    })
}
