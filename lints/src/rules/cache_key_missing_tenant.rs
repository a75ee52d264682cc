//! PS102 cache-key-missing-tenant: cache entries keyed without the target
//! tenant, so one tenant's cached data is served in another tenant's context.

use crate::checklist::{ChecklistItem, Level};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::index::{ArgFact, CallSite, Callee, FunctionDef, Param, TypeRef, Workspace};
use crate::model::actors::{Role, Roles};
use crate::model::caches::{keyed_somewhere, value_name, Caches, Client, FnCalls};
use crate::model::callgraph::FnId;
use crate::model::context::{is_context_type, qualified_name};
use crate::model::provenance::{Provenance, Source, SourceKind, Steps};
use crate::names::Name;
use crate::names::{has_word, words, NameList};
use crate::options::{OptionSpec, OptionValues};
use crate::rule::{Context, Rule, RuleMeta};
use crate::source::Span;
use foldhash::{HashMap, HashMapExt as _};
use std::cell::RefCell;
use std::ops::ControlFlow;
use std::rc::Rc;
// The template reading key names come from; its tests are this rule's.
#[cfg(test)]
use crate::model::provenance::captures;

pub const META: RuleMeta = RuleMeta {
    code: "PS102",
    name: "cache-key-missing-tenant",
    checklist_item: Some(ChecklistItem::ContextLeakage),
    default_level: Level::Deny,
    summary: "A cache key that does not include the target tenant's ID",
    docs: r#"## What it does
Flags a cache key that does not include the target tenant's ID. Cache operations are
found by what the receiver is, never by method name alone:
- the `redis` crate: `cmd("GET"|"SET"|…).arg(key)` for the commands whose first argument
  is a key, written in any case (`"set"`, `"HSET"`, `"Expire"`; not `CLUSTER`, `ACL`,
  `CONFIG`, `PSUBSCRIBE`, `XREAD`, `FCALL`, … whose first argument is a subcommand,
  channel, option or function name), pipelines (`redis::pipe().set(k, v)`,
  `.cmd("SET").arg(k)`), and `Commands`/`AsyncCommands` methods with the key first, with
  or without a turbofish (`get`, `set`, `set_ex`, `del`, `expire`, `pexpire`, `incr`,
  hash commands `hget`, `hset`, `hdel`, set commands `sadd`, `srem`, `smembers`, `spop`,
  …: `conn.get::<_, String>(&key)`); the same crate through a pool crate's re-export
  (`deadpool_redis::redis::cmd`, `use deadpool_redis::redis::AsyncCommands`);
- connections and pools from `deadpool_redis`, `bb8_redis`, `r2d2` (`r2d2::Pool<redis::Client>`)
  and `fred` clients;
- `moka`, `mini_moka` and `quick_cache` caches (`insert`, `get`, `get_with`, `invalidate`,
  `entry`, …) and the `cached` crate's stores (`cache_set`, `cache_get`, …) and
  attributes: `#[cached]`/`#[io_cached]` key a function's results by its arguments (or
  by `convert = "…"`), `#[once]` keeps one result for every call (flagged on a function
  that takes arguments); `#[cached]` on a function without arguments, or whose arguments
  are all numbers or flags none of them named as an ID (`fib(n: u64)`), is a global or
  computed value, not flagged;
- browser storage from Rust: `gloo_storage::LocalStorage`/`SessionStorage` (`set`, `get`,
  `delete`) and `web_sys::Storage` (`set_item`, `get_item`, `remove_item`).

A value is a cache client when its type (a parameter, a `self` field, a field of an
extractor's state struct, through `Arc`/`State`/`&`) is written with one of these crates'
paths (after the file's `use` declarations), or when it is bound from a constructor that
is (`client.get_connection()`, `pool.get().await?`, `window.local_storage()`). A
`HashMap::get` is not a cache read, nor is a collection of clients one
(`DashMap<String, redis::Client>::get(url)` finds a client, `Vec<Connection>::get(0)` a
connection).

The key is followed to where it is built: literals, `format!` (positional `{}` holes and
inline `{tenant_id}` captures), `concat!`, `let` bindings, `String` pushes
(`key.push_str(..)`, `write!(key, ..)`), key types (a struct whose fields hold the
tenant), and key-builder functions anywhere in the workspace. A key includes the tenant
when a value in it is the target tenant by the shared actor/target model
(`target_tenant_id`, `customer_tenant*`, a `tenant_id` from the request, a `TenantId`),
or is a value named as a tenant ID that the model does not call the actor
(`user.tenant_id`, `self.tenant_id`). The acting partner's own tenant or partner ID
(`partner.tenant_id`, `session.tenant_id` of a partner context, `actor_*`,
`partner_*`) is not the target: a key built from it is flagged. So is a key built
only from user IDs or constants, in partner context or not.

Decisions where the catalogue is silent:
- A key builder (a workspace function called inside the key) with a parameter that is a
  target tenant (a `TenantId`, or named `tenant_id`, `tenant`, `target_tenant*`,
  `customer_tenant*`) that its body reads makes the key a tenant key, unless the caller
  passes the actor there (`cache_key(&partner.tenant_id, user_id)` is flagged). A builder
  without such a parameter counts when its body reads a tenant ID of its own
  (`format!("{}:{}", self.tenant_id, self.user_id)`).
- A function whose cache key is exactly one of its parameters, named as a key (`key`,
  `cache_key`, `k`: `async fn cache_get(conn, key: &str)`), is a cache wrapper: it is not
  flagged itself; each workspace call to it is checked as a cache operation with the
  argument passed for the key. A wrapper that nothing in the workspace calls is not
  flagged. A method call runs a wrapper method only when its receiver is declared with the
  wrapper's type (`self`, a parameter, a field, a `let` from `Type::new(…)`, through `&`,
  `Arc`, `State`, `Mutex`, `.lock()`, `.clone()`), or, when nothing declares the
  receiver's type (`if let Some(cache) = self.db.cache()`), when the receiver is named as
  a cache (`cache`, `redis`, `user_cache`) or the method's name is no keyed operation of a
  cache client or collection: a `RedisCache::get(&self, key)` wrapper does not turn every
  `row.get("id")`, `headers.get(name)` or `client.get(url)` of the workspace into a cache
  read. A parameter with another name used as the key (`user_id`) is a key built from that
  value, and is flagged. A key built around a key parameter without the target tenant (a
  generic store's `self.namespaced(key)`, `format!("app:{key}")`) makes a wrapper too: the
  caller's key decides; one that adds the tenant itself (`format!("{tenant_id}:{key}")`)
  is not a wrapper, and its callers are not checked.
- A connection known by its trait bounds (`con: &mut C` with `C: redis::AsyncCommands`,
  `impl Commands`, a `where` clause) is a client when the trait comes from a cache crate
  (by path, `use`, or a glob import of the crate).
- A key the cache itself listed (`for key in conn.keys("session:*")`, `scan_match`,
  `scan`, or a `let` bound to one) is an entry that exists, read or deleted as it is
  keyed: the code builds no key there, and is not flagged.
- `key += …` is not followed; write the key with `format!` or `push_str`.
- Test code is not checked: functions marked `#[test]` (also `#[tokio::test]`,
  `#[rstest]`, `#[test_case]`, `#[bench]`), functions in a module named `tests`, and files
  in a `tests/` or `benches/` folder. Keys there are written against test servers and
  fixtures, not served to tenants; the code under test is checked where it builds keys.
- Keys listed in `global_keys` (by the literal text they start with) are global on
  purpose and not flagged.

A workspace without a partner model (no function in partner context, no query that
uses a manages relationship) reports nothing for this rule: the checklist item is about
partners acting on tenants, and the run says once on stderr that no partner model was
found. Test code (items under exactly `#[cfg(test)]`, test functions, files only test
and bench targets reach) is never reported.

## Why is this bad?
When a partner switches from one customer tenant to another, a cache keyed only by user
ID (or by the partner's own tenant) serves the first tenant's data in the second
tenant's context: a cross-tenant leak that no query-level check catches.

## Example
```rust
async fn dashboard(ctx: PartnerContext, Path(tenant_id): Path<TenantId>, redis: &mut MultiplexedConnection) {
    let key = format!("dashboard:{}", ctx.user_id);
    let cached: Option<String> = redis.get(&key).await?;
}
```

## Use instead
```rust
async fn dashboard(ctx: PartnerContext, Path(tenant_id): Path<TenantId>, redis: &mut MultiplexedConnection) {
    let key = format!("{tenant_id}:dashboard:{}", ctx.user_id);
    let cached: Option<String> = redis.get(&key).await?;
}
```

## Options
- `tenant_names`: more value names that hold a target tenant ID in keys (whole-word
  suffixes, like `org_id` or `workspace_id`).
- `global_keys`: literal key prefixes of caches that are global on purpose (`jwks:`).

## Checklist item
1. Context Leakage: When switching context, are all caches (Redis, LocalStorage) keyed by
the *Target Tenant ID*, not just the User ID?

## Fix
Prefix the key with the target tenant's ID; help shows the key with `{tenant_id}`
prefixed. No automatic fix: which value is the target tenant is the author's to choose.
"#,
    options: OPTIONS,
    build: Some(build),
};

/// Each option declared once: its key, default and doc, and the type it is read as.
mod option {
    use crate::options::{OptionKey, StringList};

    pub const TENANT_NAMES: OptionKey<StringList> = OptionKey::strings(
        "tenant_names",
        &[],
        "More value names that hold the target tenant's ID in a key (whole-word suffixes)",
    );

    pub const GLOBAL_KEYS: OptionKey<StringList> = OptionKey::strings(
        "global_keys",
        &[],
        "Literal key prefixes of caches that are global on purpose",
    );
}

const OPTIONS: &[OptionSpec] = &[option::TENANT_NAMES.spec(), option::GLOBAL_KEYS.spec()];

/// Names of values that hold a tenant ID: `tenant_id`, `user.tenant_id`.
const TENANT_NAMES: &[&str] = &["tenant_id", "tenant", "tenant_key", "tenant_uuid"];

/// How deep a key is followed (bindings, builders, wrappers).
const MAX_DEPTH: usize = 6;
/// A key is its text: everything that writes it is followed.
const KEY_STEPS: Steps = Steps::text(MAX_DEPTH);
/// Longest key text quoted in a message before it is shortened.
const MAX_KEY_TEXT: usize = 100;

struct CacheKeyMissingTenant {
    tenant_names: NameList,
    global_keys: Vec<String>,
}

fn build(options: &OptionValues) -> Box<dyn Rule> {
    Box::new(CacheKeyMissingTenant {
        tenant_names: NameList::new(
            TENANT_NAMES.iter().copied().chain(
                options
                    .get(&option::TENANT_NAMES)
                    .iter()
                    .map(String::as_str),
            ),
        ),
        global_keys: options.get(&option::GLOBAL_KEYS).to_vec(),
    })
}

/// Whose values a key was found to be built from.
#[derive(Default)]
struct KeyParties {
    /// A value in the key is the target tenant.
    has_tenant: bool,
    /// Actor values in the key, as written (`partner.tenant_id`).
    actors: Vec<String>,
}

/// A key being checked: where it is, and where it was built.
struct KeyAt<'a> {
    function: FnId,
    def: &'a FunctionDef,
    key: &'a ArgFact,
    operation: String,
}

impl Rule for CacheKeyMissingTenant {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        // Without a partner model this checklist item does not apply (R6).
        if !cx.model.has_partner_model() {
            return;
        }
        let workspace = cx.workspace;
        let caches = Caches { workspace };
        let keys_check = KeyCheck {
            rule: self,
            cx,
            provenance: Provenance::new(workspace, cx.model.roles(workspace)),
            wrappers: RefCell::new(HashMap::new()),
        };
        for (index, def) in workspace.file(file).functions.iter().enumerate() {
            // Test code is never reported (R6), as the engine decides from the module tree.
            if workspace.is_test_code(file, def.span.start) {
                continue;
            }
            let function = FnId { file, index };
            let mut keys: Vec<KeyAt<'_>> = caches
                .operations(file, def)
                .into_iter()
                .filter(|op| keys_check.key_parameter(function, def, op.key).is_none())
                .map(|op| KeyAt {
                    function,
                    def,
                    key: op.key,
                    operation: op.operation,
                })
                .collect();
            // Calls to cache wrappers are cache operations with the wrapper's key argument.
            for (call_index, call) in def.calls.iter().enumerate() {
                for &callee in cx.model.graph.callees(function, call_index) {
                    let Some((parameter, operation)) = keys_check.wrapper_of(callee) else {
                        continue;
                    };
                    if !keys_check.may_run(function, call, callee) {
                        continue;
                    }
                    if let Some(key) = call
                        .args
                        .get(parameter)
                        .filter(|key| keys_check.key_parameter(function, def, key).is_none())
                    {
                        let name = &workspace.function(callee).name;
                        keys.push(KeyAt {
                            function,
                            def,
                            key,
                            operation: format!("`{name}` ({operation})"),
                        });
                        break;
                    }
                }
            }
            if let Some(diagnostic) = keys_check.memoized(function, def) {
                out.push(diagnostic);
            }
            keys.sort_by_key(|key| key.key.span);
            keys.dedup_by_key(|key| key.key.span);
            for key in keys {
                if let Some(diagnostic) = keys_check.finding(&key) {
                    out.push(diagnostic);
                }
            }
        }
    }
}

