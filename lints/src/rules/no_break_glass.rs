//! PS202 no-break-glass: a customer cannot revoke a partner's access instantly.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{ArgFact, Callee, FunctionDef, Workspace};
use crate::model::caches::{self, Caches, Expiry};
use crate::model::callgraph::FnId;
use crate::model::queries::WorkspaceResolver;
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use foldhash::HashMap;
use std::cell::{OnceCell, RefCell};

pub const META: RuleMeta = RuleMeta {
    code: "PS202",
    name: "no-break-glass",
    checklist_item: Some(ChecklistItem::BreakGlass),
    default_level: Level::Deny,
    summary: "`MANAGES` is granted but the customer cannot revoke it instantly",
    docs: r#"## What it does
A workspace rule. When the workspace creates `MANAGES` relationships, it must have a way
for the customer to revoke them: a query that deletes the relationship (`DELETE r` on a
`[r:MANAGES]`) or marks it revoked (`SET r.revoked_at = …`, `r.revoked = true`,
`r.active = false`), run from a function that is not in partner context (or that has a
caller outside partner context). Without one, every grant site is flagged.

It also flags caching the result of a partner-access check (the result of a guard call,
or of a workspace function that runs a `MANAGES` query) with a TTL above
`max_cache_ttl_secs` (default 60) or with no TTL, since a revocation would not take effect
until the entry expires. The finding is at the cache write, with a label where the TTL
is set.

Decisions where the catalogue is silent:
- Cache writes are the shared model's: Redis write commands as methods (`set`, `set_ex`,
  `pset_ex`, `set_options`, `hset`, `sadd`, `lpush`, …, with or without a turbofish) on a
  client known by its type (a `redis`, `deadpool_redis`, `bb8`, `r2d2` or `fred` connection
  or pool) or on a handle named as a store (`conn`, `state.redis`), `cmd("SET")`/
  `cmd("SETEX")`/`cmd("HSET")`/… chains in any case, also through a pool crate's
  re-export (`deadpool_redis::redis::cmd`), and `insert`/`put` on an in-memory cache
  (`moka`, `mini_moka`, `quick_cache`, or a value named like a cache), but not on a
  parameter typed as a standard collection.
- The value written is an access check's result when it is the guard's or the
  `MANAGES`-query function's call, or a `let` bound to one. A workspace function that
  writes one of its parameters to a cache (`cache_decision(&conn, key, allowed)`, also
  through another such helper) is a cache write at each call: the finding is at the call,
  with the TTL the helper sets.
- The TTL comes from the call (`set_ex(key, value, 30)`, `pset_ex` in milliseconds, the
  `EX n`/`PX n` arguments of `cmd("SET")`, `cmd("SETEX").arg(key).arg(n)`,
  `SetExpiry::EX(n)`), from a later `expire`/`pexpire` (method or command) of the same key
  in the same function, or, for an in-memory cache, from where it is built: the `let` or
  struct-literal field of the cache's name in the same file (or the file's only cache
  builder; with none in the file, the struct-literal field of that name in the other files,
  such as the app state filled in `main.rs`, when they agree), through `time_to_live(…)`/`time_to_idle(…)`. A builder without either
  (`Cache::builder().max_capacity(n).build()`, `quick_cache::sync::Cache::new(n)`) keeps
  entries until they are evicted for room: no expiry, flagged with a label at the builder.
  Each TTL may be a literal, a product of literals, a `const` (anywhere in the crate,
  through imports, a `const` of another `const`), `Duration::from_secs`/`from_millis`/
  `from_mins`/`from_hours` (and chrono's `Duration::seconds`/`minutes`/`hours`) and
  `as_secs()`/`as_millis()` of one. A TTL from a value not known statically (a
  parameter, a config field, `expire_after`) is not judged.
- A revoke that runs only in partner context does not count: the customer must hold the
  switch.

## Why is this bad?
When a partner is compromised or a contract ends, the customer must be able to cut the
partner off at once. Without a revoke path, access lasts until someone edits the graph by
hand; with a long-cached access check, it lasts until the cache expires.

## Example
```rust
// Only ever grants:
pub async fn grant_partner(graph: &Graph) -> Result<()> {
    graph.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: $perms}]->(t)")).await?;
    Ok(())
}
// …and remembers access for a day:
async fn may_access(ctx: PartnerContext, tenant_id: String, key: String, redis: &mut Connection) -> Result<()> {
    let allowed = check_partner_access(&ctx, &tenant_id).await?;
    redis.set_ex(key, allowed, 86_400).await?;
    Ok(())
}
```

## Use instead
```rust
// A customer-side endpoint (not in partner context):
pub async fn revoke_partner(session: CustomerSession, partner_id: String) -> Result<()> {
    graph.run(query("MATCH (:Partner {id: $p})-[r:MANAGES]->(:Tenant {id: $t}) DELETE r")).await
}
// …and a short TTL:
async fn may_access(ctx: PartnerContext, tenant_id: String, key: String, redis: &mut Connection) -> Result<()> {
    let allowed = check_partner_access(&ctx, &tenant_id).await?;
    redis.set_ex(key, allowed, 30).await?;
    Ok(())
}
```

## Options
- `max_cache_ttl_secs`: the longest a partner-access check result may be cached.

## Checklist item
2. Break-Glass: Is there a mechanism for the Customer to revoke Partner access instantly?

## Fix
None automatic.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::OptionKey;

    pub const MAX_CACHE_TTL_SECS: OptionKey<u64> = OptionKey::integer(
        "max_cache_ttl_secs",
        60,
        "The longest a cached partner-access check may live, in seconds",
    );
}

