//! PS301 unthrottled-tenant-fanout: bulk work over many tenants with no rate
//! limit or concurrency bound.

use crate::checklist::{ChecklistItem, Level};
use crate::cypher::{ClauseKind, QueryFacts};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{
    ArgFact, BlockKind, CallSite, Callee, FunctionDef, IterFact, IterKind, TypeRef, Workspace,
};
use crate::model::body_needs::BodyNeeds;
use crate::model::caches;
use crate::model::callgraph::FnId;
use crate::model::name_patterns::Patterns;
use crate::model::queries::{Origin, Query, QueryCalls};
use crate::model::vocabulary::Vocabulary;
use crate::names::words;
use crate::names::Name;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use foldhash::{HashSet, HashSetExt as _};

pub const META: RuleMeta = RuleMeta {
    code: "PS301",
    name: "unthrottled-tenant-fanout",
    checklist_item: Some(ChecklistItem::NoisyNeighbor),
    default_level: Level::Deny,
    summary: "A bulk operation over many tenants with no rate limit or concurrency bound",
    docs: r#"## What it does
Flags work done for every tenant of a tenant collection with nothing that limits its
rate or concurrency, and Cypher writes over every tenant a partner manages in one
transaction.

A *tenant collection* is a value whose name matches `tenant_collections` (`tenants`,
`managed_tenants`, `tenant_ids`), the result of a call whose name matches
`tenant_functions` or `tenant_collections` (`all_tenants()`, `store::list_tenants(..)`,
`partner.tenants()`), a `let` binding of one of these, or the rows of a Cypher query
that returns `:Tenant` nodes without pinning one (no `{id: $id}`, no `t.id = $id`, no
`LIMIT`). Adapters that keep items (`.iter()`, `.filter(..)`, `.await?`,
`stream::iter(..)`, `.next()` of a `while let`) are looked through.

*Work per tenant* is a database query (a configured query call or method, sqlx-style
`fetch_*`), an ORM write known by the value it runs on (a sea-orm `ActiveModel`'s
`insert`/`update`/`save`/`delete` with a connection, an `Entity::update_many()`-style
statement's `exec`, a diesel `insert_into`/`update`/`delete` statement's `execute` or
`get_result(s)`; a `Vec`'s or `HashMap`'s `insert` is none), an HTTP request (`.send()` on a request, `reqwest::get`), a cache write
(`set`/`set_ex`/`hset`/`del`/… with Redis arity, or a write method on a value named
`*cache*`; the names other APIs share, `set`/`del`/`incr`/`decr`/`expire`/`unlink`,
only on a receiver whose path or parameter type names a store handle: `conn`,
`state.redis`, `rcm: State<ConnectionManager>`, so `once_cell.set(v, permit)` is not;
a memo table in a parameter typed as a standard collection, `size_cache: &mut
HashMap<..>`, is not a cache write either) or a message publish (`publish`, `xadd`, or `send` on a value named like a
producer: `producer`, `bus`, `queue`, `kafka`, …; a channel `tx.send(..)` is not), in
the body or in any workspace function the body calls, followed through the call graph.

Forms:
- `for` and `while let` loops, and `.for_each`/`.then`/`.map` closures consumed one by
  one: sequential work with no pause between tenants;
- `tokio::spawn`, `JoinSet::spawn` or a `FuturesUnordered` push per tenant: every
  tenant at once;
- `.map(..)` closures consumed by `join_all`/`try_join_all`/`FuturesUnordered`: every
  tenant at once;
- `buffer_unordered(n)`, `buffered(n)`, `for_each_concurrent(n, ..)` where `n` is
  `None`, larger than `max_concurrency`, or not a small literal (a `const` or a `let`
  bound to a literal counts as one; a value from configuration does not);
- one Cypher write (`SET`, `DELETE`, `REMOVE`, `CREATE`, `MERGE`) after
  `MATCH (p:Partner …)-[:MANAGES]->(t:Tenant)` with the tenant not pinned, and no
  `CALL { … } IN TRANSACTIONS`, `LIMIT`/`SKIP` or `apoc.periodic.*` batching.

A *throttle* in the body stops the finding: a rate limiter (`governor` `until_ready`,
`check()`, `check_key`), a `Semaphore` permit (`acquire*`, `try_acquire*`), a name
matching `throttle_functions`, or a pause (`sleep`, `interval.tick()`, `join_next()`
on a `JoinSet`). A `.take(n)` with a small literal on the collection bounds it as well.

Decisions where the catalogue is silent:
- Partner context is not required: a nightly job that updates every tenant degrades
  them just as much. The finding says which collection and which work.
- A pause only throttles when it runs in the loop itself: a `sleep` inside each
  spawned task or inside each future given to `join_all` delays every tenant at
  once and limits nothing. A permit or a rate limiter counts anywhere in the body.
- A loop over a tenant collection whose body does no work (building a list,
  formatting names) is not flagged; work is looked for transitively, through
  workspace functions, with cycles cut.

## Why is this bad?
One partner with thousands of customer tenants can start thousands of queries, HTTP
calls or cache writes at once, or hold one huge write transaction, and degrade the
service for every tenant on the shared database, cache and upstream APIs.

## Example
```rust
async fn reset_tenant(db: &Graph, tenant: &Tenant) {
    db.run(query("MATCH (t:Tenant {id: $id}) SET t.plan = 'free'").param("id", tenant.id.clone())).await;
}
async fn reset_all(session: PartnerSession, db: &Graph) -> Result<()> {
    let tenants = managed_tenants(db, &session.partner_id).await?;
    join_all(tenants.iter().map(|t| reset_tenant(db, t))).await;
    Ok(())
}
```

## Use instead
```rust
async fn reset_tenant(db: &Graph, tenant: &Tenant) {
    db.run(query("MATCH (t:Tenant {id: $id}) SET t.plan = 'free'").param("id", tenant.id.clone())).await;
}
async fn reset_all(session: PartnerSession, db: &Graph) -> Result<()> {
    let tenants = managed_tenants(db, &session.partner_id).await?;
    stream::iter(tenants)
        .for_each_concurrent(4, |t| async move { reset_tenant(db, &t).await; })
        .await;
    Ok(())
}
```

## Options
- `tenant_collections`: names (with `*` wildcards) of values and calls that hold many tenants.
- `tenant_functions`: functions (with `*` wildcards) whose result is many tenants.
- `throttle_functions`: calls (with `*` wildcards) that rate-limit the loop they run in.
- `max_concurrency`: the largest concurrency bound that counts as small.

## Checklist item
3. Noisy Neighbor: Are bulk operations (e.g., "Update All Tenants") rate-limited to
prevent degrading performance for the Tenants?

## Fix
Bound the concurrency with a small literal (`buffer_unordered(4)`,
`for_each_concurrent(4, ..)`), take a `Semaphore` permit or wait on a rate limiter per
tenant, and batch large Cypher writes with `CALL { … } IN TRANSACTIONS OF n ROWS`.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const TENANT_COLLECTIONS: OptionKey<StringList> = OptionKey::strings(
        "tenant_collections",
        &["*tenants*", "*tenant_ids*"],
        "Names (`*` wildcards) of values and calls that hold many tenants",
    );

    pub const TENANT_FUNCTIONS: OptionKey<StringList> = OptionKey::strings(
        "tenant_functions",
        &[
            "all_tenants",
            "list_tenants",
            "managed_tenants",
            "tenants_of",
            "fetch_tenants",
            "load_tenants",
            "customers_of",
        ],
        "Functions (`*` wildcards) whose result is many tenants",
    );

    pub const THROTTLE_FUNCTIONS: OptionKey<StringList> = OptionKey::strings(
        "throttle_functions",
        &["throttle*", "*_throttle*", "rate_limit*", "*_rate_limit*"],
        "Calls (`*` wildcards) that rate-limit the loop they run in",
    );

    pub const MAX_CONCURRENCY: OptionKey<u64> = OptionKey::integer(
        "max_concurrency",
        8,
        "The largest concurrency bound (`buffer_unordered(n)`, `take(n)`) that counts as small",
    );
}

