//! Router facts: chains of router-building calls (axum `Router`, actix-web `App`, `Scope`
//! and `Resource`) with the handlers they route, the routers they mount and the middleware
//! they wrap around their routes, and tonic servers built with an interceptor. The model
//! (`model/layers.rs`) decides from these which handlers a guard runs before.

use crate::names::{ident_name, Name};
use crate::positions::Span;
use crate::source::{expr_span, ident_span};
use foldhash::HashSet;
use syn::visit::Visit;

use crate::names::segment_names;

/// Everything router-related in one file.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterFacts {
    pub chains: Vec<RouterChain>,
    pub interceptions: Vec<Interception>,
}

/// `Router::new().route("/p/:tid", get(list)).route_layer(from_fn(require_manages))`: the
/// calls of one method chain that route, mount or wrap, innermost first.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterChain {
    /// The function of this file the chain is written in, by index.
    pub function: Option<usize>,
    /// The whole chain expression.
    pub span: Span,
    /// What the first call of the chain is made on.
    pub base: RouterSource,
    pub steps: Vec<RouterStep>,
}

/// Where a router comes from.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum RouterSource {
    /// A new, empty one: `Router::new()`, `App::new()`, `web::scope("/p")`.
    Fresh,
    /// What a function returns: `partner_routes()`, `routes::partner(state.clone())`.
    Call(Vec<Name>),
    /// A local variable: `router`.
    Local(Name),
    /// Another chain written in place, by its span: `.nest("/p", Router::new().route(..))`.
    Chain(Span),
    /// Anything else: nothing is known about its routes.
    Unknown,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RouterStep {
    /// The method's name token.
    pub span: Span,
    pub kind: StepKind,
}

#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum StepKind {
    /// Routes handlers: axum `.route(path, get(h).post(h2))`, actix `.route(path,
    /// web::get().to(h))`, `.to(h)`, `.service(h)` for a `#[get(..)]` handler.
    Route(Vec<HandlerRef>),
    /// Adds another router's routes: axum `.nest(path, r)` and `.merge(r)`, actix
    /// `.service(scope)`.
    Mount(RouterSource),
    /// Wraps routes in middleware: axum `.layer(l)` and `.route_layer(l)` wrap the routes
    /// added before them; actix `.wrap(m)` wraps every route of its app, scope or resource.
    Layer {
        middleware: Vec<Middleware>,
        whole: bool,
    },
}

/// A handler named in a route, with middleware layered on its method router
/// (`get(h).route_layer(from_fn(f))`).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct HandlerRef {
    pub path: Vec<Name>,
    pub span: Span,
    pub middleware: Vec<Middleware>,
}

/// Middleware whose code is a workspace item.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Middleware {
    /// `from_fn(f)`, `from_fn_with_state(s, f)`, a tonic interceptor function.
    Function { path: Vec<Name>, span: Span },
    /// `from_extractor::<T>()`: the extractor `T` runs before the handler.
    Extractor { type_name: Name, span: Span },
}

/// `PartnerServer::with_interceptor(PartnerService::new(..), check_manages)` (tonic): every
/// method of the service runs after the interceptor.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Interception {
    /// The generated server type: `PartnerServer`.
    pub server: Name,
    /// The service's type when the call constructs it in place.
    pub service: Option<Name>,
    pub interceptor: Middleware,
    pub span: Span,
}

/// Methods that make up a router chain.
const CHAIN_METHODS: &[&str] = &[
    "route",
    "route_layer",
    "layer",
    "nest",
    "merge",
    "wrap",
    "service",
    "to",
    "with_state",
    "fallback",
    "app_data",
    "data",
    "default_service",
    "into_make_service",
    "configure",
];

/// Method-router constructors and methods that take a handler.
const METHOD_ROUTES: &[&str] = &[
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "any", "to",
];