const OPTIONS: &[OptionSpec] = &[option::MAX_CACHE_TTL_SECS.spec()];

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(NoBreakGlass {
        max_ttl: options.get(&option::MAX_CACHE_TTL_SECS),
    })
}

struct NoBreakGlass {
    /// Seconds.
    max_ttl: u64,
}

impl Rule for NoBreakGlass {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        if !model.grants.is_empty() && !model.grants.customer_can_revoke {
            for grant in model.grants.in_file(&model.queries, file) {
                out.push(
                    Diagnostic::new(
                        "`MANAGES` is granted here, but no customer-side path revokes it: no query outside partner context deletes the relationship or sets `revoked_at`/`active = false`",
                        grant.query.location(grant.relationship.span.range()),
                    )
                    .with_primary_label("grant without a revoke")
                    .with_help(
                        "give the customer an endpoint (outside partner context) that runs \
                         `MATCH (:Partner {id: $partner_id})-[r:MANAGES]->(:Tenant {id: $tenant_id}) DELETE r`",
                    ),
                );
            }
        }
        let cached = CachedAccess {
            rule: self,
            cx,
            caches: Caches {
                workspace: cx.workspace,
            },
            consts: OnceCell::new(),
            sinks: RefCell::new(HashMap::default()),
        };
        for (index, def) in cx.workspace.file(file).functions.iter().enumerate() {
            cached.check(FnId { file, index }, def, out);
        }
    }
}

/// Finds partner-access checks written to a cache in one file.
struct CachedAccess<'a> {
    rule: &'a NoBreakGlass,
    cx: &'a Context<'a>,
    caches: Caches<'a>,
    /// Built on the first cache write that needs a `const` resolved: few files have one.
    consts: OnceCell<WorkspaceResolver<'a>>,
    /// Which workspace functions write one of their parameters to a cache, decided on
    /// first use: the parameter's position and how long the entry lives.
    sinks: RefCell<HashMap<FnId, Option<(usize, Expiry)>>>,
}

/// How many helper functions a value is followed through into a cache.
const MAX_HELPER_DEPTH: usize = 3;

