//! The workspace call graph: call sites resolved to workspace functions.
//!
//! Path calls resolve by path (`store::list_users`, `UserStore::list`,
//! `Self::list`, a bare `list_users`); method calls by name and argument
//! count among workspace methods. A call with more than
//! [`MAX_CANDIDATES`] candidates, or to a common trait method name, resolves
//! to nothing: guessing there would spread partner context everywhere.

use crate::index::{CallSite, Callee, FunctionDef, Workspace};
use crate::names::{without_path_root, Name};
use foldhash::HashMap;
use rayon::prelude::*;

pub use crate::index::FnId;

pub const MAX_CANDIDATES: usize = 3;

/// Method names so common (mostly trait methods) that a call says nothing
/// about which function runs.
pub const COMMON_METHOD_NAMES: &[&str] = &[
    "new",
    "default",
    "from",
    "into",
    "clone",
    "fmt",
    "eq",
    "ne",
    "hash",
    "deref",
    "deref_mut",
    "drop",
    "try_from",
    "try_into",
    "as_ref",
    "as_mut",
    "borrow",
    "to_string",
    "to_owned",
    "cmp",
    "partial_cmp",
    "next",
    "poll",
    "call",
    "serialize",
    "deserialize",
    "from_str",
    "index",
    "index_mut",
    "into_iter",
    "extend",
    "write_str",
    "hash_slice",
    "with_capacity",
    "finish",
    "unwrap",
    "expect",
];

/// Edges are kept in flat tables indexed by a function's place in workspace order (file,
/// then position) rather than in a map of lists: a million-line workspace has a third of a
/// million call sites, and a list per call site cost tens of megabytes and a hash lookup
/// per question.
#[derive(Debug, Default)]
pub struct CallGraph {
    /// Where each file's functions begin in workspace order (one entry more than files).
    first_function: Vec<usize>,
    /// For each function in workspace order, where its call sites begin in `first_callee`
    /// (one entry more than functions).
    first_call: Vec<usize>,
    /// For each call site, where its resolved callees begin in `callees` (one entry more than
    /// call sites).
    first_callee: Vec<usize>,
    callees: Vec<FnId>,
    /// For each function in workspace order, where the call sites that may call it begin in
    /// `callers` (one entry more than functions).
    first_caller: Vec<usize>,
    /// (caller, call index), grouped by callee, in workspace order within a group.
    callers: Vec<(FnId, usize)>,
    lookup: FnLookup,
}

/// Workspace functions bucketed by what a call can name them by, so a call
/// looks at the few functions it could mean instead of every function of
/// that name (which grows with the workspace: each crate has its `new`,
/// `list`, `store::find`). A bucket is keyed by a hash of its key; a
/// candidate is always checked exactly, so a hash collision costs time, never
/// a wrong edge. Buckets keep workspace order (file, then position).
#[derive(Debug, Default)]
struct FnLookup {
    /// A bucket's place in `ids`, by the hash of its key.
    buckets: HashMap<u64, (u32, u32)>,
    /// Every bucket's functions, one bucket after another: one allocation, not one per
    /// bucket (a million-line workspace has about four buckets per function).
    ids: Vec<FnId>,
}

