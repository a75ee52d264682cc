//! Handlers a guard runs before on entry (RULES.md R13): the framework calls them only after
//! middleware or an extractor that calls a guard and rejects the request when it fails.
//!
//! - A route layer: axum `.layer(..)`/`.route_layer(..)` of `from_fn(f)`,
//!   `from_fn_with_state(s, f)` or `from_extractor::<T>()` wraps the routes added before it
//!   in the same chain, those of routers it nested or merged before it included; actix
//!   `.wrap(from_fn(f))` wraps every route of its app, scope or resource. Routers are
//!   followed through functions that build them (`.nest("/p", partner_routes())`), local
//!   variables and `.configure(f)`. A handler counts as guarded when every route that names
//!   it is wrapped so: a route outside the layer is a way in without the guard.
//! - A tonic interceptor: `XServer::with_interceptor(svc, f)` guards the methods of the
//!   service's `impl X for …`.
//! - An extractor: a function taking a `T` (not `Option<T>`) whose `FromRequestParts` or
//!   `FromRequest` implementation guards.
//!
//! Middleware, interceptors and extractors guard when a guard call (or a callee that checks
//! on entry) runs unconditionally in them and its failure leaves the function
//! ([`crate::index::CallSite::exits_on_failure`]): a check whose result is dropped, or only
//! logged, lets every request through. A middleware function from outside the workspace
//! guards when it is named like a guard.

use super::callgraph::{FnId, MAX_CANDIDATES};
use super::checks::Checks;
use crate::index::routers::{HandlerRef, Middleware, RouterChain, RouterSource, StepKind};
use crate::index::{BlockKind, CallSite, FunctionDef, Workspace};
use crate::names::Name;
use foldhash::{HashMap, HashMapExt as _, HashSet, HashSetExt as _};

/// How deep routers are followed through the routers and functions that build them.
const MAX_DEPTH: usize = 8;

/// Traits whose implementation turns a request into an extractor value.
const EXTRACTOR_TRAITS: &[&str] = &["FromRequestParts", "FromRequest"];
const EXTRACTOR_METHODS: &[&str] = &["from_request_parts", "from_request"];

/// What runs the guard before a handler.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EntryGuard {
    /// Middleware wrapped around every route of the handler: the middleware's name.
    Layer(Name),
    /// A tonic interceptor: the interceptor's name.
    Interceptor(Name),
    /// An extractor the handler takes: its type.
    Extractor(Name),
}

/// Handlers a guard runs before whenever the framework calls them.
#[derive(Debug, Default)]
pub struct EntryGuards {
    guarded: HashMap<FnId, EntryGuard>,
}

impl EntryGuards {
    /// `is_guard` tells a guard call in a function; `named_like_guard` a guard from outside
    /// the workspace by its name.
    pub fn build(
        workspace: &Workspace,
        checks: &Checks<'_>,
        is_guard: &dyn Fn(FnId, &CallSite) -> bool,
        named_like_guard: &dyn Fn(&str) -> bool,
    ) -> EntryGuards {
        let lookup = Lookup::new(workspace);
        let mut gates = Gates {
            checks,
            is_guard,
            named_like_guard,
            lookup: &lookup,
            functions: HashMap::new(),
            extractors: HashMap::new(),
        };
        let mut guarded = HashMap::new();
        // Extractors: every function that takes one.
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let taken = function.params.iter().find_map(|param| {
                    let name = param.ty.name()?;
                    (!is_primitive(name) && gates.extractor(name)).then(|| Name::from(name))
                });
                if let Some(type_name) = taken {
                    guarded.insert(FnId { file, index }, EntryGuard::Extractor(type_name));
                }
            }
        }
        // Routes: a handler is guarded when every route to it is.
        let routes = Routes::build(workspace, &lookup, &mut gates);
        for (handler, guard) in routes.guarded_everywhere() {
            guarded.entry(handler).or_insert(guard);
        }
        // Tonic services behind an interceptor that guards.
        for (file, facts) in workspace.files.iter().enumerate() {
            for interception in &facts.routers.interceptions {
                let Some(guard) = gates.middleware(file, &interception.interceptor) else {
                    continue;
                };
                let Some(trait_name) = interception.server.strip_suffix("Server") else {
                    continue;
                };
                for id in lookup.trait_methods(trait_name, interception.service.as_deref()) {
                    guarded
                        .entry(id)
                        .or_insert(EntryGuard::Interceptor(guard.clone()));
                }
            }
        }
        EntryGuards { guarded }
    }

    /// What guards `function` on entry, if anything does.
    pub fn guard_of(&self, function: FnId) -> Option<&EntryGuard> {
        self.guarded.get(&function)
    }

    pub fn is_guarded(&self, function: FnId) -> bool {
        self.guarded.contains_key(&function)
    }
}