/// Redis commands (as client methods) that list existing keys.
const KEY_LISTINGS: &[&str] = &["keys", "scan", "scan_match"];

/// Words that name a value as a cache (`cache`, `user_cache`, `redis`), for receivers whose
/// type nothing declares.
const CACHE_WORDS: &[&str] = &[
    "cache", "caches", "cached", "redis", "valkey", "memcache", "kv",
];

/// Attributes of the `cached` crate that cache a function's results.
const MEMOIZE_ATTRIBUTES: &[&str] = &["cached", "io_cached", "once"];

/// The cache keys of one file being checked, with what following them needs.
struct KeyCheck<'a> {
    /// What each key is built from.
    provenance: Provenance<'a>,
    /// Which functions are cache wrappers, decided on first use.
    wrappers: RefCell<HashMap<FnId, Option<(usize, String)>>>,
    rule: &'a CacheKeyMissingTenant,
    cx: &'a Context<'a>,
}

impl<'a> KeyCheck<'a> {
    fn workspace(&self) -> &'a Workspace {
        self.cx.workspace
    }

    fn roles(&self) -> &Roles<'a> {
        self.provenance.roles()
    }

    fn calls_of(&self, id: FnId) -> Option<Rc<FnCalls<'a>>> {
        self.provenance.calls_of(id)
    }

    fn def(&self, id: FnId) -> Option<&'a FunctionDef> {
        self.workspace().get_function(id)
    }

    fn text(&self, file: FileId, span: Span) -> &str {
        self.workspace()
            .file(file)
            .text
            .get(span.range())
            .unwrap_or("")
    }

    fn finding(&self, at: &KeyAt<'_>) -> Option<Diagnostic> {
        let file = at.function.file;
        // A bare name bound to the key: show what it was bound to.
        let built = at
            .def
            .bound_init(at.key)
            .filter(|init| init.place.is_none())
            .map_or(at.key.span, |init| init.span);
        let built_text = self.text(file, built);
        if self.is_global(built_text) {
            return None;
        }
        if self.listed_by_the_cache(at) {
            return None;
        }
        let mut parties = self.key_parties(at.function, at.key.span, 0);
        if parties.has_tenant {
            return None;
        }
        let key_text = self.text(file, at.key.span);
        let shown = if built == at.key.span {
            format!("`{}`", shorten(key_text))
        } else {
            format!("`{}` (`{}`)", shorten(key_text), shorten(built_text))
        };
        let mut message = format!(
            "cache key of {} does not include the target tenant's ID: {shown}",
            at.operation
        );
        parties.actors.sort();
        parties.actors.dedup();
        if !parties.actors.is_empty() {
            let actors: Vec<String> = parties.actors.iter().map(|a| format!("`{a}`")).collect();
            message.push_str(&format!(
                "; {} belongs to the acting partner, not the target tenant",
                actors.join(", ")
            ));
        }
        let mut diagnostic = Diagnostic::new(
            message,
            Location {
                file,
                span: at.key.span,
            },
        )
        .with_primary_label("key without the target tenant")
        .with_help(format!(
            "key the entry by the target tenant: {}",
            prefixed(built_text)
        ));
        if built != at.key.span {
            diagnostic = diagnostic.with_label(Location { file, span: built }, "key built here");
        }
        Some(diagnostic)
    }

    /// A key the cache itself listed: `for key in conn.keys("session:*")` (or a `let` bound
    /// to such a listing, `scan_match`, `scan`) reads and deletes entries that exist, whatever
    /// they are keyed by; the code builds no key there, so there is no tenant to add.
    fn listed_by_the_cache(&self, at: &KeyAt<'_>) -> bool {
        let def = at.def;
        let Some([name]) = at.key.place.as_deref() else {
            return false;
        };
        let block = def.block_at(at.key.span.start);
        let Some(calls) = self.calls_of(at.function) else {
            return false;
        };
        let facts = self.workspace().file(at.function.file);
        let caches = Caches {
            workspace: self.workspace(),
        };
        def.iterations.iter().any(|iteration| {
            if !(iteration.bindings.iter().any(|bound| bound == name)
                && def.block_within(block, iteration.body))
            {
                return false;
            }
            let source = match def.bound_init(&iteration.source) {
                Some(init) => init.span,
                None => iteration.source.span,
            };
            calls.within(source).any(|(_, call)| {
                matches!(&call.callee, Callee::Method(method) if KEY_LISTINGS.contains(&method.as_str()))
                    && call.receiver.as_deref().is_some_and(|receiver| {
                        caches.client_of(facts, &calls, receiver, 0) == Some(Client::Redis)
                    })
            })
        })
    }

    /// `#[cached]`/`#[io_cached]` key a function's results by its arguments
    /// (or by the `convert = "…"` expression); `#[once]` keeps one result
    /// for every call.
    fn memoized(&self, function: FnId, def: &FunctionDef) -> Option<Diagnostic> {
        let attr = def
            .attributes
            .iter()
            .find(|attr| MEMOIZE_ATTRIBUTES.contains(&attr.name.as_str()))?;
        let file = function.file;
        let attr_text = self.text(file, attr.span);
        let name = qualified_name(def);
        let (what, tenant, actor) = if attr.name == "once" {
            // Nothing keys the value: only a function without inputs is global on purpose.
            if def.params.is_empty() {
                return None;
            }
            ("one value for every call".to_string(), false, Vec::new())
        } else if let Some(convert) = convert_expression(attr_text) {
            let mut parties = KeyParties::default();
            let mut trace = self.provenance.trace(KEY_STEPS);
            for place in dotted_paths(&convert) {
                let _ = trace.place(
                    function,
                    &place,
                    def.name_span.end,
                    attr.span,
                    0,
                    &mut |source| self.judge(source, &mut parties),
                );
            }
            (
                format!("the key `{}`", shorten(&convert)),
                parties.has_tenant,
                parties.actors,
            )
        } else {
            // No inputs: one value for everyone, global on purpose (as `#[once]`).
            // Only numbers and flags, none an ID: a computation (`fib(n)`), not
            // a lookup of someone's data.
            if !def.has_self && def.params.iter().all(is_plain_number) {
                return None;
            }
            let mut parties = KeyParties::default();
            let mut trace = self.provenance.trace(KEY_STEPS);
            let mut names = Vec::new();
            for param in &def.params {
                let Some(param_name) = param.name.clone() else {
                    continue;
                };
                names.push(format!("`{param_name}`"));
                if is_context_type(
                    self.workspace().bound_type(param),
                    self.roles().tenant_id_types,
                ) || self.key_type_has_tenant(param)
                {
                    parties.has_tenant = true;
                }
                let _ = trace.place(
                    function,
                    &[param_name],
                    param.span.end,
                    param.span,
                    0,
                    &mut |source| self.judge(source, &mut parties),
                );
            }
            let what = if names.is_empty() {
                "no arguments".to_string()
            } else {
                format!("its arguments {}", names.join(", "))
            };
            (what, parties.has_tenant, parties.actors)
        };
        if tenant {
            return None;
        }
        let mut message = format!(
            "cache key of `#[{}]` on `{name}` ({what}) does not include the target tenant's ID",
            attr.name
        );
        if !actor.is_empty() {
            let actors: Vec<String> = actor.iter().map(|a| format!("`{a}`")).collect();
            message.push_str(&format!(
                "; {} belongs to the acting partner, not the target tenant",
                actors.join(", ")
            ));
        }
        Some(
            Diagnostic::new(
                message,
                Location {
                    file,
                    span: attr.span,
                },
            )
            .with_primary_label("results cached without the target tenant")
            .with_help(
                "key the entry by the target tenant: take the target tenant's ID as an argument, \
                     or key with `convert = r#\"{ format!(\"{tenant_id}:{}\", …) }\"#`",
            ),
        )
    }

    fn is_global(&self, text: &str) -> bool {
        let Some(quote) = text.find('"') else {
            return false;
        };
        let literal = &text[quote + 1..];
        self.rule
            .global_keys
            .iter()
            .any(|prefix| !prefix.is_empty() && literal.starts_with(prefix.as_str()))
    }

    /// Whose values the value in `span` of `function` is built from, `depth` steps into
    /// a key.
    fn key_parties(&self, function: FnId, span: Span, depth: usize) -> KeyParties {
        let mut parties = KeyParties::default();
        let _ = self
            .provenance
            .trace(KEY_STEPS)
            .value(function, span, depth, &mut |source| {
                self.judge(source, &mut parties)
            });
        parties
    }

    /// One source of a key: the target tenant settles it; an actor value is noted; a
    /// call is a key builder whose inputs count.
    fn judge(&self, source: &Source, parties: &mut KeyParties) -> ControlFlow<()> {
        let Some(def) = self.def(source.function) else {
            return ControlFlow::Continue(());
        };
        match &source.kind {
            SourceKind::Value => {}
            SourceKind::Place {
                place, role, bound, ..
            } => {
                match role {
                    Role::Target => return found_tenant(parties),
                    Role::Actor => {
                        parties.actors.push(place.join("."));
                        return ControlFlow::Continue(());
                    }
                    Role::Unknown => {}
                }
                if place
                    .last()
                    .is_some_and(|last| self.rule.tenant_names.suffix_match(last).is_some())
                {
                    return found_tenant(parties);
                }
                // A parameter of a key type that holds the tenant.
                if let ([head], false) = (place.as_slice(), bound) {
                    let key_type = def
                        .params
                        .iter()
                        .find(|param| param.name.as_deref() == Some(head.as_str()))
                        .is_some_and(|param| self.key_type_has_tenant(param));
                    if key_type {
                        return found_tenant(parties);
                    }
                }
            }
            SourceKind::Call { index } => {
                if let Some(call) = def.calls.get(*index) {
                    self.builder_call(source.function, *index, call, source.depth, parties);
                    if parties.has_tenant {
                        return ControlFlow::Break(());
                    }
                }
            }
        }
        ControlFlow::Continue(())
    }

    /// A workspace function called inside a key: a key builder.
    fn builder_call(
        &self,
        function: FnId,
        call_index: usize,
        call: &CallSite,
        depth: usize,
        parties: &mut KeyParties,
    ) {
        let candidates =
            self.cx
                .model
                .graph
                .signature_candidates(self.workspace(), function, call_index);
        for builder_id in candidates {
            let Some(builder) = self.def(builder_id) else {
                continue;
            };
            let tenant_params: Vec<usize> = builder
                .params
                .iter()
                .enumerate()
                .filter(|(_, param)| self.is_tenant_param(builder_id, builder, param))
                .map(|(index, _)| index)
                .collect();
            if tenant_params.is_empty() {
                // A builder that reads a tenant ID of its own (`self.tenant_id`).
                let inner = self.builder_body(builder_id, builder, depth + 1);
                if inner.has_tenant {
                    parties.has_tenant = true;
                    return;
                }
                parties.actors.extend(inner.actors);
                continue;
            }
            for index in tenant_params {
                let Some(arg) = call.args.get(index) else {
                    continue;
                };
                // A fresh walk: what the argument is built from is judged on its own.
                let passed = self.key_parties(function, arg.span, depth + 1);
                if passed.has_tenant || passed.actors.is_empty() {
                    parties.has_tenant = true;
                    return;
                }
                parties.actors.extend(passed.actors);
            }
        }
    }

    /// Whose values a builder's body reads, its own parameters left out (the caller's
    /// arguments are checked where they are passed).
    fn builder_body(&self, id: FnId, def: &FunctionDef, depth: usize) -> KeyParties {
        let mut parties = KeyParties::default();
        if depth > MAX_DEPTH {
            return parties;
        }
        let is_param = |head: &str| def.params.iter().any(|p| p.name.as_deref() == Some(head));
        let mut trace = self.provenance.trace(KEY_STEPS);
        let mut judge = |source: &Source| self.judge(source, &mut parties);
        for read in &def.reads {
            let head = read.place.first().map_or("", Name::as_str);
            if is_param(head) {
                continue;
            }
            if trace
                .place(
                    id,
                    &read.place,
                    read.span.start,
                    read.span,
                    depth,
                    &mut judge,
                )
                .is_break()
            {
                return parties;
            }
        }
        for call in &def.calls {
            for capture in self.provenance.inline_captures(id.file, call) {
                if !is_param(&capture) {
                    let _ = trace.place(
                        id,
                        &[capture],
                        call.span.start,
                        call.span,
                        depth,
                        &mut judge,
                    );
                }
            }
        }
        parties
    }

    /// A builder parameter that is a target tenant and that the body reads.
    fn is_tenant_param(&self, id: FnId, builder: &FunctionDef, param: &Param) -> bool {
        let Some(name) = param.name.as_deref() else {
            return false;
        };
        let typed = is_context_type(
            self.workspace().bound_type(param),
            self.roles().tenant_id_types,
        );
        let named = matches!(
            self.roles()
                .classify(builder, &[Name::from(name)], builder.span.end),
            Role::Target
        ) || self.rule.tenant_names.suffix_match(name).is_some();
        let partner = is_context_type(&param.ty, self.roles().context_types);
        if partner || !(typed || named) {
            return false;
        }
        builder
            .reads
            .iter()
            .any(|read| read.place.first().is_some_and(|head| head == name))
            || builder.calls.iter().any(|call| {
                self.provenance
                    .inline_captures(id.file, call)
                    .iter()
                    .any(|c| c == name)
            })
    }

    /// A parameter whose type is a key type holding the tenant: a workspace
    /// struct with a `TenantId` or tenant-named field that its `Display`
    /// impl writes (every such field when it has no hand-written `Display`).
    fn key_type_has_tenant(&self, param: &Param) -> bool {
        let Some(type_name) = param.ty.name() else {
            return false;
        };
        self.workspace().types_named(type_name).any(|def| {
            let display: Vec<&crate::index::TraitImpl> = self
                .workspace()
                .trait_impls_for(type_name, "Display")
                .map(|(_, imp)| imp)
                .collect();
            def.fields.iter().any(|field| {
                let Some(name) = field.name.as_deref() else {
                    return false;
                };
                let tenant = is_context_type(&field.ty, self.roles().tenant_id_types)
                    || self.rule.tenant_names.suffix_match(name).is_some();
                tenant
                    && (display.is_empty()
                        || display
                            .iter()
                            .any(|imp| imp.self_field_reads.iter().any(|read| read == name)))
            })
        })
    }

    /// When a function's cache key is one of its parameters named as a key,
    /// or is built from one without the target tenant (a generic store's
    /// `self.generate_key(key)`, `format!("app:{key}")`), the parameter's
    /// index: the caller's key decides whether the entry has the tenant.
    fn key_parameter(&self, function: FnId, def: &FunctionDef, key: &ArgFact) -> Option<usize> {
        if let Some(index) = self.direct_key_parameter(function, def, key) {
            return Some(index);
        }
        let built = def
            .bound_init(key)
            .filter(|init| init.place.is_none())
            .unwrap_or(key);
        let mut names: Vec<Name> = def
            .reads_within(built.span)
            .filter_map(|read| match read.place.as_slice() {
                [name] => Some(name.clone()),
                _ => None,
            })
            .collect();
        if let Some(calls) = self.calls_of(function) {
            for (_, call) in calls.within(built.span) {
                if matches!(call.callee, Callee::Macro(_)) {
                    names.extend(self.provenance.inline_captures(function.file, call));
                }
            }
        }
        let index = names
            .iter()
            .find_map(|name| self.key_named_parameter(def, name))?;
        (!self.key_parties(function, key.span, 0).has_tenant).then_some(index)
    }

    /// When a function's cache key is exactly one of its parameters, the
    /// parameter's index.
    fn direct_key_parameter(
        &self,
        function: FnId,
        def: &FunctionDef,
        key: &ArgFact,
    ) -> Option<usize> {
        let text = &self.cx.workspace.file(function.file).text;
        let origin = crate::model::bindings::origin(def, key, text);
        let crate::model::bindings::Origin::Place(place) = origin else {
            return None;
        };
        let [name] = place.as_slice() else {
            return None;
        };
        self.key_named_parameter(def, name)
    }

    /// The index of parameter `name` when it is named as a key (`key`,
    /// `cache_key`, `k`) and its type does not hold the tenant.
    fn key_named_parameter(&self, def: &FunctionDef, name: &str) -> Option<usize> {
        let index = def
            .params
            .iter()
            .position(|param| param.name.as_deref() == Some(name))?;
        // Only a parameter named as a key passes one through: a `user_id`
        // used as the key is a key built from a user ID.
        let key_named = name == "k" || words(name).last().is_some_and(|word| word == "key");
        (key_named && !self.key_type_has_tenant(def.params.get(index)?)).then_some(index)
    }

    /// Whether `call` (in `caller`) can run the wrapper `callee`. The call graph matches a
    /// method call by name and argument count alone; a wrapper method named like a common
    /// operation (`RedisCache::get(&self, key)`) would then take every `row.get("id")`,
    /// `headers.get(name)` and `client.get(url)` of the workspace for a cache read. So a method
    /// call runs a wrapper method when its receiver is declared with the wrapper's type, or,
    /// where nothing declares the receiver's type (`if let Some(cache) = self.db.cache()`),
    /// when the receiver is named as a cache or the method's name is no keyed operation of
    /// any cache client or collection.
    fn may_run(&self, caller: FnId, call: &CallSite, callee: FnId) -> bool {
        let Callee::Method(name) = &call.callee else {
            return true;
        };
        let (Some(receiver), Some(wrapper), Some(calls)) = (
            call.receiver.as_deref(),
            self.def(callee),
            self.calls_of(caller),
        ) else {
            return false;
        };
        let caches = Caches {
            workspace: self.workspace(),
        };
        match (caches.value_type(&calls, receiver, 0), &wrapper.impl_type) {
            (Some(receiver_type), Some(impl_type)) => receiver_type == impl_type.as_str(),
            _ => {
                !keyed_somewhere(name)
                    || value_name(&calls, receiver)
                        .is_some_and(|receiver_name| has_word(receiver_name, CACHE_WORDS))
            }
        }
    }

    /// [`Self::wrapper`], computed once per function.
    fn wrapper_of(&self, id: FnId) -> Option<(usize, String)> {
        if let Some(known) = self.wrappers.borrow().get(&id) {
            return known.clone();
        }
        let found = self.wrapper(id, 0);
        self.wrappers.borrow_mut().insert(id, found.clone());
        found
    }

    /// A cache wrapper: a function whose cache key is one of its parameters;
    /// the parameter's index and the operation it runs.
    fn wrapper(&self, id: FnId, depth: usize) -> Option<(usize, String)> {
        if depth > 2 {
            return None;
        }
        let def = self.def(id)?;
        let caches = Caches {
            workspace: self.workspace(),
        };
        for op in caches.operations(id.file, def) {
            if let Some(index) = self.key_parameter(id, def, op.key) {
                return Some((index, op.operation));
            }
        }
        for (call_index, call) in def.calls.iter().enumerate() {
            for &callee in self.cx.model.graph.callees(id, call_index) {
                if callee == id {
                    continue;
                }
                let Some((parameter, operation)) = self.wrapper(callee, depth + 1) else {
                    continue;
                };
                if !self.may_run(id, call, callee) {
                    continue;
                }
                let Some(arg) = call.args.get(parameter) else {
                    continue;
                };
                if let Some(index) = self.key_parameter(id, def, arg) {
                    let name = self.def(callee).map_or_else(String::new, qualified_name);
                    return Some((index, format!("`{name}`, {operation}")));
                }
            }
        }
        None
    }
}