#[derive(Hash)]
enum LookupKey<'a> {
    /// Every function by name and `impl` type (`None` for free functions).
    Named(&'a str, Option<&'a str>),
    /// By name, `impl` type and the last segment of its module path.
    InModule(&'a str, Option<&'a str>, &'a str),
    /// Free functions by name and whole module path.
    Local(&'a str, &'a [Name]),
    /// Methods (with `self`) by name and parameter count.
    Method(&'a str, usize),
}

impl FnLookup {
    fn new(workspace: &Workspace) -> FnLookup {
        let mut keyed: Vec<(u64, FnId)> = Vec::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let id = FnId { file, index };
                let name = function.name.as_str();
                let impl_type = function.impl_type.as_deref();
                let mut add = |key: LookupKey<'_>| keyed.push((Self::hash(&key), id));
                add(LookupKey::Named(name, impl_type));
                if let Some(last) = function.module_path.last() {
                    add(LookupKey::InModule(name, impl_type, last));
                }
                if impl_type.is_none() {
                    add(LookupKey::Local(name, &function.module_path));
                }
                if function.has_self {
                    add(LookupKey::Method(name, function.params.len()));
                }
            }
        }
        // Stable: a bucket keeps workspace order.
        keyed.sort_by_key(|&(hash, _)| hash);
        let mut lookup = FnLookup {
            buckets: HashMap::default(),
            ids: keyed.iter().map(|&(_, id)| id).collect(),
        };
        let mut start = 0;
        for group in keyed.chunk_by(|a, b| a.0 == b.0) {
            // More than four billion functions cannot be indexed; they resolve nothing.
            if let (Ok(first), Ok(len)) = (u32::try_from(start), u32::try_from(group.len())) {
                lookup.buckets.insert(group[0].0, (first, len));
            }
            start += group.len();
        }
        lookup
    }

    fn hash(key: &LookupKey<'_>) -> u64 {
        use std::hash::BuildHasher;
        foldhash::fast::FixedState::with_seed(0).hash_one(key)
    }

    fn bucket(&self, key: LookupKey<'_>) -> &[FnId] {
        self.buckets
            .get(&Self::hash(&key))
            .and_then(|&(first, len)| {
                let first = first as usize;
                self.ids.get(first..first + len as usize)
            })
            .unwrap_or(&[])
    }

    /// Functions named `name` that `qualifier` (the path before the name) can
    /// mean, in workspace order; at most one more than [`MAX_CANDIDATES`],
    /// which is enough to tell an ambiguous call.
    fn qualified(
        &self,
        workspace: &Workspace,
        name: &str,
        qualifier: &[&str],
        caller: &FunctionDef,
    ) -> Vec<FnId> {
        let (type_name, modules) = qualifier_parts(qualifier, caller);
        let bucket = match modules.last() {
            Some(last) => self.bucket(LookupKey::InModule(name, type_name, last)),
            None => self.bucket(LookupKey::Named(name, type_name)),
        };
        bucket
            .iter()
            .filter(|id| {
                let callee = function_of(workspace, id);
                callee.name == name && qualifier_matches(callee, qualifier, caller)
            })
            .take(MAX_CANDIDATES + 1)
            .copied()
            .collect()
    }
}

fn function_of<'a>(workspace: &'a Workspace, id: &FnId) -> &'a FunctionDef {
    workspace.function(*id)
}

impl CallGraph {
    pub fn build(workspace: &Workspace) -> CallGraph {
        let lookup = FnLookup::new(workspace);
        // Resolving is per call and read-only: all cores; joining is cheap. Each file
        // gives its functions' call counts, its call sites' callee counts and the callees.
        let per_file: Vec<(Vec<usize>, Vec<usize>, Vec<FnId>)> = workspace
            .files
            .par_iter()
            .map(|facts| {
                let mut calls_per_function = Vec::with_capacity(facts.functions.len());
                let mut callees_per_call = Vec::new();
                let mut callees = Vec::new();
                for function in &facts.functions {
                    calls_per_function.push(function.calls.len());
                    for call in &function.calls {
                        let resolved = resolve(workspace, &lookup, function, call);
                        callees_per_call.push(resolved.len());
                        callees.extend(resolved);
                    }
                }
                (calls_per_function, callees_per_call, callees)
            })
            .collect();
        let functions: usize = per_file
            .iter()
            .map(|(per_function, _, _)| per_function.len())
            .sum();
        let calls: usize = per_file.iter().map(|(_, per_call, _)| per_call.len()).sum();
        let edges: usize = per_file.iter().map(|(_, _, callees)| callees.len()).sum();
        let mut graph = CallGraph {
            first_function: Vec::with_capacity(per_file.len() + 1),
            first_call: Vec::with_capacity(functions + 1),
            first_callee: Vec::with_capacity(calls + 1),
            callees: Vec::with_capacity(edges),
            lookup,
            ..CallGraph::default()
        };
        graph.first_function.push(0);
        graph.first_call.push(0);
        graph.first_callee.push(0);
        for (calls_per_function, callees_per_call, callees) in per_file {
            for count in calls_per_function {
                graph
                    .first_call
                    .push(graph.first_call.last().copied().unwrap_or(0) + count);
            }
            graph.first_function.push(graph.first_call.len() - 1);
            for count in callees_per_call {
                graph
                    .first_callee
                    .push(graph.first_callee.last().copied().unwrap_or(0) + count);
            }
            graph.callees.extend(callees);
        }
        graph.index_callers(workspace);
        graph
    }