/// Types no extractor implementation is looked up for.
fn is_primitive(name: &str) -> bool {
    matches!(
        name,
        "str" | "String" | "bool" | "u8" | "u16" | "u32" | "u64" | "usize" | "i32" | "i64" | "Uuid"
    )
}

/// Workspace functions by name, and extractor implementations by type.
struct Lookup<'a> {
    workspace: &'a Workspace,
    by_name: HashMap<&'a str, Vec<FnId>>,
    extractor_impls: HashMap<&'a str, Vec<FnId>>,
    by_trait: HashMap<&'a str, Vec<FnId>>,
}

impl<'a> Lookup<'a> {
    fn new(workspace: &'a Workspace) -> Lookup<'a> {
        let mut by_name: HashMap<&str, Vec<FnId>> = HashMap::new();
        let mut extractor_impls: HashMap<&str, Vec<FnId>> = HashMap::new();
        let mut by_trait: HashMap<&str, Vec<FnId>> = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, function) in facts.functions.iter().enumerate() {
                let id = FnId { file, index };
                by_name.entry(function.name.as_str()).or_default().push(id);
                if let (Some(trait_name), Some(impl_type)) = (
                    function.trait_name.as_deref(),
                    function.impl_type.as_deref(),
                ) {
                    by_trait.entry(trait_name).or_default().push(id);
                    if EXTRACTOR_TRAITS.contains(&trait_name)
                        && EXTRACTOR_METHODS.contains(&function.name.as_str())
                    {
                        extractor_impls.entry(impl_type).or_default().push(id);
                    }
                }
            }
        }
        Lookup {
            workspace,
            by_name,
            extractor_impls,
            by_trait,
        }
    }

    fn def(&self, id: FnId) -> Option<&'a FunctionDef> {
        self.workspace
            .files
            .get(id.file)
            .and_then(|facts| facts.functions.get(id.index))
    }

    /// The workspace functions a path written in `file` names: by its last segment, with
    /// the segment before it (a module or `impl` type), through the file's imports.
    fn functions(&self, file: usize, path: &[Name]) -> Vec<FnId> {
        let expanded = match self.workspace.files.get(file) {
            Some(facts) => facts.expand_path(path),
            None => path.to_vec(),
        };
        let Some((name, qualifier)) = expanded.split_last() else {
            return Vec::new();
        };
        let candidates: Vec<FnId> = self
            .by_name
            .get(name.as_str())
            .into_iter()
            .flatten()
            .copied()
            .filter(|&id| {
                let Some(def) = self.def(id) else {
                    return false;
                };
                match qualifier.last().map(Name::as_str) {
                    None | Some("self" | "super" | "crate") => def.impl_type.is_none(),
                    Some("Self") => def.impl_type.is_some(),
                    Some(last) => {
                        def.impl_type.as_deref() == Some(last)
                            || (def.impl_type.is_none()
                                && def.module_path.last().map(Name::as_str) == Some(last))
                    }
                }
            })
            .collect();
        // A bare name means the file's own function when it has one.
        let local: Vec<FnId> = candidates
            .iter()
            .copied()
            .filter(|id| id.file == file)
            .collect();
        if qualifier.is_empty() && !local.is_empty() {
            local
        } else if candidates.len() > MAX_CANDIDATES {
            Vec::new()
        } else {
            candidates
        }
    }

    /// Methods of `impl Trait for Service`. When the service is not known, the trait's
    /// only implementation, if it has one: with several, which one is served is not known.
    fn trait_methods(&self, trait_name: &str, service: Option<&str>) -> Vec<FnId> {
        let methods: Vec<FnId> = self
            .by_trait
            .get(trait_name)
            .into_iter()
            .flatten()
            .copied()
            .filter(|&id| {
                service.is_none_or(|service| {
                    self.def(id)
                        .is_some_and(|def| def.impl_type.as_deref() == Some(service))
                })
            })
            .collect();
        let mut types = methods
            .iter()
            .filter_map(|&id| self.def(id).and_then(|def| def.impl_type.as_ref()));
        let first = types.next();
        if types.any(|other| Some(other) != first) {
            return Vec::new();
        }
        methods
    }
}