/// A key that holds the target tenant needs no more looking at.
fn found_tenant(parties: &mut KeyParties) -> ControlFlow<()> {
    parties.has_tenant = true;
    ControlFlow::Break(())
}

/// Primitive types that hold a number or a flag, not text.
const NUMBER_TYPES: &[&str] = &[
    "u8", "u16", "u32", "u64", "u128", "usize", "i8", "i16", "i32", "i64", "i128", "isize", "f32",
    "f64", "bool",
];

/// A parameter of a number or flag type (also by reference) whose name does
/// not say it is an ID (`n`, `secs`, `limit`; not `user_id`).
fn is_plain_number(param: &Param) -> bool {
    let mut ty = &param.ty;
    while let TypeRef::Reference(inner) = ty {
        ty = inner;
    }
    let TypeRef::Path { segments, .. } = ty else {
        return false;
    };
    let named_as_id = param.name.as_deref().is_some_and(|name| {
        words(name)
            .last()
            .is_some_and(|word| word == "id" || word == "ids")
    });
    matches!(segments.as_slice(), [one] if NUMBER_TYPES.contains(&one.as_str())) && !named_as_id
}

/// The `convert = "…"` expression of a `#[cached(…)]` attribute, as written.
fn convert_expression(attr_text: &str) -> Option<String> {
    let at = attr_text.find("convert")?;
    let rest = attr_text.get(at + "convert".len()..)?.trim_start();
    let rest = rest.strip_prefix('=')?.trim_start();
    // A raw string `r#"…"#` or a plain `"…"`.
    if let Some(raw) = rest.strip_prefix('r') {
        let hashes = raw.chars().take_while(|c| *c == '#').count();
        let body = raw.get(hashes..)?.strip_prefix('"')?;
        let stop = body.find(&format!("\"{}", "#".repeat(hashes)))?;
        return Some(body.get(..stop)?.trim().to_string());
    }
    // A plain string: up to the first quote not escaped, escapes undone.
    let body = rest.strip_prefix('"')?;
    let mut text = String::new();
    let mut chars = body.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => text.push(chars.next()?),
            '"' => return Some(text.trim().to_string()),
            other => text.push(other),
        }
    }
    None
}