const OPTIONS: &[OptionSpec] = &[
    option::TENANT_COLLECTIONS.spec(),
    option::TENANT_FUNCTIONS.spec(),
    option::THROTTLE_FUNCTIONS.spec(),
    option::MAX_CONCURRENCY.spec(),
];

struct Fanout {
    collections: Patterns,
    functions: Patterns,
    throttles: Patterns,
    max_concurrency: u64,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(Fanout {
        collections: Patterns::new(options.get(&option::TENANT_COLLECTIONS)),
        functions: Patterns::new(options.get(&option::TENANT_FUNCTIONS)),
        throttles: Patterns::new(options.get(&option::THROTTLE_FUNCTIONS)),
        max_concurrency: options.get(&option::MAX_CONCURRENCY),
    })
}

/// Rate limiters and permits: they throttle wherever they run in the body.
const LIMITER_METHODS: &[&str] = &[
    "until_ready",
    "until_key_ready",
    "until_n_ready",
    "until_ready_with_jitter",
    "until_key_ready_with_jitter",
    "check_key",
    "check_n",
    "acquire",
    "acquire_owned",
    "acquire_many",
    "acquire_many_owned",
    "try_acquire",
    "try_acquire_owned",
    "try_acquire_many",
    "try_acquire_many_owned",
];

/// Pauses: they throttle only when the loop itself waits on them.
const PAUSE_FUNCTIONS: &[&str] = &["sleep", "sleep_until", "delay_for"];
const PAUSE_METHODS: &[&str] = &["tick", "join_next", "join_next_with_id"];

/// Calls that start a task or queue a future per item.
const SPAWN_NAMES: &[&str] = &["spawn", "spawn_local", "spawn_blocking"];

/// Calls that drive many futures at once.
const JOIN_NAMES: &[&str] = &["join_all", "try_join_all", "select_all", "select_ok"];

/// Stream methods that bound concurrency by their first argument.
const BUFFER_METHODS: &[&str] = &[
    "buffer_unordered",
    "buffered",
    "try_buffer_unordered",
    "try_buffered",
    "for_each_concurrent",
    "try_for_each_concurrent",
];

/// Closures that run one item after another.
const SEQUENTIAL_CLOSURES: &[&str] = &["for_each", "try_for_each", "then"];

/// Methods that run a database query with a prepared statement or query object.
const QUERY_EXEC_METHODS: &[&str] = &[
    "fetch_all",
    "fetch_one",
    "fetch_optional",
    "execute_many",
    "query_one",
    "query_opt",
    "batch_execute",
];

/// sea-orm's writes of one `ActiveModel` (`active.insert(&db)`), taking the connection.
const ACTIVE_MODEL_WRITES: &[&str] = &["insert", "update", "save", "delete"];

/// sea-orm statements an `Entity` starts (`user::Entity::update_many()`), run by `exec*`.
const ENTITY_STATEMENTS: &[&str] = &[
    "insert",
    "insert_many",
    "update",
    "update_many",
    "delete",
    "delete_many",
    "delete_by_id",
];

/// diesel statements (`diesel::insert_into(users)`), run by `execute` or `get_result*`.
const DIESEL_STATEMENTS: &[&str] = &["insert_into", "update", "delete", "replace_into"];

/// A write through an ORM, known by the value it runs on rather than by a method name
/// that `Vec::insert` or `HashMap::insert` share: a sea-orm `ActiveModel` (a literal of
/// one, `.into_active_model()`, or a parameter of an `…ActiveModel` type) given a
/// connection, a statement an `Entity` starts run by `exec*`, or a diesel statement
/// run by `get_result(s)` (`execute` is a query method already).
fn is_orm_write(function: &FunctionDef, call: &CallSite) -> bool {
    let name = call.name();
    let Some(receiver) = call.receiver.as_deref() else {
        return false;
    };
    let calls_within = |span: Span| {
        function
            .calls
            .iter()
            .filter(move |inner| span.start <= inner.span.start && inner.span.end <= span.end)
    };
    if name.starts_with("exec") {
        return calls_within(receiver.span).any(|inner| match &inner.callee {
            Callee::Path(segments) => {
                segments.iter().any(|segment| segment.as_str() == "Entity")
                    && ENTITY_STATEMENTS.contains(&inner.name())
            }
            _ => false,
        });
    }
    if name == "get_result" || name == "get_results" {
        return calls_within(receiver.span).any(|inner| match &inner.callee {
            Callee::Path(segments) => {
                segments
                    .first()
                    .is_some_and(|first| first.as_str() == "diesel")
                    && DIESEL_STATEMENTS.contains(&inner.name())
            }
            _ => false,
        });
    }
    if !ACTIVE_MODEL_WRITES.contains(&name) || call.args.len() != 1 {
        return false;
    }
    is_active_model(function, receiver, 0)
}

/// Whether a value is a sea-orm `ActiveModel`, as far as the function shows.
fn is_active_model(function: &FunctionDef, value: &ArgFact, depth: usize) -> bool {
    let within = |span: Span| value.span.start <= span.start && span.end <= value.span.end;
    let built_here = function
        .struct_literals
        .iter()
        .any(|literal| within(literal.span) && literal.type_name.as_str() == "ActiveModel")
        || function.calls.iter().any(|inner| {
            within(inner.span)
                && (inner.name() == "into_active_model"
                    || matches!(&inner.callee, Callee::Path(segments)
                        if segments.iter().any(|segment| segment.as_str().ends_with("ActiveModel"))))
        });
    if built_here {
        return true;
    }
    let Some([name]) = value.place.as_deref() else {
        return false;
    };
    if function.params.iter().any(|param| {
        param.name.as_ref() == Some(name)
            && param
                .ty
                .name()
                .is_some_and(|ty| ty.ends_with("ActiveModel"))
    }) {
        return true;
    }
    depth < 4
        && function
            .binding_before(name, value.span.start)
            .and_then(|binding| binding.init.as_ref())
            .is_some_and(|init| is_active_model(function, init, depth + 1))
}

/// Words that name a message producer (`producer.send(..)`, `event_bus.send(..)`).
const PUBLISHER_WORDS: &[&str] = &[
    "producer",
    "publisher",
    "bus",
    "queue",
    "topic",
    "kafka",
    "nats",
    "broker",
    "sns",
    "sqs",
    "pubsub",
];

const HTTP_VERBS: &[&str] = &["get", "post", "put", "patch", "delete", "head", "request"];

const PUBLISH_METHODS: &[&str] = &[
    "publish",
    "publish_event",
    "send_message",
    "produce",
    "xadd",
];

/// How far `let` bindings are followed back to a collection.
const MAX_BINDINGS: usize = 4;

/// How many functions one search for work visits.
const MAX_VISITED: usize = 4096;

