//! Functions, call sites, blocks and bindings: what partner context, the call
//! graph and "runs before" checks are computed from.

use super::TypeRef;
use crate::names::{exact, ident_name, segment_names, Name};
use crate::source::{
    block_span, call_span, expr_path_span, expr_span, ident_span, macro_span, method_call_span,
    span_between, span_of, span_of_tokens, token_end, token_start, Span,
};
use syn::punctuated::Punctuated;
use syn::visit::{self, Visit};

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Param {
    /// The bound name: `session` in `session: PartnerSession` and in
    /// `Extension(session): Extension<PartnerSession>`.
    pub name: Option<Name>,
    pub ty: TypeRef,
    pub span: Span,
    /// Trait bounds the type is known by: `impl AsyncCommands`, or the
    /// bounds of a generic parameter (`C: redis::AsyncCommands`, `where C: …`)
    /// the type is or refers to (`&mut C`). Each bound is a path.
    pub bounds: Vec<Vec<Name>>,
    /// Whether the name is bound inside a one-field tuple-struct pattern
    /// (`TenantPath(tenant_id): TenantPath`): then it holds that struct's field, not a
    /// value of `ty` ([`crate::index::Workspace::bound_type`]).
    pub unwrapped: bool,
}

/// An attribute on a function: `#[delete("/tenants/{id}")]` → `delete`, `/tenants/{id}`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AttrFact {
    pub name: String,
    pub first_string: Option<String>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum BlockKind {
    /// The function body.
    Body,
    /// A plain `{ … }` or `unsafe { … }` block: runs when reached.
    Plain,
    /// An `if`/`else` branch or a `match` arm: may not run.
    Branch,
    /// A loop body: may run zero times.
    Loop,
    /// A closure or async block body: runs later, if at all.
    Deferred,
}

/// A block of a function body; blocks form a tree rooted at the body (index 0).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BlockFact {
    pub parent: Option<usize>,
    pub kind: BlockKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Callee {
    /// `a::b::f(..)`, `Self::f(..)`, `f(..)`: the path's segments.
    Path(Vec<Name>),
    /// `x.f(..)`: the method name.
    Method(Name),
    /// `m!(..)`: the macro path's segments.
    Macro(Vec<Name>),
}

/// A simplified argument: where it is, the place it reads when it is one
/// (`session.tenant_id` → `["session", "tenant_id"]`, through `&`, `.clone()`
/// and the like), and its string form when it is string-like.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ArgFact {
    pub span: Span,
    pub place: Option<Vec<Name>>,
    pub string: Option<crate::strings::StrExpr>,
    /// For an expression that is not a place: where its tokens are (through the same
    /// `&`/`.clone()` wrappers `place` sees through), so two arguments can be compared
    /// structurally by [`ArgFact::shape`]. `None` for places (compare `place`), for
    /// closures and blocks, which are never "the same value" as anything, and for
    /// expressions too long to be worth comparing.
    pub shape_span: Option<Span>,
    /// The value of an integer literal, through `&`, parentheses and
    /// `Some(..)`: `4`, `Some(16_usize)`; `None` for anything else.
    pub int: Option<u64>,
}

impl ArgFact {
    /// A fingerprint of the expression's tokens (texts in order, whatever the layout; see
    /// [`crate::suppression::token_fingerprint`]): equal shapes, same expression. `text` is
    /// the file's text. Computed when a rule compares two values, which few do: hashing
    /// every argument of every call while indexing cost 2 % of a run.
    pub fn shape(&self, text: &str) -> Option<u64> {
        let tokens = text.get(self.shape_span?.range())?;
        Some(crate::suppression::token_fingerprint(tokens))
    }
}

/// A named field of a structured log event: `actor_tenant_id = %session.tenant_id`,
/// `?target_tenant_id` (the name is the expression, `session.tenant_id` for
/// `%session.tenant_id`), or a bare `tenant_id`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventField {
    pub name: String,
    /// The whole field, name and value.
    pub span: Span,
    pub value: ArgFact,
}

/// The body of a `tracing`/`log`-style event macro (`info!`, `warn!`,
/// `event!`, …) or of any macro written as `name = value` pairs: syn cannot
/// read `target: "audit", field = %expr` as expressions, so the index parses
/// it with the event grammar.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct EventFact {
    /// `target: "audit"`.
    pub target: Option<String>,
    pub fields: Vec<EventField>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CallSite {
    pub callee: Callee,
    /// The callee's last path segment, method or macro name, beside the callee: the
    /// model's passes over every call of the workspace test it first, and reading it from
    /// the path's segments cost a cache miss per call on a large workspace.
    callee_name: Name,
    /// The callee's name token (last path segment, method or macro name).
    pub name_span: Span,
    /// The whole call expression.
    pub span: Span,
    pub args: Vec<ArgFact>,
    /// For method calls, the receiver. Boxed: a third of the calls have none, and inline it
    /// made every call site 96 bytes larger (224 instead of 128), which the model's passes
    /// over every call of the workspace read through.
    pub receiver: Option<Box<ArgFact>>,
    /// Innermost block containing the call.
    pub block: usize,
    /// The result is thrown away or made harmless (`let _ = f()`, `f().ok()`,
    /// `f().unwrap_or(..)`, `f().is_ok()`): a check made this way enforces nothing.
    pub result_discarded: bool,
    /// A failure of the call leaves the function: its result goes through `?`, is returned
    /// (`return f()`, the body's tail), decides an `if`/`match`/`let … else` one of whose
    /// branches exits (`return`, `Err(..)`, `bail!`), looking through `.await`, `!` and
    /// methods that keep the outcome (`map_err`, `context`, `is_err`, …). A check made this
    /// way rejects what it does not allow.
    pub exits_on_failure: bool,
    /// For event macros (`info!(target: "audit", actor_tenant_id = %a, "…")`)
    /// and macros of `name = value` pairs: the target and named fields. Boxed: few calls
    /// have one, and every call would otherwise carry its size.
    pub event: Option<Box<EventFact>>,
}

impl CallSite {
    pub fn name(&self) -> &str {
        &self.callee_name
    }

    /// The values the call is given: its arguments, then the receiver of a method call.
    pub fn values(&self) -> impl Iterator<Item = &ArgFact> {
        self.args.iter().chain(self.receiver.as_deref())
    }
}

impl Callee {
    /// The last path segment, the method or the macro name.
    pub fn name(&self) -> &Name {
        static EMPTY: Name = Name::const_new("");
        match self {
            Callee::Path(segments) | Callee::Macro(segments) => segments.last().unwrap_or(&EMPTY),
            Callee::Method(name) => name,
        }
    }
}

/// A field of a struct literal: `actor_tenant_id: session.tenant_id.clone()`,
/// or the shorthand `actor_tenant_id` (whose value is the place `actor_tenant_id`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FieldInit {
    /// The member as written; `0` for `S { 0: x }`.
    pub name: Name,
    /// The whole `name: value`.
    pub span: Span,
    pub value: ArgFact,
}

/// The `..rest` of a struct literal.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StructRest {
    pub span: Span,
    /// `..Default::default()`, `..T::default()`, `..<T as Default>::default()`:
    /// every field not written is a default value, not copied from a record.
    pub is_default: bool,
}

/// A struct literal expression in a function body: `AuditEvent { actor_tenant_id, .. }`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StructLiteral {
    /// Last path segment, with `Self` resolved to the `impl` type when known
    /// (`AuditEvent` for `audit::AuditEvent { … }`) and a `use … as` alias to the
    /// imported name (`Entry { … }` after `use audit::AuditEntry as Entry`); enum
    /// variants give the variant name.
    pub type_name: Name,
    /// The path as written.
    pub path_span: Span,
    /// The whole literal.
    pub span: Span,
    /// Innermost block containing the literal.
    pub block: usize,
    pub fields: Vec<FieldInit>,
    pub rest: Option<StructRest>,
}

impl StructLiteral {
    pub fn field(&self, name: &str) -> Option<&FieldInit> {
        self.fields.iter().find(|field| field.name == name)
    }
}

/// An equality test between two values: `a == b`, `a != b`, `a.eq(&b)`,
/// `a.eq_ignore_ascii_case(&b)`, `assert_eq!(a, b)`. Each side is read
/// through `&`, `.clone()` and normalizing calls (`.trim()`,
/// `.to_lowercase()`), so `body.confirm.trim() == tenant.name` compares
/// the places `body.confirm` and `tenant.name`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    /// The whole comparison.
    pub span: Span,
    /// Innermost block containing it.
    pub block: usize,
    pub left: ArgFact,
    pub right: ArgFact,
}