/// `a.b.c` paths in a piece of code: `{ format!("{}", ctx.tenant_id) }` →
/// `format`, `ctx.tenant_id`. Text inside string literals counts too, which
/// keeps inline captures (`"{tenant_id}"`).
fn dotted_paths(code: &str) -> Vec<Vec<Name>> {
    let mut paths = Vec::new();
    let mut current: Vec<Name> = Vec::new();
    let mut word = String::new();
    let mut previous = ' ';
    for c in code.chars().chain(std::iter::once(' ')) {
        if c.is_alphanumeric() || c == '_' {
            word.push(c);
        } else {
            if !word.is_empty() {
                if word
                    .chars()
                    .next()
                    .is_some_and(|first| !first.is_ascii_digit())
                {
                    current.push(Name::from(std::mem::take(&mut word)));
                } else {
                    word.clear();
                }
            }
            if (c != '.' || previous == '.') && !current.is_empty() {
                paths.push(std::mem::take(&mut current));
            }
        }
        previous = c;
    }
    paths
}

/// The key with `{tenant_id}` prefixed, for help.
fn prefixed(key: &str) -> String {
    let key = key.trim().trim_start_matches('&');
    let one_line = shorten(key);
    for start in ["format!(\"", "format!(r\""] {
        if let Some(rest) = one_line.strip_prefix(start) {
            return format!("`{start}{{tenant_id}}:{rest}`");
        }
    }
    if let Some(inner) = one_line
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
    {
        let escaped = inner.replace('{', "{{").replace('}', "}}");
        return format!("`format!(\"{{tenant_id}}:{escaped}\")`");
    }
    format!("`format!(\"{{tenant_id}}:{{}}\", {one_line})`")
}