impl Rule for Fanout {
    /// Loops over tenants are read wherever they are: bodies that spell a tenant collection
    /// or function (`*tenants*` by its piece `tenants`). The work a loop does is looked for
    /// in its callees, which one body cannot tell: a loop over tenants found needs every body.
    fn bodies_needed_without_partner_model(&self, needs: &mut BodyNeeds) {
        for piece in self
            .collections
            .longest_pieces()
            .chain(self.functions.longest_pieces())
        {
            needs.piece(piece);
        }
        // A loop over tenants found after the run would have it start over: a workspace that
        // spells a tenant collection in its code is parsed whole at once.
        for pattern in self.collections.iter().chain(self.functions.iter()) {
            needs.signal_in_code(&pattern.as_written());
        }
    }

    fn needs_every_body(&self, cx: &Context<'_>) -> bool {
        let queries = QueryCalls::new(&cx.model.options);
        cx.workspace.files.iter().enumerate().any(|(file, facts)| {
            facts.functions.iter().enumerate().any(|(index, function)| {
                let check = LoopingFunction {
                    rule: self,
                    cx,
                    queries: &queries,
                    id: FnId { file, index },
                    function,
                };
                function
                    .iterations
                    .iter()
                    .any(|iteration| check.tenant_collection(&iteration.source, 0).is_some())
            })
        })
    }

    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let workspace = cx.workspace;
        let queries = QueryCalls::new(&cx.model.options);
        for (index, function) in workspace.file(file).functions.iter().enumerate() {
            let check = LoopingFunction {
                rule: self,
                cx,
                queries: &queries,
                id: FnId { file, index },
                function,
            };
            for iteration in &function.iterations {
                if let Some(diagnostic) = check.iteration(iteration) {
                    out.push(diagnostic);
                }
            }
        }
        for query in cx.model.queries.in_file(file) {
            if let Some(diagnostic) = cypher_fanout(workspace, query, &cx.model.queries.vocabulary)
            {
                out.push(diagnostic);
            }
        }
    }
}

/// Work found for one tenant: what it is, the call, and the workspace
/// function it is in when that is not the loop's own function.
struct Work {
    what: &'static str,
    call: String,
    via: Option<FnId>,
    span: Span,
}

