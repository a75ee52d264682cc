//! The workspace call graph: call sites resolved to workspace functions.
//!
//! Path calls resolve by path (`store::list_users`, `UserStore::list`,
//! `Self::list`, a bare `list_users`); method calls by name and argument
//! count among workspace methods. A call with more than
//! [`MAX_CANDIDATES`] candidates, or to a common trait method name, resolves
//! to nothing: guessing there would spread partner context everywhere.

use crate::diagnostic::FileId;
use crate::index::{CallSite, Callee, FunctionDef, Workspace};
use std::collections::HashMap;

/// A function of the workspace: its file and index in that file's functions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FnId {
    pub file: FileId,
    pub index: usize,
}

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

#[derive(Debug, Default)]
pub struct CallGraph {
    /// For each function, the resolved callees of each of its call sites (same order as `calls`).
    callees: HashMap<FnId, Vec<Vec<FnId>>>,
    /// For each function, the call sites that call it: (caller, call index).
    callers: HashMap<FnId, Vec<(FnId, usize)>>,
}

impl CallGraph {
    pub fn build(workspace: &Workspace) -> CallGraph {
        let mut by_name: HashMap<&str, Vec<FnId>> = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                by_name
                    .entry(function.name.as_str())
                    .or_default()
                    .push(FnId { file, index });
            }
        }
        let mut graph = CallGraph::default();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let caller = FnId { file, index };
                let resolved: Vec<Vec<FnId>> = function
                    .calls
                    .iter()
                    .map(|call| resolve(workspace, &by_name, function, call))
                    .collect();
                for (call_index, callees) in resolved.iter().enumerate() {
                    for callee in callees {
                        graph
                            .callers
                            .entry(*callee)
                            .or_default()
                            .push((caller, call_index));
                    }
                }
                graph.callees.insert(caller, resolved);
            }
        }
        graph
    }

    /// The workspace functions a call site may run (empty when unresolved or ambiguous).
    pub fn callees(&self, function: FnId, call_index: usize) -> &[FnId] {
        self.callees
            .get(&function)
            .and_then(|calls| calls.get(call_index))
            .map_or(&[], Vec::as_slice)
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
        let Some(caller) = workspace
            .files
            .get(function.file)
            .and_then(|facts| facts.functions.get(function.index))
        else {
            return Vec::new();
        };
        let Some(Callee::Path(segments)) = caller.calls.get(call_index).map(|call| &call.callee)
        else {
            return Vec::new();
        };
        let segments: Vec<&str> = segments
            .iter()
            .map(String::as_str)
            .skip_while(|segment| matches!(*segment, "crate" | "self" | "super"))
            .collect();
        let Some((name, qualifier)) = segments.split_last() else {
            return Vec::new();
        };
        let typed = qualifier.last().is_some_and(|last| {
            *last == "Self" || last.chars().next().is_some_and(char::is_uppercase)
        });
        if !typed || !COMMON_METHOD_NAMES.contains(name) {
            return Vec::new();
        }
        let candidates: Vec<FnId> = workspace
            .files
            .iter()
            .enumerate()
            .flat_map(|(file, facts)| {
                facts
                    .functions
                    .iter()
                    .enumerate()
                    .filter(|(_, callee)| {
                        callee.name == *name && qualifier_matches(callee, qualifier, caller)
                    })
                    .map(move |(index, _)| FnId { file, index })
            })
            .collect();
        if candidates.len() > MAX_CANDIDATES {
            Vec::new()
        } else {
            candidates
        }
    }

    /// Every call site that may call `function`.
    pub fn callers(&self, function: FnId) -> &[(FnId, usize)] {
        self.callers.get(&function).map_or(&[], Vec::as_slice)
    }
}

fn resolve(
    workspace: &Workspace,
    by_name: &HashMap<&str, Vec<FnId>>,
    caller: &FunctionDef,
    call: &CallSite,
) -> Vec<FnId> {
    let function = |id: &FnId| &workspace.files[id.file].functions[id.index];
    let candidates: Vec<FnId> = match &call.callee {
        Callee::Macro(_) => return Vec::new(),
        Callee::Method(name) => {
            if COMMON_METHOD_NAMES.contains(&name.as_str()) {
                return Vec::new();
            }
            by_name
                .get(name.as_str())
                .into_iter()
                .flatten()
                .filter(|id| {
                    let callee = function(id);
                    callee.has_self && callee.params.len() == call.args.len()
                })
                .copied()
                .collect()
        }
        Callee::Path(segments) => {
            let segments: Vec<&str> = segments
                .iter()
                .map(String::as_str)
                .skip_while(|segment| matches!(*segment, "crate" | "self" | "super"))
                .collect();
            let Some((name, qualifier)) = segments.split_last() else {
                return Vec::new();
            };
            if COMMON_METHOD_NAMES.contains(name) {
                return Vec::new();
            }
            let all: Vec<FnId> = by_name
                .get(name)
                .into_iter()
                .flatten()
                .filter(|id| qualifier_matches(function(id), qualifier, caller))
                .copied()
                .collect();
            if qualifier.is_empty() {
                // A bare name means a function in scope: prefer the caller's module.
                let local: Vec<FnId> = all
                    .iter()
                    .filter(|id| function(id).module_path == caller.module_path)
                    .copied()
                    .collect();
                if local.is_empty() {
                    all
                } else {
                    local
                }
            } else {
                all
            }
        }
    };
    if candidates.len() > MAX_CANDIDATES {
        Vec::new()
    } else {
        candidates
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
                        let f = &workspace.files[callee.file].functions[callee.index];
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
}