/// Constructors of a new router, by their last path segment and the one before.
fn is_fresh(segments: &[Name]) -> bool {
    match segments {
        [.., owner, last] => {
            matches!(last.as_str(), "new" | "default")
                && matches!(
                    owner.as_str(),
                    "Router" | "App" | "Scope" | "Resource" | "ServiceConfig"
                )
                || matches!(last.as_str(), "scope" | "resource") && owner == "web"
        }
        [last] => matches!(last.as_str(), "scope" | "resource"),
        [] => false,
    }
}

/// Whether a chain on this base can be a router: method routers (`get(h).layer(..)`,
/// `web::get().to(h)`) and tower's `ServiceBuilder` are read where they are used.
fn could_be_router(base: &RouterSource) -> bool {
    match base {
        RouterSource::Call(path) => {
            !path.iter().any(|segment| segment == "ServiceBuilder")
                && path.last().is_none_or(|last| {
                    !METHOD_ROUTES.contains(&last.as_str()) && last != "on" && last != "method"
                })
        }
        _ => true,
    }
}

/// Collects [`RouterFacts`] as the indexer visits a file.
#[derive(Default)]
pub struct RouterCollector {
    pub facts: RouterFacts,
    /// Method calls already read as part of an enclosing chain, by span.
    spine: HashSet<(u32, u32)>,
}

impl RouterCollector {
    pub fn method_call(&mut self, call: &syn::ExprMethodCall, function: Option<usize>) {
        let span = expr_span_of_method(call);
        if self.spine.remove(&(span.start, span.end)) {
            return;
        }
        if !CHAIN_METHODS.contains(&call.method.to_string().as_str()) {
            return;
        }
        // Unroll the chain, outermost first; the receiver of the innermost is the base.
        let mut links = vec![call];
        let mut receiver = &*call.receiver;
        while let syn::Expr::MethodCall(inner) = strip(receiver) {
            if !CHAIN_METHODS.contains(&inner.method.to_string().as_str()) {
                break;
            }
            links.push(inner);
            receiver = &inner.receiver;
        }
        let base = source(receiver);
        if !could_be_router(&base) {
            return;
        }
        let steps: Vec<RouterStep> = links.iter().rev().filter_map(|link| step(link)).collect();
        if steps.is_empty() {
            return;
        }
        for inner in &links[1..] {
            let inner = expr_span_of_method(inner);
            self.spine.insert((inner.start, inner.end));
        }
        self.facts.chains.push(RouterChain {
            function,
            span,
            base,
            steps,
        });
    }

    /// Tonic: `XServer::with_interceptor(svc, f)`, `InterceptedService::new(XServer::new(svc), f)`.
    pub fn call(&mut self, call: &syn::ExprCall) {
        let syn::Expr::Path(path) = &*call.func else {
            return;
        };
        let segments = segment_names(&path.path);
        let (server, service) = match (segments.as_slice(), call.args.first()) {
            ([.., server, last], Some(service))
                if last == "with_interceptor" && server.ends_with("Server") =>
            {
                (server.clone(), service)
            }
            ([.., wrapper, last], Some(syn::Expr::Call(inner)))
                if last == "new" && wrapper == "InterceptedService" =>
            {
                let syn::Expr::Path(inner_path) = &*inner.func else {
                    return;
                };
                match (
                    segment_names(&inner_path.path).as_slice(),
                    inner.args.first(),
                ) {
                    ([.., server, new], Some(service))
                        if new == "new" && server.ends_with("Server") =>
                    {
                        (server.clone(), service)
                    }
                    _ => return,
                }
            }
            _ => return,
        };
        let Some(interceptor) = call.args.iter().nth(1).and_then(function_path) else {
            return;
        };
        self.facts.interceptions.push(Interception {
            server,
            service: constructed_type(service),
            interceptor,
            span: crate::source::call_span(call),
        });
    }
}

fn expr_span_of_method(call: &syn::ExprMethodCall) -> Span {
    crate::source::method_call_span(call)
}