/// How the loop runs its items.
enum Shape<'a> {
    /// One after another.
    Sequential,
    /// A task or queued future per item.
    Spawn(&'a CallSite),
    /// Futures driven together by a join.
    Join(&'a CallSite),
    /// A stream buffer with a bound that is missing or too large.
    Buffered(&'a CallSite),
}

/// A function whose loops over tenants are checked, with the query calls and the model
/// judging them needs.
struct LoopingFunction<'a> {
    rule: &'a Fanout,
    cx: &'a Context<'a>,
    queries: &'a QueryCalls,
    id: FnId,
    function: &'a FunctionDef,
}

impl LoopingFunction<'_> {
    fn at(&self, span: Span) -> Location {
        Location {
            file: self.id.file,
            span,
        }
    }

    fn iteration(&self, iteration: &IterFact) -> Option<Diagnostic> {
        let collection = self.tenant_collection(&iteration.source, 0)?;
        if iteration
            .take
            .as_ref()
            .and_then(|take| self.int_value(take))
            .is_some_and(|n| n <= self.rule.max_concurrency)
        {
            return None;
        }
        let body = iteration.body;
        let work = self.work_in(body)?;
        let shape = self.shape(iteration)?;
        let sequential_closure = matches!(&iteration.kind, IterKind::Closure(method) if SEQUENTIAL_CLOSURES.contains(&method.as_str()));
        let pause_anywhere = matches!(shape, Shape::Sequential) && sequential_closure;
        if self.throttled(body, pause_anywhere) {
            return None;
        }
        let form = match &iteration.kind {
            IterKind::For => "`for` loop".to_string(),
            IterKind::WhileLet => "`while let` loop".to_string(),
            IterKind::Closure(method) => format!("`.{method}` closure"),
        };
        let via = work.via.map_or_else(String::new, |id| {
            format!(
                " in `{}`",
                crate::model::context::qualified_name(self.cx.workspace.function(id))
            )
        });
        let work_text = format!("{} (`{}`{via})", work.what, work.call);
        let (message, primary, primary_label) = match shape {
            Shape::Sequential => (
                format!("{form} over {collection} runs {work_text} for every tenant with no rate limit"),
                iteration.span,
                "every tenant, back to back",
            ),
            Shape::Spawn(spawn) => (
                format!(
                    "{form} over {collection} starts `{}` per tenant running {work_text}, all at once",
                    call_text(spawn)
                ),
                iteration.span,
                "a task per tenant",
            ),
            Shape::Join(join) => (
                format!(
                    "`{}` runs {work_text} for every tenant of {collection} at once, with no concurrency bound",
                    call_text(join)
                ),
                join.name_span,
                "every tenant at once",
            ),
            Shape::Buffered(buffer) => (
                format!(
                    "`{}` over {collection} runs {work_text} {}",
                    call_text(buffer),
                    self.bound_problem(buffer)
                ),
                buffer.name_span,
                "concurrency bound",
            ),
        };
        let mut diagnostic = Diagnostic::new(message, self.at(primary))
            .with_primary_label(primary_label)
            .with_help("rate-limit the work per tenant: bound concurrency with a small literal (`buffer_unordered(4)`, `for_each_concurrent(4, ..)`), take a `Semaphore` permit, or wait on a `governor` limiter (`until_ready().await`) in the loop");
        if primary != iteration.span {
            diagnostic = diagnostic.with_label(self.at(iteration.span), "per tenant");
        }
        if work.via.is_none() {
            diagnostic = diagnostic.with_label(self.at(work.span), "work per tenant");
        } else {
            diagnostic = diagnostic.with_label(self.at(work.span), "calls into work per tenant");
        }
        Some(diagnostic)
    }

    /// How the items run: spawned, joined, buffered or one by one; `None`
    /// when a stream buffer bounds them with a small literal.
    fn shape(&self, iteration: &IterFact) -> Option<Shape<'_>> {
        let function = self.function;
        if let IterKind::Closure(method) = &iteration.kind {
            if method == "for_each_concurrent" || method == "try_for_each_concurrent" {
                let call = function
                    .calls
                    .iter()
                    .find(|call| call.span == iteration.span)?;
                return self.buffered(call);
            }
        }
        if let Some(spawn) = function
            .calls
            .iter()
            .find(|call| function.block_within(call.block, iteration.body) && self.is_spawn(call))
        {
            return Some(Shape::Spawn(spawn));
        }
        if !matches!(&iteration.kind, IterKind::Closure(method) if !SEQUENTIAL_CLOSURES.contains(&method.as_str()))
        {
            return Some(Shape::Sequential);
        }
        // A per-item future: what drives the futures decides the shape.
        let consumer = function.calls.iter().find(|call| {
            let name = call.name();
            let drives = JOIN_NAMES.contains(&name)
                || BUFFER_METHODS.contains(&name) && matches!(call.callee, Callee::Method(_))
                || matches!(&call.callee, Callee::Path(segments) if segments.iter().any(|s| s.starts_with("Futures")));
            drives
                && call
                    .values()
                    .any(|value| self.holds(value, iteration.span))
        });
        match consumer {
            Some(call) if BUFFER_METHODS.contains(&call.name()) => self.buffered(call),
            Some(call) => Some(Shape::Join(call)),
            None => Some(Shape::Sequential),
        }
    }

    fn buffered<'c>(&self, call: &'c CallSite) -> Option<Shape<'c>> {
        let bound = call.args.first().and_then(|bound| self.int_value(bound));
        if bound.is_some_and(|n| n <= self.rule.max_concurrency) {
            None
        } else {
            Some(Shape::Buffered(call))
        }
    }

    fn bound_problem(&self, call: &CallSite) -> String {
        let max = self.rule.max_concurrency;
        let Some(bound) = call.args.first() else {
            return "with no concurrency bound".to_string();
        };
        if let Some(n) = self.int_value(bound) {
            return format!("{n} tenants at a time, above the limit of {max}");
        }
        if bound
            .place
            .as_deref()
            .is_some_and(|place| place == ["None"])
        {
            return "with no concurrency bound (`None`)".to_string();
        }
        format!(
            "with a concurrency bound `{}` that is not a small literal (at most {max})",
            self.text(bound.span)
        )
    }

    /// Whether `value` is, or is bound to, an expression containing `span`.
    fn holds(&self, value: &ArgFact, span: Span) -> bool {
        let contains = |outer: Span| outer.start <= span.start && span.end <= outer.end;
        if contains(value.span) {
            return true;
        }
        self.function
            .bound_init(value)
            .is_some_and(|init| contains(init.span))
    }

    /// The integer a bound is: a literal, a `const`, or a `let` bound to one.
    fn int_value(&self, value: &ArgFact) -> Option<u64> {
        if let Some(n) = value.int {
            return Some(n);
        }
        let [name] = value.place.as_deref()? else {
            return None;
        };
        if let Some(init) = self.function.bound_init(value) {
            return init.int;
        }
        let mut values = self
            .cx
            .workspace
            .files
            .iter()
            .flat_map(|facts| &facts.consts)
            .filter(|def| def.name == name)
            .map(|def| def.int);
        let first = values.next()??;
        // Two consts of that name with different values: not known.
        values.all(|other| other == Some(first)).then_some(first)
    }

    fn text(&self, span: Span) -> String {
        self.cx
            .workspace
            .file(self.id.file)
            .text
            .get(span.range())
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// How the collection is named in messages, when `value` is many tenants.
    fn tenant_collection(&self, value: &ArgFact, depth: usize) -> Option<String> {
        if depth > MAX_BINDINGS {
            return None;
        }
        if let Some(place) = &value.place {
            let last = place.last()?;
            if self.rule.collections.matches(&last.to_lowercase()) {
                return Some(format!("`{}`", place.join(".")));
            }
            let init = self.function.bound_init(value)?;
            return self.tenant_collection(init, depth + 1);
        }
        let within = |span: Span| value.span.start <= span.start && span.end <= value.span.end;
        if let Some(call) = self.function.calls.iter().find(|call| {
            within(call.span)
                && !matches!(call.callee, Callee::Macro(_))
                && (self.rule.functions.matches(call.name())
                    || self.rule.collections.matches(&call.name().to_lowercase()))
        }) {
            return Some(format!("`{}(..)`", call_text(call)));
        }
        self.cx
            .model
            .queries
            .run_by(self.id)
            .find_map(|(call, query)| {
                let site = self.function.calls.get(call)?;
                (within(site.span)
                    && returns_many_tenants(query, &self.cx.model.queries.vocabulary))
                .then(|| "the tenants a Cypher query returns".to_string())
            })
    }

    /// Work done in `body` or in a workspace function it calls.
    fn work_in(&self, body: usize) -> Option<Work> {
        let function = self.function;
        let calls = || {
            function
                .calls
                .iter()
                .enumerate()
                .filter(move |(_, call)| function.block_within(call.block, body))
        };
        if let Some((_, call)) =
            calls().find(|(_, call)| self.direct_work(function, call).is_some())
        {
            return Some(Work {
                what: self.direct_work(function, call)?,
                call: call_text(call),
                via: None,
                span: call.span,
            });
        }
        let mut visited = HashSet::new();
        visited.insert(self.id);
        for (index, call) in calls() {
            for &callee in self.cx.model.graph.callees(self.id, index) {
                if let Some((what, inner, at)) = self.work_reached(callee, &mut visited) {
                    return Some(Work {
                        what,
                        call: inner,
                        via: Some(at),
                        span: call.span,
                    });
                }
            }
        }
        None
    }

    /// Work done by `id` or anything it calls: the work, its call and the
    /// function it is in. Each function is visited once per search.
    fn work_reached(
        &self,
        id: FnId,
        visited: &mut HashSet<FnId>,
    ) -> Option<(&'static str, String, FnId)> {
        let mut stack = vec![id];
        while let Some(current) = stack.pop() {
            if visited.len() > MAX_VISITED || !visited.insert(current) {
                continue;
            }
            let function = self.cx.workspace.function(current);
            if let Some((what, call)) = function
                .calls
                .iter()
                .find_map(|call| Some((self.direct_work(function, call)?, call)))
            {
                return Some((what, call_text(call), current));
            }
            for index in (0..function.calls.len()).rev() {
                stack.extend(self.cx.model.graph.callees(current, index).iter().rev());
            }
        }
        None
    }

    /// The kind of work a call in `function` does by itself.
    fn direct_work(&self, function: &FunctionDef, call: &CallSite) -> Option<&'static str> {
        let name = call.name();
        match &call.callee {
            Callee::Macro(_) => self
                .queries
                .query_argument(call)
                .map(|_| "a database query"),
            Callee::Path(segments) => {
                if self.queries.query_argument(call).is_some() {
                    return Some("a database query");
                }
                let first = segments.first().map_or("", Name::as_str);
                if first == "reqwest" && HTTP_VERBS.contains(&name) {
                    return Some("an HTTP request");
                }
                None
            }
            Callee::Method(_) => {
                if self.queries.is_query_method(name) || QUERY_EXEC_METHODS.contains(&name) {
                    return Some("a database query");
                }
                if is_orm_write(function, call) {
                    return Some("a database write");
                }
                if name == "send" || name == "send_json" {
                    let builder = call.receiver.as_deref().is_some_and(|receiver| {
                        function.calls.iter().any(|inner| {
                            receiver.span.start <= inner.span.start
                                && inner.span.end <= receiver.span.end
                                && HTTP_VERBS.contains(&inner.name())
                        })
                    });
                    if builder {
                        return Some("an HTTP request");
                    }
                    // A channel send hands work to a worker; a producer publishes it.
                    // A value typed as a channel sender is a channel, whatever its name.
                    if call
                        .receiver
                        .as_ref()
                        .is_some_and(|receiver| self.is_channel_sender(function, receiver))
                    {
                        return None;
                    }
                    let publisher = call
                        .receiver
                        .as_ref()
                        .and_then(|receiver| receiver.place.as_ref()?.last().cloned())
                        .is_some_and(|last| {
                            words(&last)
                                .iter()
                                .any(|word| PUBLISHER_WORDS.contains(&word.as_str()))
                        });
                    return publisher.then_some("a message publish");
                }
                if PUBLISH_METHODS.contains(&name) {
                    return Some("a message publish");
                }
                caches::writes_to_store(function, call).then_some("a cache write")
            }
        }
    }

    /// A parameter (`queue: &mpsc::UnboundedSender<T>`) or a field of `self`
    /// whose type is a channel's sending half (`Sender`, `UnboundedSender`,
    /// `SyncSender`, …).
    fn is_channel_sender(&self, function: &FunctionDef, receiver: &ArgFact) -> bool {
        let Some(place) = receiver.place.as_deref() else {
            return false;
        };
        let ty = match place {
            [name] => function
                .params
                .iter()
                .find(|param| param.name.as_deref() == Some(name.as_str()))
                .map(|param| param.ty.clone()),
            [head, field] if head == "self" => function.impl_type.as_deref().and_then(|owner| {
                self.cx
                    .workspace
                    .types_named(owner)
                    .flat_map(|def| &def.fields)
                    .find(|def| def.name.as_deref() == Some(field.as_str()))
                    .map(|def| def.ty.clone())
            }),
            _ => None,
        };
        ty.is_some_and(|ty| is_sender_type(&ty))
    }

    fn is_spawn(&self, call: &CallSite) -> bool {
        let name = call.name();
        match &call.callee {
            Callee::Path(_) | Callee::Method(_) if SPAWN_NAMES.contains(&name) => true,
            // `futures.push(fut)` on a `FuturesUnordered`/`FuturesOrdered`.
            Callee::Method(_) if name == "push" => call.receiver.as_deref().is_some_and(|receiver| {
                self.function.bound_init(receiver).is_some_and(|init| {
                    self.function.calls.iter().any(|inner| {
                        init.span.start <= inner.span.start
                            && inner.span.end <= init.span.end
                            && matches!(&inner.callee, Callee::Path(segments) if segments.iter().any(|s| s.starts_with("Futures")))
                    })
                })
            }),
            _ => false,
        }
    }

    /// Whether a throttle runs in `body`: a limiter or permit anywhere, a
    /// pause where the loop itself waits on it (or anywhere, for closures
    /// run one by one).
    fn throttled(&self, body: usize, pause_anywhere: bool) -> bool {
        let function = self.function;
        function.calls.iter().any(|call| {
            if !function.block_within(call.block, body) {
                return false;
            }
            let name = call.name();
            let limiter = self.rule.throttles.matches(name)
                || matches!(call.callee, Callee::Method(_))
                    && (LIMITER_METHODS.contains(&name) || name == "check" && call.args.is_empty());
            let pause = match &call.callee {
                Callee::Path(_) => PAUSE_FUNCTIONS.contains(&name),
                Callee::Method(_) => PAUSE_METHODS.contains(&name),
                Callee::Macro(_) => false,
            };
            limiter || pause && (pause_anywhere || !deferred_between(function, call.block, body))
        })
    }
}

