//! Cache operations: calls that read or write a cache entry by key, found by
//! what the receiver *is* (its type, the constructor it was bound from, the
//! crate a path names), never by method name alone: `HashMap::get` is not a
//! cache read.
//!
//! Clients: the `redis` crate (`cmd("SET").arg(k)`, pipelines, `Commands`/
//! `AsyncCommands` methods), connections from `deadpool_redis`, `bb8_redis`
//! and `r2d2`, `fred`, in-memory caches from `moka`, `mini_moka`,
//! `quick_cache` and `cached`, and browser storage (`gloo_storage`'s
//! `LocalStorage`/`SessionStorage`, `web_sys::Storage`).

use crate::names::Name;
use std::sync::OnceLock;

use crate::diagnostic::{FileId, Location};
use crate::index::{
    Amount, ArgFact, CallSite, Callee, FileFacts, FunctionDef, TypeRef, Workspace, WRAPPER_TYPES,
};
use crate::model::queries::WorkspaceResolver;
use crate::names::has_word;
use crate::source::Span;

/// What kind of client a value is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Client {
    /// A Redis connection, client or pool (`redis`, `deadpool_redis`,
    /// `bb8_redis`, `r2d2`, `fred`).
    Redis,
    /// A Redis command being built: `redis::cmd("GET")`.
    Command,
    /// A Redis pipeline: `redis::pipe()`.
    Pipeline,
    /// An in-memory cache (`moka`, `mini_moka`, `quick_cache`).
    Memory,
    /// A cache of the `cached` crate (`SizedCache`, `TimedCache`, …).
    Cached,
    /// Browser storage: `web_sys::Storage`.
    WebStorage,
}

impl Client {
    fn describe(self) -> &'static str {
        match self {
            Client::Redis | Client::Command => "redis",
            Client::Pipeline => "redis pipeline",
            Client::Memory => "in-memory cache",
            Client::Cached => "`cached` cache",
            Client::WebStorage => "browser storage",
        }
    }
}

/// One read or write of a cache entry.
#[derive(Clone, Debug)]
pub struct CacheOp<'a> {
    /// The call that names the operation (`set`, `cmd("SET")`, `LocalStorage::set`).
    pub call: &'a CallSite,
    /// `redis \`SET\``, `in-memory cache \`insert\``, for messages.
    pub operation: String,
    /// The key argument.
    pub key: &'a ArgFact,
}

/// Crates whose types and functions are cache clients, by the first segment
/// of a path (after expanding the file's imports).
const CACHE_CRATES: &[(&str, Client)] = &[
    ("redis", Client::Redis),
    ("deadpool_redis", Client::Redis),
    ("bb8_redis", Client::Redis),
    ("r2d2_redis", Client::Redis),
    ("mobc_redis", Client::Redis),
    ("fred", Client::Redis),
    ("moka", Client::Memory),
    ("mini_moka", Client::Memory),
    ("quick_cache", Client::Memory),
    ("cached", Client::Cached),
];

/// Type names that are cache clients whatever path they are written with:
/// no other crate in common use exports them.
const DISTINCTIVE_TYPES: &[(&str, Client)] = &[
    ("MultiplexedConnection", Client::Redis),
    ("ConnectionManager", Client::Redis),
    ("RedisConnectionManager", Client::Redis),
    ("RedisClient", Client::Redis),
    ("RedisPool", Client::Redis),
    ("SizedCache", Client::Cached),
    ("TimedCache", Client::Cached),
    ("TimedSizedCache", Client::Cached),
    ("UnboundCache", Client::Cached),
    ("ExpiringValueCache", Client::Cached),
];

/// Names a glob import of a cache crate brings in (`use fred::prelude::*`).
const GLOB_EXPORTS: &[(&str, &[&str])] = &[
    ("fred", &["Client", "Pool", "RedisClient", "RedisPool"]),
    (
        "redis",
        &["Client", "Connection", "Commands", "AsyncCommands"],
    ),
    ("moka", &["Cache"]),
    ("mini_moka", &["Cache"]),
    ("quick_cache", &["Cache"]),
    ("deadpool_redis", &["Pool", "Connection"]),
];

/// Redis commands (as `Commands`/`AsyncCommands`/`fred` methods and
/// pipeline methods) whose first argument is a key.
const REDIS_KEY_METHODS: &[&str] = &[
    "get",
    "set",
    "set_ex",
    "set_nx",
    "pset_ex",
    "set_options",
    "getset",
    "get_del",
    "get_ex",
    "getex",
    "getdel",
    "setex",
    "setnx",
    "psetex",
    "del",
    "unlink",
    "exists",
    "expire",
    "pexpire",
    "expire_at",
    "pexpire_at",
    "expireat",
    "ttl",
    "pttl",
    "persist",
    "incr",
    "decr",
    "incr_by",
    "decr_by",
    "incrby",
    "decrby",
    "append",
    "getrange",
    "setrange",
    "strlen",
    "mget",
    "hget",
    "hset",
    "hset_nx",
    "hsetnx",
    "hset_multiple",
    "hmset",
    "hmget",
    "hdel",
    "hgetall",
    "hkeys",
    "hvals",
    "hexists",
    "hincr",
    "hincrby",
    "hlen",
    "lpush",
    "rpush",
    "lpop",
    "rpop",
    "lrange",
    "llen",
    "lrem",
    "ltrim",
    "sadd",
    "srem",
    "smembers",
    "sismember",
    "smismember",
    "scard",
    "spop",
    "srandmember",
    "smove",
    "sscan",
    "hscan",
    "zscan",
    "expire_time",
    "pexpire_time",
    "rename_nx",
    "lindex",
    "lset",
    "lpos",
    "lpush_exists",
    "rpush_exists",
    "zrank",
    "zrevrange",
    "zcount",
    "zadd_multiple",
    "setbit",
    "getbit",
    "bitcount",
    "pfadd",
    "pfcount",
    "xadd",
    "xrange",
    "xlen",
    "zadd",
    "zrem",
    "zrange",
    "zrangebyscore",
    "zscore",
    "zincr",
    "zcard",
    "rename",
    "key_type",
    "json_get",
    "json_set",
    "json_del",
];

/// Pipeline methods that return the pipeline without naming a key.
const PIPELINE_PASS_THROUGH: &[&str] = &["ignore", "atomic", "arg", "cmd", "add_command"];

/// Redis commands whose first argument is a key: `cmd("SET").arg(key)`.
/// Any other command is not a cache access by its first argument: a
/// subcommand (`CLUSTER SLOTS`, `ACL SETUSER`, `XINFO GROUPS`), a channel
/// (`PSUBSCRIBE`), an option (`XREAD COUNT`), a function name (`FCALL`),
/// a count of keys (`ZUNION 2 …`) or nothing (`PING`). Commands of Redis
/// modules are known by the `JSON.` prefix.
const KEY_COMMANDS: &str = "
    APPEND COPY DECR DECRBY DEL DUMP EXISTS EXPIRE EXPIREAT EXPIRETIME GET GETDEL GETEX GETRANGE
    GETSET INCR INCRBY INCRBYFLOAT LCS MGET MOVE MSET MSETNX PERSIST PEXPIRE PEXPIREAT
    PEXPIRETIME PSETEX PTTL RENAME RENAMENX RESTORE SET SETEX SETNX SETRANGE SORT SORT_RO STRLEN
    SUBSTR TOUCH TTL TYPE UNLINK
    HDEL HEXISTS HEXPIRE HEXPIREAT HEXPIRETIME HGET HGETALL HGETDEL HGETEX HINCRBY HINCRBYFLOAT
    HKEYS HLEN HMGET HMSET HPERSIST HPEXPIRE HPEXPIREAT HPEXPIRETIME HPTTL HRANDFIELD HSCAN HSET
    HSETEX HSETNX HSTRLEN HTTL HVALS
    BLMOVE BLPOP BRPOP BRPOPLPUSH LINDEX LINSERT LLEN LMOVE LPOP LPOS LPUSH LPUSHX LRANGE LREM
    LSET LTRIM RPOP RPOPLPUSH RPUSH RPUSHX
    SADD SCARD SDIFF SDIFFSTORE SINTER SINTERSTORE SISMEMBER SMEMBERS SMISMEMBER SMOVE SPOP
    SRANDMEMBER SREM SSCAN SUNION SUNIONSTORE
    BZPOPMAX BZPOPMIN ZADD ZCARD ZCOUNT ZDIFFSTORE ZINCRBY ZINTERSTORE ZLEXCOUNT ZMSCORE ZPOPMAX
    ZPOPMIN ZRANDMEMBER ZRANGE ZRANGEBYLEX ZRANGEBYSCORE ZRANGESTORE ZRANK ZREM ZREMRANGEBYLEX
    ZREMRANGEBYRANK ZREMRANGEBYSCORE ZREVRANGE ZREVRANGEBYLEX ZREVRANGEBYSCORE ZREVRANK ZSCAN
    ZSCORE ZUNIONSTORE
    BITCOUNT BITFIELD BITFIELD_RO BITPOS GETBIT SETBIT PFADD PFCOUNT PFMERGE
    GEOADD GEODIST GEOHASH GEOPOS GEORADIUS GEORADIUSBYMEMBER GEORADIUSBYMEMBER_RO GEORADIUS_RO
    GEOSEARCH GEOSEARCHSTORE
    XACK XADD XAUTOCLAIM XCLAIM XDEL XLEN XPENDING XRANGE XREVRANGE XSETID XTRIM