impl<'a> CachedAccess<'a> {
    fn consts(&self) -> &WorkspaceResolver<'a> {
        self.consts
            .get_or_init(|| WorkspaceResolver::new(self.cx.workspace))
    }

    fn check(&self, function: FnId, def: &'a FunctionDef, out: &mut Vec<Diagnostic>) {
        // Only a function that runs an access check can cache its result.
        if !(0..def.calls.len()).any(|index| self.is_access_check(function, def, index)) {
            return;
        }
        let mut found: Vec<(Span, Location, Expiry)> = Vec::new();
        for write in self.caches.writes(function.file, def, self.consts()) {
            if let Some(check) = self.access_check_behind(function, def, write.value) {
                found.push((write.span, check, write.expiry));
            }
        }
        // A helper that writes the value it is given (`cache_decision(&conn, key, allowed)`).
        for (index, call) in def.calls.iter().enumerate() {
            for &callee in self.cx.model.graph.callees(function, index) {
                let Some((parameter, expiry)) = self.sink(callee, 0) else {
                    continue;
                };
                let Some(callee_def) = function_def(self.cx.workspace, callee) else {
                    continue;
                };
                // `Type::method(&value, …)` passes the receiver first.
                let position = match call.callee {
                    Callee::Path(_) if callee_def.has_self => parameter + 1,
                    _ => parameter,
                };
                let Some(value) = call.args.get(position) else {
                    continue;
                };
                if let Some(check) = self.access_check_behind(function, def, value) {
                    found.push((call.span, check, expiry));
                    break;
                }
            }
        }
        found.sort_by_key(|(span, ..)| *span);
        found.dedup_by_key(|(span, ..)| *span);
        for (span, check, expiry) in found {
            if let Some(diagnostic) = self.rule.finding(
                Location {
                    file: function.file,
                    span,
                },
                check,
                &expiry,
            ) {
                out.push(diagnostic);
            }
        }
    }

    /// Whether the `index`th call of `def` is a partner-access check: a guard, or a
    /// workspace function that runs a `MANAGES` query.
    fn is_access_check(&self, function: FnId, def: &FunctionDef, index: usize) -> bool {
        let model = &self.cx.model;
        def.calls
            .get(index)
            .is_some_and(|call| model.is_guard(call))
            || model
                .graph
                .callees(function, index)
                .iter()
                .any(|&callee| model.grants.runs_manages_query(callee))
    }

    /// Whether a workspace function writes one of its parameters to a cache, directly or
    /// through another such helper: which one, and how long the entry lives.
    fn sink(&self, id: FnId, depth: usize) -> Option<(usize, Expiry)> {
        if let Some(known) = self.sinks.borrow().get(&id) {
            return *known;
        }
        if depth > MAX_HELPER_DEPTH {
            return None;
        }
        // Cut recursion: a function is no sink while it is being decided.
        self.sinks.borrow_mut().insert(id, None);
        let found = self.decide_sink(id, depth);
        self.sinks.borrow_mut().insert(id, found);
        found
    }

    fn decide_sink(&self, id: FnId, depth: usize) -> Option<(usize, Expiry)> {
        let def = function_def(self.cx.workspace, id)?;
        if self.cx.workspace.is_test_code(id.file, def.span.start) {
            return None;
        }
        let parameter_of = |value: &ArgFact| {
            let [name] = value.place.as_deref()? else {
                return None;
            };
            // A name rebound in the body is no longer the parameter.
            if def.binding_before(name, value.span.start).is_some() {
                return None;
            }
            def.params
                .iter()
                .position(|param| param.name.as_deref() == Some(name.as_str()))
        };
        if def.calls.iter().any(|call| may_write(call.name())) {
            for write in self.caches.writes(id.file, def, self.consts()) {
                if let Some(parameter) = parameter_of(write.value) {
                    return Some((parameter, write.expiry));
                }
            }
        }
        for (index, call) in def.calls.iter().enumerate() {
            // Only a call that passes a parameter on can write it.
            if !call.args.iter().any(|arg| parameter_of(arg).is_some()) {
                continue;
            }
            for &callee in self.cx.model.graph.callees(id, index) {
                if callee == id {
                    continue;
                }
                let Some((inner, expiry)) = self.sink(callee, depth + 1) else {
                    continue;
                };
                let inner_def = function_def(self.cx.workspace, callee)?;
                let position = match call.callee {
                    Callee::Path(_) if inner_def.has_self => inner + 1,
                    _ => inner,
                };
                if let Some(parameter) = call.args.get(position).and_then(parameter_of) {
                    return Some((parameter, expiry));
                }
            }
        }
        None
    }

    /// Where the cached value comes from an access check: a guard call or a
    /// workspace function running a `MANAGES` query, directly or through a `let`.
    fn access_check_behind(
        &self,
        function: FnId,
        def: &FunctionDef,
        value: &ArgFact,
    ) -> Option<Location> {
        let source = match value.place.as_deref() {
            Some([name]) => def
                .binding_before(name, value.span.start)
                .and_then(|binding| binding.init.as_ref())
                .map_or(value.span, |init| init.span),
            _ => value.span,
        };
        def.calls.iter().enumerate().find_map(|(index, call)| {
            let inside = source.start <= call.span.start && call.span.end <= source.end;
            (inside && self.is_access_check(function, def, index)).then_some(Location {
                file: function.file,
                span: call.span,
            })
        })
    }
}