/// Through parentheses and invisible groups.
fn strip(expr: &syn::Expr) -> &syn::Expr {
    let mut current = expr;
    loop {
        match current {
            syn::Expr::Paren(inner) => current = &inner.expr,
            syn::Expr::Group(inner) => current = &inner.expr,
            _ => return current,
        }
    }
}

fn step(call: &syn::ExprMethodCall) -> Option<RouterStep> {
    let method = call.method.to_string();
    let args: Vec<&syn::Expr> = call.args.iter().collect();
    let kind = match (method.as_str(), args.as_slice()) {
        ("route", [.., method_router]) => StepKind::Route(handlers_in(method_router)),
        ("to", [handler]) => {
            StepKind::Route(handler_ref(handler, Vec::new()).into_iter().collect())
        }
        ("service", [service]) => match strip(service) {
            syn::Expr::Path(_) => {
                StepKind::Route(handler_ref(service, Vec::new()).into_iter().collect())
            }
            other => StepKind::Mount(source(other)),
        },
        ("nest", [_, router]) | ("merge", [router]) => StepKind::Mount(source(router)),
        // actix `.configure(f)`: `f` adds its routes to the app or scope.
        ("configure", [configure]) => match strip(configure) {
            syn::Expr::Path(path) if path.qself.is_none() => {
                StepKind::Mount(RouterSource::Call(segment_names(&path.path)))
            }
            _ => return None,
        },
        ("layer" | "route_layer", [layer]) => StepKind::Layer {
            middleware: middleware_in(layer),
            whole: false,
        },
        ("wrap", [middleware]) => StepKind::Layer {
            middleware: middleware_in(middleware),
            whole: true,
        },
        _ => return None,
    };
    Some(RouterStep {
        span: ident_span(&call.method),
        kind,
    })
}

/// Where a router value comes from.
fn source(expr: &syn::Expr) -> RouterSource {
    match strip(expr) {
        syn::Expr::Call(call) => match &*call.func {
            syn::Expr::Path(path) => {
                let segments = segment_names(&path.path);
                if is_fresh(&segments) {
                    RouterSource::Fresh
                } else {
                    RouterSource::Call(segments)
                }
            }
            _ => RouterSource::Unknown,
        },
        syn::Expr::Path(path) if path.qself.is_none() => match path.path.get_ident() {
            Some(ident) => RouterSource::Local(ident_name(ident)),
            None => RouterSource::Unknown,
        },
        syn::Expr::MethodCall(call)
            if CHAIN_METHODS.contains(&call.method.to_string().as_str()) =>
        {
            RouterSource::Chain(expr_span_of_method(call))
        }
        syn::Expr::Reference(reference) => source(&reference.expr),
        _ => RouterSource::Unknown,
    }
}

/// The handlers a method router names: `get(h)`, `get(a).post(b)`, `on(filter, h)`,
/// `web::get().to(h)`, with the middleware layered on them.
fn handlers_in(expr: &syn::Expr) -> Vec<HandlerRef> {
    let mut handlers = Vec::new();
    // Outermost first: a `.layer(..)` wraps the methods inside its receiver.
    let mut layered: Vec<Middleware> = Vec::new();
    let mut current = strip(expr);
    loop {
        match current {
            syn::Expr::MethodCall(call) => {
                let method = call.method.to_string();
                match (method.as_str(), call.args.last()) {
                    ("layer" | "route_layer", Some(layer)) => layered.extend(middleware_in(layer)),
                    (name, Some(handler)) if METHOD_ROUTES.contains(&name) || name == "on" => {
                        handlers.extend(handler_ref(handler, layered.clone()));
                    }
                    _ => {}
                }
                current = strip(&call.receiver);
            }
            syn::Expr::Call(call) => {
                let name = match &*call.func {
                    syn::Expr::Path(path) => path.path.segments.last().map(|s| s.ident.to_string()),
                    _ => None,
                };
                if let (Some(name), Some(handler)) = (name, call.args.last()) {
                    if METHOD_ROUTES.contains(&name.as_str()) || name == "on" {
                        handlers.extend(handler_ref(handler, layered.clone()));
                    }
                }
                break;
            }
            _ => break,
        }
    }
    handlers.reverse();
    handlers
}