";

/// Whether `cmd(command).arg(first)` names a key first.
fn key_command(command: &str) -> bool {
    KEY_COMMANDS
        .split_ascii_whitespace()
        .any(|known| known == command)
        || command
            .strip_prefix("JSON.")
            .is_some_and(|rest| !rest.is_empty() && rest != "DEBUG")
}

/// Methods of in-memory caches whose first argument is a key.
const MEMORY_KEY_METHODS: &[&str] = &[
    "get",
    "insert",
    "get_with",
    "get_with_by_ref",
    "try_get_with",
    "optionally_get_with",
    "get_or_insert_with",
    "get_or_insert_async",
    "get_value_or_guard",
    "get_value_or_guard_async",
    "entry",
    "entry_by_ref",
    "invalidate",
    "remove",
    "contains_key",
    "peek",
    "get_mut",
    "replace",
];

/// Methods of the `cached` crate's `Cached`/`IOCached` traits whose first argument is a key.
const CACHED_KEY_METHODS: &[&str] = &[
    "cache_get",
    "cache_set",
    "cache_remove",
    "cache_get_mut",
    "cache_get_or_set_with",
    "cache_try_get_or_set_with",
    "cache_get_expired",
];

const WEB_STORAGE_KEY_METHODS: &[&str] = &["set_item", "get_item", "remove_item"];

/// `gloo_storage::Storage` functions whose first argument is a key.
const GLOO_KEY_FUNCTIONS: &[&str] = &["set", "get", "delete", "raw_get", "get_all"];

/// Whether some client's keyed operations include this method: one lookup in place of a
/// scan of every list, as every method call of the workspace asks.
pub(crate) fn keyed_somewhere(method: &str) -> bool {
    static KEYED: OnceLock<foldhash::HashSet<&'static str>> = OnceLock::new();
    KEYED
        .get_or_init(|| {
            [
                REDIS_KEY_METHODS,
                MEMORY_KEY_METHODS,
                CACHED_KEY_METHODS,
                WEB_STORAGE_KEY_METHODS,
            ]
            .into_iter()
            .flatten()
            .copied()
            .collect()
        })
        .contains(method)
}

/// Methods that make a connection out of a Redis client or pool.
const CONNECTION_METHODS: &[&str] = &[
    "get_connection",
    "get_async_connection",
    "get_multiplexed_async_connection",
    "get_multiplexed_tokio_connection",
    "get_multiplexed_async_std_connection",
    "get_connection_manager",
    "get_tokio_connection",
    "get_connection_with_timeout",
];

/// Methods of a pool or client that give back a connection (or the client).
const POOL_METHODS: &[&str] = &[
    "get",
    "get_owned",
    "get_timeout",
    "dedicated",
    "next",
    "clone",
    "as_ref",
    "lock",
    "write",
    "read",
    "borrow_mut",
    "unwrap",
    "expect",
];

/// Methods of an in-memory cache's builder that give back the builder or the cache:
/// `Cache::builder().time_to_live(ttl).build()` is a cache.
const MEMORY_BUILDER_METHODS: &[&str] = &[
    "build",
    "build_with_hasher",
    "max_capacity",
    "initial_capacity",
    "time_to_live",
    "time_to_idle",
    "expire_after",
    "weigher",
    "name",
    "eviction_listener",
    "eviction_policy",
    "support_invalidation_closures",
];

/// How many bindings, fields and chain links one receiver lookup follows.
const MAX_STEPS: usize = 12;

/// A file's view for cache lookups.
pub struct Caches<'a> {
    pub workspace: &'a Workspace,
}

impl<'a> Caches<'a> {
    /// The cache operations of a function, in source order.
    pub fn operations(&self, file: FileId, function: &'a FunctionDef) -> Vec<CacheOp<'a>> {
        let facts = self.workspace.file(file);
        let f = FnCalls::new(function);
        let mut ops = Vec::new();
        for call in &function.calls {
            if let Some(op) = self.operation(facts, &f, call) {
                ops.push(op);
            }
        }
        // Calls are indexed outer first; a chain's operations read left to right.
        ops.sort_by_key(|op| op.key.span);
        ops
    }

    fn operation(
        &self,
        facts: &FileFacts,
        f: &FnCalls<'a>,
        call: &'a CallSite,
    ) -> Option<CacheOp<'a>> {
        let name = call.name();
        match &call.callee {
            Callee::Path(segments) => {
                // `LocalStorage::set(key, value)`.
                if !GLOO_KEY_FUNCTIONS.contains(&name) {
                    return None;
                }
                let expanded = facts.expand_path(segments);
                let [.., storage, _] = expanded.as_slice() else {
                    return None;
                };
                let gloo = matches!(storage.as_str(), "LocalStorage" | "SessionStorage")
                    && (expanded
                        .first()
                        .is_some_and(|c| c == "gloo_storage" || c == "gloo")
                        || expanded.len() == 2);
                (gloo && GLOO_KEY_FUNCTIONS.contains(&name)).then_some(())?;
                Some(CacheOp {
                    call,
                    operation: format!("browser storage `{storage}::{name}`"),
                    key: call.args.first()?,
                })
            }
            Callee::Method(_) => {
                if name == "arg" {
                    return self.command_arg(facts, f, call);
                }
                // Finding the receiver's client is the costly part, and most method names
                // are no keyed operation of any client.
                if !keyed_somewhere(name) {
                    return None;
                }
                let receiver = call.receiver.as_deref()?;
                let client = self.client_of(facts, f, receiver, 0)?;
                let keyed = match client {
                    Client::Redis | Client::Pipeline => REDIS_KEY_METHODS.contains(&name),
                    Client::Memory => MEMORY_KEY_METHODS.contains(&name),
                    Client::Cached => CACHED_KEY_METHODS.contains(&name),
                    Client::WebStorage => WEB_STORAGE_KEY_METHODS.contains(&name),
                    Client::Command => false,
                };
                keyed.then_some(())?;
                let operation = match client {
                    Client::Redis | Client::Pipeline => {
                        format!("{} `{}`", client.describe(), name.to_ascii_uppercase())
                    }
                    _ => format!("{} `{name}`", client.describe()),
                };
                Some(CacheOp {
                    call,
                    operation,
                    key: call.args.first()?,
                })
            }
            Callee::Macro(_) => None,
        }
    }