impl NoBreakGlass {
    /// The finding for an access check written at `write` with `expiry`, unless it expires
    /// soon enough (or its TTL is not known here).
    fn finding(&self, write: Location, check: Location, expiry: &Expiry) -> Option<Diagnostic> {
        let max_millis = self.max_ttl.saturating_mul(1_000);
        let (message, ttl_at, built_at) = match expiry {
            Expiry::After { millis, .. } if *millis <= max_millis => return None,
            Expiry::Unknown => return None,
            Expiry::After { millis, at } => (
                format!(
                    "a partner-access check is cached for {} s, over the {} s a revocation may wait",
                    millis.div_ceil(1_000),
                    self.max_ttl
                ),
                Some(*at),
                None,
            ),
            Expiry::Never { built_at } => (
                "a partner-access check is cached with no expiry, so a revocation would not take effect".to_string(),
                None,
                *built_at,
            ),
        };
        let mut diagnostic = Diagnostic::new(message, write)
            .with_primary_label("cached access check")
            .with_label(check, "the access check whose result is cached")
            .with_help(format!("cache the result for at most {} s, or not at all, so revoking `MANAGES` takes effect at once", self.max_ttl));
        if let Some(at) = ttl_at {
            diagnostic = diagnostic.with_label(at, "TTL set here");
        }
        if let Some(at) = built_at {
            diagnostic =
                diagnostic.with_label(at, "cache built without `time_to_live` or `time_to_idle`");
        }
        Some(diagnostic)
    }
}

/// Method names that may write a cache entry: a cheap test before the model's.
fn may_write(name: &str) -> bool {
    caches::keyed_somewhere(name) || matches!(name, "arg" | "put" | "set_item" | "cache_set")
}

fn function_def(workspace: &Workspace, id: FnId) -> Option<&FunctionDef> {
    workspace.get_function(id)
}

#[cfg(test)]
mod tests {
    use crate::testing::{check, Expect};

    const GRANT: &str = r#"
pub async fn invite_partner(session: CustomerSession, g: Graph) {
    g.run(query("MATCH (p:Partner {id: $p}), (t:Tenant {id: $t}) CREATE (p)-[:MANAGES {permissions: ['users:read']}]->(t)")).await;
}
"#;

    #[test]
    fn grants_without_a_customer_side_revoke_are_flagged() {
        let findings = check("PS202", &[("src/customer.rs", GRANT)]);
        assert_eq!(
            findings,
            ["src/customer.rs:3:76: deny[PS202] `MANAGES` is granted here, but no customer-side path revokes it: no query outside partner context deletes the relationship or sets `revoked_at`/`active = false`"]
        );
    }

    #[test]
    fn a_customer_side_delete_or_revoked_at_is_a_revoke() {
        for revoke in [
            "MATCH (:Partner {id: $p})-[r:MANAGES]->(:Tenant {id: $t}) DELETE r",
            "MATCH (:Partner {id: $p})-[m:MANAGES]->(:Tenant {id: $t}) SET m.revoked_at = datetime()",
            "MATCH (:Partner {id: $p})-[m:MANAGES]->(:Tenant {id: $t}) SET m.active = false",
        ] {
            let customer = format!("{GRANT}\npub async fn revoke(session: CustomerSession, g: Graph) {{ g.run(query({revoke:?})).await; }}");
            assert_eq!(check("PS202", &[("src/customer.rs", &customer)]), Vec::<String>::new(), "{revoke}");
        }
    }

    #[test]
    fn a_revoke_only_partners_can_run_does_not_count() {
        let partner = "pub async fn leave(ctx: PartnerContext, g: Graph) { g.run(query(\"MATCH (:Partner {id: $p})-[r:MANAGES]->(:Tenant {id: $t}) DELETE r\")).await; }";
        let findings = check(
            "PS202",
            &[
                ("src/customer.rs", GRANT),
                ("src/partner/leave.rs", partner),
            ],
        );
        assert_eq!(findings.len(), 1, "{findings:?}");
        // Setting `active = true` re-enables; it revokes nothing.
        let reenable = format!(
            "{GRANT}\nfn f() {{ run(query(\"MATCH ()-[m:MANAGES]->() SET m.active = true\")); }}"
        );
        assert_eq!(check("PS202", &[("src/customer.rs", &reenable)]).len(), 1);
    }