/// How a collection is iterated.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum IterKind {
    /// `for pattern in source { body }`.
    For,
    /// `while let pattern = source.next().await { body }`.
    WhileLet,
    /// `source.method(|pattern| body)`: `map`, `for_each`, `then`,
    /// `for_each_concurrent`, … (the method name).
    Closure(Name),
}

/// A place where a collection is walked with a body that runs per item: a
/// `for` loop, a `while let` over a stream, or a closure passed to an
/// iterator or stream method.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct IterFact {
    pub kind: IterKind,
    /// `for t in tenants.iter()` for loops; the whole method call for closures.
    pub span: Span,
    /// The collection itself, with adapters that keep every item
    /// (`.iter()`, `.into_iter()`, `.filter(..)`, `.await`, `?`, `&`,
    /// `stream::iter(..)`, `.next()` for `while let`) stripped: a place
    /// (`tenants`) or a call whose span is that of a [`CallSite`].
    pub source: ArgFact,
    /// The argument of a `.take(n)` among the stripped adapters.
    pub take: Option<ArgFact>,
    /// The block of the loop or closure body.
    pub body: usize,
    /// Names the item pattern binds (`t` in `for t in ..`, `|(i, t)|` → `i`, `t`).
    pub bindings: Vec<String>,
}

/// A closure passed to a call: `.map_err(|e| …)`, `.map(|t| …)`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ClosureFact {
    /// The method or function (last segment) it is passed to.
    pub callee: String,
    /// Names its parameters bind, in order.
    pub params: Vec<String>,
    /// The block of its body.
    pub body: usize,
    /// The whole closure.
    pub span: Span,
    /// For a method call, the receiver (`graph.run(q).await` in `graph.run(q).await.map_err(..)`).
    pub receiver: Option<Span>,
}

/// A pattern that takes a value apart by path in a `match` arm, `if let` or
/// `while let`: `Err(e)`, `AppError::Db(source)`, `ApiError::Upstream { source, .. }`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PatternFact {
    /// The path's segments (`["AppError", "Db"]`).
    pub path: Vec<Name>,
    /// The names bound, with the field each comes from: the position for
    /// tuple patterns (`"0"`), the field name for struct patterns.
    pub bindings: Vec<(String, String)>,
    /// The block the names are in scope in (the arm or the `if`/`while` body).
    pub scope: usize,
    pub span: Span,
}

/// A tuple whose first element names a status code: `(StatusCode::BAD_GATEWAY, body)`.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StatusTuple {
    pub span: Span,
    /// The elements after the status code.
    pub parts: Vec<ArgFact>,
    pub block: usize,
}

/// A place read in a function body (`tenant_id`, `session.tenant_id`,
/// `self.cache`): the longest field chain, not its prefixes.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct PlaceRead {
    pub place: Vec<Name>,
    pub span: Span,
}

/// A method call with a type argument: `req.extensions().get::<PartnerSession>()`,
/// `ctx.data::<PartnerSession>()`. Framework state is often looked up by type this way.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct TypeLookup {
    pub method: Name,
    /// The first type argument.
    pub ty: TypeRef,
    /// The whole call.
    pub span: Span,
}

/// `let name = init;` with a single identifier pattern.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct LetFact {
    pub name: Name,
    pub span: Span,
    pub block: usize,
    pub init: Option<ArgFact>,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct FunctionDef {
    pub name: Name,
    pub name_span: Span,
    /// The whole item, attributes included.
    pub span: Span,
    /// Crate-relative module path, inline modules included.
    pub module_path: Vec<Name>,
    /// For methods: the `impl` block's type (last segment).
    pub impl_type: Option<Name>,
    /// For trait impl methods: the trait (last segment).
    pub trait_name: Option<Name>,
    pub has_self: bool,
    /// Parameters other than `self`.
    pub params: Vec<Param>,
    pub return_type: Option<TypeRef>,
    pub attributes: Vec<AttrFact>,
    pub blocks: Vec<BlockFact>,
    pub calls: Vec<CallSite>,
    pub lets: Vec<LetFact>,
    /// Struct literals, in source order (outer before inner).
    pub struct_literals: Vec<StructLiteral>,
    /// Paths of two or more segments used as values (`Scope::Full`,
    /// `Permissions::all`, `Role::PartnerAdmin`), in source order.
    pub value_paths: Vec<(Vec<Name>, Span)>,
    /// Equality tests, in source order.
    pub comparisons: Vec<Comparison>,
    /// Loops and per-item closures, in source order.
    pub iterations: Vec<IterFact>,
    /// Closures passed to calls, in source order.
    pub closures: Vec<ClosureFact>,
    /// Destructuring patterns of `match` arms, `if let` and `while let`.
    pub patterns: Vec<PatternFact>,
    /// `(StatusCode::…, …)` tuples.
    pub status_tuples: Vec<StatusTuple>,
    /// Every place the body reads, in source order: what a value is built
    /// from (a cache key, a struct literal) is the places read inside it.
    pub reads: Vec<PlaceRead>,
    /// Method calls with a type argument, in source order.
    pub type_lookups: Vec<TypeLookup>,
}

impl FunctionDef {
    /// Places read inside `span`, in source order (`reads` is sorted by
    /// start, so this is a binary search, not a scan).
    pub fn reads_within(&self, span: Span) -> impl Iterator<Item = &PlaceRead> {
        let first = self
            .reads
            .partition_point(|read| read.span.start < span.start);
        self.reads
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .take_while(move |read| read.span.start <= span.end)
            .filter(move |read| read.span.end <= span.end)
    }

    /// The latest `let name = …` that ends before `offset`, whatever its
    /// block: shadowing across sibling blocks is rare in the code we read.
    pub fn binding_before(&self, name: &str, offset: u32) -> Option<&LetFact> {
        self.lets
            .iter()
            .rev()
            .find(|binding| binding.name == name && binding.span.end <= offset)
    }

    /// What a value read as a bare `let`-bound name was bound to.
    pub fn bound_init(&self, value: &ArgFact) -> Option<&ArgFact> {
        let [name] = value.place.as_deref()? else {
            return None;
        };
        self.binding_before(name, value.span.start)?.init.as_ref()
    }

    /// Whether block `inner` is `outer` or nested in it.
    pub fn block_within(&self, inner: usize, outer: usize) -> bool {
        let mut current = Some(inner);
        while let Some(block) = current {
            if block == outer {
                return true;
            }
            current = self.blocks.get(block).and_then(|fact| fact.parent);
        }
        false
    }

    /// Whether code in block `block` runs whenever the function body runs
    /// to that point: no branch, loop or deferred block on the way up.
    pub fn block_unconditional(&self, block: usize) -> bool {
        let mut current = Some(block);
        while let Some(index) = current {
            let Some(fact) = self.blocks.get(index) else {
                return false;
            };
            if !matches!(fact.kind, BlockKind::Body | BlockKind::Plain) {
                return false;
            }
            current = fact.parent;
        }
        true
    }

    /// The innermost block containing `offset`.
    pub fn block_at(&self, offset: u32) -> usize {
        self.blocks
            .iter()
            .enumerate()
            .filter(|(_, block)| block.span.start <= offset && offset < block.span.end)
            .max_by_key(|(_, block)| block.span.start)
            .map_or(0, |(index, _)| index)
    }
}

/// A `const` or `static` item.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ConstDef {
    pub name: String,
    pub module_path: Vec<Name>,
    pub impl_type: Option<String>,
    pub span: Span,
    pub value: Option<crate::strings::StrExpr>,
    /// The value when it is an integer literal (`const MAX: usize = 8;`).
    pub int: Option<u64>,
    /// The value when it is a number or a span of time built from numbers and other
    /// consts (`60 * 60`, `Duration::from_secs(300)`, `Duration::from_mins(TTL_MINS)`).
    pub amount: Option<Amount>,
}

/// A number or a span of time as written: what a TTL argument or a `const` holds.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Amount {
    /// An integer literal.
    Int(u64),
    /// A path that may name a `const` (`ACCESS_TTL`, `config::TTL_SECS`).
    Const(Vec<Name>),
    /// A span of time: `of` units of `millis` milliseconds each
    /// (`Duration::from_secs(of)`, `Duration::from_mins(of)`, chrono's `Duration::hours(of)`).
    Duration { millis: u64, of: Box<Amount> },
    /// A span of time counted in units of `millis` milliseconds (`d.as_secs()`).
    Count { millis: u64, of: Box<Amount> },
    /// `a * b * …`.
    Product(Vec<Amount>),
}

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