    /// `cmd("SET").arg(key)`: the first `.arg` right on a Redis command.
    fn command_arg(
        &self,
        facts: &FileFacts,
        f: &FnCalls<'a>,
        call: &'a CallSite,
    ) -> Option<CacheOp<'a>> {
        let receiver = call.receiver.as_deref()?;
        let command = call_at(f, receiver.span)?;
        let command_name = command_name(facts, f, command, self)?;
        if !key_command(&command_name) {
            return None;
        }
        Some(CacheOp {
            call,
            operation: format!("redis `{command_name}`"),
            key: call.args.first()?,
        })
    }

    /// What client the value `value` (read in `function`) is, if it is one.
    pub fn client_of(
        &self,
        facts: &FileFacts,
        f: &FnCalls<'_>,
        value: &ArgFact,
        steps: usize,
    ) -> Option<Client> {
        if steps > MAX_STEPS {
            return None;
        }
        match &value.place {
            Some(place) => self.place_client(facts, f, place, value.span.start, steps),
            None => {
                let call = outermost_call_within(f, value.span)?;
                self.call_result_client(facts, f, call, steps + 1)
            }
        }
    }

    /// The client a call returns, if it returns one.
    fn call_result_client(
        &self,
        facts: &FileFacts,
        f: &FnCalls<'_>,
        call: &CallSite,
        steps: usize,
    ) -> Option<Client> {
        if steps > MAX_STEPS {
            return None;
        }
        let name = call.name();
        match &call.callee {
            Callee::Path(segments) => {
                let expanded = facts.expand_path(segments);
                if name == "cmd" && redis_command(facts, call).is_some() {
                    return Some(Client::Command);
                }
                if matches!(name, "pipe") && names_redis_crate(&expanded) {
                    return Some(Client::Pipeline);
                }
                if expanded.len() >= 2
                    && expanded
                        .iter()
                        .rev()
                        .nth(1)
                        .is_some_and(|t| t == "Pipeline")
                {
                    return Some(Client::Pipeline);
                }
                path_client(facts, &expanded)
            }
            Callee::Method(_) => {
                if CONNECTION_METHODS.contains(&name) {
                    return Some(Client::Redis);
                }
                if matches!(name, "local_storage" | "session_storage") {
                    return Some(Client::WebStorage);
                }
                let receiver = call.receiver.as_deref()?;
                let inner = self.client_of(facts, f, receiver, steps + 1)?;
                match inner {
                    Client::Redis | Client::Memory | Client::Cached | Client::WebStorage
                        if POOL_METHODS.contains(&name) =>
                    {
                        Some(inner)
                    }
                    Client::Memory if MEMORY_BUILDER_METHODS.contains(&name) => Some(inner),
                    Client::Pipeline
                        if PIPELINE_PASS_THROUGH.contains(&name)
                            || REDIS_KEY_METHODS.contains(&name) =>
                    {
                        Some(Client::Pipeline)
                    }
                    _ => None,
                }
            }
            Callee::Macro(_) => None,
        }
    }

    fn place_client(
        &self,
        facts: &FileFacts,
        f: &FnCalls<'_>,
        place: &[Name],
        offset: u32,
        steps: usize,
    ) -> Option<Client> {
        let (head, fields) = place.split_first()?;
        if head == "self" {
            let owner = f.function.impl_type.as_deref()?;
            return self.field_chain_client(owner, fields);
        }
        if let Some(binding) = f.function.binding_before(head, offset) {
            let init = binding.init.as_ref()?;
            if fields.is_empty() {
                return self.client_of(facts, f, init, steps + 1);
            }
            // A field of a bound value: the value's type is unknown.
            return None;
        }
        if let Some(param) = f
            .function
            .params
            .iter()
            .find(|param| param.name.as_deref() == Some(head.as_str()))
        {
            if fields.is_empty() {
                return type_client(facts, &param.ty)
                    .or_else(|| bounds_client(facts, &param.bounds));
            }
            let owner = self.struct_name_in(&param.ty)?;
            return self.field_chain_client(&owner, fields);
        }
        // `redis::cmd` and friends read as paths are calls, not places;
        // a `static CACHE` is not followed.
        None
    }

    /// The workspace struct a (wrapped) type holds: `State<AppState>`,
    /// `Arc<AppState>`, `&AppState` → `AppState`.
    fn struct_name_in(&self, ty: &TypeRef) -> Option<String> {
        let mut current = ty;
        for _ in 0..MAX_STEPS {
            let name = current.name()?;
            if self.workspace.types_named(name).next().is_some() {
                return Some(name.to_string());
            }
            current = current.args().first()?;
        }
        None
    }

    /// The client at `owner.fields…`, following struct field types.
    fn field_chain_client(&self, owner: &str, fields: &[Name]) -> Option<Client> {
        let (file, ty) = self.field_chain_type(owner, fields)?;
        type_client(self.workspace.file(file), ty)
    }

    /// The declared type of `owner.fields…` (and the file declaring it), following struct
    /// field types.
    fn field_chain_type(&self, owner: &str, fields: &[Name]) -> Option<(FileId, &'a TypeRef)> {
        let mut owner = owner.to_string();
        for (position, field) in fields.iter().enumerate().take(MAX_STEPS) {
            let (file, def) = self
                .workspace
                .type_defs_named(&owner)
                .find(|(_, def)| def.fields.iter().any(|f| f.name.as_deref() == Some(field)))?;
            let field_def = def
                .fields
                .iter()
                .find(|f| f.name.as_deref() == Some(field))?;
            if position + 1 == fields.len() {
                return Some((file, &field_def.ty));
            }
            owner = self.struct_name_in(&field_def.ty)?;
        }
        None
    }

    /// The name of the type a value (read in `f`) is declared with, where its declaration
    /// says: `self` (the `impl` type), a parameter (`cache: &RedisCache`, `State<AppState>`
    /// is `AppState`), a field of either (`self.cache`, `state.cache`), a `let` bound to
    /// such a value or to `Type::constructor(…)`, through `clone()`, `lock()` and the like.
    /// `None` where nothing says: most calls' results, a generic parameter, `impl Trait`.
    pub fn value_type(&self, f: &FnCalls<'_>, value: &ArgFact, steps: usize) -> Option<String> {
        if steps > MAX_STEPS {
            return None;
        }
        let impl_type = f.function.impl_type.as_deref();
        let Some(place) = &value.place else {
            let call = outermost_call_within(f, value.span)?;
            return match &call.callee {
                Callee::Method(name) if TYPE_KEEPING_METHODS.contains(&name.as_str()) => {
                    self.value_type(f, call.receiver.as_deref()?, steps + 1)
                }
                Callee::Path(segments) => {
                    let [.., type_name, _] = segments.as_slice() else {
                        return None;
                    };
                    if WRAPPER_TYPES.contains(&type_name.as_str()) {
                        // `Arc::new(RedisCache::new(url))`.
                        return self.value_type(f, call.args.first()?, steps + 1);
                    }
                    let type_name = if type_name == "Self" {
                        impl_type?
                    } else {
                        type_name.as_str()
                    };
                    type_name
                        .starts_with(|c: char| c.is_ascii_uppercase())
                        .then(|| type_name.to_string())
                }
                _ => None,
            };
        };
        let (head, fields) = place.split_first()?;
        if head == "self" {
            let owner = impl_type?;
            if fields.is_empty() {
                return Some(owner.to_string());
            }
            let (_, ty) = self.field_chain_type(owner, fields)?;
            return declared_name(ty, impl_type);
        }
        if let Some(binding) = f.function.binding_before(head, value.span.start) {
            return if fields.is_empty() {
                self.value_type(f, binding.init.as_ref()?, steps + 1)
            } else {
                None
            };
        }
        let param = f
            .function
            .params
            .iter()
            .find(|param| param.name.as_deref() == Some(head.as_str()))?;
        if fields.is_empty() {
            // A generic parameter or `impl Trait` is known by its bounds, not its name.
            if !param.bounds.is_empty() {
                return None;
            }
            return declared_name(&param.ty, impl_type);
        }
        let owner = self.struct_name_in(&param.ty)?;
        let (_, ty) = self.field_chain_type(&owner, fields)?;
        declared_name(ty, impl_type)
    }
}