fn handler_ref(expr: &syn::Expr, middleware: Vec<Middleware>) -> Option<HandlerRef> {
    match strip(expr) {
        syn::Expr::Path(path) if path.qself.is_none() => Some(HandlerRef {
            path: segment_names(&path.path),
            span: expr_span(expr),
            middleware,
        }),
        _ => None,
    }
}

/// A function named by path: a tonic interceptor, the function of `from_fn(f)`.
fn function_path(expr: &syn::Expr) -> Option<Middleware> {
    match strip(expr) {
        syn::Expr::Path(path) if path.qself.is_none() => Some(Middleware::Function {
            path: segment_names(&path.path),
            span: expr_span(expr),
        }),
        _ => None,
    }
}

/// The type a service value is constructed from in place: `PartnerService::new(..)`,
/// `PartnerService::default()`, `PartnerService { .. }`.
fn constructed_type(expr: &syn::Expr) -> Option<Name> {
    match strip(expr) {
        syn::Expr::Call(call) => match &*call.func {
            syn::Expr::Path(path) => {
                let segments = segment_names(&path.path);
                match segments.as_slice() {
                    [.., owner, _] if owner != "Arc" && owner != "Box" => Some(owner.clone()),
                    [.., _] => call.args.first().and_then(constructed_type),
                    [] => None,
                }
            }
            _ => None,
        },
        syn::Expr::Struct(literal) => literal.path.segments.last().map(|s| ident_name(&s.ident)),
        _ => None,
    }
}

/// Middleware built from workspace items anywhere in a layer expression: `from_fn(f)`,
/// `middleware::from_fn_with_state(state, f)`, `from_extractor::<T>()`, also inside
/// `ServiceBuilder::new().layer(..)` and tonic's `interceptor(f)`.
fn middleware_in(expr: &syn::Expr) -> Vec<Middleware> {
    let mut finder = MiddlewareFinder::default();
    finder.visit_expr(expr);
    finder.found
}

#[derive(Default)]
struct MiddlewareFinder {
    found: Vec<Middleware>,
}

impl<'ast> Visit<'ast> for MiddlewareFinder {
    fn visit_expr_call(&mut self, call: &'ast syn::ExprCall) {
        if let syn::Expr::Path(path) = &*call.func {
            if let Some(last) = path.path.segments.last() {
                match last.ident.to_string().as_str() {
                    "from_fn" | "from_fn_with_state" | "from_fn_with_state_arc" | "interceptor" => {
                        self.found.extend(call.args.last().and_then(function_path));
                    }
                    "from_extractor" | "from_extractor_with_state" => {
                        if let syn::PathArguments::AngleBracketed(generic) = &last.arguments {
                            let extractor = generic.args.iter().find_map(|arg| match arg {
                                syn::GenericArgument::Type(syn::Type::Path(ty)) => {
                                    ty.path.segments.last().map(|s| ident_name(&s.ident))
                                }
                                _ => None,
                            });
                            self.found
                                .extend(extractor.map(|type_name| Middleware::Extractor {
                                    type_name,
                                    span: crate::source::expr_path_span(path),
                                }));
                        }
                    }
                    _ => {}
                }
            }
        }
        syn::visit::visit_expr_call(self, call);
    }