/// Whether middleware, interceptors and extractors guard, computed once each.
struct Gates<'a, 'c> {
    checks: &'c Checks<'a>,
    is_guard: &'c dyn Fn(FnId, &CallSite) -> bool,
    named_like_guard: &'c dyn Fn(&str) -> bool,
    lookup: &'c Lookup<'a>,
    functions: HashMap<FnId, bool>,
    extractors: HashMap<Name, bool>,
}

impl Gates<'_, '_> {
    /// The name of the guarding middleware, when `middleware` (written in `file`) guards.
    fn middleware(&mut self, file: usize, middleware: &Middleware) -> Option<Name> {
        match middleware {
            Middleware::Function { path, .. } => {
                let name = path.last()?;
                let functions = self.lookup.functions(file, path);
                let guards = if functions.is_empty() {
                    (self.named_like_guard)(name)
                } else {
                    functions.iter().all(|&id| self.function(id, false))
                };
                guards.then(|| name.clone())
            }
            Middleware::Extractor { type_name, .. } => {
                self.extractor(type_name).then(|| type_name.clone())
            }
        }
    }

    /// Whether the extractor type's request conversion guards.
    fn extractor(&mut self, type_name: &str) -> bool {
        if let Some(&known) = self.extractors.get(type_name) {
            return known;
        }
        let impls = self
            .lookup
            .extractor_impls
            .get(type_name)
            .cloned()
            .unwrap_or_default();
        // The conversion often returns a future built in place (actix): its async block
        // runs whenever the future does.
        let guards = !impls.is_empty() && impls.iter().all(|&id| self.function(id, true));
        self.extractors.insert(Name::from(type_name), guards);
        guards
    }

    /// Whether `function` runs a guard on every path and rejects when it fails. With
    /// `in_future`, checks inside an async block or closure that the function returns count.
    fn function(&mut self, id: FnId, in_future: bool) -> bool {
        if let Some(&known) = self.functions.get(&id) {
            return known;
        }
        let Some(def) = self.lookup.def(id) else {
            return false;
        };
        let guards = def.calls.iter().enumerate().any(|(index, call)| {
            call.exits_on_failure
                && runs_whenever(def, call.block, in_future)
                && ((self.is_guard)(id, call) || {
                    let callees = self.checks.graph.callees(id, index);
                    !callees.is_empty()
                        && callees
                            .iter()
                            .all(|&callee| self.checks.checks_on_entry_in(callee, self.is_guard))
                })
        });
        self.functions.insert(id, guards);
        guards
    }
}

/// Whether code in `block` runs whenever the function (or, with `in_future`, the future it
/// builds) runs to it: no branch or loop on the way up.
fn runs_whenever(def: &FunctionDef, block: usize, in_future: bool) -> bool {
    let mut current = Some(block);
    let mut steps = 0;
    while let Some(index) = current {
        steps += 1;
        let Some(fact) = def.blocks.get(index).filter(|_| steps <= def.blocks.len()) else {
            return false;
        };
        match fact.kind {
            BlockKind::Body | BlockKind::Plain => {}
            BlockKind::Deferred if in_future => {}
            _ => return false,
        }
        current = fact.parent;
    }
    true
}

/// A chain by where it is: (file, index in that file's chains).
type ChainId = (usize, usize);

/// A handler routed somewhere, and the guarding middleware around that route, if any.
#[derive(Clone, Debug)]
struct Routed {
    handler: FnId,
    guard: Option<Name>,
    /// The route names this handler and no other: a route to one of several same-named
    /// functions guards none of them for sure, and may be a way into each without a guard.
    unique: bool,
}

impl Routed {
    fn guard_with(&mut self, guard: &Name) {
        if self.unique {
            self.guard.get_or_insert_with(|| guard.clone());
        }
    }
}

/// Every route of the workspace's router chains.
struct Routes {
    routed: Vec<Routed>,
}