/// Whether a closure or async block lies between `block` and `body`
/// (`body` itself excluded).
fn deferred_between(function: &FunctionDef, block: usize, body: usize) -> bool {
    let mut current = Some(block);
    while let Some(index) = current {
        if index == body {
            return false;
        }
        let Some(fact) = function.blocks.get(index) else {
            return false;
        };
        if fact.kind == BlockKind::Deferred {
            return true;
        }
        current = fact.parent;
    }
    false
}

/// `Sender<T>`, `&mpsc::UnboundedSender<T>`, `Arc<SyncSender<T>>`.
fn is_sender_type(ty: &TypeRef) -> bool {
    match ty.name() {
        Some("Arc" | "Rc" | "Box") => ty.args().first().is_some_and(is_sender_type),
        Some(name) => name.ends_with("Sender"),
        None => false,
    }
}

fn call_text(call: &CallSite) -> String {
    match &call.callee {
        Callee::Path(segments) => segments.join("::"),
        Callee::Macro(segments) => format!("{}!", segments.join("::")),
        Callee::Method(name) => format!(".{name}"),
    }
}

/// Whether a query returns `:Tenant` nodes without pinning one.
fn returns_many_tenants(query: &Query, vocabulary: &Vocabulary) -> bool {
    let Ok(facts) = &query.parsed else {
        return false;
    };
    let returns = facts
        .clauses
        .iter()
        .any(|clause| clause.kind == ClauseKind::Return);
    let limited = facts.clauses.iter().any(|clause| clause.has_limit);
    returns
        && !limited
        && facts.nodes.iter().any(|node| {
            node.labels
                .iter()
                .any(|label| vocabulary.is_tenant_label(label))
                && !tenant_pinned(facts, node)
        })
}

/// Whether a tenant node is pinned to one tenant: an identifying property in
/// the pattern or an equality filter on one.
fn tenant_pinned(facts: &QueryFacts, node: &crate::cypher::NodePattern) -> bool {
    if node.properties_parameter.is_some() || node.properties.iter().any(|p| is_identifying(&p.key))
    {
        return true;
    }
    let Some(variable) = &node.variable else {
        return false;
    };
    facts.property_filters.iter().any(|filter| {
        &filter.variable == variable
            && is_identifying(&filter.key)
            && filter.operator == crate::cypher::FilterOperator::Equals
    })
}

fn is_identifying(key: &str) -> bool {
    let last = words(key).pop().unwrap_or_default();
    matches!(last.as_str(), "id" | "uuid" | "slug" | "name" | "key")
}

fn rel_node(facts: &QueryFacts, index: usize) -> Option<crate::cypher::Span> {
    facts.nodes.get(index).map(|node| node.span)
}

