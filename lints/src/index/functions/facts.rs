//! What the index records about functions, their bodies and consts: plain data the
//! cache stores and the model reads.

use crate::index::TypeRef;
use crate::names::Name;
use crate::positions::Span;

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
    pub(super) callee_name: Name,
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

/// `facts` without the room a growing vector keeps: a function's facts live for the whole
/// run, and that room was an eighth of their memory.
pub(crate) fn fitted<T>(mut facts: Vec<T>) -> Vec<T> {
    facts.shrink_to_fit();
    facts
}
