//! Handlers routed for HTTP `DELETE`: axum `delete(h)` method routers (also
//! `.route(path, delete(h))` and `get(a).delete(h)`), and actix
//! `web::delete().to(h)`. The handler named in the router is resolved to
//! workspace functions by name and path.

use super::callgraph::{FnId, MAX_CANDIDATES};
use crate::diagnostic::Location;
use crate::index::{ArgFact, CallSite, Callee, FunctionDef, Workspace};
use crate::names::Name;
use foldhash::{HashMap, HashMapExt as _};

#[derive(Debug, Default)]
pub struct DeleteRoutes {
    /// Each routed handler and where it is routed (the `delete` name).
    handlers: HashMap<FnId, Location>,
}

impl DeleteRoutes {
    pub fn build(workspace: &Workspace) -> DeleteRoutes {
        let mut by_name: HashMap<&str, Vec<FnId>> = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                by_name
                    .entry(function.name.as_str())
                    .or_default()
                    .push(FnId { file, index });
            }
        }
        let mut handlers = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for function in &facts.functions {
                for call in &function.calls {
                    let handler = match (&call.callee, call.args.as_slice()) {
                        // `delete(h)`, `routing::delete(h)`, `get(a).delete(h)`.
                        (Callee::Path(_), [handler]) if call.name() == "delete" => handler,
                        (Callee::Method(name), [handler])
                            if name == "delete"
                                && receiver_has(function, call.receiver.as_deref(), &|inner| {
                                    ROUTER_CALLS.contains(&inner.name())
                                }) =>
                        {
                            handler
                        }
                        // actix: `web::delete().to(h)`.
                        (Callee::Method(name), [handler])
                            if name == "to"
                                && receiver_has(function, call.receiver.as_deref(), &|inner| {
                                    inner.args.is_empty()
                                        && matches!(inner.callee, Callee::Path(_))
                                        && inner.name() == "delete"
                                }) =>
                        {
                            handler
                        }
                        _ => continue,
                    };
                    for id in resolve(workspace, &by_name, handler) {
                        handlers.entry(id).or_insert(Location {
                            file,
                            span: call.name_span,
                        });
                    }
                }
            }
        }
        DeleteRoutes { handlers }
    }

    /// Where `function` is routed for `DELETE`, if it is.
    pub fn route_of(&self, function: FnId) -> Option<Location> {
        self.handlers.get(&function).copied()
    }
}

/// Method-router constructors and methods a `.delete(h)` chains onto.
const ROUTER_CALLS: &[&str] = &[
    "get", "post", "put", "patch", "head", "options", "trace", "any", "on", "delete",
];

/// Whether a call inside a method call's receiver matches `wanted`.
fn receiver_has(
    function: &FunctionDef,
    receiver: Option<&ArgFact>,
    wanted: &dyn Fn(&CallSite) -> bool,
) -> bool {
    let Some(receiver) = receiver else {
        return false;
    };
    function.calls.iter().any(|inner| {
        receiver.span.start <= inner.span.start
            && inner.span.end <= receiver.span.end
            && wanted(inner)
    })
}

/// The workspace functions a handler path names: by last segment, with the
/// segment before it (a module or `impl` type) when written.
fn resolve(
    workspace: &Workspace,
    by_name: &HashMap<&str, Vec<FnId>>,
    handler: &ArgFact,
) -> Vec<FnId> {
    let Some((name, qualifier)) = handler.place.as_deref().and_then(<[Name]>::split_last) else {
        return Vec::new();
    };
    let candidates: Vec<FnId> = by_name
        .get(name.as_str())
        .into_iter()
        .flatten()
        .copied()
        .filter(|id| {
            let Some(def) = workspace
                .files
                .get(id.file)
                .and_then(|facts| facts.functions.get(id.index))
            else {
                return false;
            };
            match qualifier.last().map(Name::as_str) {
                None | Some("self" | "super" | "crate") => true,
                Some("Self") => def.impl_type.is_some(),
                Some(last) => {
                    def.impl_type.as_deref() == Some(last)
                        || def.module_path.last().map(Name::as_str) == Some(last)
                }
            }
        })
        .collect();
    if candidates.len() > MAX_CANDIDATES {
        Vec::new()
    } else {
        candidates
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axum_and_actix_delete_routes() {
        let workspace = crate::testing::workspace(&[
            (
                "src/main.rs",
                r#"
fn app() -> Router {
    Router::new()
        .route("/a", delete(partner::remove_a))
        .route("/b", get(partner::show_b).delete(partner::remove_b))
        .route("/c", axum::routing::delete(drop_c));
    App::new().service(web::resource("/d").route(web::delete().to(remove_d)));
    cache.delete(key);
}
fn drop_c() {}
fn remove_d() {}
"#,
            ),
            (
                "src/partner/mod.rs",
                "pub fn remove_a() {} pub fn remove_b() {} pub fn show_b() {} pub fn key() {}",
            ),
        ]);
        let routes = DeleteRoutes::build(&workspace);
        let mut routed: Vec<String> = routes
            .handlers
            .keys()
            .map(|id| workspace.function(*id).name.to_string())
            .collect();
        routed.sort();
        // `cache.delete(key)` is no router, whatever `key` names.
        assert_eq!(routed, ["drop_c", "remove_a", "remove_b", "remove_d"]);
    }
}