    fn visit_item(&mut self, _item: &'ast syn::Item) {}
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::index::index_file;

    fn facts(source: &str) -> RouterFacts {
        index_file("src/routes.rs".into(), source.into()).routers
    }

    fn names(path: &[Name]) -> String {
        path.iter().map(Name::as_str).collect::<Vec<_>>().join("::")
    }

    /// Each chain as text: base, then its steps.
    fn describe(facts: &RouterFacts) -> Vec<String> {
        let middleware = |list: &[Middleware]| {
            list.iter()
                .map(|m| match m {
                    Middleware::Function { path, .. } => format!("fn {}", names(path)),
                    Middleware::Extractor { type_name, .. } => format!("extractor {type_name}"),
                })
                .collect::<Vec<_>>()
                .join(", ")
        };
        let source = |source: &RouterSource| match source {
            RouterSource::Fresh => "new".to_string(),
            RouterSource::Call(path) => format!("{}()", names(path)),
            RouterSource::Local(name) => format!("local {name}"),
            RouterSource::Chain(_) => "chain".to_string(),
            RouterSource::Unknown => "?".to_string(),
        };
        facts
            .chains
            .iter()
            .map(|chain| {
                let mut text = source(&chain.base);
                for step in &chain.steps {
                    text.push_str(&match &step.kind {
                        StepKind::Route(handlers) => format!(
                            " route[{}]",
                            handlers
                                .iter()
                                .map(|h| if h.middleware.is_empty() {
                                    names(&h.path)
                                } else {
                                    format!("{} ({})", names(&h.path), middleware(&h.middleware))
                                })
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        StepKind::Mount(from) => format!(" mount[{}]", source(from)),
                        StepKind::Layer {
                            middleware: list,
                            whole,
                        } => format!(
                            " {}[{}]",
                            if *whole { "wrap" } else { "layer" },
                            middleware(list)
                        ),
                    });
                }
                text
            })
            .collect()
    }

    #[test]
    fn axum_chains_with_routes_layers_and_mounts() {
        let facts = facts(
            r#"
pub fn partner_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/p/:tid/devices", get(handlers::list).post(create))
        .route("/p/:tid/users", on(MethodFilter::GET, users).route_layer(from_fn(audit_only)))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_manages))
}
pub fn app(state: AppState) -> Router {
    let public = Router::new().route("/health", get(|| async { "ok" }));
    Router::new()
        .nest("/partner", partner_routes(state.clone()))
        .merge(public)
        .nest("/admin", Router::new().route("/x", get(admin::x)).layer(ServiceBuilder::new().layer(from_extractor::<AdminOnly>())))
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
"#,
        );
        assert_eq!(
            describe(&facts),
            [
                "new route[handlers::list, create] route[users (fn audit_only)] layer[fn require_manages]",
                "new route[]",
                "new mount[partner_routes()] mount[local public] mount[chain] layer[]",
                "new route[admin::x] layer[extractor AdminOnly]",
            ]
        );
        assert_eq!(facts.chains[0].function, Some(0));
        assert_eq!(facts.chains[2].function, Some(1));
    }

    #[test]
    fn actix_scopes_and_tonic_interceptors() {
        let facts = facts(
            r#"
fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/partner")
            .wrap(from_fn(require_manages))
            .route("/t/{tid}", web::get().to(list))
            .service(get_devices)
            .service(web::resource("/r").to(handlers::r)),
    );
}
async fn serve() {
    Server::builder()
        .add_service(PartnerServer::with_interceptor(PartnerService::new(pool), check_manages))
        .add_service(InterceptedService::new(AdminServer::new(admin), auth::check));
}
"#,
        );
        assert_eq!(
            describe(&facts),
            [
                "local cfg mount[chain]",
                "new wrap[fn require_manages] route[list] route[get_devices] mount[chain]",
                "new route[handlers::r]",
            ]
        );
        let interceptions: Vec<(String, Option<String>, String)> = facts
            .interceptions
            .iter()
            .map(|i| {
                (
                    i.server.to_string(),
                    i.service.as_ref().map(|s| s.to_string()),
                    match &i.interceptor {
                        Middleware::Function { path, .. } => names(path),
                        Middleware::Extractor { type_name, .. } => type_name.to_string(),
                    },
                )
            })
            .collect();
        assert_eq!(
            interceptions,
            [
                (
                    "PartnerServer".to_string(),
                    Some("PartnerService".to_string()),
                    "check_manages".to_string()
                ),
                ("AdminServer".to_string(), None, "auth::check".to_string()),
            ]
        );
    }
}