/// The Cypher form: one write over every tenant a partner manages, unbatched.
fn cypher_fanout(
    workspace: &Workspace,
    query: &Query,
    vocabulary: &Vocabulary,
) -> Option<Diagnostic> {
    let facts = query.parsed.as_ref().ok()?;
    let manages = facts.relationships.iter().find(|rel| {
        vocabulary.is_manages(rel) && {
            let left = facts.nodes.get(rel.left);
            let right = facts.nodes.get(rel.right);
            let has = |node: Option<&crate::cypher::NodePattern>, is: &dyn Fn(&str) -> bool| {
                node.is_some_and(|node| node.labels.iter().any(|l| is(l)))
            };
            let pair = |a, b| {
                has(a, &|label| vocabulary.is_partner_label(label))
                    && has(b, &|label| vocabulary.is_tenant_label(label))
                    && b.is_some_and(|node| !tenant_pinned(facts, node))
            };
            pair(left, right) || pair(right, left)
        }
    })?;
    let batched = facts.clauses.iter().any(|clause| {
        clause.has_limit
            || clause.has_skip
            || matches!(clause.kind, ClauseKind::CallSubquery { in_transactions: true })
            || matches!(&clause.kind, ClauseKind::CallProcedure { name } if name.to_lowercase().starts_with("apoc.periodic."))
    });
    if batched {
        return None;
    }
    let write = facts
        .clauses
        .iter()
        .skip(manages.clause + 1)
        .find(|clause| {
            matches!(
                clause.kind,
                ClauseKind::Set
                    | ClauseKind::Delete { .. }
                    | ClauseKind::Remove
                    | ClauseKind::Create
                    | ClauseKind::Merge
            )
        })?;
    let keyword = match write.kind {
        ClauseKind::Set => "SET",
        ClauseKind::Delete { detach: true } => "DETACH DELETE",
        ClauseKind::Delete { detach: false } => "DELETE",
        ClauseKind::Remove => "REMOVE",
        ClauseKind::Create => "CREATE",
        _ => "MERGE",
    };
    // The whole `(p:Partner …)-[:MANAGES]->(t:Tenant)` pattern.
    let pattern = [
        rel_node(facts, manages.left),
        rel_node(facts, manages.right),
    ]
    .into_iter()
    .flatten()
    .fold(manages.span, |span, node| {
        crate::cypher::Span::new(span.start.min(node.start), span.end.max(node.end))
    });
    let primary = query.location(write.span.range());
    let mut diagnostic = Diagnostic::new(
        format!("Cypher `{keyword}` runs over every tenant the partner manages in one transaction, with no batching"),
        primary,
    )
    .with_primary_label("one write over all managed tenants")
    .with_label(query.location(pattern.range()), "every managed tenant")
    .with_help("batch the write: `CALL { … } IN TRANSACTIONS OF 100 ROWS`, `apoc.periodic.iterate`, or `LIMIT`/`SKIP` pages run with a pause between them");
    // A query kept in a const or a `.cypher` file: show where it runs too.
    if let Origin::Call { function, call } = query.origin {
        let site = workspace
            .get_function(function)
            .and_then(|def| def.calls.get(call));
        if let Some(site) = site {
            let at = Location {
                file: function.file,
                span: site.span,
            };
            let inside = at.file == primary.file
                && site.span.start <= primary.span.start
                && primary.span.end <= site.span.end;
            if !inside {
                diagnostic = diagnostic.with_label(at, "run here");
            }
        }
    }
    Some(diagnostic)
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::{check, check_with, Expect};

    /// A fixture analysed with `STORE`.
    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS301")
            .with_files(&[("src/store.rs", STORE)])
            .findings(fixture);
    }

    #[test]
    fn test_and_bench_code_is_not_reported() {
        let seed = "pub async fn seed(graph: &Graph, tenants: Vec<String>) {\n    for id in tenants { graph.run(query(\"MATCH (t:Tenant {id: $id}) SET t.seeded = true\")).await; }\n}\n";
        let in_tests = format!("#[cfg(test)]\nmod tests {{\n{seed}}}\n#[tokio::test]\nasync fn seeds(graph: Graph, tenants: Vec<String>) {{\n    for id in tenants {{ graph.run(query(\"MATCH (t:Tenant {{id: $id}}) SET t.seeded = true\")).await; }}\n}}\n");
        assert_eq!(
            check("PS301", &[("src/lib.rs", &in_tests)]),
            Vec::<String>::new()
        );
        assert_eq!(
            check("PS301", &[("src/lib.rs", seed)]),
            ["src/lib.rs:2:5: deny[PS301] `for` loop over `tenants` runs a database query (`.run`) for every tenant with no rate limit"]
        );
    }

    #[test]
    fn orm_writes_per_tenant_are_work_and_collection_inserts_are_not() {
        let jobs = r#"
pub async fn reset_plans(db: &DatabaseConnection, tenants: Vec<Tenant>) {
    for tenant in tenants {
        let plan = plan::ActiveModel { tenant_id: Set(tenant.id), ..Default::default() };
        plan.insert(db).await;
    }
}
pub async fn rename(db: &DatabaseConnection, tenants: Vec<tenant::Model>) {
    for tenant in tenants {
        let mut active = tenant.into_active_model();
        active.name = Set("x".into());
        active.update(db).await;
    }
}
pub async fn purge(db: &DatabaseConnection, tenant_ids: Vec<Uuid>) {
    for id in tenant_ids {
        session::Entity::delete_many().filter(session::Column::TenantId.eq(id)).exec(db).await;
    }
}
pub fn archive(conn: &mut PgConnection, tenant_ids: &[i64]) {
    for id in tenant_ids {
        diesel::update(tenants::table.find(id)).set(tenants::archived.eq(true)).get_result::<Tenant>(conn);
    }
}
pub fn index(tenants: &[Tenant]) -> HashMap<String, usize> {
    let mut by_name = HashMap::new();
    let mut names = Vec::new();
    let mut seen = HashSet::new();
    for tenant in tenants {
        by_name.insert(tenant.name.clone(), tenant.size);
        names.insert(0, tenant.name.clone());
        seen.insert(tenant.id);
    }
    by_name
}
"#;
        assert_eq!(
            check("PS301", &[("src/jobs.rs", jobs)]),
            [
                "src/jobs.rs:3:5: deny[PS301] `for` loop over `tenants` runs a database write (`.insert`) for every tenant with no rate limit",
                "src/jobs.rs:9:5: deny[PS301] `for` loop over `tenants` runs a database write (`.update`) for every tenant with no rate limit",
                "src/jobs.rs:16:5: deny[PS301] `for` loop over `tenant_ids` runs a database write (`.exec`) for every tenant with no rate limit",
                "src/jobs.rs:21:5: deny[PS301] `for` loop over `tenant_ids` runs a database write (`.get_result`) for every tenant with no rate limit",
            ]
        );
    }

    const STORE: &str = r#"