/// The name a value goes by: a place's last segment (`self.cache` is `cache`), or the name
/// of the call it comes from (`self.db.cache()` is `cache`).
pub fn value_name<'v>(f: &FnCalls<'v>, value: &'v ArgFact) -> Option<&'v str> {
    match &value.place {
        Some(place) => place.last().map(Name::as_str),
        None => outermost_call_within(f, value.span).map(CallSite::name),
    }
}

/// Methods whose result is (a handle to) their receiver, of the receiver's declared type.
const TYPE_KEEPING_METHODS: &[&str] = &[
    "clone",
    "as_ref",
    "as_mut",
    "borrow",
    "borrow_mut",
    "lock",
    "read",
    "write",
    "unwrap",
    "expect",
    "deref",
    "deref_mut",
];

/// The name a declared type goes by once wrappers (`&`, `Arc<…>`, `State<…>`) are taken off;
/// `Self` is the `impl` type.
fn declared_name(ty: &TypeRef, impl_type: Option<&str>) -> Option<String> {
    let name = ty.held().name()?;
    Some(if name == "Self" { impl_type? } else { name }.to_string())
}

/// How long a cache write keeps its entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Expiry {
    /// The entry expires after this many milliseconds; the TTL is set at `at`.
    After { millis: u64, at: Location },
    /// A TTL is set from a value not known here (a parameter, a config field).
    Unknown,
    /// Nothing expires the entry; `built_at` is the cache's builder when it is known (an
    /// in-memory cache built without `time_to_live`/`time_to_idle`).
    Never { built_at: Option<Location> },
}

/// A write of a value into a cache entry.
#[derive(Clone, Debug)]
pub struct CacheWrite<'a> {
    /// The whole write: the method call, or the `cmd("SET").arg(…)…` chain.
    pub span: Span,
    /// The value written.
    pub value: &'a ArgFact,
    pub expiry: Expiry,
}

/// Methods that write a value under a key, and where the value is among their arguments.
const VALUE_WRITES: &[(&str, usize)] = &[
    ("set", 1),
    ("set_ex", 1),
    ("setex", 1),
    ("pset_ex", 1),
    ("psetex", 1),
    ("set_nx", 1),
    ("set_options", 1),
    ("getset", 1),
    ("hset", 2),
    ("hset_nx", 2),
    ("lpush", 1),
    ("rpush", 1),
    ("sadd", 1),
    ("zadd", 1),
    ("json_set", 2),
    ("insert", 1),
    ("put", 1),
    ("cache_set", 1),
    ("set_item", 1),
];

/// Redis commands (`cmd("SET")`) that write a value, and where it is among their arguments.
const COMMAND_VALUE_WRITES: &[(&str, usize)] = &[
    ("SET", 1),
    ("SETNX", 1),
    ("GETSET", 1),
    ("SETEX", 2),
    ("PSETEX", 2),
    ("HSET", 2),
    ("HSETNX", 2),
    ("HMSET", 2),
    ("LPUSH", 1),
    ("RPUSH", 1),
    ("SADD", 1),
];

/// A `cmd("…")` and the `.arg(…)` calls chained onto it, in order.
struct CommandChain<'a> {
    command: String,
    args: Vec<&'a ArgFact>,
    /// From the command to its last argument.
    span: Span,
}

/// A number as written, or a span of time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Quantity {
    Number(u64),
    Millis(u64),
}

impl Quantity {
    /// In milliseconds, a plain number counting units of `unit_millis`.
    fn millis(self, unit_millis: u64) -> u64 {
        match self {
            Quantity::Number(n) => n.saturating_mul(unit_millis),
            Quantity::Millis(m) => m,
        }
    }
}

/// How deep a TTL is followed through consts.
const MAX_AMOUNT_STEPS: usize = 8;