    #[test]
    fn cached_access_checks_need_a_short_ttl() {
        Expect::rule("PS202").findings(
            r#"
//- src/access.rs
async fn long(ctx: PartnerContext, redis: Conn, t: String) {
    let allowed = check_partner_access(&ctx, &t).await?;
    redis.set_ex(format!("access:{t}"), allowed, 86_400).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 86400 s, over the 60 s a revocation may wait
}
async fn short(ctx: PartnerContext, redis: Conn, t: String) {
    let allowed = check_partner_access(&ctx, &t).await?;
    redis.set_ex(format!("access:{t}"), allowed, 30).await?;
}
async fn forever(ctx: PartnerContext, mut conn: Conn, t: String) {
    conn.set(&t, ensure_manages(&ctx, &t).await.is_ok()).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect
}
async fn expired(ctx: PartnerContext, mut conn: Conn, t: String) {
    let ok = manages_lookup(&ctx, &t).await;
    conn.set(&t, ok).await?;
    conn.expire(&t, 45).await?;
}
async fn manages_lookup(ctx: &PartnerContext, t: &str) -> bool {
    run(query("MATCH (:Partner {id: $p})-[:MANAGES]->(:Tenant {id: $t}) RETURN count(*) > 0")).await
}
async fn not_an_access_check(redis: Conn, name: String) { redis.set_ex("name", name, 86_400).await; }
"#,
        );
    }

    #[test]
    fn in_memory_caches_take_the_builders_ttl() {
        Expect::rule("PS202").findings(
            r#"
//- src/access.rs
fn build() -> Cache<String, bool> { Cache::builder().time_to_live(Duration::from_secs(300)).build() }
async fn cached(ctx: PartnerContext, access_cache: &Cache<String, bool>, t: String) {
    let allowed = ensure_manages(&ctx, &t).await.is_ok();
    access_cache.insert(t.clone(), allowed).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 300 s, over the 60 s a revocation may wait
}
"#,
        );
    }

    /// The access check of every test below, from a guard.
    const HELPERS: &str = r#"
pub async fn check_partner_access(ctx: &PartnerContext, t: &str) -> bool {
    run(query("MATCH (:Partner {id: $p})-[:MANAGES]->(:Tenant {id: $t}) RETURN count(*) > 0")).await
}
"#;

    /// A fixture analysed with `HELPERS` in `src/checks.rs`.
    #[track_caller]
    fn expect_cached(fixture: &str) {
        Expect::rule("PS202")
            .with_files(&[("src/checks.rs", HELPERS)])
            .findings(fixture);
    }

    fn cached(source: &str) -> Vec<String> {
        check(
            "PS202",
            &[("src/access.rs", source), ("src/checks.rs", HELPERS)],
        )
    }

    #[test]
    fn ttls_of_redis_commands_and_their_options() {
        expect_cached(
            r#"
//- src/access.rs
use redis::AsyncCommands;
const ACCESS_TTL: u64 = 60 * 60;
const SHORT_TTL: u64 = 30;
async fn a(ctx: PartnerContext, mut conn: redis::aio::MultiplexedConnection, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    redis::cmd("SET").arg(&t).arg(allowed).arg("EX").arg(3600).query_async::<()>(&mut conn).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 3600 s, over the 60 s a revocation may wait
    redis::cmd("set").arg(&t).arg(allowed).arg("px").arg(30_000).query_async::<()>(&mut conn).await?;
    redis::cmd("SETEX").arg(&t).arg(ACCESS_TTL).arg(allowed).query_async::<()>(&mut conn).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 3600 s, over the 60 s a revocation may wait
    redis::cmd("SET").arg(&t).arg(allowed).query_async::<()>(&mut conn).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect
    conn.set_ex::<_, _, ()>(&t, allowed, ACCESS_TTL).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 3600 s, over the 60 s a revocation may wait
    conn.set_ex::<_, _, ()>(&t, allowed, SHORT_TTL).await?;
    conn.pset_ex::<_, _, ()>(&t, allowed, 90_000).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 90 s, over the 60 s a revocation may wait
    conn.pset_ex::<_, _, ()>(&t, allowed, 5_000).await?;
    conn.set_options::<_, _, ()>(&t, allowed, SetOptions::default().with_expiration(SetExpiry::EX(600))).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 600 s, over the 60 s a revocation may wait
    conn.set_options::<_, _, ()>(&t, allowed, SetOptions::default().with_expiration(SetExpiry::PX(600))).await?;
}
async fn b(ctx: PartnerContext, mut conn: redis::aio::MultiplexedConnection, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    conn.hset::<_, _, _, ()>(&t, "allowed", allowed).await?;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 120 s, over the 60 s a revocation may wait
    conn.pexpire::<_, ()>(&t, 120_000).await?;
}
async fn c(ctx: PartnerContext, mut conn: redis::aio::MultiplexedConnection, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    conn.sadd::<_, _, ()>(&t, allowed).await?;
    redis::cmd("EXPIRE").arg(&t).arg(SHORT_TTL).query_async::<()>(&mut conn).await?;
}
async fn d(ctx: PartnerContext, mut conn: redis::aio::MultiplexedConnection, t: String, ttl: u64) {
    let allowed = check_partner_access(&ctx, &t).await;
    conn.set_ex::<_, _, ()>(&t, allowed, ttl).await?;
    let name = t.to_uppercase();
    redis::cmd("SET").arg(&t).arg(name).query_async::<()>(&mut conn).await?;
}
"#,
        );
    }