    /// Fills `callers` from `callees`: counted, then placed, so each callee's callers
    /// stay in workspace order.
    fn index_callers(&mut self, workspace: &Workspace) {
        let functions = self.first_call.len().saturating_sub(1);
        let mut counts = vec![0usize; functions + 1];
        for callee in &self.callees {
            if let Some(slot) = self.slot(*callee) {
                counts[slot + 1] += 1;
            }
        }
        for slot in 1..counts.len() {
            counts[slot] += counts[slot - 1];
        }
        let mut next = counts.clone();
        let mut callers = vec![(FnId { file: 0, index: 0 }, 0); counts[functions]];
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let caller = FnId { file, index };
                for call_index in 0..function.calls.len() {
                    for callee in self.callees(caller, call_index) {
                        if let Some(slot) = self.slot(*callee) {
                            callers[next[slot]] = (caller, call_index);
                            next[slot] += 1;
                        }
                    }
                }
            }
        }
        self.first_caller = counts;
        self.callers = callers;
    }

    /// A function's place in workspace order, if the graph knows it.
    fn slot(&self, function: FnId) -> Option<usize> {
        let first = *self.first_function.get(function.file)?;
        let end = *self.first_function.get(function.file + 1)?;
        let slot = first.checked_add(function.index)?;
        (slot < end).then_some(slot)
    }

    /// The workspace functions a call site may run (empty when unresolved or ambiguous).
    pub fn callees(&self, function: FnId, call_index: usize) -> &[FnId] {
        let Some(slot) = self.slot(function) else {
            return &[];
        };
        let (first, end) = (self.first_call[slot], self.first_call[slot + 1]);
        let Some(call) = first.checked_add(call_index).filter(|&call| call < end) else {
            return &[];
        };
        &self.callees[self.first_callee[call]..self.first_callee[call + 1]]
    }

    /// The workspace functions whose signature a call site binds its
    /// arguments to: the resolved callees, or, for a call through an
    /// explicit type (`UsageRecord::new(..)`, `Self::new(..)`) whose name is
    /// too common to pass partner context on, that type's functions of that
    /// name. Reading a signature spreads nothing, so the common-name rule
    /// does not apply; at most [`MAX_CANDIDATES`] still do.
    pub fn signature_candidates(
        &self,
        workspace: &Workspace,
        function: FnId,
        call_index: usize,
    ) -> Vec<FnId> {
        let resolved = self.callees(function, call_index);
        if !resolved.is_empty() {
            return resolved.to_vec();
        }
        let Some(caller) = workspace.get_function(function) else {
            return Vec::new();
        };
        let Some(Callee::Path(segments)) = caller.calls.get(call_index).map(|call| &call.callee)
        else {
            return Vec::new();
        };
        let segments = path_segments(segments);
        let Some((name, qualifier)) = segments.split_last() else {
            return Vec::new();
        };
        let typed = qualifier.last().is_some_and(|last| {
            *last == "Self" || last.chars().next().is_some_and(char::is_uppercase)
        });
        if !typed || !COMMON_METHOD_NAMES.contains(name) {
            return Vec::new();
        }
        let candidates = self.lookup.qualified(workspace, name, qualifier, caller);
        if candidates.len() > MAX_CANDIDATES {
            Vec::new()
        } else {
            candidates
        }
    }

    /// Every call site that may call `function`.
    pub fn callers(&self, function: FnId) -> &[(FnId, usize)] {
        match self.slot(function) {
            Some(slot) => &self.callers[self.first_caller[slot]..self.first_caller[slot + 1]],
            None => &[],
        }
    }
}