impl<'a> Caches<'a> {
    /// The writes of values into cache entries in a function, with how long each entry
    /// lives: Redis write commands (methods on a client or a handle named as a store,
    /// `cmd("SET")` chains, pipelines) and in-memory cache inserts. TTLs come from the
    /// call (`set_ex`, `pset_ex`, `cmd("SET") … "EX" n`, `SetExpiry::EX(n)`), from a later
    /// `expire`/`pexpire` of the same key, or from the builder of an in-memory cache; each
    /// one a literal, a `const` (`consts` resolves them), a product, or a `Duration`.
    pub fn writes(
        &self,
        file: FileId,
        function: &'a FunctionDef,
        consts: &WorkspaceResolver<'_>,
    ) -> Vec<CacheWrite<'a>> {
        let facts = self.workspace.file(file);
        let f = FnCalls::new(function);
        let chains = command_chains(facts, &f, self);
        let mut writes = Vec::new();
        for call in &function.calls {
            let Callee::Method(name) = &call.callee else {
                continue;
            };
            let name = name.as_str();
            if name == "arg" || name == "cmd" {
                continue;
            }
            let Some(&(_, value_at)) = VALUE_WRITES.iter().find(|(write, _)| *write == name) else {
                continue;
            };
            let client = call
                .receiver
                .as_deref()
                .and_then(|receiver| self.client_of(facts, &f, receiver, 0));
            if client.is_none() && !writes_to_store(function, call) {
                continue;
            }
            let Some(value) = call.args.get(value_at) else {
                continue;
            };
            let ttl = |index: usize, unit| {
                self.ttl_argument_expiry(facts, file, &f, call.args.get(index), unit, consts)
            };
            let expiry = match name {
                "set_ex" | "setex" => ttl(2, 1_000),
                "pset_ex" | "psetex" => ttl(2, 1),
                "set_options" => match call.args.get(2) {
                    Some(options) => self.option_expiry(facts, file, &f, options, consts),
                    None => Expiry::Unknown,
                },
                _ => {
                    let later = call.args.first().and_then(|key| {
                        self.later_expire(facts, file, &f, &chains, key, call.span, consts)
                    });
                    match later {
                        Some(expiry) => expiry,
                        None if matches!(name, "insert" | "put" | "cache_set")
                            && client != Some(Client::Redis)
                            && client != Some(Client::Pipeline) =>
                        {
                            self.builder_expiry(facts, file, &f, call, consts)
                        }
                        None => Expiry::Never { built_at: None },
                    }
                }
            };
            writes.push(CacheWrite {
                span: call.span,
                value,
                expiry,
            });
        }
        for chain in &chains {
            let Some(&(_, value_at)) = COMMAND_VALUE_WRITES
                .iter()
                .find(|(command, _)| *command == chain.command)
            else {
                continue;
            };
            let Some(value) = chain.args.get(value_at) else {
                continue;
            };
            let ttl = |index: usize, unit| {
                self.ttl_argument_expiry(
                    facts,
                    file,
                    &f,
                    chain.args.get(index).copied(),
                    unit,
                    consts,
                )
            };
            let expiry = match chain.command.as_str() {
                "SETEX" => ttl(1, 1_000),
                "PSETEX" => ttl(1, 1),
                _ => {
                    // `SET k v EX 60`: the option names the unit of the argument after it.
                    let option = chain.command == "SET" && value_at == 1;
                    let from_option = option
                        .then(|| {
                            chain.args.iter().enumerate().skip(2).find_map(|(at, arg)| {
                                match literal_text(facts, arg)?.to_ascii_uppercase().as_str() {
                                    "EX" => Some(ttl(at + 1, 1_000)),
                                    "PX" => Some(ttl(at + 1, 1)),
                                    "EXAT" | "PXAT" | "KEEPTTL" => Some(Expiry::Unknown),
                                    _ => None,
                                }
                            })
                        })
                        .flatten();
                    from_option
                        .or_else(|| {
                            let key = chain.args.first()?;
                            self.later_expire(facts, file, &f, &chains, key, chain.span, consts)
                        })
                        .unwrap_or(Expiry::Never { built_at: None })
                }
            };
            writes.push(CacheWrite {
                span: chain.span,
                value,
                expiry,
            });
        }
        writes.sort_by_key(|write| write.span);
        writes
    }

    /// The expiry a call's TTL argument gives, counted in units of `unit_millis`; unknown
    /// when the call has no argument there.
    fn ttl_argument_expiry(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        ttl: Option<&ArgFact>,
        unit_millis: u64,
        consts: &WorkspaceResolver<'_>,
    ) -> Expiry {
        ttl.map_or(Expiry::Unknown, |arg| {
            self.expiry_of(facts, file, f, arg, unit_millis, consts)
        })
    }

    /// The expiry an argument sets, counted in units of `unit_millis` when it is a plain
    /// number.
    fn expiry_of(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        arg: &ArgFact,
        unit_millis: u64,
        consts: &WorkspaceResolver<'_>,
    ) -> Expiry {
        match self.quantity_of(facts, file, f, arg, consts, 0) {
            Some(quantity) => Expiry::After {
                millis: quantity.millis(unit_millis),
                at: Location {
                    file,
                    span: arg.span,
                },
            },
            None => Expiry::Unknown,
        }
    }

    /// The number or span of time an argument holds: a literal, a `const`, a `Duration`
    /// constructor or `as_secs()` of one, or (read from the literal text) a product of
    /// integer literals.
    fn quantity_of(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        arg: &ArgFact,
        consts: &WorkspaceResolver<'_>,
        steps: usize,
    ) -> Option<Quantity> {
        if steps > MAX_AMOUNT_STEPS {
            return None;
        }
        if let Some(n) = arg.int {
            return Some(Quantity::Number(n));
        }
        if let Some(place) = &arg.place {
            let (const_file, constant) = consts.const_def(file, place)?;
            return amount_quantity(constant.amount.as_ref()?, const_file, consts, steps + 1);
        }
        if let Some(call) = outermost_call_within(f, arg.span)
            .filter(|call| call.span.start == arg.span.start || call.span.end == arg.span.end)
        {
            return match &call.callee {
                Callee::Path(segments) => {
                    let [.., owner, function] = segments.as_slice() else {
                        return None;
                    };
                    let millis = crate::index::functions::duration_unit(owner, function)?;
                    let of =
                        self.quantity_of(facts, file, f, call.args.first()?, consts, steps + 1)?;
                    Some(Quantity::Millis(of.millis(millis)))
                }
                Callee::Method(name) => {
                    let unit = count_unit(name)?;
                    let duration = self.quantity_of(
                        facts,
                        file,
                        f,
                        call.receiver.as_deref()?,
                        consts,
                        steps + 1,
                    )?;
                    Some(Quantity::Number(duration.millis(unit) / unit))
                }
                Callee::Macro(_) => None,
            };
        }
        let text = facts.text.get(arg.span.range())?;
        literal_product(text).map(Quantity::Number)
    }

    /// `SetOptions::default().with_expiration(SetExpiry::EX(60))`.
    fn option_expiry(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        options: &ArgFact,
        consts: &WorkspaceResolver<'_>,
    ) -> Expiry {
        let expiry = f
            .within(options.span)
            .find_map(|(_, call)| match &call.callee {
                Callee::Path(segments) => match segments.last().map(Name::as_str) {
                    Some("EX") => Some(call.args.first().map_or(Expiry::Unknown, |arg| {
                        self.expiry_of(facts, file, f, arg, 1_000, consts)
                    })),
                    Some("PX") => Some(call.args.first().map_or(Expiry::Unknown, |arg| {
                        self.expiry_of(facts, file, f, arg, 1, consts)
                    })),
                    Some("EXAT" | "PXAT" | "KEEPTTL") => Some(Expiry::Unknown),
                    _ => None,
                },
                _ => None,
            });
        expiry.unwrap_or(Expiry::Never { built_at: None })
    }

    /// The TTL a later `expire`/`pexpire` (method or command) of the same key sets.
    #[allow(clippy::too_many_arguments)]
    fn later_expire(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        chains: &[CommandChain<'_>],
        key: &ArgFact,
        after: Span,
        consts: &WorkspaceResolver<'_>,
    ) -> Option<Expiry> {
        let same_key = |other: &ArgFact| same_value(facts, key, other);
        let methods = f.function.calls.iter().filter_map(|call| {
            let unit = match call.name() {
                "expire" => 1_000,
                "pexpire" => 1,
                _ => return None,
            };
            matches!(call.callee, Callee::Method(_)).then_some(())?;
            Some((call.span, call.args.first()?, call.args.get(1)?, unit))
        });
        let commands = chains.iter().filter_map(|chain| {
            let unit = match chain.command.as_str() {
                "EXPIRE" => 1_000,
                "PEXPIRE" => 1,
                _ => return None,
            };
            Some((chain.span, *chain.args.first()?, *chain.args.get(1)?, unit))
        });
        methods
            .chain(commands)
            .filter(|(span, expired, _, _)| span.start > after.end && same_key(expired))
            .min_by_key(|(span, ..)| span.start)
            .map(|(_, _, ttl, unit)| self.expiry_of(facts, file, f, ttl, unit, consts))
    }

    /// How long an in-memory cache keeps entries, from where it is built: the `let` the
    /// receiver is bound by, a struct literal's field of the receiver's name in the same
    /// file, or the only cache builder of the file. A builder without `time_to_live`/
    /// `time_to_idle` keeps entries until they are evicted for room.
    fn builder_expiry(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        call: &CallSite,
        consts: &WorkspaceResolver<'_>,
    ) -> Expiry {
        let Some(receiver) = call.receiver.as_deref() else {
            return Expiry::Never { built_at: None };
        };
        let place = receiver.place.as_deref().unwrap_or(&[]);
        // The `let` the receiver is bound by, in this function.
        if let [name] = place {
            if let Some(init) = f
                .function
                .binding_before(name, receiver.span.start)
                .and_then(|binding| binding.init.as_ref())
            {
                if let Some(expiry) = self.built_expiry(facts, file, f, init.span, consts) {
                    return expiry;
                }
            }
        }
        // A field of that name filled by a struct literal in this file.
        if let Some(field) = place.last() {
            if let Some(expiry) = self.field_built_expiry(facts, file, field, consts) {
                return expiry;
            }
        }
        // The file's only cache builder; with several, which one built this cache is not
        // known here.
        let mut builders = facts.functions.iter().filter_map(|function| {
            let g = FnCalls::new(function);
            let whole = function.span;
            self.built_expiry(facts, file, &g, whole, consts)
        });
        match (builders.next(), builders.next()) {
            (Some(only), None) => only,
            (Some(_), Some(_)) => Expiry::Unknown,
            // Built in another file: the app state filled where the app starts
            // (`AppState { access: Cache::builder()…build() }` in `main.rs`).
            (None, _) => place
                .last()
                .and_then(|field| self.field_built_elsewhere(file, field, consts))
                .unwrap_or(Expiry::Never { built_at: None }),
        }
    }

    /// The expiry of a cache built into a field of this name by a struct literal or a `let`
    /// of this name in `facts`' file.
    fn field_built_expiry(
        &self,
        facts: &FileFacts,
        file: FileId,
        field: &Name,
        consts: &WorkspaceResolver<'_>,
    ) -> Option<Expiry> {
        for function in &facts.functions {
            let built = function
                .struct_literals
                .iter()
                .filter_map(|literal| literal.field(field))
                .map(|init| init.value.span)
                .chain(
                    function
                        .lets
                        .iter()
                        .filter(|binding| binding.name == *field)
                        .filter_map(|binding| binding.init.as_ref().map(|init| init.span)),
                )
                .collect::<Vec<Span>>();
            if built.is_empty() {
                continue;
            }
            let g = FnCalls::new(function);
            if let Some(expiry) = built
                .into_iter()
                .find_map(|span| self.built_expiry(facts, file, &g, span, consts))
            {
                return Some(expiry);
            }
        }
        None
    }

    /// [`Caches::field_built_expiry`] in the other files of the workspace: the one expiry
    /// they agree on, `Unknown` when they build that field differently.
    fn field_built_elsewhere(
        &self,
        here: FileId,
        field: &Name,
        consts: &WorkspaceResolver<'_>,
    ) -> Option<Expiry> {
        let mut found: Option<Expiry> = None;
        for (file, facts) in self.workspace.files.iter().enumerate() {
            if file == here {
                continue;
            }
            let Some(expiry) = self.field_built_expiry(facts, file, field, consts) else {
                continue;
            };
            match &found {
                None => found = Some(expiry),
                Some(seen) if *seen == expiry => {}
                Some(_) => return Some(Expiry::Unknown),
            }
        }
        found
    }

    /// The expiry an in-memory cache built inside `span` gives its entries; `None` when no
    /// cache is built there.
    fn built_expiry(
        &self,
        facts: &FileFacts,
        file: FileId,
        f: &FnCalls<'_>,
        span: Span,
        consts: &WorkspaceResolver<'_>,
    ) -> Option<Expiry> {
        let mut built_at = None;
        for (_, call) in f.within(span) {
            match call.name() {
                "time_to_live" | "time_to_idle" => {
                    return Some(call.args.first().map_or(Expiry::Unknown, |arg| {
                        self.expiry_of(facts, file, f, arg, 1_000, consts)
                    }));
                }
                // A per-entry expiry policy decides at run time.
                "expire_after" => return Some(Expiry::Unknown),
                _ => {}
            }
            if built_at.is_none() && self.builds_memory_cache(facts, call) {
                built_at = Some(Location {
                    file,
                    span: call.span,
                });
            }
        }
        built_at.map(|at| Expiry::Never { built_at: Some(at) })
    }

    /// `Cache::builder()`, `Cache::new(n)`, `CacheBuilder::new(n)` of an in-memory cache crate.
    fn builds_memory_cache(&self, facts: &FileFacts, call: &CallSite) -> bool {
        let Callee::Path(segments) = &call.callee else {
            return false;
        };
        matches!(
            call.name(),
            "builder" | "new" | "with_capacity" | "with_weighter" | "with_options"
        ) && path_client(facts, &facts.expand_path(segments)) == Some(Client::Memory)
    }
}