/// The text on one line, shortened for a message.
fn shorten(text: &str) -> String {
    let one_line = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if one_line.chars().count() <= MAX_KEY_TEXT {
        return one_line;
    }
    let cut: String = one_line.chars().take(MAX_KEY_TEXT).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::options::OptionValue;
    use crate::testing::Expect;

    /// These tests are about services with a partner model, as `check` says.
    #[track_caller]
    fn expect(fixture: &str) {
        Expect::rule("PS102").with_partner_model().findings(fixture);
    }

    /// These tests are about services with a partner model; without one the rule reports
    /// nothing (R6), which `without_a_partner_model_nothing_is_reported` tests.
    fn check(code: &str, files: &[(&str, &str)]) -> Vec<String> {
        crate::testing::check_with_partner_model(code, &[], files)
    }

    #[test]
    fn template_captures() {
        assert_eq!(
            captures("{tenant_id}:{}:{user_id:?}:{{literal}}:{0}"),
            ["tenant_id", "user_id"]
        );
        assert_eq!(
            prefixed("format!(\"user:{}\", id)"),
            "`format!(\"{tenant_id}:user:{}\", id)`"
        );
        assert_eq!(prefixed("\"flags\""), "`format!(\"{tenant_id}:flags\")`");
        assert_eq!(
            prefixed("&key_for(id)"),
            "`format!(\"{tenant_id}:{}\", key_for(id))`"
        );
    }

    #[test]
    fn redis_keys_without_the_target_tenant() {
        expect(
            r#"
//- src/partner/dashboard.rs
use redis::AsyncCommands;
async fn dashboard(partner: PartnerContext, Path(tenant_id): Path<TenantId>, redis: &mut redis::aio::MultiplexedConnection, user_id: String) {
    let key = format!("dashboard:{}", user_id);
    let _: Option<String> = redis.get(&key).await?;
//                                    ^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `&key` (`format!("dashboard:{}", user_id)`)
    let _: () = redis.set_ex(format!("{}:{}", partner.tenant_id, user_id), "v", 60).await?;
//                           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET_EX` does not include the target tenant's ID: `format!("{}:{}", partner.tenant_id, user_id)`; `partner.tenant_id` belongs to the acting partner, not the target tenant
    let _: () = redis.hset(format!("prefs:{user_id}"), "theme", "dark").await?;
//                         ^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `HSET` does not include the target tenant's ID: `format!("prefs:{user_id}")`
    let _: () = redis.del("feature_flags").await?;
//                        ^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `DEL` does not include the target tenant's ID: `"feature_flags"`
    let _: () = redis.set(format!("{tenant_id}:dashboard:{}", user_id), "v").await?;
    let _: () = redis.expire(format!("{}:{}", tenant_id, user_id), 60).await?;
}
"#,
        );
    }

    #[test]
    fn help_shows_the_key_with_the_tenant_prefixed() {
        let workspace = crate::testing::workspace(&[
            (
                "src/cache.rs",
                "fn f(conn: &mut redis::Connection, user_id: &str) { let _: () = redis::Commands::get(conn, 1); conn.set(format!(\"user:{}\", user_id), 1).unwrap(); }",
            ),
            crate::testing::PARTNER_MODEL,
        ]);
        let engine = crate::engine::Engine::new(crate::engine::Settings::default());
        let findings = engine.check(&workspace);
        let finding = findings
            .iter()
            .find(|f| f.code == "PS102")
            .expect("a finding");
        assert_eq!(
            finding.help.as_deref(),
            Some("key the entry by the target tenant: `format!(\"{tenant_id}:user:{}\", user_id)`")
        );
    }

    #[test]
    fn commands_pipelines_and_pools() {
        expect(
            r#"
//- src/cache.rs
use bb8_redis::RedisConnectionManager;
struct AppState { pool: deadpool_redis::Pool, bb8: bb8::Pool<RedisConnectionManager>, r2: r2d2::Pool<redis::Client> }
async fn a(State(state): State<AppState>, user_id: String, target_tenant_id: String) {
    let mut conn = state.pool.get().await?;
    redis::cmd("SET").arg(format!("session:{user_id}")).arg(1).query_async(&mut conn).await?;
//                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!("session:{user_id}")`
    redis::cmd("GET").arg(format!("{target_tenant_id}:session:{user_id}")).query_async(&mut conn).await?;
    redis::pipe().set("p1", 1).ignore().hget(format!("{}:h", target_tenant_id), "f").query_async(&mut conn).await?;
//                    ^^^^ deny[PS102] cache key of redis pipeline `SET` does not include the target tenant's ID: `"p1"`
    let mut c2 = state.bb8.get().await?;
    c2.incr(&user_id, 1).await?;
//          ^^^^^^^^ deny[PS102] cache key of redis `INCR` does not include the target tenant's ID: `&user_id`
    let mut c3 = state.r2.get()?;
    c3.hdel(user_id.as_str(), "f")?;
//          ^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `HDEL` does not include the target tenant's ID: `user_id.as_str()`
    redis::cmd("PING").query_async(&mut conn).await?;
    let mut pipeline = redis::pipe();
    pipeline.cmd("DEL").arg(format!("x:{user_id}")).ignore();
//                          ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `DEL` does not include the target tenant's ID: `format!("x:{user_id}")`
}
"#,
        );
    }

    #[test]
    fn fred_and_in_memory_caches() {
        expect(
            r#"
//- src/cache.rs
use fred::prelude::*;
use moka::future::Cache;
async fn a(client: &Client, profiles: &Cache<String, Profile>, q: quick_cache::sync::Cache<(String, u64), u8>, mm: &mini_moka::sync::Cache<u64, u8>, user_id: u64, tenant_id: String) {
    let _: Option<String> = client.get(format!("u:{user_id}")).await?;
//                                     ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `format!("u:{user_id}")`
    profiles.insert(user_id.to_string(), p).await;
//                  ^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of in-memory cache `insert` does not include the target tenant's ID: `user_id.to_string()`
    profiles.get(&format!("{tenant_id}/{user_id}")).await;
    q.insert((tenant_id.clone(), user_id), 1);
    q.get(&(String::new(), user_id));
//        ^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of in-memory cache `get` does not include the target tenant's ID: `&(String::new(), user_id)`
    mm.invalidate(&user_id);
//                ^^^^^^^^ deny[PS102] cache key of in-memory cache `invalidate` does not include the target tenant's ID: `&user_id`
}
fn b(store: &mut cached::SizedCache<String, u8>, user_id: &str) {
    store.cache_set(format!("user:{user_id}"), 1);
//                  ^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `cached` cache `cache_set` does not include the target tenant's ID: `format!("user:{user_id}")`
}
"#,
        );
    }

    #[test]
    fn connections_known_by_their_trait_bounds() {
        expect(
            r#"
//- src/cache.rs
use redis::AsyncCommands;
async fn a<C: AsyncCommands>(con: &mut C, user_id: u64) { let _: () = con.set(format!("u:{user_id}"), 1).await?; }
//                                                                            ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!("u:{user_id}")`
async fn b(con: &mut impl redis::Commands, user_id: u64) { con.del(format!("u:{user_id}"))?; }
//                                                                 ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `DEL` does not include the target tenant's ID: `format!("u:{user_id}")`
fn c<S>(store: &mut S, user_id: u64) where S: cached::Cached<String, u8> { store.cache_get(&format!("u:{user_id}")); }
//                                                                                         ^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `cached` cache `cache_get` does not include the target tenant's ID: `&format!("u:{user_id}")`
fn d<M: Commands>(map: &mut M, user_id: u64) { map.get(format!("u:{user_id}")); }
"#,
        );
    }

    #[test]
    fn memoized_functions_of_the_cached_crate() {
        expect(
            r##"
//- src/partner/stats.rs
#[cached(time = 60)]
//@1 deny[PS102] cache key of `#[cached]` on `partner::stats::dashboard` (its arguments `user_id`) does not include the target tenant's ID
async fn dashboard(user_id: u64) -> Stats { todo!() }
#[cached(time = 60)]
async fn tenant_dashboard(tenant_id: TenantId, user_id: u64) -> Stats { todo!() }
#[cached(key = "String", convert = r#"{ format!("{}:{}", ctx.tenant_id, user_id) }"#)]
//@1 deny[PS102] cache key of `#[cached]` on `partner::stats::by_partner` (the key `{ format!("{}:{}", ctx.tenant_id, user_id) }`) does not include the target tenant's ID; `ctx.tenant_id` belongs to the acting partner, not the target tenant
async fn by_partner(ctx: &PartnerContext, user_id: u64) -> Stats { todo!() }
#[cached(key = "String", convert = r#"{ format!("{target_tenant_id}:{user_id}") }"#)]
async fn by_target(ctx: &PartnerContext, target_tenant_id: String, user_id: u64) -> Stats { todo!() }
#[once(time = 60)]
async fn plans() -> Vec<Plan> { todo!() }
#[once(time = 60)]
//@1 deny[PS102] cache key of `#[once]` on `partner::stats::usage` (one value for every call) does not include the target tenant's ID
async fn usage(tenant_id: String) -> Usage { todo!() }
"##,
        );
        assert_eq!(
            convert_expression(
                r#"cached(key = "String", convert = "{ format!(\"{}\", tenant_id) }")"#
            )
            .as_deref(),
            Some(r#"{ format!("{}", tenant_id) }"#)
        );
        assert_eq!(
            convert_expression(r##"cached(convert = r#"{ a.b }"#, time = 1)"##).as_deref(),
            Some("{ a.b }")
        );
        assert_eq!(
            dotted_paths("{ format!(\"{}\", ctx.tenant_id, a..b, 1.5) }"),
            [
                vec!["format".to_string()],
                vec!["ctx".to_string(), "tenant_id".to_string()],
                vec!["a".to_string()],
                vec!["b".to_string()],
            ]
        );
    }

    #[test]
    fn browser_storage() {
        expect(
            r#"
//- src/ui/state.rs
use gloo_storage::{LocalStorage, SessionStorage, Storage};
fn save(user_id: &str, tenant_id: &str) {
    LocalStorage::set(format!("filters:{user_id}"), "x").ok();
//                    ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of browser storage `LocalStorage::set` does not include the target tenant's ID: `format!("filters:{user_id}")`
    SessionStorage::set(format!("{tenant_id}:filters:{user_id}"), "x").ok();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.set_item("last_view", "grid").ok();
//                   ^^^^^^^^^^^ deny[PS102] cache key of browser storage `set_item` does not include the target tenant's ID: `"last_view"`
}
fn load(storage: &web_sys::Storage, key: String) -> Option<String> { storage.get_item(&key).ok().flatten() }
"#,
        );
    }

    #[test]
    fn keys_follow_concat_pushes_bindings_and_key_types() {
        expect(
            r#"
//- src/cache.rs
use std::fmt::Write;
struct ProfileKey { tenant_id: TenantId, user_id: u64 }
impl std::fmt::Display for ProfileKey { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "{}:{}", self.tenant_id, self.user_id) } }
struct UserKey { tenant_id: TenantId, user_id: u64 }
impl std::fmt::Display for UserKey { fn fmt(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result { write!(f, "user:{}", self.user_id) } }
fn a(conn: &mut redis::Connection, user_id: u64, tenant_id: TenantId, pk: ProfileKey, uk: UserKey) {
    conn.get(concat!("global", ":", "flags"))?;
//           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `concat!("global", ":", "flags")`
    let mut key = String::from("user:");
    key.push_str(&user_id.to_string());
    conn.get(&key)?;
//           ^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `&key` (`String::from("user:")`)
    let mut scoped = String::new();
    write!(scoped, "{}:", tenant_id)?;
    scoped.push_str("x");
    conn.get(&scoped)?;
    let mut both = String::from("t:");
    both.push_str(tenant_id.as_str());
    conn.get(both)?;
    conn.get(pk.to_string())?;
    conn.get(uk.to_string())?;
//           ^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `uk.to_string()`
    let by_profile = ProfileKey { tenant_id: tenant_id.clone(), user_id };
    conn.get(by_profile.to_string())?;
    let by_user = UserKey { tenant_id: tenant_id.clone(), user_id };
    conn.get(by_user.to_string())?;
//           ^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `by_user.to_string()` (`UserKey { tenant_id: tenant_id.clone(), user_id }`)
}
"#,
        );
    }

    #[test]
    fn key_builders_anywhere_in_the_workspace() {
        expect(
            r#"
//- src/keys.rs
pub fn profile(tenant: &TenantId, user_id: u64) -> String { format!("{tenant}:profile:{user_id}") }
pub fn session(user_id: u64) -> String { format!("session:{user_id}") }
pub fn scoped(tenant_id: &str, user_id: u64) -> String { format!("{}:{}", tenant_id, user_id) }
pub struct Keys { tenant_id: String }
impl Keys { pub fn user(&self, user_id: u64) -> String { format!("{}:user:{}", self.tenant_id, user_id) } }
//- src/partner/users.rs
async fn show(partner: PartnerSession, Path((tenant_id, user_id)): Path<(TenantId, u64)>, conn: &mut redis::aio::ConnectionManager, keys: Keys) {
    conn.get(keys::profile(&tenant_id, user_id)).await?;
    conn.get(keys::session(user_id)).await?;
//           ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `keys::session(user_id)`
    conn.get(keys::scoped(&partner.tenant_id, user_id)).await?;
//           ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `keys::scoped(&partner.tenant_id, user_id)`; `partner.tenant_id` belongs to the acting partner, not the target tenant
    let k = keys::scoped(&tenant_id, user_id);
    conn.get(&k).await?;
    conn.get(keys.user(user_id)).await?;
    let own = partner.tenant_id.clone();
    conn.get(keys::scoped(&own, user_id)).await?;
//           ^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `keys::scoped(&own, user_id)`; `own` belongs to the acting partner, not the target tenant
}
"#,
        );
    }

    #[test]
    fn cache_wrappers_are_checked_at_their_callers() {
        expect(
            r#"
//- src/cache.rs
pub async fn cache_get(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> Option<String> { conn.get(key).await.ok() }
pub async fn cached_json(conn: &mut redis::aio::MultiplexedConnection, key: String) -> Option<String> { cache_get(conn, &key).await }
//- src/partner/h.rs
async fn h(ctx: PartnerContext, Path(tenant_id): Path<String>, conn: &mut redis::aio::MultiplexedConnection) {
    cache_get(conn, &format!("users:{}", ctx.user_id)).await;
//                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `cache_get` (redis `GET`) does not include the target tenant's ID: `&format!("users:{}", ctx.user_id)`; `ctx.user_id` belongs to the acting partner, not the target tenant
    cache_get(conn, &format!("{tenant_id}:users")).await;
    cached_json(conn, "stats".to_string()).await;
//                    ^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `cached_json` (`cache::cache_get`, redis `GET`) does not include the target tenant's ID: `"stats".to_string()`
}
"#,
        );
    }

    #[test]
    fn wrapper_methods_run_for_receivers_of_their_type_only() {
        // `get` on a row, a header map or an HTTP client is not the workspace's cache
        // wrapper `RedisCache::get`, though the call graph matches it by name and argument
        // count.
        expect(
            r#"
//- src/cache.rs
pub struct RedisCache { conn: redis::aio::MultiplexedConnection }
impl RedisCache {
    pub fn new(url: &str) -> RedisCache { todo!() }
    pub async fn get(&self, key: &str) -> Option<String> { self.conn.clone().get(key).await.ok() }
    pub async fn cached_profile(&self, key: &str) -> Option<String> { self.conn.clone().get(key).await.ok() }
}
pub struct AppState { cache: RedisCache, shared: tokio::sync::Mutex<RedisCache> }
pub struct Api { client: reqwest::Client }
impl Api {
    async fn fetch(&self, id: u64) { self.client.get(&format!("https://example.com/{id}")).send().await; }
}
async fn handlers(state: &AppState, cache: std::sync::Arc<RedisCache>, req: Request, pool: PgPool, id: u64) {
    state.cache.get(&format!("user:{id}")).await;
//                  ^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `get` (redis `GET`) does not include the target tenant's ID: `&format!("user:{id}")`
    cache.get(&format!("user:{id}")).await;
//            ^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `get` (redis `GET`) does not include the target tenant's ID: `&format!("user:{id}")`
    let local = RedisCache::new("redis://");
    local.get("flags").await;
//            ^^^^^^^ deny[PS102] cache key of `get` (redis `GET`) does not include the target tenant's ID: `"flags"`
    state.shared.lock().await.get(&format!("user:{id}")).await;
//                                ^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `get` (redis `GET`) does not include the target tenant's ID: `&format!("user:{id}")`
    cache_handle().cached_profile(&format!("profile:{id}")).await;
//                                ^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `cached_profile` (redis `GET`) does not include the target tenant's ID: `&format!("profile:{id}")`
    let row = sqlx::query("SELECT role FROM users").fetch_one(&pool).await.unwrap();
    let role: String = row.get("role");
    req.headers().get("x-correlation-id");
    registry().get(&format!("user:{id}")).await;
    if let Some(cache) = state.optional() {
        cache.get(&format!("user:{id}")).await;
//                ^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `get` (redis `GET`) does not include the target tenant's ID: `&format!("user:{id}")`
    }
    state.redis_cache().get(&format!("user:{id}")).await;
//                          ^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `get` (redis `GET`) does not include the target tenant's ID: `&format!("user:{id}")`
}
"#,
        );
    }

    #[test]
    fn keys_the_cache_itself_listed_are_not_built_keys() {
        expect(
            r#"
//- src/sessions.rs
async fn revoke_all(client: &redis::Client, user_id: &str, user_keys: Vec<String>) -> redis::RedisResult<()> {
    let mut conn = client.get_multiplexed_async_connection().await?;
    let keys: Vec<String> = conn.keys("session:*").await?;
    for key in keys {
        let data: String = conn.get(&key).await?;
        conn.del(&key).await?;
    }
    for key in conn.scan_match::<_, String>("cache:*").await? {
        conn.del(&key).await?;
    }
    for key in user_keys {
        conn.del(&key).await?;
//               ^^^^ deny[PS102] cache key of redis `DEL` does not include the target tenant's ID: `&key`
    }
    let listed: Vec<String> = lookup.keys(user_id);
    for key in listed {
        conn.del(&key).await?;
//               ^^^^ deny[PS102] cache key of redis `DEL` does not include the target tenant's ID: `&key`
    }
    Ok(())
}
"#,
        );
    }

    #[test]
    fn collections_of_clients_are_not_clients() {
        expect(
            r#"
//- src/pool.rs
pub struct Pools {
    redis_clients: dashmap::DashMap<String, redis::Client>,
    connections: Vec<redis::aio::MultiplexedConnection>,
    by_name: std::collections::HashMap<String, std::sync::Arc<redis::Client>>,
}
impl Pools {
    fn client_for(&self, redis_url: &str, user_id: u64) {
        self.redis_clients.get(redis_url);
        self.connections.get(0);
        self.by_name.get(&format!("user:{user_id}"));
        self.by_name.remove("primary");
    }
}
"#,
        );
    }

    #[test]
    fn maps_and_non_cache_code_are_not_caches() {
        expect(
            r#"
//- src/partner/h.rs
use std::collections::HashMap;
struct State { seen: HashMap<String, u32>, cache: HashMap<u64, String> }
fn h(ctx: PartnerContext, state: &mut State, user_id: u64, map: &HashMap<String, String>, cache: &mut Vec<u8>) {
    let mut local = HashMap::new();
    local.insert(format!("user:{user_id}"), 1);
    local.get("x");
    state.seen.insert(user_id.to_string(), 1);
    state.cache.get(&user_id);
    map.get("theme");
    cache.insert(0, 1);
    let conn = client_for(user_id);
    conn.get("k");
}
"#,
        );
    }

    #[test]
    fn tenant_named_values_and_options() {
        Expect::rule("PS102")
            .with_options(&[
                (
                    "tenant_names",
                    OptionValue::StringList(vec!["org_id".into()]),
                ),
                ("global_keys", OptionValue::StringList(vec!["jwks:".into()])),
            ])
            .with_partner_model()
            .findings(
                r#"
//- src/cache.rs
fn a(conn: &mut redis::Connection, user: User, org_id: u64) {
    conn.get(format!("{}:{}", user.tenant_id, user.id))?;
    conn.get(format!("{org_id}:x"))?;
    conn.get("jwks:google")?;
    conn.get("jwk:google")?;
//           ^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `"jwk:google"`
}
"#,
            );
    }

    #[test]
    fn ids_bound_inside_a_workspace_extractor_have_the_extractors_field_type() {
        // `TenantPath(tenant_id): TenantPath` binds the `TenantId` the extractor holds:
        // a key with `tenant_id.0` has the target tenant. The twin destructures a
        // `UserPath(pub UserId)` the same way: a key with only that is still flagged.
        let extractors = "pub struct TenantId(pub String);\n\
                          pub struct UserId(pub String);\n\
                          pub struct TenantPath(pub TenantId);\n\
                          pub struct UserPath(pub UserId);\n";
        let handlers = r#"
async fn pin(State(state): State<AppState>, claims: PartnerClaims, TenantPath(tenant_id): TenantPath) {
    let key = format!("pin:{}:{}", claims.user_id, tenant_id.0);
    redis::cmd("SET").arg(&key).arg(1).query_async::<()>(&mut conn).await?;
}
async fn seen(State(state): State<AppState>, UserPath(user): UserPath) {
    redis::cmd("SET").arg(format!("seen:{}", user.0)).arg(1).query_async::<()>(&mut conn).await?;
}
"#;
        assert_eq!(
            check(
                "PS102",
                &[("src/extract.rs", extractors), ("src/partner/pins.rs", handlers)]
            ),
            ["src/partner/pins.rs:7:27: deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!(\"seen:{}\", user.0)`"]
        );
    }

    #[test]
    fn commands_whose_first_argument_is_not_a_key() {
        // Subcommands, channels, options and function names come first in these
        // commands: none of them is a cache key.
        expect(
            r#"
//- src/admin.rs
fn admin(con: &mut redis::Connection, user_id: &str, channel: &str) {
    redis::cmd("CLUSTER").arg("SLOTS").query::<()>(con)?;
    redis::cmd("ACL").arg("SETUSER").arg(user_id).query::<()>(con)?;
    redis::cmd("PSUBSCRIBE").arg(channel).query::<()>(con)?;
    redis::cmd("XREAD").arg("COUNT").arg(1).arg("STREAMS").arg(user_id).query::<()>(con)?;
    redis::cmd("XGROUP").arg("CREATE").arg(user_id).query::<()>(con)?;
    redis::cmd("FCALL").arg("f").arg(1).arg(user_id).query::<()>(con)?;
    redis::cmd("CONFIG").arg("GET").arg("maxmemory").query::<()>(con)?;
    redis::cmd("LPUSH").arg(user_id).arg(1).query::<()>(con)?;
//                          ^^^^^^^ deny[PS102] cache key of redis `LPUSH` does not include the target tenant's ID: `user_id`
    redis::cmd("JSON.GET").arg(user_id).query::<()>(con)?;
//                             ^^^^^^^ deny[PS102] cache key of redis `JSON.GET` does not include the target tenant's ID: `user_id`
}
"#,
        );
    }

    #[test]
    fn a_store_that_namespaces_the_callers_key_is_a_wrapper() {
        // A generic cache store cannot know the tenant: the key it is given
        // decides. Its callers are checked instead.
        expect(
            r#"
//- src/store.rs
pub struct Store { pool: r2d2::Pool<redis::Client>, prefix: String }
impl Store {
    fn namespaced(&self, key: &str) -> String { format!("{}:{}", self.prefix, key) }
    pub fn load(&self, key: &str) -> Option<String> {
        let mut conn = self.pool.get().ok()?;
        let full = self.namespaced(key);
        redis::pipe().get(&full).query(&mut conn).ok()
    }
    pub fn drop_entry(&self, cache_key: &str) {
        let mut conn = self.pool.get().unwrap();
        let _: () = conn.del(format!("app:{cache_key}")).unwrap();
    }
    pub fn scoped(&self, tenant_id: &str, key: &str) {
        let mut conn = self.pool.get().unwrap();
        let _: () = conn.del(format!("{tenant_id}:{key}")).unwrap();
    }
}
fn callers(store: &Store, user_id: &str, target_tenant_id: &str) {
    store.load(&format!("profile:{user_id}"));
//             ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of `load` (redis pipeline `GET`) does not include the target tenant's ID: `&format!("profile:{user_id}")`
    store.load(&format!("{target_tenant_id}:profile:{user_id}"));
    store.drop_entry(user_id);
//                   ^^^^^^^ deny[PS102] cache key of `drop_entry` (redis `DEL`) does not include the target tenant's ID: `user_id`
    store.scoped(target_tenant_id, user_id);
}
"#,
        );
    }

    #[test]
    fn without_a_partner_model_nothing_is_reported() {
        // A service without partners keys its cache by its own user: no partner acts on
        // another tenant's entries (R6).
        let cache = r#"fn profile(con: &mut redis::Connection, user_id: &str) {
    let _: () = con.set(format!("profile:{user_id}"), 1).unwrap();
}
"#;
        assert_eq!(
            crate::testing::check("PS102", &[("src/cache.rs", cache)]),
            Vec::<String>::new()
        );
        assert_eq!(
            check("PS102", &[("src/cache.rs", cache)]),
            ["src/cache.rs:2:25: deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!(\"profile:{user_id}\")`"]
        );
    }

    #[test]
    fn test_code_is_not_checked() {
        // What the compiler builds only for tests is decided from the module tree (R6):
        // `#[cfg(test)]` items, test functions, files only test targets reach.
        let unit = r#"fn serve(con: &mut redis::Connection, target_tenant_id: &str) {
    let _: () = con.set(format!("{target_tenant_id}:k"), 1).unwrap();
}
#[tokio::test]
async fn sets_a_key() { let mut con = client().get_connection().unwrap(); let _: () = con.set("foo", 1).unwrap(); }
fn helper(con: &mut redis::Connection) { let _: () = con.set("shared", 1).unwrap(); }
#[cfg(test)]
mod tests {
    fn fixture(con: &mut redis::Connection) { let _: () = con.set("fixture", 1).unwrap(); }
}
#[cfg(test)]
mod test_support;
// Names and folders decide nothing: this module is built into the library.
mod tests_like {
    fn seed(con: &mut redis::Connection) { let _: () = con.set("seed", 1).unwrap(); }
}
#[cfg(any(test, feature = "fixtures"))]
fn shared_fixture(con: &mut redis::Connection) { let _: () = con.set("fixture-feature", 1).unwrap(); }
"#;
        let integration =
            r#"fn load(con: &mut redis::Connection) { let _: () = con.set("foo", 1).unwrap(); }"#;
        assert_eq!(
            crate::testing::check_crate_with_partner_model(
                "PS102",
                &[
                    ("src/lib.rs", unit),
                    ("src/test_support.rs", integration),
                    ("tests/basic.rs", integration),
                    ("benches/bench.rs", integration),
                ],
                &["tests/basic.rs", "benches/bench.rs"],
            ),
            [
                "src/lib.rs:6:62: deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `\"shared\"`",
                "src/lib.rs:15:64: deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `\"seed\"`",
                "src/lib.rs:18:70: deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `\"fixture-feature\"`",
            ]
        );
    }

    #[test]
    fn memoized_computations_and_global_values() {
        expect(
            r#"
//- src/calc.rs
#[cached]
fn fib(n: u64) -> u64 { n }
#[cached(time = 60)]
async fn fetch_config() -> Config { todo!() }
#[cached]
fn scaled(factor: &f64, round: bool) -> f64 { todo!() }
#[cached]
//@1 deny[PS102] cache key of `#[cached]` on `calc::profile` (its arguments `user_id`) does not include the target tenant's ID
fn profile(user_id: u64) -> Profile { todo!() }
#[cached]
//@1 deny[PS102] cache key of `#[cached]` on `calc::lookup` (its arguments `id`, `fresh`) does not include the target tenant's ID
fn lookup(id: i64, fresh: bool) -> Row { todo!() }
"#,
        );
    }

    #[test]
    fn redis_commands_in_any_case() {
        expect(
            r#"
//- src/cache.rs
use redis::cmd;
fn f(con: &mut redis::Connection, user_id: &str, target_tenant_id: &str) {
    redis::cmd("set").arg(format!("u:{user_id}")).arg(1).query::<()>(con)?;
//                        ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!("u:{user_id}")`
    cmd("HSET").arg(user_id).arg("f").arg(1).query::<()>(con)?;
//                  ^^^^^^^ deny[PS102] cache key of redis `HSET` does not include the target tenant's ID: `user_id`
    cmd("sadd").arg("members").arg(user_id).query::<()>(con)?;
//                  ^^^^^^^^^ deny[PS102] cache key of redis `SADD` does not include the target tenant's ID: `"members"`
    redis::cmd("Expire").arg(user_id).arg(60).query::<()>(con)?;
//                           ^^^^^^^ deny[PS102] cache key of redis `EXPIRE` does not include the target tenant's ID: `user_id`
    redis::cmd("GETEX").arg(user_id).arg("EX").arg(5).query::<()>(con)?;
//                          ^^^^^^^ deny[PS102] cache key of redis `GETEX` does not include the target tenant's ID: `user_id`
    redis::cmd("set").arg(format!("{target_tenant_id}:u:{user_id}")).arg(1).query::<()>(con)?;
    cmd("sadd").arg(format!("{target_tenant_id}:members")).arg(user_id).query::<()>(con)?;
    cmd("getex").arg(format!("{target_tenant_id}:u")).arg("PX").arg(user_id).query::<()>(con)?;
}
"#,
        );
    }

    #[test]
    fn async_commands_with_turbofish_hashes_sets_and_expiry() {
        expect(
            r#"
//- src/cache.rs
use redis::AsyncCommands;
async fn f(conn: &mut redis::aio::MultiplexedConnection, user_id: &str, tenant_id: TenantId) {
    let key = format!("profile:{user_id}");
    let _ = conn.get::<_, String>(&key).await?;
//                                ^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `&key` (`format!("profile:{user_id}")`)
    conn.hset::<_, _, _, ()>(format!("prefs:{user_id}"), "theme", 1).await?;
//                           ^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `HSET` does not include the target tenant's ID: `format!("prefs:{user_id}")`
    conn.sadd::<_, _, ()>("online", user_id).await?;
//                        ^^^^^^^^ deny[PS102] cache key of redis `SADD` does not include the target tenant's ID: `"online"`
    conn.smembers::<_, Vec<String>>(format!("groups:{user_id}")).await?;
//                                  ^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SMEMBERS` does not include the target tenant's ID: `format!("groups:{user_id}")`
    conn.spop::<_, String>(format!("queue:{user_id}")).await?;
//                         ^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SPOP` does not include the target tenant's ID: `format!("queue:{user_id}")`
    conn.pexpire::<_, ()>(&key, 60_000).await?;
//                        ^^^^ deny[PS102] cache key of redis `PEXPIRE` does not include the target tenant's ID: `&key` (`format!("profile:{user_id}")`)
    let scoped = format!("{tenant_id}:profile:{user_id}");
    let _ = conn.get::<_, String>(&scoped).await?;
    conn.hset::<_, _, _, ()>(format!("{tenant_id}:prefs"), "theme", 1).await?;
    conn.srandmember::<_, String>(format!("{tenant_id}:queue")).await?;
}
"#,
        );
    }

    #[test]
    fn pools_and_the_redis_crate_through_their_reexports() {
        // `deadpool_redis::redis` is the whole `redis` crate: its `cmd` and `pipe` are
        // Redis commands and pipelines, whether called by path or imported.
        expect(
            r#"
//- src/cache.rs
use deadpool_redis::redis::AsyncCommands;
use bb8_redis::RedisConnectionManager;
struct AppState { pool: deadpool_redis::Pool, bb8: bb8::Pool<RedisConnectionManager>, r2: r2d2::Pool<redis::Client> }
async fn a(State(state): State<AppState>, user_id: String, tenant_id: TenantId) {
    let mut conn = state.pool.get().await?;
    deadpool_redis::redis::cmd("SET").arg(format!("s:{user_id}")).arg(1).query_async::<()>(&mut conn).await?;
//                                        ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!("s:{user_id}")`
    deadpool_redis::redis::cmd("SET").arg(format!("{tenant_id}:s:{user_id}")).arg(1).query_async::<()>(&mut conn).await?;
    conn.get::<_, String>(format!("s:{user_id}")).await?;
//                        ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `format!("s:{user_id}")`
    let mut c2 = state.bb8.get().await?;
    c2.sadd::<_, _, ()>("online", &user_id).await?;
//                      ^^^^^^^^ deny[PS102] cache key of redis `SADD` does not include the target tenant's ID: `"online"`
    let mut c3 = state.r2.get()?;
    c3.expire::<_, ()>(&user_id, 5)?;
//                     ^^^^^^^^ deny[PS102] cache key of redis `EXPIRE` does not include the target tenant's ID: `&user_id`
    deadpool_redis::redis::pipe().set("p", 1).query_async::<()>(&mut conn).await?;
//                                    ^^^ deny[PS102] cache key of redis pipeline `SET` does not include the target tenant's ID: `"p"`
    deadpool_redis::redis::pipe().cmd("hset").arg(format!("{tenant_id}:h")).arg("f").arg(1).query_async::<()>(&mut conn).await?;
}
"#,
        );
    }

    #[test]
    fn reexported_commands_imported_by_name() {
        expect(
            r#"
//- src/cache.rs
use deadpool_redis::redis::{cmd, AsyncCommands};
use deadpool_redis::{Pool, Connection};
async fn a(pool: &Pool, user_id: String, tenant_id: TenantId) {
    let mut conn = pool.get().await?;
    cmd("set").arg(format!("s:{user_id}")).arg(1).query_async::<()>(&mut conn).await?;
//                 ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET` does not include the target tenant's ID: `format!("s:{user_id}")`
    cmd("set").arg(format!("{tenant_id}:s:{user_id}")).arg(1).query_async::<()>(&mut conn).await?;
}
async fn b(conn: &mut Connection, user_id: String) {
    conn.set_ex::<_, _, ()>(format!("s:{user_id}"), 1, 5).await?;
//                          ^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `SET_EX` does not include the target tenant's ID: `format!("s:{user_id}")`
}
"#,
        );
    }

    #[test]
    fn key_builders_in_another_crate_of_the_workspace() {
        expect(
            r#"
//- crates/keys/src/lib.rs
pub fn profile(tenant: &TenantId, user_id: u64) -> String { format!("{tenant}:profile:{user_id}") }
pub fn session(user_id: u64) -> String { format!("session:{user_id}") }
pub mod scoped { pub fn feed(tenant_id: &str, user_id: u64) -> String { format!("{tenant_id}:feed:{user_id}") } }
//- crates/api/src/keys.rs
pub fn profile(user_id: u64) -> String { format!("profile:{user_id}") }
//- crates/api/src/partner/h.rs
use keys::session as session_key;
use keys::scoped::feed;
async fn show(partner: PartnerSession, Path((tenant_id, user_id)): Path<(TenantId, u64)>, pool: &deadpool_redis::Pool) {
    let mut conn = pool.get().await?;
    let key = keys::profile(&tenant_id, user_id);
    conn.get::<_, String>(&key).await?;
    conn.get::<_, String>(session_key(user_id)).await?;
//                        ^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `session_key(user_id)`
    conn.get::<_, String>(feed(&tenant_id, user_id)).await?;
    conn.get::<_, String>(feed(&partner.tenant_id, user_id)).await?;
//                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `feed(&partner.tenant_id, user_id)`; `partner.tenant_id` belongs to the acting partner, not the target tenant
    conn.get::<_, String>(crate::keys::profile(user_id)).await?;
//                        ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^ deny[PS102] cache key of redis `GET` does not include the target tenant's ID: `crate::keys::profile(user_id)`
}
"#,
        );
    }
}