impl Routes {
    fn build<'a>(workspace: &Workspace, lookup: &Lookup<'a>, gates: &mut Gates<'a, '_>) -> Routes {
        let mut by_span: HashMap<(usize, u32, u32), usize> = HashMap::new();
        let mut outermost: HashMap<(usize, usize), Vec<usize>> = HashMap::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            // Chains are recorded outer before inner: one inside another comes right after
            // it (or after others inside it).
            let mut enclosing: Option<crate::source::Span> = None;
            for (index, chain) in facts.routers.chains.iter().enumerate() {
                by_span.insert((file, chain.span.start, chain.span.end), index);
                let inside = enclosing.is_some_and(|outer| {
                    outer.start <= chain.span.start && chain.span.end <= outer.end
                });
                if inside {
                    continue;
                }
                enclosing = Some(chain.span);
                if let Some(function) = chain.function {
                    outermost.entry((file, function)).or_default().push(index);
                }
            }
        }
        let mut walker = RouteWalker {
            workspace,
            lookup,
            gates,
            by_span,
            outermost,
            memo: HashMap::new(),
            consumed: HashSet::new(),
        };
        // Chains another chain or function takes in are routed where they are taken in.
        for (file, facts) in workspace.files.iter().enumerate() {
            for (index, chain) in facts.routers.chains.iter().enumerate() {
                let sources =
                    std::iter::once(&chain.base).chain(chain.steps.iter().filter_map(|step| {
                        match &step.kind {
                            StepKind::Mount(source) => Some(source),
                            _ => None,
                        }
                    }));
                for source in sources {
                    let taken = walker.sources((file, index), chain, source);
                    walker.consumed.extend(taken);
                }
            }
        }
        let mut routed = Vec::new();
        for (file, facts) in workspace.files.iter().enumerate() {
            for index in 0..facts.routers.chains.len() {
                if !walker.consumed.contains(&(file, index)) {
                    routed.extend(walker.routes((file, index), &mut Vec::new()));
                }
            }
        }
        Routes { routed }
    }

    /// Handlers every route of which is guarded, with a guard of one of them.
    fn guarded_everywhere(&self) -> Vec<(FnId, EntryGuard)> {
        let mut verdict: HashMap<FnId, Option<Name>> = HashMap::new();
        for routed in &self.routed {
            let entry = verdict
                .entry(routed.handler)
                .or_insert_with(|| routed.guard.clone());
            if routed.guard.is_none() {
                *entry = None;
            }
        }
        let mut guarded: Vec<(FnId, EntryGuard)> = verdict
            .into_iter()
            .filter_map(|(handler, guard)| Some((handler, EntryGuard::Layer(guard?))))
            .collect();
        guarded.sort_by_key(|(handler, _)| *handler);
        guarded
    }
}

struct RouteWalker<'w, 'g, 'a, 'c> {
    workspace: &'w Workspace,
    lookup: &'w Lookup<'a>,
    gates: &'g mut Gates<'a, 'c>,
    by_span: HashMap<(usize, u32, u32), usize>,
    /// The outermost chains of each function, by (file, function index).
    outermost: HashMap<(usize, usize), Vec<usize>>,
    memo: HashMap<ChainId, Vec<Routed>>,
    consumed: HashSet<ChainId>,
}

impl RouteWalker<'_, '_, '_, '_> {
    fn chain(&self, id: ChainId) -> Option<&RouterChain> {
        self.workspace.files.get(id.0)?.routers.chains.get(id.1)
    }

    /// The chains a router source written in chain `at` stands for.
    fn sources(&self, at: ChainId, chain: &RouterChain, source: &RouterSource) -> Vec<ChainId> {
        let (file, _) = at;
        match source {
            RouterSource::Fresh | RouterSource::Unknown => Vec::new(),
            RouterSource::Chain(span) => self
                .by_span
                .get(&(file, span.start, span.end))
                .map(|&index| vec![(file, index)])
                .unwrap_or_default(),
            RouterSource::Local(name) => {
                let Some(function) = chain.function else {
                    return Vec::new();
                };
                let Some(def) = self.lookup.def(FnId {
                    file,
                    index: function,
                }) else {
                    return Vec::new();
                };
                let Some(init) = def
                    .binding_before(name, chain.span.start)
                    .and_then(|binding| binding.init.as_ref())
                else {
                    return Vec::new();
                };
                self.chains_in(file, function)
                    .filter(|&index| {
                        self.chain((file, index)).is_some_and(|inner| {
                            init.span.start <= inner.span.start && inner.span.end <= init.span.end
                        })
                    })
                    .take(1)
                    .map(|index| (file, index))
                    .collect()
            }
            RouterSource::Call(path) => self
                .lookup
                .functions(file, path)
                .into_iter()
                .flat_map(|id| self.returned(id))
                .collect(),
        }
    }