fn resolve(
    workspace: &Workspace,
    lookup: &FnLookup,
    caller: &FunctionDef,
    call: &CallSite,
) -> Vec<FnId> {
    let candidates: Vec<FnId> = match &call.callee {
        Callee::Macro(_) => return Vec::new(),
        Callee::Method(name) => {
            if COMMON_METHOD_NAMES.contains(&name.as_str()) {
                return Vec::new();
            }
            let receiver = receiver_type(workspace, caller, call);
            if let ReceiverType::Foreign = receiver {
                return Vec::new();
            }
            let by_name = || {
                lookup
                    .bucket(LookupKey::Method(name, call.args.len()))
                    .iter()
                    .filter(|id| {
                        let callee = function_of(workspace, id);
                        callee.name == *name
                            && callee.has_self
                            && callee.params.len() == call.args.len()
                    })
                    .copied()
            };
            let own: Vec<FnId> = match &receiver {
                ReceiverType::Workspace(ty) => by_name()
                    .filter(|id| {
                        function_of(workspace, id).impl_type.as_deref() == Some(ty.as_str())
                    })
                    .take(MAX_CANDIDATES + 1)
                    .collect(),
                _ => Vec::new(),
            };
            // A type whose own methods do not include it may get it from a trait's
            // default body: then the name decides, as for an unknown receiver.
            if own.is_empty() {
                by_name().take(MAX_CANDIDATES + 1).collect()
            } else {
                own
            }
        }
        Callee::Path(segments) => {
            // Most path calls are constructors and conversions (`Vec::new`, `String::from`):
            // answered by the name alone, before the path is copied.
            if COMMON_METHOD_NAMES.contains(&call.name()) {
                return Vec::new();
            }
            let segments = path_segments(segments);
            let Some((name, qualifier)) = segments.split_last() else {
                return Vec::new();
            };
            if qualifier.is_empty() {
                // A bare name means a function in scope: prefer the caller's module.
                let local: Vec<FnId> = lookup
                    .bucket(LookupKey::Local(name, &caller.module_path))
                    .iter()
                    .filter(|id| {
                        let callee = function_of(workspace, id);
                        callee.name == *name
                            && callee.impl_type.is_none()
                            && callee.module_path == caller.module_path
                    })
                    .take(MAX_CANDIDATES + 1)
                    .copied()
                    .collect();
                if local.is_empty() {
                    lookup.qualified(workspace, name, qualifier, caller)
                } else {
                    local
                }
            } else {
                lookup.qualified(workspace, name, qualifier, caller)
            }
        }
    };
    if candidates.len() > MAX_CANDIDATES {
        Vec::new()
    } else {
        candidates
    }
}

/// A called path's segments as text, without its root (`crate::`, `self::`, `super::`).
fn path_segments(segments: &[Name]) -> Vec<&str> {
    without_path_root(segments)
        .iter()
        .map(Name::as_str)
        .collect()
}

/// What a method call's receiver is known to be (RULES.md R5).
enum ReceiverType {
    /// A type the workspace declares: only its methods are candidates.
    Workspace(String),
    /// A type from outside the workspace (`HashMap`, `serde_json::Map`, a `PgPool`): no
    /// workspace method runs.
    Foreign,
    /// Not known (a chain's result, a generic, an alias): name and argument count decide.
    Unknown,
}

/// Types from outside the workspace that receivers commonly have, whose methods share
/// names with workspace methods (`insert`, `execute`, `label`).
const FOREIGN_TYPES: &[&str] = &[
    "HashMap",
    "BTreeMap",
    "HashSet",
    "BTreeSet",
    "IndexMap",
    "IndexSet",
    "Vec",
    "VecDeque",
    "String",
    "Map",
    "Value",
    "PgPool",
    "MySqlPool",
    "SqlitePool",
    "AnyPool",
    "Pool",
    "PgConnection",
    "MySqlConnection",
    "SqliteConnection",
    "DatabaseConnection",
    "DatabaseTransaction",
    "Transaction",
    "Formatter",
];

/// The receiver's type when the caller shows it: `self` (the `impl` type), a field of
/// `self` (the field's declared type), or a typed parameter, through references and
/// single-value wrappers (`&`, `Arc`, `State`, `Extension`, `Mutex`).
fn receiver_type(workspace: &Workspace, caller: &FunctionDef, call: &CallSite) -> ReceiverType {
    let Some(place) = call
        .receiver
        .as_ref()
        .and_then(|receiver| receiver.place.as_deref())
    else {
        return ReceiverType::Unknown;
    };
    let named = |ty: &crate::index::TypeRef| -> ReceiverType {
        let held = ty.held();
        let Some(name) = held.name() else {
            return ReceiverType::Unknown;
        };
        if workspace.types_named(name).next().is_some() {
            ReceiverType::Workspace(name.to_string())
        } else if FOREIGN_TYPES.contains(&name) {
            ReceiverType::Foreign
        } else {
            ReceiverType::Unknown
        }
    };
    match place {
        [receiver] if receiver.as_str() == "self" => match &caller.impl_type {
            Some(owner) if workspace.types_named(owner).next().is_some() => {
                ReceiverType::Workspace(owner.to_string())
            }
            _ => ReceiverType::Unknown,
        },
        [receiver, field] if receiver.as_str() == "self" => {
            let Some(owner) = &caller.impl_type else {
                return ReceiverType::Unknown;
            };
            let declared: Vec<&crate::index::TypeRef> = workspace
                .types_named(owner)
                .flat_map(|def| def.fields.iter())
                .filter(|declared| declared.name.as_deref() == Some(field.as_str()))
                .map(|declared| &declared.ty)
                .collect();
            match declared.as_slice() {
                [ty] => named(ty),
                _ => ReceiverType::Unknown,
            }
        }
        [receiver] => {
            let params: Vec<&crate::index::Param> = caller
                .params
                .iter()
                .filter(|param| param.name.as_ref() == Some(receiver))
                .collect();
            match params.as_slice() {
                // A generic or `impl Trait` parameter is known by its bounds only, and a
                // `let` of the same name before the call shadows the parameter.
                [param]
                    if param.bounds.is_empty()
                        && caller.binding_before(receiver, call.span.start).is_none() =>
                {
                    named(&param.ty)
                }
                _ => ReceiverType::Unknown,
            }
        }
        _ => ReceiverType::Unknown,
    }
}