/// Milliseconds per unit that `as_secs()`-like methods count a duration in.
fn count_unit(method: &str) -> Option<u64> {
    match method {
        "as_secs" | "num_seconds" => Some(1_000),
        "as_millis" | "num_milliseconds" => Some(1),
        _ => None,
    }
}

/// The quantity a `const`'s value holds.
fn amount_quantity(
    amount: &Amount,
    file: FileId,
    consts: &WorkspaceResolver<'_>,
    steps: usize,
) -> Option<Quantity> {
    if steps > MAX_AMOUNT_STEPS {
        return None;
    }
    match amount {
        Amount::Int(n) => Some(Quantity::Number(*n)),
        Amount::Const(path) => {
            let (const_file, constant) = consts.const_def(file, path)?;
            amount_quantity(constant.amount.as_ref()?, const_file, consts, steps + 1)
        }
        Amount::Duration { millis, of } => Some(Quantity::Millis(
            amount_quantity(of, file, consts, steps + 1)?.millis(*millis),
        )),
        Amount::Count { millis, of } => {
            let duration = amount_quantity(of, file, consts, steps + 1)?.millis(*millis);
            Some(Quantity::Number(duration / millis.max(&1)))
        }
        Amount::Product(factors) => {
            let mut millis = None;
            let mut product: u64 = 1;
            for factor in factors {
                match amount_quantity(factor, file, consts, steps + 1)? {
                    Quantity::Number(n) => product = product.saturating_mul(n),
                    // At most one factor is a span of time (`Duration * n`).
                    Quantity::Millis(m) if millis.is_none() => millis = Some(m),
                    Quantity::Millis(_) => return None,
                }
            }
            Some(match millis {
                Some(m) => Quantity::Millis(m.saturating_mul(product)),
                None => Quantity::Number(product),
            })
        }
    }
}

/// A product of integer literals as written in an argument: `3600 * 24`, `60_u64 * 5`.
fn literal_product(text: &str) -> Option<u64> {
    let mut product: u64 = 1;
    for factor in text.split('*') {
        let factor = factor.trim();
        let digits_end = factor
            .find(|c: char| !(c.is_ascii_digit() || c == '_'))
            .unwrap_or(factor.len());
        let (number, suffix) = factor.split_at(digits_end);
        let number: String = number.chars().filter(|c| *c != '_').collect();
        let integer_suffix = matches!(
            suffix,
            "" | "u8" | "u16" | "u32" | "u64" | "u128" | "usize" | "i32" | "i64" | "isize"
        );
        if number.is_empty() || !integer_suffix {
            return None;
        }
        product = product.saturating_mul(number.parse().ok()?);
    }
    Some(product)
}

/// The text of a string literal argument (`"EX"`).
fn literal_text<'t>(facts: &'t FileFacts, arg: &ArgFact) -> Option<&'t str> {
    let crate::strings::StrExpr::Literal { span } = arg.string.as_ref()? else {
        return None;
    };
    facts
        .text
        .get(span.range())?
        .strip_prefix('"')?
        .strip_suffix('"')
}

/// Whether two arguments are the same value: the same place, or the same expression.
fn same_value(facts: &FileFacts, a: &ArgFact, b: &ArgFact) -> bool {
    match (&a.place, &b.place) {
        (Some(a), Some(b)) => a == b,
        (None, None) => a
            .shape(&facts.text)
            .is_some_and(|shape| Some(shape) == b.shape(&facts.text)),
        _ => false,
    }
}

/// Each `cmd("…")` of a function (a Redis command by path, or a pipeline's `.cmd`) with
/// the `.arg(…)` calls chained right onto it.
fn command_chains<'a>(
    facts: &FileFacts,
    f: &FnCalls<'a>,
    caches: &Caches<'_>,
) -> Vec<CommandChain<'a>> {
    // `.arg` calls by the span of their receiver: each link finds the next in one lookup.
    let mut args_on: foldhash::HashMap<Span, &'a CallSite> = foldhash::HashMap::default();
    for call in &f.function.calls {
        if call.name() == "arg" && matches!(call.callee, Callee::Method(_)) {
            if let Some(receiver) = call.receiver.as_deref() {
                args_on.insert(receiver.span, call);
            }
        }
    }
    let mut chains = Vec::new();
    for call in &f.function.calls {
        if call.name() != "cmd" {
            continue;
        }
        let Some(command) = command_name(facts, f, call, caches) else {
            continue;
        };
        let mut args = Vec::new();
        let mut span = call.span;
        let mut current = call;
        while let Some(next) = args_on.get(&current.span) {
            let Some(arg) = next.args.first() else {
                break;
            };
            args.push(arg);
            span = next.span;
            current = next;
            if args.len() > 64 {
                break;
            }
        }
        chains.push(CommandChain {
            command,
            args,
            span,
        });
    }
    chains
}

/// A function's calls ordered by where they start, so "the calls inside
/// this span" is a binary search rather than a scan of the whole body.
pub struct FnCalls<'a> {
    pub function: &'a FunctionDef,
    order: Vec<usize>,
}

impl<'a> FnCalls<'a> {
    pub fn new(function: &'a FunctionDef) -> FnCalls<'a> {
        let mut order: Vec<usize> = (0..function.calls.len()).collect();
        order.sort_by_key(|&index| {
            let span = function.calls[index].span;
            (span.start, std::cmp::Reverse(span.end), index)
        });
        FnCalls { function, order }
    }

    /// The calls inside `span` (with their index), outer before inner.
    pub fn within(&self, span: Span) -> impl Iterator<Item = (usize, &'a CallSite)> + '_ {
        let calls = &self.function.calls;
        let first = self
            .order
            .partition_point(|&index| calls[index].span.start < span.start);
        self.order
            .get(first..)
            .unwrap_or(&[])
            .iter()
            .map(move |&index| (index, &calls[index]))
            .take_while(move |(_, call)| call.span.start <= span.end)
            .filter(move |(_, call)| call.span.end <= span.end)
    }
}

/// The call whose span is exactly `span`, or the outermost one in it.
fn call_at<'a>(f: &FnCalls<'a>, span: Span) -> Option<&'a CallSite> {
    f.within(span)
        .map(|(_, call)| call)
        .find(|call| call.span == span)
        .or_else(|| outermost_call_within(f, span))
}