    #[test]
    fn ttls_from_durations_and_consts_in_other_modules() {
        let config = r#"
pub const ACCESS_TTL: Duration = Duration::from_mins(10);
pub const ACCESS_TTL_SECS: u64 = ACCESS_TTL.as_secs();
pub const QUICK: Duration = Duration::from_millis(500);
"#;
        let findings = check(
            "PS202",
            &[
                (
                    "src/access.rs",
                    r#"use crate::config::{ACCESS_TTL, ACCESS_TTL_SECS, QUICK};
async fn a(ctx: PartnerContext, mut conn: redis::aio::MultiplexedConnection, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    conn.set_ex::<_, _, ()>(&t, allowed, ACCESS_TTL_SECS).await?;
    conn.set_ex::<_, _, ()>(&t, allowed, ACCESS_TTL.as_secs()).await?;
    conn.set_ex::<_, _, ()>(&t, allowed, Duration::from_secs(3600 * 24).as_secs()).await?;
    conn.pset_ex::<_, _, ()>(&t, allowed, QUICK.as_millis() as u64).await?;
    conn.set_ex::<_, _, ()>(&t, allowed, Duration::from_secs(45).as_secs()).await?;
}
"#,
                ),
                ("src/config.rs", config),
                ("src/checks.rs", HELPERS),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/access.rs:4:5: deny[PS202] a partner-access check is cached for 600 s, over the 60 s a revocation may wait",
                "src/access.rs:5:5: deny[PS202] a partner-access check is cached for 600 s, over the 60 s a revocation may wait",
                "src/access.rs:6:5: deny[PS202] a partner-access check is cached for 86400 s, over the 60 s a revocation may wait",
            ]
        );
    }

    #[test]
    fn access_checks_cached_through_a_helper() {
        let store = r#"
pub async fn cache_decision(conn: &mut deadpool_redis::Connection, key: &str, allowed: bool) {
    let _: () = conn.set(key, allowed).await.unwrap();
}
pub async fn remember(conn: &mut deadpool_redis::Connection, key: &str, allowed: bool) {
    cache_decision(conn, key, allowed).await;
}
pub async fn cache_briefly(conn: &mut deadpool_redis::Connection, key: &str, allowed: bool) {
    let _: () = conn.set_ex(key, allowed, 10).await.unwrap();
}
pub async fn cache_label(conn: &mut deadpool_redis::Connection, key: &str, label: &str, allowed: bool) {
    let _: () = conn.set(key, label).await.unwrap();
}
"#;
        let findings = check(
            "PS202",
            &[
                (
                    "src/partner/h.rs",
                    r#"
async fn h(ctx: PartnerContext, mut conn: deadpool_redis::Connection, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    cache_decision(&mut conn, &t, allowed).await;
    remember(&mut conn, &t, check_partner_access(&ctx, &t).await).await;
    cache_briefly(&mut conn, &t, allowed).await;
    cache_label(&mut conn, &t, "tenant", allowed).await;
}
"#,
                ),
                ("src/store.rs", store),
                ("src/checks.rs", HELPERS),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/partner/h.rs:4:5: deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect",
                "src/partner/h.rs:5:5: deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect",
            ]
        );
    }