/// The module path of a file from its workspace-relative path:
/// `portal/src/partner/mod.rs` → `partner`, `src/store/users.rs` → `store::users`.
pub fn module_path_of_file(path: &str) -> Vec<Name> {
    let parts: Vec<&str> = path.split('/').collect();
    let after_src = parts
        .iter()
        .rposition(|part| *part == "src")
        .map_or(parts.len().saturating_sub(1), |i| i + 1);
    let mut module: Vec<Name> = parts
        .get(after_src..)
        .unwrap_or(&[])
        .iter()
        .map(|part| Name::from(*part))
        .collect();
    if let Some(last) = module.pop() {
        let stem = Name::from(last.strip_suffix(".rs").unwrap_or(&last));
        if !matches!(stem.as_str(), "mod" | "lib" | "main") {
            module.push(stem);
        }
    }
    module
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
fn param_bounds(generics: &syn::Generics, ty: &syn::Type) -> Vec<Vec<Name>> {
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
fn pattern_name(pat: &syn::Pat) -> Option<Name> {
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
fn unwraps_a_tuple_struct(pat: &syn::Pat) -> bool {
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
fn attribute_facts(attrs: &[syn::Attribute]) -> Vec<AttrFact> {
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

/// The context a function is declared in.
pub struct FnContext<'a> {
    pub module_path: &'a [Name],
    pub impl_type: Option<&'a str>,
    pub trait_name: Option<&'a str>,
}

pub fn function_def(
    context: &FnContext<'_>,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    body: &syn::Block,
    item_span: Span,
) -> FunctionDef {
    function_def_and_macros(context, attrs, sig, body, item_span).0
}

/// A macro's arguments parsed as comma-separated expressions (`None` when
/// they are not), by [`macro_key`].
pub type ParsedMacros = std::collections::HashMap<(u32, u32), Option<MacroArgs>>;

pub type MacroArgs = Punctuated<syn::Expr, syn::Token![,]>;

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

/// [`function_def`], and the arguments of every macro in the body as the
/// walk parsed them, for the file-wide visitor to reuse.
pub fn function_def_and_macros(
    context: &FnContext<'_>,
    attrs: &[syn::Attribute],
    sig: &syn::Signature,
    body: &syn::Block,
    item_span: Span,
) -> (FunctionDef, ParsedMacros) {
    let mut params = Vec::with_capacity(sig.inputs.len());
    let mut has_self = false;
    for input in &sig.inputs {
        match input {
            syn::FnArg::Receiver(_) => has_self = true,
            syn::FnArg::Typed(typed) => params.push(Param {
                name: pattern_name(&typed.pat),
                ty: TypeRef::from_syn(&typed.ty),
                span: crate::source::pat_type_span(typed),
                bounds: param_bounds(&sig.generics, &typed.ty),
                unwrapped: unwraps_a_tuple_struct(&typed.pat),
            }),
        }
    }
    let mut walker = BodyWalker {
        self_type: context.impl_type.map(str::to_string),
        ..BodyWalker::default()
    };
    walker.blocks.push(BlockFact {
        parent: None,
        kind: BlockKind::Body,
        span: block_span(body),
    });
    if let Some(syn::Stmt::Expr(tail, None)) = body.stmts.last() {
        walker.exit_through(tail);
    }
    walker.walk_block_contents(body);
    let parsed_macros = std::mem::take(&mut walker.parsed_macros);
    let def = FunctionDef {
        name: ident_name(&sig.ident),
        name_span: ident_span(&sig.ident),
        span: item_span,
        module_path: context.module_path.to_vec(),
        impl_type: context.impl_type.map(Name::from),
        trait_name: context.trait_name.map(Name::from),
        has_self,
        params,
        return_type: return_type(sig),
        attributes: attribute_facts(attrs),
        blocks: fitted(walker.blocks),
        calls: fitted(walker.calls),
        lets: fitted(walker.lets),
        struct_literals: fitted(walker.struct_literals),
        value_paths: fitted(walker.value_paths),
        comparisons: fitted(walker.comparisons),
        iterations: fitted(walker.iterations),
        closures: fitted(walker.closures),
        patterns: fitted(walker.patterns),
        status_tuples: fitted(walker.status_tuples),
        reads: {
            let mut reads = walker.reads;
            reads.sort_by_key(|read| (read.span.start, read.span.end));
            fitted(reads)
        },
        type_lookups: fitted(walker.type_lookups),
    };
    (def, parsed_macros)
}

/// Methods that make a result harmless: a check whose result goes through
/// one of these enforces nothing.
const DISCARDING_METHODS: &[&str] = &[
    "ok",
    "err",
    "unwrap_or",
    "unwrap_or_default",
    "unwrap_or_else",
    "is_ok",
    "is_err",
];

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

/// Methods that compare their receiver with their argument for equality.
const EQUALITY_METHODS: &[&str] = &["eq", "ne", "eq_ignore_ascii_case"];

/// Macros that assert two arguments are equal (or not).
const EQUALITY_MACROS: &[&str] = &[
    "assert_eq",
    "assert_ne",
    "debug_assert_eq",
    "debug_assert_ne",
    "prop_assert_eq",
    "prop_assert_ne",
    "ensure_eq",
];

/// One side of a comparison, read through normalizing calls.
fn comparison_side(expr: &syn::Expr) -> ArgFact {
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
            syn::Expr::Reference(reference) => current = &reference.expr,
            syn::Expr::Paren(paren) => current = &paren.expr,
            syn::Expr::Group(group) => current = &group.expr,
            syn::Expr::Unary(unary) if matches!(unary.op, syn::UnOp::Deref(_)) => {
                current = &unary.expr
            }
            syn::Expr::MethodCall(call)
                if call.args.is_empty()
                    && TRANSPARENT_METHODS
                        .iter()
                        .any(|method| call.method == method) =>
            {
                current = &call.receiver;
            }
            _ => return None,
        }
    }
}

/// A field's name, or its position in a tuple struct (`0`).
fn member_name(member: &syn::Member) -> Name {
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
fn place_of_field_chain(expr: &syn::ExprField) -> Option<Vec<Name>> {
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
fn iteration_source(expr: &syn::Expr, next_methods: bool) -> (&syn::Expr, Option<ArgFact>) {
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
fn pattern_bindings(pat: &syn::Pat, out: &mut Vec<String>) {
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
fn path_pattern(pat: &syn::Pat) -> Option<(Vec<Name>, FieldBindings)> {
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
fn nested_patterns(pat: &syn::Pat) -> Vec<&syn::Pat> {
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
fn is_status_code(expr: &syn::Expr) -> bool {
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
fn json_values(tokens: proc_macro2::TokenStream, out: &mut Vec<syn::Expr>, depth: usize) {
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

/// Iterator and stream methods whose closure runs once per item.
const PER_ITEM_METHODS: &[&str] = &[
    "map",
    "then",
    "for_each",
    "try_for_each",
    "for_each_concurrent",
    "try_for_each_concurrent",
    "filter_map",
    "flat_map",
    "and_then",
    "map_ok",
];

/// The expression with the wrappers `place_of` sees through removed.
pub(crate) fn strip_transparent(expr: &syn::Expr) -> &syn::Expr {
    let mut current = expr;
    loop {
        current = match current {
            syn::Expr::Reference(reference) => &reference.expr,
            syn::Expr::Paren(paren) => &paren.expr,
            syn::Expr::Group(group) => &group.expr,
            syn::Expr::MethodCall(call)
                if call.args.is_empty()
                    && TRANSPARENT_METHODS
                        .iter()
                        .any(|method| call.method == method) =>
            {
                &call.receiver
            }
            _ => return current,
        };
    }
}

/// `facts` without the room a growing vector keeps: a function's facts live for the whole
/// run, and that room was an eighth of their memory.
pub(crate) fn fitted<T>(mut facts: Vec<T>) -> Vec<T> {
    facts.shrink_to_fit();
    facts
}

/// Where the tokens of an expression that is not a place are, to compare it by
/// [`ArgFact::shape`]; `span` is where the whole expression is.
fn shape_span(expr: &syn::Expr, span: Span) -> Option<Span> {
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
fn is_default_call(expr: &syn::Expr) -> bool {
    match strip_transparent(expr) {
        syn::Expr::Call(call) if call.args.is_empty() => matches!(
            &*call.func,
            syn::Expr::Path(path) if path.path.segments.last().is_some_and(|s| s.ident == "default")
        ),
        _ => false,
    }
}

/// Macros whose bodies follow the `tracing`/`log` event grammar.
const EVENT_MACROS: &[&str] = &["trace", "debug", "info", "warn", "error", "event"];

mod event_grammar {
    //! The event grammar of `tracing` (and `log`) macros:
    //! `[target: "…",] [parent: expr,] [name: "…",] [Level,]` (the level only
    //! for `event!`), then fields `name = [%|?]expr`, `[%|?]place`, then an
    //! optional format string and its arguments.

    use super::{arg_fact, EventFact, EventField};
    use crate::source::span_of_tokens;
    use syn::ext::IdentExt;
    use syn::parse::{ParseStream, Parser};
    use syn::Token;

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
}

#[derive(Default)]
struct BodyWalker {
    /// The `impl` type, for `Self { … }` literals.
    self_type: Option<String>,
    blocks: Vec<BlockFact>,
    calls: Vec<CallSite>,
    lets: Vec<LetFact>,
    struct_literals: Vec<StructLiteral>,
    value_paths: Vec<(Vec<Name>, Span)>,
    comparisons: Vec<Comparison>,
    iterations: Vec<IterFact>,
    closures: Vec<ClosureFact>,
    patterns: Vec<PatternFact>,
    status_tuples: Vec<StatusTuple>,
    /// Closures seen as call arguments whose body block is not created yet.
    pending_closures: Vec<ClosureFact>,
    reads: Vec<PlaceRead>,
    type_lookups: Vec<TypeLookup>,
    current: usize,
    /// Calls whose result is discarded, by span.
    discarded: Vec<Span>,
    /// Calls whose failure leaves the function, by span (see [`CallSite::exits_on_failure`]).
    exiting: foldhash::HashSet<(u32, u32)>,
    parsed_macros: ParsedMacros,
    /// Macros whose arguments are being walked, around the one at hand.
    macro_depth: usize,
}

/// Macros nested deeper than this inside the arguments of others (`vec![vec![…]]`) keep their
/// arguments unparsed: each level parses the tokens of every level inside it again, which on
/// a deep nest would take time quadratic in its depth. Real code nests a few.
pub(crate) const MAX_MACRO_NESTING: usize = 16;

impl BodyWalker {
    fn walk_block_contents(&mut self, block: &syn::Block) {
        for stmt in &block.stmts {
            self.visit_stmt(stmt);
        }
    }

    fn in_block<T>(&mut self, kind: BlockKind, span: Span, walk: impl FnOnce(&mut Self) -> T) -> T {
        let saved = self.current;
        self.enter_block(kind, span);
        let result = walk(self);
        self.current = saved;
        result
    }

    /// Opens a block inside the current one; the caller restores `current` when it ends.
    fn enter_block(&mut self, kind: BlockKind, span: Span) {
        self.blocks.push(BlockFact {
            parent: Some(self.current),
            kind,
            span,
        });
        self.current = self.blocks.len() - 1;
    }

    fn record_call(
        &mut self,
        callee: Callee,
        name_span: Span,
        span: Span,
        args: Vec<ArgFact>,
        receiver: Option<ArgFact>,
        event: Option<EventFact>,
    ) {
        let result_discarded = self.discarded.contains(&span);
        let exits_on_failure = self.exiting.contains(&(span.start, span.end));
        self.calls.push(CallSite {
            callee_name: callee.name().clone(),
            callee,
            name_span,
            span,
            args,
            receiver: receiver.map(Box::new),
            block: self.current,
            result_discarded,
            exits_on_failure,
            event: event.map(Box::new),
        });
    }

    /// A destructuring pattern whose names are in scope in block `scope`
    /// (the next block to be created).
    fn record_pattern(&mut self, pat: &syn::Pat, scope: usize) {
        // Outer patterns first, nested ones after; bounded by the nesting limit.
        let mut pending = vec![pat];
        while let Some(pat) = pending.pop() {
            if let Some((path, bindings)) = path_pattern(pat) {
                self.patterns.push(PatternFact {
                    path,
                    bindings: fitted(bindings),
                    scope,
                    span: crate::source::pat_span(pat),
                });
            }
            pending.extend(nested_patterns(pat).into_iter().rev());
        }
    }

    /// Closure arguments of a call, recorded before the call's arguments are visited.
    fn record_closures(
        &mut self,
        callee: &str,
        args: &Punctuated<syn::Expr, syn::Token![,]>,
        receiver: Option<Span>,
    ) {
        for arg in args {
            if let syn::Expr::Closure(closure) = arg {
                let mut params = Vec::new();
                closure
                    .inputs
                    .iter()
                    .for_each(|input| pattern_bindings(input, &mut params));
                // The body block is created when the closure is visited.
                self.pending_closures.push(ClosureFact {
                    callee: callee.to_string(),
                    params: fitted(params),
                    body: 0,
                    span: expr_span(arg),
                    receiver,
                });
            }
        }
    }

    /// The call an expression's result comes from, through `.await` and `?`.
    fn discard(&mut self, expr: &syn::Expr) {
        let mut current = expr;
        loop {
            match current {
                syn::Expr::Await(inner) => current = &inner.base,
                syn::Expr::Try(inner) => current = &inner.expr,
                syn::Expr::Paren(inner) => current = &inner.expr,
                syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::Macro(_) => {
                    self.discarded.push(expr_span(current));
                    return;
                }
                _ => return,
            }
        }
    }
}

impl BodyWalker {
    /// Marks the call whose outcome `expr` carries as one whose failure leaves the function.
    fn exit_through(&mut self, expr: &syn::Expr) {
        let mut current = expr;
        // Each step goes one level into the expression: bounded by its depth.
        loop {
            match current {
                syn::Expr::Await(inner) => current = &inner.base,
                syn::Expr::Try(inner) => current = &inner.expr,
                syn::Expr::Paren(inner) => current = &inner.expr,
                syn::Expr::Group(inner) => current = &inner.expr,
                syn::Expr::Unary(inner) if matches!(inner.op, syn::UnOp::Not(_)) => {
                    current = &inner.expr
                }
                syn::Expr::Let(inner) => current = &inner.expr,
                // A tail `match`/`if` on the outcome answers with it.
                syn::Expr::Match(inner) => current = &inner.expr,
                syn::Expr::If(inner) => current = &inner.cond,
                syn::Expr::MethodCall(call)
                    if OUTCOME_KEEPING_METHODS.contains(&call.method.to_string().as_str()) =>
                {
                    current = &call.receiver
                }
                syn::Expr::Call(_) | syn::Expr::MethodCall(_) | syn::Expr::Macro(_) => {
                    let span = expr_span(current);
                    self.exiting.insert((span.start, span.end));
                    return;
                }
                _ => return,
            }
        }
    }
}

/// Methods whose result still tells the check's outcome: the error mapped, wrapped or
/// turned into a boolean.
const OUTCOME_KEEPING_METHODS: &[&str] = &[
    "map_err",
    "map",
    "context",
    "with_context",
    "wrap_err",
    "wrap_err_with",
    "ok_or",
    "ok_or_else",
    "and_then",
    "is_ok",
    "is_err",
    "is_some",
    "is_none",
    "into",
];

/// Whether evaluating this expression leaves the function or answers with an error: `return`,
/// `Err(..)`, `bail!(..)`, or a block that does one of these at its top level.
fn exits(expr: &syn::Expr) -> bool {
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
fn block_exits(block: &syn::Block) -> bool {
    block.stmts.iter().any(|stmt| match stmt {
        syn::Stmt::Expr(expr, _) => exits(expr),
        syn::Stmt::Macro(mac) => is_exiting_macro(&mac.mac),
        _ => false,
    })
}

impl<'ast> Visit<'ast> for BodyWalker {
    fn visit_item(&mut self, _item: &'ast syn::Item) {
        // Nested items are indexed as items of their own.
    }

    fn visit_expr_field(&mut self, expr: &'ast syn::ExprField) {
        // The longest chain is the read; its base is not read separately.
        match place_of_field_chain(expr) {
            Some(place) => self.reads.push(PlaceRead {
                place,
                span: crate::source::expr_field_span(expr),
            }),
            None => visit::visit_expr_field(self, expr),
        }
    }

    fn visit_expr_path(&mut self, expr: &'ast syn::ExprPath) {
        let span = expr_path_span(expr);
        let segments = segment_names(&expr.path);
        if segments.len() >= 2 {
            self.value_paths.push((segments.clone(), span));
        }
        if expr.qself.is_none() {
            self.reads.push(PlaceRead {
                place: segments,
                span,
            });
        }
    }

    fn visit_local(&mut self, local: &'ast syn::Local) {
        if let (syn::Pat::Wild(_), Some(init)) = (&local.pat, &local.init) {
            self.discard(&init.expr);
        }
        if let Some(init) = local.init.as_ref().filter(|init| init.diverge.is_some()) {
            self.exit_through(&init.expr);
        }
        let name = match &local.pat {
            syn::Pat::Ident(ident) => Some(ident_name(&ident.ident)),
            syn::Pat::Type(typed) => match &*typed.pat {
                syn::Pat::Ident(ident) => Some(ident_name(&ident.ident)),
                _ => None,
            },
            _ => None,
        };
        if let Some(name) = name {
            self.lets.push(LetFact {
                name,
                span: span_between(local.let_token.span, local.semi_token.span),
                block: self.current,
                init: local.init.as_ref().map(|init| arg_fact(&init.expr)),
            });
        }
        visit::visit_local(self, local);
    }

    fn visit_block(&mut self, block: &'ast syn::Block) {
        self.in_block(BlockKind::Plain, block_span(block), |walker| {
            walker.walk_block_contents(block)
        });
    }

    /// Each arm's block is a branch, and everything after an `else` is a branch nested in
    /// the one before (an `else if`'s condition runs only when the conditions before failed).
    /// The arms are walked one after the other, not recursively (see `visit_if_chain`).
    fn visit_expr_if(&mut self, expr: &'ast syn::ExprIf) {
        let outside = self.current;
        let mut arm = expr;
        loop {
            let else_exits = match arm.else_branch.as_ref().map(|(_, otherwise)| &**otherwise) {
                Some(syn::Expr::Block(block)) => block_exits(&block.block),
                _ => false,
            };
            if else_exits || block_exits(&arm.then_branch) {
                self.exit_through(&arm.cond);
            }
            self.visit_expr(&arm.cond);
            if let syn::Expr::Let(condition) = &*arm.cond {
                self.record_pattern(&condition.pat, self.blocks.len());
            }
            self.in_block(BlockKind::Branch, block_span(&arm.then_branch), |walker| {
                walker.walk_block_contents(&arm.then_branch)
            });
            let Some((_, otherwise)) = &arm.else_branch else {
                break;
            };
            self.enter_block(BlockKind::Branch, expr_span(otherwise));
            match &**otherwise {
                syn::Expr::If(next) => arm = next,
                syn::Expr::Block(block) => {
                    self.walk_block_contents(&block.block);
                    break;
                }
                other => {
                    self.visit_expr(other);
                    break;
                }
            }
        }
        self.current = outside;
    }

    fn visit_expr_match(&mut self, expr: &'ast syn::ExprMatch) {
        if expr.arms.iter().any(|arm| exits(&arm.body)) {
            self.exit_through(&expr.expr);
        }
        visit::visit_expr_match(self, expr);
    }

    fn visit_expr_try(&mut self, expr: &'ast syn::ExprTry) {
        self.exit_through(&expr.expr);
        visit::visit_expr_try(self, expr);
    }

    fn visit_expr_return(&mut self, expr: &'ast syn::ExprReturn) {
        if let Some(value) = &expr.expr {
            self.exit_through(value);
        }
        visit::visit_expr_return(self, expr);
    }

    fn visit_arm(&mut self, arm: &'ast syn::Arm) {
        self.record_pattern(&arm.pat, self.blocks.len());
        self.in_block(
            BlockKind::Branch,
            crate::source::pat_span(&arm.pat).cover(expr_span(&arm.body)),
            |walker| {
                if let Some((_, guard)) = &arm.guard {
                    walker.visit_expr(guard);
                }
                match &*arm.body {
                    syn::Expr::Block(block) => walker.walk_block_contents(&block.block),
                    body => walker.visit_expr(body),
                }
            },
        );
    }

    fn visit_expr_tuple(&mut self, tuple: &'ast syn::ExprTuple) {
        if tuple.elems.first().is_some_and(is_status_code) {
            self.status_tuples.push(StatusTuple {
                span: span_of_tokens(tuple),
                parts: tuple.elems.iter().skip(1).map(arg_fact).collect(),
                block: self.current,
            });
        }
        visit::visit_expr_tuple(self, tuple);
    }

    fn visit_expr_while(&mut self, expr: &'ast syn::ExprWhile) {
        self.visit_expr(&expr.cond);
        if let syn::Expr::Let(condition) = &*expr.cond {
            self.record_pattern(&condition.pat, self.blocks.len());
            let (source, take) = iteration_source(&condition.expr, true);
            let mut bindings = Vec::new();
            pattern_bindings(&condition.pat, &mut bindings);
            self.iterations.push(IterFact {
                kind: IterKind::WhileLet,
                span: span_of(expr.while_token.span).cover(expr_span(&condition.expr)),
                source: arg_fact(source),
                take,
                body: self.blocks.len(),
                bindings: fitted(bindings),
            });
        }
        self.in_block(BlockKind::Loop, block_span(&expr.body), |walker| {
            walker.walk_block_contents(&expr.body)
        });
    }

    fn visit_expr_for_loop(&mut self, expr: &'ast syn::ExprForLoop) {
        self.visit_expr(&expr.expr);
        let (source, take) = iteration_source(&expr.expr, false);
        let mut bindings = Vec::new();
        pattern_bindings(&expr.pat, &mut bindings);
        self.iterations.push(IterFact {
            kind: IterKind::For,
            span: span_of(expr.for_token.span).cover(expr_span(&expr.expr)),
            source: arg_fact(source),
            take,
            body: self.blocks.len(),
            bindings: fitted(bindings),
        });
        self.in_block(BlockKind::Loop, block_span(&expr.body), |walker| {
            walker.walk_block_contents(&expr.body)
        });
    }

    fn visit_expr_loop(&mut self, expr: &'ast syn::ExprLoop) {
        self.in_block(BlockKind::Loop, block_span(&expr.body), |walker| {
            walker.walk_block_contents(&expr.body)
        });
    }

    fn visit_expr_closure(&mut self, expr: &'ast syn::ExprClosure) {
        let span = crate::source::closure_span(expr);
        if let Some(at) = self
            .pending_closures
            .iter()
            .position(|pending| pending.span == span)
        {
            let mut fact = self.pending_closures.swap_remove(at);
            fact.body = self.blocks.len();
            self.closures.push(fact);
        }
        self.in_block(BlockKind::Deferred, expr_span(&expr.body), |walker| {
            walker.visit_expr(&expr.body)
        });
    }

    fn visit_expr_async(&mut self, expr: &'ast syn::ExprAsync) {
        self.in_block(BlockKind::Deferred, block_span(&expr.block), |walker| {
            walker.walk_block_contents(&expr.block)
        });
    }

    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            let segments: Vec<Name> = segment_names(&path.path);
            let name_span = path
                .path
                .segments
                .last()
                .map_or_else(|| span_of_tokens(path), |s| ident_span(&s.ident));
            self.record_call(
                Callee::Path(segments),
                name_span,
                call_span(call),
                exact(call.args.iter().map(arg_fact)),
                None,
                None,
            );
            let name = path
                .path
                .segments
                .last()
                .map(|s| s.ident.to_string())
                .unwrap_or_default();
            self.record_closures(&name, &call.args, None);
        }
        visit::visit_expr_call(self, call);
    }

    fn visit_expr_method_call(&mut self, call: &'ast syn::ExprMethodCall) {
        let method = ident_name(&call.method);
        if DISCARDING_METHODS.contains(&method.as_str()) {
            self.discard(&call.receiver);
        }
        if let (true, Some(other)) = (
            EQUALITY_METHODS.contains(&method.as_str()),
            call.args.first(),
        ) {
            self.comparisons.push(Comparison {
                span: method_call_span(call),
                block: self.current,
                left: comparison_side(&call.receiver),
                right: comparison_side(other),
            });
        }
        self.record_call(
            Callee::Method(method.clone()),
            ident_span(&call.method),
            method_call_span(call),
            exact(call.args.iter().map(arg_fact)),
            Some(arg_fact(&call.receiver)),
            None,
        );
        self.record_closures(&method, &call.args, Some(expr_span(&call.receiver)));
        let type_argument = call.turbofish.as_ref().and_then(|turbofish| {
            turbofish.args.iter().find_map(|arg| match arg {
                syn::GenericArgument::Type(ty) => Some(TypeRef::from_syn(ty)),
                _ => None,
            })
        });
        if let Some(ty) = type_argument {
            self.type_lookups.push(TypeLookup {
                method: method.clone(),
                ty,
                span: method_call_span(call),
            });
        }
        if !PER_ITEM_METHODS.contains(&method.as_str()) {
            visit::visit_expr_method_call(self, call);
            return;
        }
        // A per-item closure: record it with the block its body becomes.
        self.visit_expr(&call.receiver);
        for arg in &call.args {
            if let syn::Expr::Closure(closure) = arg {
                let (source, take) = iteration_source(&call.receiver, false);
                let mut bindings = Vec::new();
                closure
                    .inputs
                    .iter()
                    .for_each(|input| pattern_bindings(input, &mut bindings));
                self.iterations.push(IterFact {
                    kind: IterKind::Closure(method.clone()),
                    span: method_call_span(call),
                    source: arg_fact(source),
                    take: take.clone(),
                    body: self.blocks.len(),
                    bindings: fitted(bindings),
                });
            }
            self.visit_expr(arg);
        }
    }

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        let segments: Vec<Name> = segment_names(&mac.path);
        let name_span = mac
            .path
            .segments
            .last()
            .map_or_else(|| span_of_tokens(&mac.path), |s| ident_span(&s.ident));
        // Macro arguments are tokens to syn; most macros take expressions.
        let parse = self.macro_depth < MAX_MACRO_NESTING;
        let args = parse
            .then(|| {
                mac.parse_body_with(Punctuated::<syn::Expr, syn::Token![,]>::parse_terminated)
                    .ok()
            })
            .flatten();
        let arg_facts: Vec<ArgFact> = args
            .as_ref()
            .map(|args| exact(args.iter().map(arg_fact)))
            .unwrap_or_default();
        // Event macros, and macros written as `name = value` pairs, are read
        // with the event grammar as well (`target: "audit"`, `a = %b`).
        let name = segments.last().map_or("", Name::as_str);
        let key_value = args.as_ref().is_some_and(|args| {
            !args.is_empty() && args.iter().all(|arg| matches!(arg, syn::Expr::Assign(_)))
        });
        if let (true, Some(args)) = (EQUALITY_MACROS.contains(&name), &args) {
            if let (Some(left), Some(right)) = (args.get(0), args.get(1)) {
                self.comparisons.push(Comparison {
                    span: macro_span(mac),
                    block: self.current,
                    left: comparison_side(left),
                    right: comparison_side(right),
                });
            }
        }
        let event = (parse && (EVENT_MACROS.contains(&name) || key_value))
            .then(|| event_grammar::parse(mac.tokens.clone(), name == "event"))
            .flatten();
        // `json!({"error": e.to_string()})`: the values are expressions.
        let args = match (args, name) {
            (None, "json") if parse => {
                let mut values = Vec::new();
                json_values(mac.tokens.clone(), &mut values, 0);
                Some(
                    values
                        .into_iter()
                        .collect::<Punctuated<syn::Expr, syn::Token![,]>>(),
                )
            }
            (args, _) => args,
        };
        let arg_facts = match (&args, name) {
            (Some(values), "json") => exact(values.iter().map(arg_fact)),
            _ => arg_facts,
        };
        self.record_call(
            Callee::Macro(segments),
            name_span,
            macro_span(mac),
            arg_facts,
            None,
            event.as_ref().map(|parsed| parsed.fact.clone()),
        );
        self.macro_depth += 1;
        match (&args, &event) {
            (Some(args), _) => {
                for arg in args {
                    self.visit_expr(arg);
                }
            }
            (None, Some(parsed)) => {
                for expr in &parsed.exprs {
                    self.visit_expr(expr);
                }
            }
            (None, None) => {}
        }
        self.macro_depth -= 1;
        self.parsed_macros.insert(macro_key(mac), args);
    }

    fn visit_expr_binary(&mut self, expr: &'ast syn::ExprBinary) {
        if matches!(expr.op, syn::BinOp::Eq(_) | syn::BinOp::Ne(_)) {
            self.comparisons.push(Comparison {
                span: expr_span(&expr.left).cover(expr_span(&expr.right)),
                block: self.current,
                left: comparison_side(&expr.left),
                right: comparison_side(&expr.right),
            });
        }
        visit::visit_expr_binary(self, expr);
    }

    fn visit_expr_struct(&mut self, literal: &'ast syn::ExprStruct) {
        let written = literal
            .path
            .segments
            .last()
            .map(|segment| ident_name(&segment.ident))
            .unwrap_or_default();
        let type_name = match (written.as_str(), &self.self_type) {
            ("Self", Some(self_type)) => Name::from(self_type.as_str()),
            _ => written,
        };
        let fields = exact(literal.fields.iter().map(|field| FieldInit {
            name: member_name(&field.member),
            span: crate::source::member_span(&field.member).cover(expr_span(&field.expr)),
            value: arg_fact(&field.expr),
        }));
        let rest = literal.rest.as_ref().map(|rest| StructRest {
            span: expr_span(rest),
            is_default: is_default_call(rest),
        });
        let path_span = crate::source::path_span(&literal.path);
        self.struct_literals.push(StructLiteral {
            type_name,
            path_span,
            span: path_span.cover(span_of(literal.brace_token.span.close())),
            block: self.current,
            fields,
            rest,
        });
        visit::visit_expr_struct(self, literal);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_paths_from_file_paths() {
        assert_eq!(
            module_path_of_file("portal/src/partner/mod.rs"),
            ["partner"]
        );
        assert_eq!(
            module_path_of_file("src/store/users.rs"),
            ["store", "users"]
        );
        assert_eq!(module_path_of_file("src/lib.rs"), Vec::<String>::new());
        assert_eq!(
            module_path_of_file("crates/api/src/main.rs"),
            Vec::<String>::new()
        );
        assert_eq!(
            module_path_of_file("tests/partner_flow.rs"),
            ["partner_flow"]
        );
    }

    fn function(source: &str) -> FunctionDef {
        let item: syn::ItemFn = syn::parse_str(source).unwrap();
        let context = FnContext {
            module_path: &[],
            impl_type: None,
            trait_name: None,
        };
        function_def(
            &context,
            &item.attrs,
            &item.sig,
            &item.block,
            crate::source::fn_item_span(&item),
        )
    }

    #[test]
    fn attributes_without_doc_comments() {
        let f = function(
            r#"/// Deletes a tenant.
            #[doc = "More."]
            #[delete("/tenants/{id}")]
            #[tokio::test]
            /** Block docs. */
            #[cached(key = "String", convert = r"{ id.clone() }")]
            fn f() {}"#,
        );
        let attributes: Vec<(&str, Option<&str>)> = f
            .attributes
            .iter()
            .map(|a| (a.name.as_str(), a.first_string.as_deref()))
            .collect();
        assert_eq!(
            attributes,
            [
                ("delete", Some("/tenants/{id}")),
                ("test", None),
                ("cached", None)
            ]
        );
        assert_eq!(f.attributes.capacity(), 3);
    }

    #[test]
    fn params_know_their_trait_bounds() {
        let f = function("async fn h<C: redis::AsyncCommands + Send, D>(a: &mut C, b: impl Commands, c: D, d: u8) where D: Cached<String, u8> {}");
        let bounds: Vec<Vec<String>> = f
            .params
            .iter()
            .map(|p| p.bounds.iter().map(|b| b.join("::")).collect())
            .collect();
        assert_eq!(
            bounds,
            [
                vec!["redis::AsyncCommands".to_string(), "Send".to_string()],
                vec!["Commands".to_string()],
                vec!["Cached".to_string()],
                vec![],
            ]
        );
    }

    #[test]
    fn params_see_through_extractors() {
        let f = function("async fn h(Extension(session): Extension<PartnerSession>, State(db): State<Db>, id: &str) {}");
        let names: Vec<_> = f
            .params
            .iter()
            .map(|p| p.name.clone().unwrap_or_default())
            .collect();
        assert_eq!(names, ["session", "db", "id"]);
        assert_eq!(f.params[0].ty.args()[0].name(), Some("PartnerSession"));
    }

    #[test]
    fn calls_know_whether_their_failure_leaves_the_function() {
        let f = function(
            r#"async fn layer(req: Request, next: Next) -> Result<Response, StatusCode> {
                ensure_manages(&a, &b).await.map_err(|_| StatusCode::FORBIDDEN)?;
                if !partner_manages(&a).await { return Err(StatusCode::FORBIDDEN); }
                if let Err(e) = verify_manages(&a).await { tracing::warn!("{e}"); }
                let Ok(tenant) = load_tenant(&a).await else { return Err(StatusCode::NOT_FOUND) };
                match check_scope(&a) { Ok(()) => {}, Err(_) => return Err(StatusCode::FORBIDDEN) }
                let _ = audit_access(&a).await;
                record(&a);
                Ok(next.run(req).await)
            }"#,
        );
        let exiting: Vec<&str> = f
            .calls
            .iter()
            .filter(|call| call.exits_on_failure)
            .map(CallSite::name)
            .collect();
        assert_eq!(
            exiting,
            [
                "ensure_manages",
                "partner_manages",
                "Err",
                "load_tenant",
                "Err",
                "check_scope",
                "Err",
                "Ok"
            ]
        );
        // The tail answers with the outcome; a check in a closure leaves only the closure.
        let tail = function("async fn from_request_parts(p: &mut Parts) -> Result<Self, E> { ensure_manages(&p).await.map(|_| Self) }");
        let guard = tail
            .calls
            .iter()
            .find(|call| call.name() == "ensure_manages");
        assert!(guard.is_some_and(|call| call.exits_on_failure), "{guard:?}");
    }

    #[test]
    fn calls_know_their_block_and_whether_their_result_is_discarded() {
        let f = function(
            r#"async fn h() {
                ensure_manages(&a, &b).await?;
                let _ = check_partner_access(&a).await;
                verify_manages(&a).ok();
                if x { require_manages(&a)?; }
                for t in ts { store::write(t).await; }
                tokio::spawn(async move { audit!(t) });
            }"#,
        );
        let summary: Vec<(String, BlockKind, bool)> = f
            .calls
            .iter()
            .map(|c| {
                (
                    c.name().to_string(),
                    f.blocks[c.block].kind,
                    c.result_discarded,
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                ("ensure_manages".into(), BlockKind::Body, false),
                ("check_partner_access".into(), BlockKind::Body, true),
                ("ok".into(), BlockKind::Body, false),
                ("verify_manages".into(), BlockKind::Body, true),
                ("require_manages".into(), BlockKind::Branch, false),
                ("write".into(), BlockKind::Loop, false),
                ("spawn".into(), BlockKind::Body, false),
                ("audit".into(), BlockKind::Deferred, false),
            ]
        );
        assert!(f.block_unconditional(f.calls[0].block));
        assert!(!f.block_unconditional(f.calls[4].block));
    }

    #[test]
    fn value_paths_are_recorded() {
        let f = function("fn default() -> Self { Self { scopes: Permissions::all(), level: Scope::Full, n: x } }");
        let paths: Vec<String> = f
            .value_paths
            .iter()
            .map(|(segments, _)| segments.join("::"))
            .collect();
        assert_eq!(paths, ["Permissions::all", "Scope::Full"]);
    }

    #[test]
    fn struct_literals_with_fields_rest_and_self() {
        let source = r#"fn h() {
            let e = audit::AuditEvent { actor_tenant_id: session.tenant_id.clone(), action, ..Default::default() };
            let u = Usage { tenant_id: &t, units: n + 1, ..base };
            let r = Report { inner: Stats { count: 1 }, ..Stats::default() };
        }"#;
        let item: syn::ItemFn = syn::parse_str(source).unwrap();
        let context = FnContext {
            module_path: &[],
            impl_type: Some("Ledger"),
            trait_name: None,
        };
        let f = function_def(
            &context,
            &item.attrs,
            &item.sig,
            &item.block,
            crate::source::fn_item_span(&item),
        );
        let names: Vec<&str> = f
            .struct_literals
            .iter()
            .map(|l| l.type_name.as_str())
            .collect();
        assert_eq!(names, ["AuditEvent", "Usage", "Report", "Stats"]);
        let audit = &f.struct_literals[0];
        assert_eq!(
            audit
                .field("actor_tenant_id")
                .and_then(|f| f.value.place.clone()),
            Some(vec![Name::from("session"), Name::from("tenant_id")])
        );
        // Shorthand `action` reads the place `action`.
        assert_eq!(
            audit.field("action").and_then(|f| f.value.place.clone()),
            Some(vec![Name::from("action")])
        );
        assert!(audit.rest.as_ref().is_some_and(|rest| rest.is_default));
        assert!(f.struct_literals[1]
            .rest
            .as_ref()
            .is_some_and(|rest| !rest.is_default));
        assert!(f.struct_literals[2]
            .rest
            .as_ref()
            .is_some_and(|rest| rest.is_default));
        let units = f.struct_literals[1].field("units").unwrap();
        assert_eq!(&source[units.value.span.range()], "n + 1");
        // `Self { .. }` is the impl type.
        let f = {
            let item: syn::ItemFn =
                syn::parse_str("fn new() -> Self { Self { tenant_id: 1 } }").unwrap();
            function_def(
                &context,
                &item.attrs,
                &item.sig,
                &item.block,
                crate::source::fn_item_span(&item),
            )
        };
        assert_eq!(f.struct_literals[0].type_name, "Ledger");
    }

    /// An argument's shape, read as a rule reads it: the indexed fact and the file's text.
    fn shape(source: &str) -> Option<u64> {
        let text: std::sync::Arc<str> = source.into();
        let lines = crate::source::LineIndex::new(&text);
        let fact = crate::source::with_fast_spans(&text, &lines, || {
            arg_fact(&syn::parse_str::<syn::Expr>(source).unwrap())
        });
        fact.shape(source)
    }

    #[test]
    fn a_bare_path_argument_is_the_string_expression_str_expr_reads() {
        for source in [
            "tenant_id",
            "queries::LIST_USERS",
            "Self::QUERY",
            "::std::QUERY",
            "r#type",
            "Vec::<u8>::QUERY",
            "<T as Queries>::LIST",
            "#[allow(unused)] tenant_id",
            "(tenant_id)",
        ] {
            let text: std::sync::Arc<str> = source.into();
            let lines = crate::source::LineIndex::new(&text);
            let (fact, direct) = crate::source::with_fast_spans(&text, &lines, || {
                let expr = syn::parse_str::<syn::Expr>(source).unwrap();
                (arg_fact(&expr), crate::strings::str_expr(&expr))
            });
            assert_eq!(fact.string, direct, "{source}");
        }
    }

    #[test]
    fn shapes_compare_non_place_expressions_structurally() {
        assert_eq!(shape("Some(a.b)"), shape("&Some( a . b ).clone()"));
        assert_ne!(shape("Some(a.b)"), shape("Some(a.c)"));
        assert_eq!(shape("a.b"), None, "places compare by place");
        assert_eq!(shape("|| x"), None);
    }

    /// The fingerprint follows the tokens and their structure: layout and comments do not
    /// count, every token text and grouping does.
    #[test]
    fn shapes_follow_tokens_not_layout() {
        let same = [
            (
                "f(a, \"x y\", 'c', 1.5e3, r#type)",
                "f( a,\"x y\",'c' , 1.5e3,r#type )",
            ),
            (
                "Some([a.b, c::d][0] + !e)",
                "Some([a.b /* first */, c :: d][0]\n + !e)",
            ),
            ("{ x }.y()", "{x}.y( )"),
            ("a && b as u64", "a&&b // why\n as u64"),
            ("f(b\"x\", 'y', r#\"z\"#)", "f( b\"x\" , 'y' , r#\"z\"# )"),
        ];
        for (one, other) in same {
            assert!(shape(one).is_some(), "{one}");
            assert_eq!(shape(one), shape(other), "{one} / {other}");
        }
        let different = [
            ("f(a, \"x y\")", "f(a, \"x  y\")"),
            ("f(1.5e3)", "f(1500.0)"),
            ("x + y * z", "(x + y) * z"),
            ("f(a)", "f(a,)"),
            ("f(a)", "f![a]"),
            ("tenant.id()", "tenant.name()"),
            ("a & &b", "a && b"),
            ("f(&mut x)", "f(&mutx)"),
            ("f(\"a // b\")", "f(\"a\")"),
        ];
        for (one, other) in different {
            assert_ne!(shape(one), shape(other), "{one} / {other}");
        }
    }

    fn event_of(f: &FunctionDef, name: &str) -> EventFact {
        f.calls
            .iter()
            .find(|c| c.name() == name)
            .and_then(|c| c.event.as_deref().cloned())
            .expect("an event")
    }

    #[test]
    fn event_macros_record_target_and_fields() {
        let f = function(
            r#"fn h() {
                tracing::info!(target: "audit", actor_tenant_id = %session.tenant_id, target_tenant_id = ?tenant_id, %action, user.id, "rotated {}", load(name));
                event!(target: "audit", Level::WARN, r#type = "x", "msg");
                warn!("plain {}", x);
                audit!(actor_tenant_id = a, target_tenant_id = b);
            }"#,
        );
        let info = event_of(&f, "info");
        assert_eq!(info.target.as_deref(), Some("audit"));
        let fields: Vec<(&str, Option<String>)> = info
            .fields
            .iter()
            .map(|field| {
                (
                    field.name.as_str(),
                    field.value.place.as_ref().map(|p| p.join(".")),
                )
            })
            .collect();
        assert_eq!(
            fields,
            [
                ("actor_tenant_id", Some("session.tenant_id".to_string())),
                ("target_tenant_id", Some("tenant_id".to_string())),
                ("action", Some("action".to_string())),
                ("user.id", Some("user.id".to_string())),
            ]
        );
        // Calls inside the event are still seen.
        assert!(f.calls.iter().any(|c| c.name() == "load"));
        let event = event_of(&f, "event");
        assert_eq!(event.target.as_deref(), Some("audit"));
        assert_eq!(event.fields[0].name, "type");
        let plain = event_of(&f, "warn");
        assert_eq!((plain.target, plain.fields.len()), (None, 0));
        let custom = event_of(&f, "audit");
        assert_eq!(custom.fields.len(), 2);
        assert_eq!(custom.fields[1].name, "target_tenant_id");
    }

    #[test]
    fn malformed_event_bodies_are_skipped_not_fatal() {
        let f = function(r#"fn h() { info!(target: , = %); error!(target: "audit" a b); }"#);
        assert!(f.calls.iter().all(|c| c.event.is_none()));
    }

    #[test]
    fn reads_are_the_longest_place_chains() {
        let f = function(
            r#"fn h() { let k = format!("{}:{}", session.tenant_id, load(x).id); conn.set(&k, v); }"#,
        );
        let reads: Vec<String> = f.reads.iter().map(|read| read.place.join(".")).collect();
        assert_eq!(reads, ["session.tenant_id", "load", "x", "conn", "k", "v"]);
    }

    #[test]
    fn places_look_through_references_and_copies() {
        let expr: syn::Expr = syn::parse_str("&session.tenant_id.clone()").unwrap();
        assert_eq!(
            place_of(&expr),
            Some(vec![Name::from("session"), Name::from("tenant_id")])
        );
        let expr: syn::Expr = syn::parse_str("format!(\"{}\", x)").unwrap();
        assert_eq!(place_of(&expr), None);
    }

    #[test]
    fn comparisons_in_every_spelling_read_through_normalizing_calls() {
        let f = function(
            r#"fn h(body: Body, tenant: Tenant) {
                if body.confirm.trim() != tenant.name { return; }
                ensure!(body.confirm == tenant.name.to_lowercase(), "typed name");
                assert_eq!(&body.confirm, "DELETE");
                if !body.confirm.eq_ignore_ascii_case(&tenant.slug) { return; }
                let x = a < b;
            }"#,
        );
        let pairs: Vec<(Option<String>, Option<String>, usize)> = f
            .comparisons
            .iter()
            .map(|c| {
                (
                    c.left.place.as_ref().map(|p| p.join(".")),
                    c.right.place.as_ref().map(|p| p.join(".")),
                    c.block,
                )
            })
            .collect();
        let some = |text: &str| Some(text.to_string());
        assert_eq!(
            pairs,
            [
                (some("body.confirm"), some("tenant.name"), 0),
                (some("body.confirm"), some("tenant.name"), 0),
                (some("body.confirm"), None, 0),
                (some("body.confirm"), some("tenant.slug"), 0),
            ]
        );
        assert!(f.comparisons[2].right.string.is_some());
    }

    #[test]
    fn iterations_record_the_collection_and_the_body() {
        let f = function(
            r#"async fn h() {
                for t in store::all_tenants(&db).await?.iter().take(3) { run(t).await; }
                while let Ok(Some(row)) = rows.next().await { use_row(row); }
                join_all(tenants.iter().map(|(i, t)| async move { run(t).await }));
                stream::iter(&tenants).for_each_concurrent(None, |t| async move { run(t).await });
            }"#,
        );
        type Summary = (IterKind, Option<String>, Option<u64>, Vec<String>);
        let summary: Vec<Summary> = f
            .iterations
            .iter()
            .map(|it| {
                (
                    it.kind.clone(),
                    it.source.place.as_ref().map(|p| p.join(".")),
                    it.take.as_ref().and_then(|t| t.int),
                    it.bindings.clone(),
                )
            })
            .collect();
        assert_eq!(
            summary,
            [
                (IterKind::For, None, Some(3), vec!["t".to_string()]),
                (
                    IterKind::WhileLet,
                    Some("rows".into()),
                    None,
                    vec!["row".to_string()]
                ),
                (
                    IterKind::Closure("map".into()),
                    Some("tenants".into()),
                    None,
                    vec!["i".to_string(), "t".to_string()]
                ),
                (
                    IterKind::Closure("for_each_concurrent".into()),
                    Some("tenants".into()),
                    None,
                    vec!["t".to_string()]
                ),
            ]
        );
        // The `for` source is the call, and every body block holds its work.
        let all = f.calls.iter().find(|c| c.name() == "all_tenants").unwrap();
        assert_eq!(f.iterations[0].source.span, all.span);
        for (iteration, work) in f.iterations.iter().zip(["run", "use_row", "run", "run"]) {
            assert!(f
                .calls
                .iter()
                .any(|c| c.name() == work && f.block_within(c.block, iteration.body)));
        }
    }

    #[test]
    fn closures_patterns_status_tuples_and_json_values() {
        let f = function(
            r#"fn h() {
                let r = graph.run(q).await.map_err(|e| (StatusCode::BAD_GATEWAY, e.to_string()));
                match self { AppError::Db(source) => 1, AppError::Upstream { cause, .. } | Err(cause) => 2, _ => 3 }
                if let Err(err) = r { Json(json!({"error": err.to_string(), "ids": [a, b], "n": {"q": QUERY}})) }
            }"#,
        );
        let closure = &f.closures[0];
        assert_eq!(
            (closure.callee.as_str(), closure.params.clone()),
            ("map_err", vec!["e".to_string()])
        );
        assert!(f
            .calls
            .iter()
            .any(|c| c.name() == "to_string" && f.block_within(c.block, closure.body)));
        let patterns: Vec<(String, Vec<(String, String)>)> = f
            .patterns
            .iter()
            .map(|p| (p.path.join("::"), p.bindings.clone()))
            .collect();
        assert_eq!(
            patterns,
            [
                (
                    "AppError::Db".to_string(),
                    vec![("source".to_string(), "0".to_string())]
                ),
                (
                    "AppError::Upstream".to_string(),
                    vec![("cause".to_string(), "cause".to_string())]
                ),
                (
                    "Err".to_string(),
                    vec![("cause".to_string(), "0".to_string())]
                ),
                (
                    "Err".to_string(),
                    vec![("err".to_string(), "0".to_string())]
                ),
            ]
        );
        assert_eq!(f.status_tuples.len(), 1);
        assert_eq!(f.status_tuples[0].parts.len(), 1);
        let json = f.calls.iter().find(|c| c.name() == "json").unwrap();
        let places: Vec<Option<String>> = json
            .args
            .iter()
            .map(|a| a.place.as_ref().map(|p| p.join(".")))
            .collect();
        // `.to_string()` reads the place it is called on.
        assert_eq!(
            places,
            [
                Some("err".into()),
                Some("a".into()),
                Some("b".into()),
                Some("QUERY".into())
            ]
        );
        let to_string = f.calls.iter().filter(|c| c.name() == "to_string").count();
        assert_eq!(to_string, 2, "calls inside json! are seen");
    }
}