/// The largest call inside `span` that starts or ends where `span` does,
/// give or take `.await`/`?`: `pool.get().await?` → `pool.get()`.
fn outermost_call_within<'a>(f: &FnCalls<'a>, span: Span) -> Option<&'a CallSite> {
    f.within(span)
        .map(|(_, call)| call)
        .filter(|call| call.span.start == span.start || call.span.end == span.end)
        .max_by_key(|call| (call.span.len(), std::cmp::Reverse(call.span.start)))
        // Only `.await`, `?`, `.unwrap()`-like tails may follow the call.
        .filter(|call| span.end - call.span.end <= 16)
}

/// The Redis command a `cmd("…")` call (path or pipeline method) names.
fn command_name(
    facts: &FileFacts,
    f: &FnCalls<'_>,
    call: &CallSite,
    caches: &Caches<'_>,
) -> Option<String> {
    match &call.callee {
        Callee::Path(_) if call.name() == "cmd" => redis_command(facts, call),
        Callee::Method(name) if name == "cmd" => {
            let receiver = call.receiver.as_deref()?;
            (caches.client_of(facts, f, receiver, 0)? == Client::Pipeline)
                .then(|| literal_command(facts, call))
                .flatten()
        }
        _ => None,
    }
}

/// `redis::cmd("SET")`, or a bare `cmd("SET")` when the file imports
/// `redis::cmd` or names a Redis command in upper case.
fn redis_command(facts: &FileFacts, call: &CallSite) -> Option<String> {
    let Callee::Path(segments) = &call.callee else {
        return None;
    };
    let expanded = facts.expand_path(segments);
    let command = literal_command(facts, call)?;
    let from_redis = names_redis_crate(&expanded);
    let looks_like_command = command
        .chars()
        .all(|c| c.is_ascii_uppercase() || c == '.' || c == '_');
    (from_redis || (segments.len() == 1 && looks_like_command)).then_some(command)
}

/// Pool crates that re-export the whole `redis` crate as a module: `deadpool_redis::redis::cmd`
/// is `redis::cmd`.
const REDIS_REEXPORTERS: &[&str] = &["deadpool_redis", "bb8_redis", "r2d2_redis", "mobc_redis"];

/// Whether an expanded path is in the `redis` crate: `redis::…`, or `redis::…` through a pool
/// crate's re-export (`deadpool_redis::redis::…`).
fn names_redis_crate(expanded: &[Name]) -> bool {
    match expanded {
        [first, ..] if first == "redis" => true,
        [pool, module, ..] => module == "redis" && REDIS_REEXPORTERS.contains(&pool.as_str()),
        _ => false,
    }
}

/// The upper-cased command literal of `cmd("set")`.
fn literal_command(facts: &FileFacts, call: &CallSite) -> Option<String> {
    let arg = call.args.first()?;
    let crate::strings::StrExpr::Literal { span } = arg.string.as_ref()? else {
        return None;
    };
    let text = facts.text.get(span.range())?;
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    (!inner.is_empty()
        && inner
            .chars()
            .all(|c| c.is_ascii_alphabetic() || c == '.' || c == '_'))
    .then(|| inner.to_ascii_uppercase())
}

/// The client a path names (`redis::Client::open`, `Cache::builder` with
/// `use moka::future::Cache`), by its crate.
fn path_client(facts: &FileFacts, expanded: &[Name]) -> Option<Client> {
    let first = expanded.first()?;
    if let Some((_, client)) = CACHE_CRATES.iter().find(|(name, _)| name == first) {
        return Some(*client);
    }
    if first == "web_sys" && expanded.iter().any(|s| s == "Storage") {
        return Some(Client::WebStorage);
    }
    // A type named without a path: distinctive names, or a glob import.
    let type_name = expanded
        .iter()
        .find(|segment| segment.chars().next().is_some_and(char::is_uppercase))?;
    if let Some((_, client)) = DISTINCTIVE_TYPES.iter().find(|(name, _)| name == type_name) {
        return Some(*client);
    }
    facts.glob_imports().find_map(|glob| {
        let crate_name = glob.first()?;
        let (_, exports) = GLOB_EXPORTS.iter().find(|(name, _)| name == crate_name)?;
        if !exports.contains(&type_name.as_str()) {
            return None;
        }
        CACHE_CRATES
            .iter()
            .find(|(name, _)| name == crate_name)
            .map(|(_, client)| *client)
    })
}

/// Cache traits a generic connection may be known by (`C: AsyncCommands`).
const CACHE_TRAITS: &[(&str, Client)] = &[
    ("Commands", Client::Redis),
    ("AsyncCommands", Client::Redis),
    ("ConnectionLike", Client::Redis),
    ("KeysInterface", Client::Redis),
    ("HashesInterface", Client::Redis),
    ("Cached", Client::Cached),
    ("IOCached", Client::Cached),
    ("IOCachedAsync", Client::Cached),
];

/// The client a value known by its trait bounds is: a bound written with
/// a cache crate's path, or a cache trait the file imports from one.
fn bounds_client(facts: &FileFacts, bounds: &[Vec<Name>]) -> Option<Client> {
    bounds.iter().find_map(|bound| {
        let expanded = facts.expand_path(bound);
        let crate_client = expanded.first().and_then(|first| {
            CACHE_CRATES
                .iter()
                .find(|(name, _)| name == first)
                .map(|(_, client)| *client)
        });
        let last = expanded.last()?;
        let trait_client = CACHE_TRAITS
            .iter()
            .find(|(name, _)| name == last)
            .map(|(_, client)| *client)?;
        // `Commands` alone could be anyone's trait: it must come from a
        // cache crate, by path, `use`, or a glob import of one.
        let globbed = facts.glob_imports().any(|glob| {
            glob.first()
                .is_some_and(|c| CACHE_CRATES.iter().any(|(name, _)| name == c))
        });
        (crate_client.is_some() || globbed).then_some(trait_client)
    })
}

/// The client a type is or holds: any part of it written with a cache
/// crate's path (`r2d2::Pool<redis::Client>`, `Arc<Cache<String, V>>`).
pub fn type_client(facts: &FileFacts, ty: &TypeRef) -> Option<Client> {
    match ty {
        TypeRef::Path { segments, args } => {
            let expanded = facts.expand_path(segments);
            if expanded.last().is_some_and(|last| last == "Storage")
                && expanded.first().is_some_and(|c| c == "web_sys")
            {
                return Some(Client::WebStorage);
            }
            // Only type-looking paths: `redis::RedisResult` is not a client.
            let last = expanded.last().map_or("", Name::as_str);
            let not_a_client = matches!(
                last,
                "RedisResult" | "RedisError" | "Value" | "ErrorKind" | "Expiration"
            );
            if !not_a_client {
                if let Some(client) = path_client(facts, &expanded) {
                    return Some(client);
                }
            }
            // A collection of clients is not a client: `DashMap<String, RedisClient>::get(url)`
            // and `Vec<Connection>::get(0)` read the collection, not a cache.
            if COLLECTION_TYPES.contains(&last) {
                return None;
            }
            args.iter().find_map(|arg| type_client(facts, arg))
        }
        TypeRef::Reference(inner) => type_client(facts, inner),
        TypeRef::Tuple(items) => items.iter().find_map(|item| type_client(facts, item)),
        TypeRef::Slice(_) | TypeRef::Array(_) | TypeRef::Other => None,
    }
}

/// Collections whose methods (`get`, `insert`, `remove`) read and write the collection, even when
/// it holds cache clients.
const COLLECTION_TYPES: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "DashMap",
    "IndexMap",
    "HashSet",
    "BTreeSet",
    "DashSet",
    "IndexSet",
    "Vec",
    "VecDeque",
    "SmallVec",
    "LinkedList",
    "BinaryHeap",
    "Slab",
];