pub async fn update_tenant(graph: &Graph, id: &str) {
    graph.run(query("MATCH (t:Tenant {id: $id}) SET t.plan = 'pro'").param("id", id)).await;
}
pub async fn recurse(a: u32) { recurse_again(a).await; }
pub async fn recurse_again(a: u32) { recurse(a).await; }
pub fn label(name: &str) -> String { name.to_uppercase() }
"#;

    fn lint(source: &str) -> Vec<String> {
        check("PS301", &[("src/jobs.rs", source), ("src/store.rs", STORE)])
    }

    #[test]
    fn for_loop_over_tenants_with_a_query() {
        expect(
            r#"
//- src/jobs.rs
async fn nightly(graph: &Graph) {
    let tenants = store::all_tenants(graph).await?;
    for t in tenants.iter() {
//  ^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` runs a database query (`.run`) for every tenant with no rate limit
        graph.run(query("MATCH (t:Tenant {id: $id}) SET t.seen = 1").param("id", &t.id)).await?;
    }
}
"#,
        );
    }

    #[test]
    fn work_through_workspace_functions_and_tenant_functions() {
        // A call cycle with no work is not work.
        expect(
            r#"
//- src/jobs.rs
async fn upgrade(graph: &Graph, partner: &str) {
    for t in list_tenants(graph, partner).await? {
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `list_tenants(..)` runs a database query (`.run` in `store::update_tenant`) for every tenant with no rate limit
        store::update_tenant(graph, &t.id).await;
    }
    let all = managed_tenants(graph, partner).await?;
    for t in &all {
        store::recurse(1).await;
    }
}
"#,
        );
    }

    #[test]
    fn join_all_and_try_join_all_over_mapped_tenants() {
        expect(
            r#"
//- src/jobs.rs
async fn refresh(client: &Client, tenants: Vec<Tenant>) {
    join_all(tenants.iter().map(|t| async move {
//  ^^^^^^^^ deny[PS301] `join_all` runs an HTTP request (`.send`) for every tenant of `tenants` at once, with no concurrency bound
        client.post(&t.webhook).json(&t).send().await
    })).await;
    let futures: Vec<_> = tenants.iter().map(|t| store::update_tenant(graph, &t.id)).collect();
    futures::future::try_join_all(futures).await?;
//                   ^^^^^^^^^^^^ deny[PS301] `futures::future::try_join_all` runs a database query (`.run` in `store::update_tenant`) for every tenant of `tenants` at once, with no concurrency bound
}
"#,
        );
    }

    #[test]
    fn spawn_per_tenant_joinset_and_futures_unordered() {
        expect(
            r#"
//- src/jobs.rs
async fn warm(redis: &mut Conn, tenants: Vec<Tenant>) {
    for t in tenants.clone() {
//  ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` starts `tokio::spawn` per tenant running a cache write (`.set_ex`), all at once
        tokio::spawn(async move { redis.set_ex(key(&t), 1, 60).await });
    }
    let mut set = JoinSet::new();
    for t in tenants.clone() {
//  ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` starts `.spawn` per tenant running a message publish (`.publish`), all at once
        set.spawn(async move { bus.publish("reindex", &t.id).await });
    }
    let mut pending = FuturesUnordered::new();
    for t in tenants.clone() {
//  ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` starts `.push` per tenant running a database query (`.run` in `store::update_tenant`), all at once
        pending.push(store::update_tenant(graph, &t.id));
    }
    let handles: Vec<_> = tenants.iter().map(|t| tokio::spawn(store::update_tenant(graph, &t.id))).collect();
//                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `.map` closure over `tenants` starts `tokio::spawn` per tenant running a database query (`.run` in `store::update_tenant`), all at once
}
"#,
        );
    }

    #[test]
    fn stream_bounds_missing_variable_or_too_large() {
        expect(
            r#"
//- src/jobs.rs
async fn sync(graph: &Graph, tenants: Vec<Tenant>, limit: usize) {
    stream::iter(tenants.clone()).for_each_concurrent(None, |t| async move { store::update_tenant(graph, &t.id).await }).await;
//                                ^^^^^^^^^^^^^^^^^^^ deny[PS301] `.for_each_concurrent` over `tenants` runs a database query (`.run` in `store::update_tenant`) with no concurrency bound (`None`)
    stream::iter(tenants.clone()).map(|t| store::update_tenant(graph, &t.id)).buffer_unordered(limit).collect::<Vec<_>>().await;
//                                                                            ^^^^^^^^^^^^^^^^ deny[PS301] `.buffer_unordered` over `tenants` runs a database query (`.run` in `store::update_tenant`) with a concurrency bound `limit` that is not a small literal (at most 8)
    futures::stream::iter(&tenants).map(|t| store::update_tenant(graph, &t.id)).buffer_unordered(64).collect::<Vec<_>>().await;
//                                                                              ^^^^^^^^^^^^^^^^ deny[PS301] `.buffer_unordered` over `tenants` runs a database query (`.run` in `store::update_tenant`) 64 tenants at a time, above the limit of 8
    stream::iter(tenants).for_each_concurrent(Some(4), |t| async move { store::update_tenant(graph, &t.id).await }).await;
}
"#,
        );
    }

    #[test]
    fn max_concurrency_is_an_option() {
        let source = r#"
async fn sync(graph: &Graph, tenants: Vec<Tenant>) {
    stream::iter(tenants).map(|t| store::update_tenant(graph, &t.id)).buffer_unordered(16).collect::<Vec<_>>().await;
}
"#;
        assert_eq!(lint(source).len(), 1);
        let findings = check_with(
            "PS301",
            &[("max_concurrency", OptionValue::Integer(16))],
            &[("src/jobs.rs", source), ("src/store.rs", STORE)],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn tenant_functions_are_an_option() {
        let source = r#"
async fn sync(graph: &Graph, partner: &str) {
    for c in customers_for_partner(graph, partner).await? {
        store::update_tenant(graph, &c.id).await;
    }
}
"#;
        assert!(lint(source).is_empty());
        let findings = check_with(
            "PS301",
            &[(
                "tenant_functions",
                OptionValue::StringList(vec!["customers_for_*".to_string()]),
            )],
            &[("src/jobs.rs", source), ("src/store.rs", STORE)],
        );
        assert_eq!(
            findings,
            ["src/jobs.rs:3:5: deny[PS301] `for` loop over `customers_for_partner(..)` runs a database query (`.run` in `store::update_tenant`) for every tenant with no rate limit"]
        );
    }

    #[test]
    fn bounded_fanout_is_fine() {
        expect(
            r#"
//- src/jobs.rs
const PARALLEL: usize = 4;
async fn sync(graph: &Graph, tenants: Vec<Tenant>) {
    stream::iter(tenants.clone()).map(|t| store::update_tenant(graph, &t.id)).buffer_unordered(4).collect::<Vec<_>>().await;
    stream::iter(tenants.clone()).for_each_concurrent(PARALLEL, |t| async move { store::update_tenant(graph, &t.id).await }).await;
    let width = 2;
    stream::iter(tenants.clone()).map(|t| store::update_tenant(graph, &t.id)).buffered(width).collect::<Vec<_>>().await;
    for t in tenants.iter().take(3) {
        store::update_tenant(graph, &t.id).await;
    }
}
"#,
        );
    }

    #[test]
    fn sequential_loop_with_a_limiter_is_fine() {
        expect(
            r#"
//- src/jobs.rs
async fn sync(graph: &Graph, tenants: Vec<Tenant>, limiter: &DefaultDirectRateLimiter, sem: Arc<Semaphore>) {
    for t in &tenants {
        limiter.until_ready().await;
        store::update_tenant(graph, &t.id).await;
    }
    for t in &tenants {
        store::update_tenant(graph, &t.id).await;
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mut ticker = tokio::time::interval(Duration::from_millis(20));
    for t in &tenants {
        ticker.tick().await;
        store::update_tenant(graph, &t.id).await;
    }
    for t in tenants.clone() {
        let permit = sem.clone().acquire_owned().await?;
        tokio::spawn(async move { store::update_tenant(graph, &t.id).await; drop(permit); });
    }
    join_all(tenants.iter().map(|t| async {
        let _permit = sem.acquire().await;
        store::update_tenant(graph, &t.id).await
    })).await;
    for t in &tenants {
        throttle_partner_job().await;
        store::update_tenant(graph, &t.id).await;
    }
    for t in &tenants {
        if limiter.check().is_err() {
            continue;
        }
        store::update_tenant(graph, &t.id).await;
    }
    let mut set = JoinSet::new();
    for t in tenants.clone() {
        if set.len() >= 4 {
            set.join_next().await;
        }
        set.spawn(store::update_tenant(graph, &t.id));
    }
}
"#,
        );
    }

    #[test]
    fn a_pause_inside_each_concurrent_task_throttles_nothing() {
        expect(
            r#"
//- src/jobs.rs
async fn sync(graph: &Graph, tenants: Vec<Tenant>) {
    for t in tenants.clone() {
//  ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` starts `tokio::spawn` per tenant running a database query (`.run` in `store::update_tenant`), all at once
        tokio::spawn(async move { tokio::time::sleep(Duration::from_secs(1)).await; store::update_tenant(graph, &t.id).await });
    }
    join_all(tenants.iter().map(|t| async { sleep(Duration::from_secs(1)).await; store::update_tenant(graph, &t.id).await })).await;
//  ^^^^^^^^ deny[PS301] `join_all` runs a database query (`.run` in `store::update_tenant`) for every tenant of `tenants` at once, with no concurrency bound
}
"#,
        );
    }

    #[test]
    fn loops_without_work_or_over_other_collections_are_fine() {
        expect(
            r#"
//- src/jobs.rs
async fn names(graph: &Graph, tenants: Vec<Tenant>, users: Vec<User>) -> Vec<String> {
    let mut out = Vec::new();
    for t in &tenants {
        out.push(store::label(&t.name));
    }
    let labels: Vec<String> = tenants.iter().map(|t| t.name.clone()).collect();
    for u in &users {
        store::update_tenant(graph, &u.tenant_id).await;
    }
    out
}
"#,
        );
    }

    #[test]
    fn rows_of_a_cypher_query_returning_many_tenants() {
        expect(
            r#"
//- src/jobs.rs
async fn notify(graph: &Graph, client: &Client, partner_id: &str) {
    let mut rows = graph.execute(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) RETURN t.webhook AS hook").param("pid", partner_id)).await?;
    while let Ok(Some(row)) = rows.next().await {
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `while let` loop over the tenants a Cypher query returns runs an HTTP request (`.send`) for every tenant with no rate limit
        client.post(row.get::<String>("hook")?).send().await?;
    }
    let mut one = graph.execute(query("MATCH (t:Tenant {id: $id}) RETURN t").param("id", partner_id)).await?;
    while let Ok(Some(row)) = one.next().await {
        client.post(row.get::<String>("hook")?).send().await?;
    }
}
"#,
        );
    }

    #[test]
    fn channel_sends_hand_off_but_producers_publish() {
        expect(
            r#"
//- src/jobs.rs
async fn fan(tx: Sender<Tenant>, producer: &FutureProducer, tenants: Vec<Tenant>) {
    for t in tenants.clone() {
        tx.send(t).await;
    }
    for t in tenants {
//  ^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` runs a message publish (`.send`) for every tenant with no rate limit
        producer.send(record_for(&t), timeout).await;
    }
}
"#,
        );
    }

    #[test]
    fn sends_on_values_typed_as_channel_senders_hand_off() {
        expect(
            r#"
//- src/jobs.rs
pub struct Deletions { pub queue: tokio::sync::mpsc::UnboundedSender<String> }
impl Deletions {
    fn push(&self, msg: String) { self.queue.send(msg); }
}
fn enqueue(queue: &mpsc::UnboundedSender<String>, msg: String) { queue.send(msg); }
fn announce(topic_bus: &Arc<broadcast::Sender<String>>, msg: String) { topic_bus.send(msg); }
async fn sweep(deletions: &Deletions, queue: &mpsc::UnboundedSender<String>, bus: &Arc<broadcast::Sender<String>>, tenants: Vec<Tenant>) {
    for t in &tenants {
        deletions.push(t.id.clone());
        enqueue(queue, t.id.clone());
        announce(bus, t.id.clone());
    }
}
async fn publish_all(producer: &FutureProducer, tenants: Vec<Tenant>) {
    for t in tenants {
//  ^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` runs a message publish (`.send` in `jobs::publish_one`) for every tenant with no rate limit
        publish_one(producer, &t).await;
    }
}
async fn publish_one(producer: &FutureProducer, t: &Tenant) { producer.send(record_for(t), timeout).await; }
"#,
        );
    }

    #[test]
    fn generic_command_names_write_only_on_store_handles() {
        expect(
            r#"
//- src/jobs.rs
pub struct Worker { pub process: OnceSlot<Process> }
impl Worker {
    fn launch(&self, permit: Permit) { self.process.set(Process::new(), permit); }
}
async fn warm(worker: &Worker, flags: &mut BitSet, rcm: State<ConnectionManager>, tenants: Vec<Tenant>) {
    for t in &tenants {
        worker.launch(t.permit());
        flags.set(t.index, true);
    }
    for t in &tenants {
//  ^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` runs a cache write (`.set`) for every tenant with no rate limit
        rcm.set(key(t), 1).await;
    }
    for t in &tenants {
//  ^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` runs a cache write (`.del`) for every tenant with no rate limit
        state.redis.del(key(t)).await;
    }
}
"#,
        );
    }

    #[test]
    fn a_memo_table_in_a_local_map_is_not_a_cache_write() {
        expect(
            r#"
//- src/jobs.rs
fn fill(size_cache: &mut HashMap<String, u64>, t: &Tenant) { size_cache.insert(t.id.clone(), 1); }
async fn sizes(tenants: Vec<Tenant>, shared_cache: &moka::future::Cache<String, u64>) {
    let mut size_cache = HashMap::new();
    for t in &tenants {
        fill(&mut size_cache, t);
    }
    for t in &tenants {
//  ^^^^^^^^^^^^^^^^^ deny[PS301] `for` loop over `tenants` runs a cache write (`.insert`) for every tenant with no rate limit
        shared_cache.insert(t.id.clone(), 1).await;
    }
}
"#,
        );
    }

    #[test]
    fn sequential_closures_are_loops() {
        expect(
            r#"
//- src/jobs.rs
async fn clear(cache: &Cache, tenants: &[Tenant]) {
    tenants.iter().for_each(|t| cache.invalidate(&t.id));
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] `.for_each` closure over `tenants` runs a cache write (`.invalidate`) for every tenant with no rate limit
}
"#,
        );
    }

    #[test]
    fn cypher_write_over_all_managed_tenants() {
        Expect::rule("PS301").findings(
            r#"
//- src/partner/bulk.rs
const SUSPEND_ALL: &str = "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) SET t.suspended = true";
//                                                                             ^^^^^^^^^^^^^^^^^^^^^^ deny[PS301] Cypher `SET` runs over every tenant the partner manages in one transaction, with no batching
async fn suspend_all(graph: &Graph, pid: &str) {
    graph.run(query(SUSPEND_ALL).param("pid", pid)).await?;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant)-[:OWNS]->(s:Session) DETACH DELETE s").param("pid", pid)).await?;
//                                                                                            ^^^^^^^^^^^^^^^ deny[PS301] Cypher `DETACH DELETE` runs over every tenant the partner manages in one transaction, with no batching
}
"#,
        );
    }

    #[test]
    fn a_query_kept_in_a_const_is_labelled_where_it_runs() {
        use crate::engine::{Engine, Settings};
        let workspace = crate::testing::workspace(&[(
            "src/partner/bulk.rs",
            r#"
const SUSPEND_ALL: &str = "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) SET t.suspended = true";
async fn suspend_all(graph: &Graph, pid: &str) {
    graph.run(query(SUSPEND_ALL).param("pid", pid)).await?;
}
"#,
        )]);
        let findings = Engine::new(Settings::default()).check(&workspace);
        let finding = findings
            .iter()
            .find(|finding| finding.code == "PS301")
            .expect("a PS301 finding");
        let text = &workspace.file(0).text;
        let labels: Vec<(&str, &str)> = finding
            .labels
            .iter()
            .map(|label| (&text[label.location.span.range()], label.message.as_str()))
            .collect();
        assert_eq!(
            labels,
            [
                (
                    "(p:Partner {id: $pid})-[:MANAGES]->(t:Tenant)",
                    "every managed tenant"
                ),
                ("query(SUSPEND_ALL)", "run here"),
            ]
        );
    }

    #[test]
    fn batched_or_pinned_cypher_is_fine() {
        let findings = check(
            "PS301",
            &[(
                "src/partner/bulk.rs",
                r#"
async fn suspend_all(graph: &Graph, pid: &str, tid: &str) {
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) CALL { WITH t SET t.suspended = true } IN TRANSACTIONS OF 100 ROWS").param("pid", pid)).await?;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) WITH t LIMIT 100 SET t.suspended = true").param("pid", pid)).await?;
    graph.run(query("CALL apoc.periodic.iterate('MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) RETURN t', 'SET t.suspended = true', {batchSize: 100})")).await?;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid}) SET t.suspended = true").param("pid", pid)).await?;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) WHERE t.id = $tid SET t.suspended = true").param("pid", pid)).await?;
    graph.run(query("MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) RETURN t.id")).await?;
}
"#,
            )],
        );
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn batched_forms_parse_so_they_are_judged_not_skipped() {
        use crate::cypher::{parse_query, ClauseKind, TextMode};
        for text in [
            "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) CALL { WITH t SET t.suspended = true } IN TRANSACTIONS OF 100 ROWS",
            "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) WITH t LIMIT 100 SET t.suspended = true",
        ] {
            let facts = parse_query(text, TextMode::Plain).expect("parses");
            assert!(facts.clauses.iter().any(|clause| clause.kind == ClauseKind::Set));
            assert!(facts.clauses.iter().any(|clause| clause.has_limit
                || clause.kind == ClauseKind::CallSubquery { in_transactions: true }));
        }
    }
}