    /// Chains of `function` in `file`, outermost ones only.
    fn chains_in(&self, file: usize, function: usize) -> impl Iterator<Item = usize> + '_ {
        self.outermost
            .get(&(file, function))
            .into_iter()
            .flatten()
            .copied()
    }

    /// The router chains a function builds and hands out: its outermost chains not bound
    /// to a local variable.
    fn returned(&self, id: FnId) -> Vec<ChainId> {
        let Some(def) = self.lookup.def(id) else {
            return Vec::new();
        };
        self.chains_in(id.file, id.index)
            .filter(|&index| {
                self.chain((id.file, index)).is_some_and(|chain| {
                    !def.lets.iter().any(|binding| {
                        binding.init.as_ref().is_some_and(|init| {
                            init.span.start <= chain.span.start && chain.span.end <= init.span.end
                        })
                    })
                })
            })
            .map(|index| (id.file, index))
            .collect()
    }

    /// Every route of a chain, with the guarding middleware around each.
    fn routes(&mut self, id: ChainId, visiting: &mut Vec<ChainId>) -> Vec<Routed> {
        if let Some(known) = self.memo.get(&id) {
            return known.clone();
        }
        if visiting.len() > MAX_DEPTH || visiting.contains(&id) {
            return Vec::new();
        }
        let Some(chain) = self.chain(id).cloned() else {
            return Vec::new();
        };
        visiting.push(id);
        let file = id.0;
        let mut routed = Vec::new();
        for source in self.sources(id, &chain, &chain.base) {
            routed.extend(self.routes(source, visiting));
        }
        let mut whole_guard = None;
        for step in &chain.steps {
            match &step.kind {
                StepKind::Route(handlers) => {
                    for handler in handlers {
                        routed.extend(self.handler_routes(file, handler));
                    }
                }
                StepKind::Mount(source) => {
                    for source in self.sources(id, &chain, source) {
                        routed.extend(self.routes(source, visiting));
                    }
                }
                StepKind::Layer { middleware, whole } => {
                    let guard = middleware
                        .iter()
                        .find_map(|middleware| self.gates.middleware(file, middleware));
                    match (guard, whole) {
                        (Some(guard), true) => whole_guard = whole_guard.or(Some(guard)),
                        (Some(guard), false) => {
                            for route in &mut routed {
                                route.guard_with(&guard);
                            }
                        }
                        (None, _) => {}
                    }
                }
            }
        }
        if let Some(guard) = whole_guard {
            for route in &mut routed {
                route.guard_with(&guard);
            }
        }
        visiting.pop();
        self.memo.insert(id, routed.clone());
        routed
    }

    fn handler_routes(&mut self, file: usize, handler: &HandlerRef) -> Vec<Routed> {
        let guard = handler
            .middleware
            .iter()
            .find_map(|middleware| self.gates.middleware(file, middleware));
        let handlers = self.lookup.functions(file, &handler.path);
        let unique = handlers.len() == 1;
        let guard = guard.filter(|_| unique);
        handlers
            .into_iter()
            .map(|handler| Routed {
                handler,
                guard: guard.clone(),
                unique,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::callgraph::CallGraph;
    use crate::model::context::{PartnerContext, PartnerPaths};
    use crate::model::name_patterns::Patterns;

    /// The handlers guarded on entry, by name, with what guards them.
    fn guarded(files: &[(&str, &str)]) -> Vec<(String, EntryGuard)> {
        let workspace = crate::testing::workspace(files);
        let graph = CallGraph::build(&workspace);
        let context = PartnerContext::build(
            &workspace,
            &graph,
            &Patterns::new(["PartnerContext"]),
            &PartnerPaths::new(["**/partner/**"]).unwrap(),
        );
        let checks = Checks {
            workspace: &workspace,
            graph: &graph,
            context: &context,
        };
        let guards = Patterns::new(["ensure_manages"]);
        let entry = EntryGuards::build(
            &workspace,
            &checks,
            &|_, call| guards.matches(call.name()),
            &|name| guards.matches(name),
        );
        let mut found: Vec<(String, EntryGuard)> = entry
            .guarded
            .iter()
            .map(|(id, guard)| (workspace.function(*id).name.to_string(), guard.clone()))
            .collect();
        found.sort_by(|a, b| a.0.cmp(&b.0));
        found
    }

    #[test]
    fn layers_guard_earlier_routes_of_their_chain_and_of_nested_routers() {
        let found = guarded(&[(
            "src/routes.rs",
            r#"
fn inner() -> Router { Router::new().route("/a", get(nested)) }
fn app() -> Router {
    let local = Router::new().route("/b", get(bound));
    Router::new()
        .nest("/n", inner())
        .merge(local)
        .route("/c", get(direct).layer(from_fn(gate)))
        .route_layer(from_fn(gate))
        .route("/d", get(after))
        .route("/e", get(outside_crate).layer(from_fn(ensure_manages)))
}
async fn gate(req: Request, next: Next) -> Result<Response, E> { ensure_manages(&req).await?; Ok(next.run(req).await) }
async fn nested() {} async fn bound() {} async fn direct() {} async fn after() {} async fn outside_crate() {}
"#,
        )]);
        let gate = || EntryGuard::Layer(Name::from("gate"));
        assert_eq!(
            found,
            [
                ("bound".to_string(), gate()),
                ("direct".to_string(), gate()),
                ("nested".to_string(), gate()),
                (
                    "outside_crate".to_string(),
                    EntryGuard::Layer(Name::from("ensure_manages"))
                ),
            ]
        );
    }

    #[test]
    fn a_route_to_one_of_several_same_named_handlers_guards_none_of_them() {
        let gate = "async fn gate(req: Request, next: Next) -> Result<Response, E> { ensure_manages(&req).await?; Ok(next.run(req).await) }";
        let found = guarded(&[
            (
                "src/routes.rs",
                &format!("fn app() -> Router {{ Router::new().route(\"/a\", get(list)).route(\"/b\", get(show)).layer(from_fn(gate)) }}\nasync fn show() {{}}\n{gate}"),
            ),
            ("src/devices.rs", "pub async fn list() {}\npub async fn show() {}"),
            ("src/users.rs", "pub async fn list() {}"),
        ]);
        // `show` is the routes file's own; `list` could be either module's.
        assert_eq!(
            found,
            [("show".to_string(), EntryGuard::Layer(Name::from("gate")))]
        );
    }

    #[test]
    fn extractors_and_interceptors_guard_when_their_check_rejects() {
        let found = guarded(&[(
            "src/lib.rs",
            r#"
struct Managed(String);
impl<S> FromRequestParts<S> for Managed {
    async fn from_request_parts(p: &mut Parts, s: &S) -> Result<Self, E> { ensure_manages(p).await?; Ok(Managed(x)) }
}
struct Loose(String);
impl<S> FromRequestParts<S> for Loose {
    async fn from_request_parts(p: &mut Parts, s: &S) -> Result<Self, E> { if cached { ensure_manages(p).await?; } Ok(Loose(x)) }
}
async fn takes(m: Managed) {}
async fn takes_loose(m: Loose) {}
async fn takes_maybe(m: Option<Managed>) {}
fn serve(svc: Reports) {
    Server::builder()
        .add_service(ThingsServer::with_interceptor(Things::default(), intercept))
        .add_service(ReportsServer::with_interceptor(svc, intercept));
}
impl Reports for DailyReports { async fn daily(&self) {} }
impl Reports for WeeklyReports { async fn weekly(&self) {} }
fn intercept(req: Request<()>) -> Result<Request<()>, Status> { ensure_manages(&req)?; Ok(req) }
impl Things for Things { async fn list(&self) {} }
impl Things for OtherThings { async fn list(&self) {} }
"#,
        )]);
        assert_eq!(
            found,
            [
                (
                    "list".to_string(),
                    EntryGuard::Interceptor(Name::from("intercept"))
                ),
                (
                    "takes".to_string(),
                    EntryGuard::Extractor(Name::from("Managed"))
                ),
            ]
        );
    }
}