/// Redis commands that write, and the least argument count that makes them one
/// (`Cell::set(v)` is not a cache write; `con.set(k, v)` is).
const STORE_WRITES: &[(&str, usize)] = &[
    ("set", 2),
    ("set_ex", 3),
    ("setex", 3),
    ("set_nx", 2),
    ("pset_ex", 3),
    ("set_multiple", 1),
    ("mset", 1),
    ("hset", 3),
    ("hset_nx", 3),
    ("hset_multiple", 2),
    ("hdel", 2),
    ("del", 1),
    ("unlink", 1),
    ("expire", 2),
    ("incr", 2),
    ("decr", 2),
    ("lpush", 2),
    ("rpush", 2),
    ("sadd", 2),
    ("srem", 2),
    ("zadd", 3),
    ("zrem", 2),
];

/// Redis commands whose names other APIs use too (`once_cell.set(value, permit)`,
/// `bits.set(index, true)`): a write only on a handle to a store.
const GENERIC_COMMANDS: &[&str] = &["set", "set_nx", "del", "incr", "decr", "expire", "unlink"];

/// Words that name a handle to a key-value store (`conn`, `state.redis`,
/// `cache_pool`), in a receiver's path or its parameter type.
const STORE_WORDS: &[&str] = &[
    "con",
    "conn",
    "connection",
    "redis",
    "cache",
    "client",
    "pool",
    "kv",
    "store",
    "manager",
    "pipe",
    "pipeline",
    "cmd",
    "valkey",
    "memcache",
    "memcached",
];

/// Words that name a cache or a connection to one, for the methods below.
const CACHE_WORDS: &[&str] = &["cache", "redis", "conn", "connection", "con"];

/// Methods that write when called on a value named like a cache.
const CACHE_VALUE_WRITES: &[&str] = &["insert", "put", "set", "invalidate", "remove", "delete"];

/// Standard in-memory collections: a memo table typed as one is no cache.
const LOCAL_COLLECTIONS: &[&str] = &[
    "HashMap", "BTreeMap", "HashSet", "BTreeSet", "Vec", "VecDeque", "IndexMap", "IndexSet",
];

/// Whether `call` in `function` writes to a cache or key-value store, by
/// command and receiver name: for rules that count writes (work per tenant,
/// cached access checks) in code whose client types the index cannot see.
/// [`Caches`] recognises clients by type, for rules that read keys.
///
/// A write is a Redis write command with its arguments (on a store handle
/// when other APIs share the name), or `insert`/`put`/`set`/`invalidate`/
/// `remove`/`delete` on a value named like a cache or a connection, unless
/// that value is a parameter typed as a standard collection
/// (`size_cache: &mut HashMap<..>` is a memo table in this process).
pub fn writes_to_store(function: &FunctionDef, call: &CallSite) -> bool {
    let Callee::Method(name) = &call.callee else {
        return false;
    };
    let name = name.as_str();
    let receiver = call.receiver.as_deref();
    if STORE_WRITES
        .iter()
        .any(|(command, arity)| *command == name && call.args.len() >= *arity)
        && (!GENERIC_COMMANDS.contains(&name)
            || receiver.is_none_or(|receiver| is_store_handle(function, receiver)))
    {
        return true;
    }
    // The name first: asked of every method call, and few are cache writes.
    CACHE_VALUE_WRITES.contains(&name)
        && receiver
            .and_then(|receiver| receiver.place.as_ref())
            .is_some_and(|place| place.iter().any(|segment| has_word(segment, CACHE_WORDS)))
        && !receiver.is_some_and(|receiver| is_local_collection(function, receiver))
}

/// A receiver that may be a key-value store handle: its path or its
/// parameter type names one (`conn`, `state.redis`, `rcm: State<ConnectionManager>`),
/// or it is not a plain path (`pool.get().await?`), so nothing says otherwise.
fn is_store_handle(function: &FunctionDef, receiver: &ArgFact) -> bool {
    let Some(place) = receiver.place.as_deref() else {
        return true;
    };
    let names_store = |name: &str| has_word(name, STORE_WORDS);
    if place.iter().any(|segment| names_store(segment)) {
        return true;
    }
    let [name] = place else {
        return false;
    };
    function
        .params
        .iter()
        .find(|param| param.name.as_deref() == Some(name.as_str()))
        .is_some_and(|param| param.ty.any(&mut |ty| ty.name().is_some_and(&names_store)))
}

/// A plain name bound by a parameter typed as a standard in-memory collection.
fn is_local_collection(function: &FunctionDef, receiver: &ArgFact) -> bool {
    let Some([name]) = receiver.place.as_deref() else {
        return false;
    };
    function
        .params
        .iter()
        .find(|param| param.name.as_deref() == Some(name.as_str()))
        .and_then(|param| param.ty.name())
        .is_some_and(|ty| LOCAL_COLLECTIONS.contains(&ty))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::workspace;

    fn ops(source: &str) -> Vec<(String, String)> {
        let workspace = workspace(&[("src/lib.rs", source)]);
        let caches = Caches {
            workspace: &workspace,
        };
        let facts = workspace.file(0);
        facts
            .functions
            .iter()
            .flat_map(|function| caches.operations(0, function))
            .map(|op| {
                (
                    op.operation.clone(),
                    facts.text[op.key.span.range()].to_string(),
                )
            })
            .collect()
    }

    #[test]
    fn store_writes_by_command_and_receiver_name() {
        let workspace = workspace(&[(
            "src/lib.rs",
            r#"
fn f(conn: &mut Conn, cell: &OnceCell<u8>, size_cache: &mut HashMap<String, u8>, rcm: State<ConnectionManager>) {
    conn.set("k", 1);
    conn.set_ex("k", 1, 30);
    cell.set(1);
    rcm.del("k");
    state.cache.insert("k", 1);
    size_cache.insert("k".into(), 1);
    names.insert("k", 1);
    pool.get().await?.incr("k", 1);
}
"#,
        )]);
        let function = &workspace.file(0).functions[0];
        let writes: Vec<&str> = function
            .calls
            .iter()
            .filter(|call| writes_to_store(function, call))
            .map(|call| &workspace.file(0).text[call.span.range()])
            .collect();
        assert_eq!(
            writes,
            [
                "conn.set(\"k\", 1)",
                "conn.set_ex(\"k\", 1, 30)",
                "rcm.del(\"k\")",
                "state.cache.insert(\"k\", 1)",
                "pool.get().await?.incr(\"k\", 1)",
            ]
        );
    }

    #[test]
    fn finds_cache_clients_by_type_constructor_and_path() {
        let found = ops(r#"
use redis::AsyncCommands;
use moka::future::Cache;
use gloo_storage::{LocalStorage, Storage};
struct AppState { redis: deadpool_redis::Pool, sessions: Cache<String, u32>, names: std::collections::HashMap<String, String> }
async fn a(conn: &mut redis::aio::MultiplexedConnection, k: String) { let _: () = conn.set(&k, 1).await?; }
async fn b(state: State<AppState>) {
    let mut conn = state.redis.get().await?;
    conn.hset("h", "f", 1).await?;
    state.sessions.insert("s".into(), 1).await;
    state.names.get("not a cache");
}
fn c(client: &redis::Client) {
    let mut con = client.get_connection()?;
    redis::cmd("SET").arg("k1").arg(1).query(&mut con)?;
    redis::pipe().set("k2", 1).ignore().get("k3").query(&mut con)?;
    redis::cmd("PING").arg("x").query(&mut con)?;
    LocalStorage::set("theme", "dark");
    let map = std::collections::HashMap::new();
    map.insert("not", "a cache");
}
fn d() { let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap(); storage.set_item("k4", "v"); }
"#);
        let found: Vec<String> = found
            .into_iter()
            .map(|(op, key)| format!("{op} {key}"))
            .collect();
        assert_eq!(
            found,
            [
                "redis `SET` &k",
                "redis `HSET` \"h\"",
                "in-memory cache `insert` \"s\".into()",
                "redis `SET` \"k1\"",
                "redis pipeline `SET` \"k2\"",
                "redis pipeline `GET` \"k3\"",
                "browser storage `LocalStorage::set` \"theme\"",
                "browser storage `set_item` \"k4\"",
            ]
        );
    }
}