/// The type and the module segments a qualifier names: `store::UserStore` →
/// (`UserStore`, `store`), `Self` → the caller's `impl` type, `store` → (none, `store`).
fn qualifier_parts<'q>(
    qualifier: &'q [&'q str],
    caller: &'q FunctionDef,
) -> (Option<&'q str>, &'q [&'q str]) {
    let Some((last, modules)) = qualifier.split_last() else {
        return (None, qualifier);
    };
    if *last == "Self" {
        (caller.impl_type.as_deref(), modules)
    } else if last.chars().next().is_some_and(char::is_uppercase) {
        (Some(*last), modules)
    } else {
        (None, qualifier)
    }
}

/// Whether `store::UserStore` (the path before the name) can name where `callee` lives.
fn qualifier_matches(callee: &FunctionDef, qualifier: &[&str], caller: &FunctionDef) -> bool {
    let Some((last, modules)) = qualifier.split_last() else {
        // `f(..)` calls a free function, not a method.
        return callee.impl_type.is_none();
    };
    let (type_name, modules) = if *last == "Self" {
        (caller.impl_type.as_deref(), modules)
    } else if last.chars().next().is_some_and(char::is_uppercase) {
        (Some(*last), modules)
    } else {
        (None, qualifier)
    };
    if callee.impl_type.as_deref() != type_name {
        return false;
    }
    // Module segments must be a suffix of the callee's module path.
    callee.module_path.len() >= modules.len()
        && callee.module_path[callee.module_path.len() - modules.len()..]
            .iter()
            .zip(modules)
            .all(|(a, b)| a == b)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn graph(files: &[(&str, &str)]) -> (Workspace, CallGraph) {
        let workspace = crate::testing::workspace(files);
        let graph = CallGraph::build(&workspace);
        (workspace, graph)
    }

    fn callee_names(
        workspace: &Workspace,
        graph: &CallGraph,
        file: usize,
        function: &str,
    ) -> Vec<Vec<String>> {
        let index = workspace.files[file]
            .functions
            .iter()
            .position(|f| f.name == function)
            .unwrap();
        let id = FnId { file, index };
        (0..workspace.files[file].functions[index].calls.len())
            .map(|call| {
                graph
                    .callees(id, call)
                    .iter()
                    .map(|callee| {
                        let f = workspace.function(*callee);
                        let mut path = f.module_path.clone();
                        path.extend(f.impl_type.clone());
                        path.push(f.name.clone());
                        path.join("::")
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn methods_resolve_by_the_receivers_type_where_it_is_known() {
        let (workspace, graph) = graph(&[
            (
                "src/api.rs",
                r#"pub struct Api { index: HashMap<String, u32>, store: Arc<UserStore> }
impl Api {
    fn run(&self, map: &mut serde_json::Map<String, Value>, users: State<UserStore>, item: &Item, other: T) {
        self.label(1);
        self.store.label(1);
        self.index.insert(1, 2);
        map.insert(1, 2);
        users.label(1);
        item.label(1);
        other.label(1);
        self.name(1);
    }
    fn label(&self, n: u8) {}
}
pub struct Item;
impl Item { fn label(&self, n: u8) {} }
"#,
            ),
            (
                "src/store.rs",
                "pub struct UserStore;\nimpl UserStore { pub fn label(&self, n: u8) {} }\npub struct Audit;\nimpl Audit { pub fn insert(&self, a: u8, b: u8) {} }\npub trait Named { fn name(&self, n: u8) {} }\n",
            ),
        ]);
        assert_eq!(
            callee_names(&workspace, &graph, 0, "run"),
            [
                // `self`: the impl type's own method.
                vec!["api::Api::label".to_string()],
                // A field of `self` through `Arc`: the field's type.
                vec!["store::UserStore::label".to_string()],
                // A standard map's `insert` is none of the workspace's.
                vec![],
                vec![],
                // A parameter through `State<…>`, and through `&`.
                vec!["store::UserStore::label".to_string()],
                vec!["api::Item::label".to_string()],
                // An unknown type: every `label` with that arity (three).
                vec![
                    "api::Api::label".to_string(),
                    "api::Item::label".to_string(),
                    "store::UserStore::label".to_string(),
                ],
                // The type has no such method of its own: a trait default, by name.
                vec!["store::name".to_string()],
            ]
        );
    }

    #[test]
    fn resolves_paths_methods_and_self() {
        let (workspace, graph) = graph(&[
            (
                "src/partner/handlers.rs",
                "async fn list(s: &Store) { store::list_users(1); UserStore::find(2); s.load_all(1, 2); helper(); Vec::new(); x.clone(); }\nfn helper() {}",
            ),
            ("src/store.rs", "pub fn list_users(t: u32) {}\npub struct UserStore;\nimpl UserStore { pub fn find(id: u32) { Self::load(id) } fn load(id: u32) {} pub fn load_all(&self, a: u32, b: u32) {} }"),
        ]);
        assert_eq!(
            callee_names(&workspace, &graph, 0, "list"),
            [
                vec!["store::list_users".to_string()],
                vec!["store::UserStore::find".to_string()],
                vec!["store::UserStore::load_all".to_string()],
                vec!["partner::handlers::helper".to_string()],
                vec![],
                vec![],
            ]
        );
        assert_eq!(
            callee_names(&workspace, &graph, 1, "find"),
            [vec!["store::UserStore::load".to_string()]]
        );
    }

    #[test]
    fn method_calls_need_the_same_argument_count_and_at_most_three_candidates() {
        let impls: String = (0..4)
            .map(|i| format!("struct T{i}; impl T{i} {{ fn sync(&self, a: u8) {{}} }}\n"))
            .collect();
        let (workspace, graph) = graph(&[(
            "src/a.rs",
            &format!("fn f() {{ x.sync(1); x.sync(); }}\n{impls}"),
        )]);
        assert_eq!(
            callee_names(&workspace, &graph, 0, "f"),
            [Vec::<String>::new(), vec![]]
        );
    }

    #[test]
    fn callers_in_workspace_order_and_unknown_places_have_none() {
        let (workspace, graph) = graph(&[
            (
                "src/a.rs",
                "fn first() { store::save(1); noop(); store::save(2); }\nfn noop() {}",
            ),
            ("src/store.rs", "pub fn save(n: u8) {}\nfn unused() {}"),
            ("src/b.rs", "fn second() { store::save(3); }"),
        ]);
        let id = |file: usize, name: &str| FnId {
            file,
            index: workspace.files[file]
                .functions
                .iter()
                .position(|f| f.name == name)
                .unwrap(),
        };
        let (first, noop, save, unused, second) = (
            id(0, "first"),
            id(0, "noop"),
            id(1, "save"),
            id(1, "unused"),
            id(2, "second"),
        );
        assert_eq!(graph.callers(save), [(first, 0), (first, 2), (second, 0)]);
        assert_eq!(graph.callers(noop), [(first, 1)]);
        assert_eq!(graph.callers(unused), []);
        assert_eq!(graph.callers(first), []);
        assert_eq!(graph.callees(first, 1), [noop]);
        // A call index, function or file the workspace does not have: no edges, no panic.
        assert_eq!(graph.callees(first, 3), []);
        assert_eq!(graph.callees(FnId { file: 1, index: 2 }, 0), []);
        assert_eq!(graph.callees(FnId { file: 3, index: 0 }, 0), []);
        assert_eq!(graph.callers(FnId { file: 0, index: 9 }), []);
        assert_eq!(CallGraph::default().callers(first), []);
        assert_eq!(CallGraph::default().callees(first, 0), []);
    }
}