    #[test]
    fn a_cache_whose_builder_is_not_known_is_not_judged() {
        // Two builders in the file, and the cache comes from neither's binding: which TTL
        // applies is not known here.
        let source = r#"use moka::future::Cache;
fn short() -> Cache<String, bool> { Cache::builder().time_to_live(Duration::from_secs(30)).build() }
fn long() -> Cache<String, bool> { Cache::builder().time_to_live(Duration::from_secs(3600)).build() }
async fn h(ctx: PartnerContext, decisions: &Cache<String, bool>, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    decisions.insert(t.clone(), allowed).await;
}
"#;
        assert_eq!(cached(source), Vec::<String>::new());
        let one = source.replace("fn long() -> Cache<String, bool> { Cache::builder().time_to_live(Duration::from_secs(3600)).build() }\n", "");
        assert_eq!(cached(&one), Vec::<String>::new());
        let forever = source.replace("fn short() -> Cache<String, bool> { Cache::builder().time_to_live(Duration::from_secs(30)).build() }\n", "");
        assert_eq!(
            cached(&forever),
            ["src/access.rs:5:5: deny[PS202] a partner-access check is cached for 3600 s, over the 60 s a revocation may wait"]
        );
    }

    #[test]
    fn in_memory_cache_builders_set_the_ttl_or_keep_entries_forever() {
        expect_cached(
            r#"
//- src/access.rs
use moka::future::Cache;
struct AppState { decisions: Cache<String, bool>, briefly: Cache<String, bool>, idle: mini_moka::sync::Cache<String, bool>, forever: quick_cache::sync::Cache<String, bool> }
fn state() -> AppState {
    AppState {
        decisions: Cache::builder().max_capacity(10_000).build(),
        briefly: Cache::builder().time_to_live(Duration::from_secs(30)).build(),
        idle: mini_moka::sync::Cache::builder().time_to_idle(Duration::from_mins(15)).build(),
        forever: quick_cache::sync::Cache::new(1_000),
    }
}
async fn h(ctx: PartnerContext, state: &AppState, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    state.decisions.insert(t.clone(), allowed).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect
    state.briefly.insert(t.clone(), allowed).await;
    state.idle.insert(t.clone(), allowed);
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 900 s, over the 60 s a revocation may wait
    state.forever.insert(t.clone(), allowed);
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached with no expiry, so a revocation would not take effect
    let local = Cache::builder().time_to_live(Duration::from_secs(7200)).build();
    local.insert(t.clone(), allowed).await;
//  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS202] a partner-access check is cached for 7200 s, over the 60 s a revocation may wait
}
"#,
        );
    }

    #[test]
    fn a_cache_built_into_the_app_state_in_another_file_has_that_builders_ttl() {
        // The state is filled where the app starts (`main.rs`), the decision cached in a
        // handler elsewhere: the builder there sets the TTL. The twin builds a second
        // field with an hour's TTL, which is still flagged.
        let main = r#"const PIN_TTL: Duration = Duration::from_secs(30);
async fn main() {
    let state = AppState {
        switcher: Cache::builder().max_capacity(10_000).time_to_live(PIN_TTL).build(),
        sessions: Cache::builder().time_to_live(Duration::from_secs(3600)).build(),
    };
}
"#;
        let findings = check(
            "PS202",
            &[
                (
                    "src/state.rs",
                    "use moka::future::Cache;\npub struct AppState { pub switcher: Cache<String, bool>, pub sessions: Cache<String, bool> }\n",
                ),
                ("src/main.rs", main),
                ("src/access.rs", r#"async fn pin(ctx: PartnerContext, state: &AppState, t: String) {
    let allowed = check_partner_access(&ctx, &t).await;
    state.switcher.insert(t.clone(), allowed).await;
    state.sessions.insert(t.clone(), allowed).await;
}
"#),
                ("src/checks.rs", HELPERS),
            ],
        );
        assert_eq!(
            findings,
            ["src/access.rs:4:5: deny[PS202] a partner-access check is cached for 3600 s, over the 60 s a revocation may wait"]
        );
    }
}
