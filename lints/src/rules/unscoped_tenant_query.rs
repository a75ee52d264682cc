//! PS101 unscoped-tenant-query: a partner reading or writing tenant data
//! without the query proving the partner manages that tenant.

use crate::checklist::{ChecklistItem, Level};
use crate::cypher::{BindingId, NodePattern, PropValue, QueryFacts};
use crate::diagnostic::{Diagnostic, FileId, Location};
use crate::model::callgraph::FnId;
use crate::model::queries::{Origin, Queries, Query};
use crate::options::OptionValues;
use crate::rule::{Context, Rule, RuleMeta};
use foldhash::{HashSet, HashSetExt as _};
use std::collections::BTreeMap;

pub const META: RuleMeta = RuleMeta {
    code: "PS101",
    name: "unscoped-tenant-query",
    checklist_item: Some(ChecklistItem::ScopeEnforcement),
    default_level: Level::Deny,
    summary:
        "A Cypher query in partner context touches tenant data without a `MANAGES` scope or a guard",
    docs: r#"## What it does
Flags a Cypher query executed in partner context that reads or writes tenant-owned data,
unless the tenant node it touches is bound in the same query by a pattern
`(:Partner {id: $x})-[:MANAGES]->(t:Tenant)` (either direction spelling, any variable
names, also through `WITH`/`MATCH` chains and `EXISTS { }` predicates) with the Partner
node pinned by a parameter or a literal, or a guard (`ensure_manages(…)` and the other
`[model] guard_functions`) runs before the query: earlier in the same function, in a
callee that checks, or in every partner-context caller. A guard defined in the workspace
counts only when its body can decide something (it compares, or calls anything beyond
building `Ok(())` and logging): a stub named `ensure_manages` that returns `Ok(())`
guards nothing. A guard from outside the workspace is trusted by its name.

A guard also runs before a handler it is wrapped around (R13): an axum `.layer(..)` or
`.route_layer(..)` of `from_fn(f)`, `from_fn_with_state(s, f)` or `from_extractor::<T>()`
guards the routes added before it in the same chain, routers nested or merged before it
included (followed through the functions and variables that build them); an actix-web
`.wrap(from_fn(f))` guards every route of its app, scope or resource; a tonic
`XServer::with_interceptor(svc, f)` guards the service's methods; and a handler that takes
an extractor `T` (not `Option<T>`) is guarded when `T`'s `FromRequestParts`/`FromRequest`
implementation guards. Middleware, interceptors and extractors guard only when a guard
runs in them on every path and its failure rejects the request (`?`, a returned error, an
early `return`): a check whose result is dropped or only logged lets every request
through. A handler also routed outside any guarding layer, or called directly from
partner code that does not guard, is not guarded.

Tenant-owned data is `Tenant`, the labels in `[model] tenant_owned_labels`, every label
that any query of the workspace relates to a `:Tenant` node directly, and any node matched
on a `tenant_id` property. `Partner` is not tenant-owned.

The finding is on the node pattern inside the query text: in the `.rs` file, in the
`const` that holds the query, or in the `.cypher` file, with a label where the query runs
in partner context and the chain from the partner-context entry point in the message.

Decisions where the catalogue is silent:
- A `MANAGES` pattern that is optional (`OPTIONAL MATCH`, under `NOT`/`OR`) scopes
  nothing: it need not hold for the rows returned. Its partner must certainly be a
  `Partner`: an alternative (`(p:Partner|Reseller)`, `WHERE p:Partner OR …`) is not.
- A tenant-owned node is scoped when it can only be bound to nodes connected to a scoped
  `Tenant` node, or to null: connected through relationships every row must satisfy, or
  through the `OPTIONAL MATCH` or pattern predicate that introduces it
  (`OPTIONAL MATCH (t)-[:HAS]->(d:Device)`, `WHERE NOT (s)-[:ARCHIVED_BY]->(:Admin)`). A
  node matched elsewhere and related to the tenant only under `OR`/`NOT` is not scoped.
- Label predicates in `WHERE` (`WHERE t:Tenant`, `t:Tenant|Customer`, also in
  `EXISTS { }`) are labels of the node. Under `NOT` they name labels it lacks; under `OR`
  they are alternatives, which make a node tenant data but not a scope's partner or tenant.
- `.cypher` files that no query call includes are not judged: where they run in partner
  context is not known. Nodes whose label is chosen at run time (`(n:$($label))`, a
  `format!` hole) are not judged either: in partner context PS000 reports the query.
- A query built from a `format!` template is judged on its text with the holes as
  placeholders; a query that does not parse is reported as PS000 instead, which names
  the hole when the query fails there (`SET {}`: its text is decided at run time).

## Why is this bad?
A partner reaches customer tenants only through `MANAGES`. A query that takes a tenant
ID from the request and reads `(:User {tenant_id: $tenant_id})` lets any partner read any
tenant by changing the ID.

## Example
```rust
async fn list_users(ctx: PartnerContext, tenant_id: String, graph: &Graph) {
    graph.execute(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u")
        .param("tenant_id", tenant_id)).await;
}
```

## Use instead
```rust
async fn list_users(ctx: PartnerContext, tenant_id: String, graph: &Graph) {
    graph.execute(query(
        "MATCH (:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})<-[:BELONGS_TO]-(u:User) RETURN u",
    ).param("partner_id", ctx.partner_id).param("tenant_id", tenant_id)).await;
}
```
or call `ensure_manages(&ctx, &tenant_id).await?` before the query.

## Options
None of its own: partner context, guards, query calls and tenant-owned labels are the
shared `[model]` options.

## Checklist item
1. Scope Enforcement: Does every database query include a
`MATCH (p:Partner)-[:MANAGES]->(t:Tenant)` (or equivalent check) to ensure the Partner
actually owns the target Tenant?

## Fix
None automatic: the scope depends on the data model. The help shows the pattern to add.
"#,
    options: &[],
    build: Some(build),
};

fn build(_options: &OptionValues) -> Box<dyn Rule> {
    Box::new(UnscopedTenantQuery)
}

struct UnscopedTenantQuery;

/// A query run in partner context with tenant data outside any partner scope.
struct Unscoped<'a> {
    query: &'a Query,
    function: FnId,
    nodes: Vec<UnscopedNode<'a>>,
}

/// The first pattern of an unscoped binding, and the tenant-owned label it has, if any (it
/// may have come from a label predicate in WHERE rather than from this pattern).
struct UnscopedNode<'a> {
    node: &'a NodePattern,
    label: Option<&'a str>,
}

impl Rule for UnscopedTenantQuery {
    fn check_file(&self, cx: &Context<'_>, file: FileId, out: &mut Vec<Diagnostic>) {
        let model = cx.model;
        // Queries at the same place (a const run from several handlers) are one defect.
        let mut by_place: BTreeMap<(FileId, u32), Vec<Unscoped<'_>>> = BTreeMap::new();
        for query in model.queries.in_file(file) {
            let Some(function) = query
                .function()
                .filter(|function| model.context.contains(*function))
            else {
                continue;
            };
            let Ok(facts) = &query.parsed else { continue };
            let nodes = unscoped_nodes(facts, &model.queries);
            if nodes.is_empty() || guarded(cx, query, function) {
                continue;
            }
            by_place
                .entry(query.text.location(0))
                .or_default()
                .push(Unscoped {
                    query,
                    function,
                    nodes,
                });
        }
        for group in by_place.values() {
            out.push(diagnostic(cx, group));
        }
    }
}

/// Where in its function a query runs: the byte offset and block.
fn run_point(cx: &Context<'_>, query: &Query, function: FnId) -> (u32, usize) {
    let def = cx.workspace.function(function);
    match query.origin {
        Origin::Call { call, .. } if call < def.calls.len() => {
            (def.calls[call].span.start, def.calls[call].block)
        }
        _ => {
            let (_, offset) = query.text.location(0);
            (offset, def.block_at(offset))
        }
    }
}

fn guarded(cx: &Context<'_>, query: &Query, function: FnId) -> bool {
    let (offset, block) = run_point(cx, query, function);
    cx.model
        .guard_before(cx.workspace, function, offset, block)
        .is_some()
}

fn diagnostic(cx: &Context<'_>, group: &[Unscoped<'_>]) -> Diagnostic {
    let first = &group[0];
    let facts = first.query.parsed.as_ref().ok();
    let UnscopedNode { node, label } = first.nodes[0];
    let label = label.map_or_else(
        || "node with `tenant_id`".to_string(),
        |label| format!("`:{label}`"),
    );
    let writes = facts
        .and_then(|facts| facts.clauses.get(node.clause))
        .is_some_and(|clause| {
            use crate::cypher::ClauseKind::*;
            matches!(clause.kind, Create | Merge | Set | Delete { .. } | Remove)
        });
    let verb = if writes { "writes" } else { "reads" };
    let message = format!(
        "query {verb} tenant-owned {label} without scoping it to a tenant the partner manages ({})",
        cx.model.unguarded_chain_text(cx.workspace, first.function)
    );
    let mut diagnostic = Diagnostic::new(message, first.query.location(node.span.range()))
        .with_primary_label("not bound to the partner's MANAGES scope")
        .with_help(
            "bind the tenant to the partner in the query — `MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})` — \
             and reach the data from `t`, or run a guard such as `ensure_manages(&ctx, &tenant_id)` before the query",
        );
    for other in &first.nodes[1..] {
        diagnostic = diagnostic.with_label(
            first.query.location(other.node.span.range()),
            "also unscoped",
        );
    }
    for unscoped in group {
        if let Origin::Call { function, call } = unscoped.query.origin {
            let def = cx.workspace.function(function);
            if let Some(call) = def.calls.get(call) {
                let at = Location {
                    file: function.file,
                    span: call.span,
                };
                if !at
                    .span
                    .range()
                    .contains(&(first.query.text.location(0).1 as usize))
                    || at.file != first.query.text_file()
                {
                    diagnostic = diagnostic.with_label(at, "runs in partner context here");
                }
            }
        }
    }
    diagnostic
}

fn pinned(value: &PropValue) -> bool {
    matches!(value, PropValue::Parameter(_) | PropValue::Literal(_))
}

/// Tenant-owned nodes of a query that no pinned partner's `MANAGES` scope
/// reaches, first pattern of each binding, in source order.
///
/// The partner and the tenant of the scope are judged on the labels they certainly have
/// (an alternative such as `(p:Partner|Admin)` proves nothing), and the `MANAGES`
/// relationship must hold for every row. Tenant-owned data is judged on every label a
/// binding may have, so an alternative or a label predicate under `OR` still counts. From
/// the scoped tenants, scope reaches every binding that can only be bound to nodes
/// connected to them (see [`QueryFacts::confined_to`]), through an `OPTIONAL MATCH` or a
/// pattern predicate too.
fn unscoped_nodes<'f>(facts: &'f QueryFacts, queries: &Queries) -> Vec<UnscopedNode<'f>> {
    let vocabulary = &queries.vocabulary;
    let certainly_partner = |binding: BindingId| {
        facts
            .certain_labels(binding)
            .any(|certain| vocabulary.is_partner_label(certain))
    };
    let certainly_tenant = |binding: BindingId| {
        facts
            .certain_labels(binding)
            .any(|certain| vocabulary.is_tenant_label(certain))
    };
    let partner_pinned = |binding: BindingId| {
        certainly_partner(binding)
            && (facts
                .nodes_of(binding)
                .any(|node| !node.conditional && node.properties.iter().any(|p| pinned(&p.value)))
                || facts.property_filters.iter().any(|filter| {
                    filter.binding == Some(binding) && !filter.conditional && pinned(&filter.value)
                }))
    };
    let mut scoped_tenants: HashSet<BindingId> = HashSet::new();
    for relationship in facts
        .relationships
        .iter()
        .filter(|r| !r.conditional && vocabulary.is_manages(r))
    {
        let (Some(left), Some(right)) = (
            facts.nodes.get(relationship.left),
            facts.nodes.get(relationship.right),
        ) else {
            continue;
        };
        for (partner, tenant) in [(left.binding, right.binding), (right.binding, left.binding)] {
            if partner_pinned(partner) && certainly_tenant(tenant) {
                scoped_tenants.insert(tenant);
            }
        }
    }
    let scoped = facts.confined_to(scoped_tenants);
    let mut seen: HashSet<BindingId> = HashSet::new();
    let mut unscoped = Vec::new();
    for node in &facts.nodes {
        if !seen.insert(node.binding) || node.dynamic_label {
            continue;
        }
        let labels: Vec<&str> = facts.possible_labels(node.binding).collect();
        let matched_on_tenant_id = facts
            .nodes_of(node.binding)
            .any(|n| n.properties.iter().any(|p| p.key == "tenant_id"))
            || facts
                .property_filters
                .iter()
                .any(|f| f.binding == Some(node.binding) && f.key == "tenant_id");
        let owned_label = labels
            .iter()
            .copied()
            .find(|label| queries.is_tenant_owned(label));
        if (owned_label.is_none() && !matched_on_tenant_id) || certainly_partner(node.binding) {
            continue;
        }
        if !scoped.get(node.binding).copied().unwrap_or(false) {
            unscoped.push(UnscopedNode {
                node,
                label: owned_label.or(labels.first().copied()),
            });
        }
    }
    unscoped
}

#[cfg(test)]
mod tests {
    use crate::options::OptionValue;
    use crate::testing::{check, Expect};

    fn lint(source: &str) -> Vec<String> {
        check("PS101", &[("src/partner/users.rs", source)])
    }

    const CONTEXT: &str = "struct PartnerContext { partner_id: String }\n";

    #[test]
    fn flags_a_tenant_read_without_manages() {
        let findings = lint(&format!(
            r#"{CONTEXT}
pub async fn list_users(ctx: PartnerContext, graph: Graph, tenant_id: String) {{
    graph.execute(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {{id: $tenant_id}}) RETURN u")).await;
}}"#
        ));
        assert_eq!(
            findings,
            ["src/partner/users.rs:4:32: deny[PS101] query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::users::list_users`)"]
        );
    }

    #[test]
    fn a_workspace_with_its_own_graph_words_gets_the_same_analysis() {
        // `(:Agency)-[:SERVES]->(:Account)` with three lines of config (R3) is judged as
        // `(:Partner)-[:MANAGES]->(:Tenant)` is by default, and the default words then
        // mean nothing special.
        let handlers = |partner: &str, tenant: &str, manages: &str| {
            format!(
                "{CONTEXT}pub async fn scoped(ctx: PartnerContext, graph: Graph) {{\n    graph.execute(query(\"MATCH (:{partner} {{id: $pid}})-[:{manages}]->(t:{tenant} {{id: $tid}})<-[:BELONGS_TO]-(u:User) RETURN u\")).await;\n}}\npub async fn unscoped(ctx: PartnerContext, graph: Graph) {{\n    graph.execute(query(\"MATCH (u:User)-[:BELONGS_TO]->(t:{tenant} {{id: $tid}}) RETURN u\")).await;\n}}\n"
            )
        };
        let default = check(
            "PS101",
            &[(
                "src/partner/users.rs",
                &handlers("Partner", "Tenant", "MANAGES"),
            )],
        );
        assert_eq!(
            default,
            ["src/partner/users.rs:6:32: deny[PS101] query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::users::unscoped`)"]
        );
        let words = [
            (
                "partner_labels",
                OptionValue::StringList(vec!["Agency".into()]),
            ),
            (
                "tenant_labels",
                OptionValue::StringList(vec!["Account".into()]),
            ),
            (
                "manages_relationships",
                OptionValue::StringList(vec!["SERVES".into()]),
            ),
        ];
        let twin = crate::testing::check_with_model(
            "PS101",
            &words,
            &[(
                "src/partner/users.rs",
                &handlers("Agency", "Account", "SERVES"),
            )],
        );
        assert_eq!(twin, default);
        // With those words configured, a `MANAGES` scope is no scope at all.
        let old_words = crate::testing::check_with_model(
            "PS101",
            &words,
            &[(
                "src/partner/users.rs",
                &handlers("Agency", "Account", "MANAGES"),
            )],
        );
        assert_eq!(old_words.len(), 2, "{old_words:?}");
    }

    #[test]
    fn a_guard_that_checks_nothing_guards_nothing() {
        let handler = |guard: &str| {
            format!(
                "{CONTEXT}{guard}\npub async fn list(ctx: PartnerContext, graph: Graph, tenant_id: String) {{\n    ensure_manages(&ctx, &tenant_id).await?;\n    graph.execute(query(\"MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {{id: $tenant_id}}) RETURN u\")).await;\n}}\n"
            )
        };
        // A stub named like a guard: the query is as unscoped as without it (R13).
        let stub = "async fn ensure_manages(ctx: &PartnerContext, tenant_id: &str) -> Result<(), ApiError> { tracing::debug!(\"checked\"); Ok(()) }";
        assert_eq!(
            check("PS101", &[("src/partner/users.rs", &handler(stub))]),
            ["src/partner/users.rs:5:32: deny[PS101] query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::users::list`)"]
        );
        // A guard that decides something, and one from outside the workspace, do guard.
        for guard in [
            "async fn ensure_manages(ctx: &PartnerContext, tenant_id: &str) -> Result<(), ApiError> { if ctx.partner_id.is_empty() { return Err(ApiError::Forbidden); } Ok(()) }",
            "async fn ensure_manages(ctx: &PartnerContext, tenant_id: &str) -> Result<(), ApiError> { access::lookup(&ctx.partner_id, tenant_id).await }",
            "use access::ensure_manages;",
        ] {
            assert_eq!(
                check("PS101", &[("src/partner/users.rs", &handler(guard))]),
                Vec::<String>::new(),
                "{guard}"
            );
        }
    }

    /// Partner handlers, one query each, named after how they are routed.
    fn routed_handlers(names: &[&str]) -> String {
        let mut source = String::from("use crate::store::Graph;\n");
        for name in names {
            source.push_str(&format!(
                "pub async fn {name}(State(g): State<Graph>, Path(tid): Path<String>) {{ g.run(query(\"MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {{id: $tid}}) RETURN d\")).await; }}\n"
            ));
        }
        source
    }

    /// The guard every test below checks with, and the middleware built on it.
    const GUARDS: &str = r#"
pub async fn ensure_manages(s: &AppState, tid: &str) -> Result<(), ApiError> { access::lookup(&s.partner_id, tid).await }
pub async fn verify_manages(s: &AppState, tid: &str) -> Result<(), ApiError> { Ok(()) }
pub async fn require_manages_layer(State(s): State<AppState>, Path(tid): Path<String>, req: Request, next: Next) -> Result<Response, StatusCode> {
    ensure_manages(&s, &tid).await.map_err(|_| StatusCode::FORBIDDEN)?;
    Ok(next.run(req).await)
}
pub async fn manages_or_forbidden(State(s): State<AppState>, Path(tid): Path<String>, req: Request, next: Next) -> Response {
    if ensure_manages(&s, &tid).await.is_err() { return StatusCode::FORBIDDEN.into_response(); }
    next.run(req).await
}
pub async fn logs_manages(State(s): State<AppState>, Path(tid): Path<String>, req: Request, next: Next) -> Response {
    if let Err(e) = ensure_manages(&s, &tid).await { tracing::warn!("not managed: {e}"); }
    next.run(req).await
}
pub async fn drops_manages(State(s): State<AppState>, Path(tid): Path<String>, req: Request, next: Next) -> Response {
    let _ = ensure_manages(&s, &tid).await;
    next.run(req).await
}
pub async fn stub_manages_layer(State(s): State<AppState>, Path(tid): Path<String>, req: Request, next: Next) -> Result<Response, ApiError> {
    verify_manages(&s, &tid).await?;
    Ok(next.run(req).await)
}
"#;

    fn lint_routed(routes: &str, handlers: &[&str]) -> Vec<String> {
        check(
            "PS101",
            &[
                ("src/partner/handlers.rs", &routed_handlers(handlers)),
                ("src/partner/routes.rs", routes),
                ("src/guards.rs", GUARDS),
            ],
        )
    }

    fn finding(line: usize, handler: &str) -> String {
        // The node pattern's column: after the handler's name and its parameters.
        let column = 85 + handler.len();
        format!("src/partner/handlers.rs:{line}:{column}: deny[PS101] query reads tenant-owned `:Device` without scoping it to a tenant the partner manages (partner context: `partner::handlers::{handler}`)")
    }

    #[test]
    fn a_route_layer_that_guards_guards_every_route_added_before_it() {
        let routes = r#"
use crate::partner::handlers;
use crate::guards::*;
pub fn partner_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/p/:tid/devices", get(handlers::guarded).post(handlers::guarded_too))
        .route_layer(middleware::from_fn_with_state(state.clone(), require_manages_layer))
        .route("/p/:tid/late", get(handlers::added_after_the_layer))
}
fn forbidden_routes() -> Router<AppState> {
    Router::new().route("/f/:tid", get(handlers::bool_checked)).layer(from_fn(manages_or_forbidden))
}
fn sibling_routes() -> Router<AppState> {
    Router::new().route("/s/:tid", get(handlers::in_a_sibling_router))
}
pub fn app(state: AppState) -> Router {
    let open = Router::new().route("/o/:tid", get(handlers::merged_after));
    Router::new()
        .nest("/partner", partner_routes(state.clone()))
        .nest("/forbidden", forbidden_routes())
        .merge(sibling_routes())
        .merge(open)
        .with_state(state)
}
"#;
        assert_eq!(
            lint_routed(
                routes,
                &[
                    "guarded",
                    "guarded_too",
                    "added_after_the_layer",
                    "bool_checked",
                    "in_a_sibling_router",
                    "merged_after",
                ]
            ),
            [
                finding(4, "added_after_the_layer"),
                finding(6, "in_a_sibling_router"),
                finding(7, "merged_after"),
            ]
        );
    }

    #[test]
    fn a_layer_that_drops_logs_or_stubs_the_guard_guards_nothing() {
        let routes = r#"
use crate::partner::handlers;
use crate::guards::*;
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/a", Router::new().route("/a/:tid", get(handlers::logged)).route_layer(from_fn(logs_manages)))
        .nest("/b", Router::new().route("/b/:tid", get(handlers::dropped)).route_layer(from_fn(drops_manages)))
        .nest("/c", Router::new().route("/c/:tid", get(handlers::stubbed)).route_layer(from_fn(stub_manages_layer)))
        .nest("/d", Router::new().route("/d/:tid", get(handlers::checked)).route_layer(from_fn(require_manages_layer)))
        .layer(from_fn(logs_manages))
}
"#;
        assert_eq!(
            lint_routed(routes, &["logged", "dropped", "stubbed", "checked"]),
            [
                finding(2, "logged"),
                finding(3, "dropped"),
                finding(4, "stubbed"),
            ]
        );
    }

    #[test]
    fn an_outer_layer_guards_the_routers_nested_before_it() {
        // The layer is on the app, after the nest: it wraps the nested routes too. A route
        // also reachable through a second, unguarded router is not guarded.
        let routes = r#"
use crate::partner::handlers;
use crate::guards::*;
fn partner_routes() -> Router<AppState> {
    Router::new().route("/p/:tid", get(handlers::nested)).route("/twice/:tid", get(handlers::routed_twice))
}
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/partner", partner_routes())
        .layer(from_fn_with_state(state.clone(), require_manages_layer))
        .route("/open/:tid", get(handlers::routed_twice))
}
"#;
        assert_eq!(
            lint_routed(routes, &["nested", "routed_twice"]),
            [finding(3, "routed_twice")]
        );
    }

    #[test]
    fn actix_wrap_and_tonic_interceptors_guard_what_they_wrap() {
        let routes = r#"
use crate::partner::handlers;
use crate::guards::*;
pub fn config(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/partner")
            .route("/t/{tid}", web::get().to(handlers::scoped))
            .service(handlers::by_macro)
            .wrap(from_fn(require_manages_layer)),
    )
    .service(web::scope("/open").route("/t/{tid}", web::get().to(handlers::unwrapped)));
}
pub async fn serve(pool: Graph) {
    Server::builder()
        .add_service(DevicesServer::with_interceptor(DeviceService::new(pool), check_interceptor))
        .add_service(ReportsServer::with_interceptor(ReportService::new(pool), log_interceptor));
}
pub fn check_interceptor(req: Request<()>) -> Result<Request<()>, Status> {
    if !check_partner_manages(&req) { return Err(Status::permission_denied("not managed")); }
    Ok(req)
}
pub fn log_interceptor(req: Request<()>) -> Result<Request<()>, Status> {
    let _ = ensure_manages_sync(&req);
    Ok(req)
}
pub fn check_partner_manages(req: &Request<()>) -> bool { access::manages(req.metadata()) }
pub fn ensure_manages_sync(req: &Request<()>) -> Result<(), Status> { access::check(req.metadata()) }
pub struct DeviceService { g: Graph }
#[tonic::async_trait]
impl Devices for DeviceService {
    async fn list(&self, request: Request<ListDevices>) -> Result<Response<DeviceList>, Status> {
        self.g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await;
    }
}
pub struct ReportService { g: Graph }
#[tonic::async_trait]
impl Reports for ReportService {
    async fn list(&self, request: Request<ListReports>) -> Result<Response<ReportList>, Status> {
        self.g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await;
    }
}
"#;
        let findings = check(
            "PS101",
            &[
                (
                    "src/partner/handlers.rs",
                    &routed_handlers(&["scoped", "by_macro", "unwrapped"]),
                ),
                ("src/partner/routes.rs", routes),
                ("src/guards.rs", GUARDS),
            ],
        );
        assert_eq!(
            findings,
            [
                finding(4, "unwrapped"),
                "src/partner/routes.rs:39:33: deny[PS101] query reads tenant-owned `:Device` without scoping it to a tenant the partner manages (partner context: `partner::routes::ReportService::list`)".to_string(),
            ]
        );
    }

    #[test]
    fn an_extractor_that_guards_guards_the_handlers_that_take_it() {
        let extractors = r#"
use crate::guards::*;
pub struct ManagedTenant(pub String);
impl<S: Send + Sync> FromRequestParts<S> for ManagedTenant {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(tid) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| StatusCode::BAD_REQUEST)?;
        ensure_manages(&AppState::from_ref(state), &tid).await.map_err(|_| StatusCode::FORBIDDEN)?;
        Ok(ManagedTenant(tid))
    }
}
pub struct LooselyManaged(pub String);
impl<S: Send + Sync> FromRequestParts<S> for LooselyManaged {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(tid) = Path::<String>::from_request_parts(parts, state).await.map_err(|_| StatusCode::BAD_REQUEST)?;
        ensure_manages(&AppState::from_ref(state), &tid).await.ok();
        Ok(LooselyManaged(tid))
    }
}
pub struct ActixManaged(pub String);
impl FromRequest for ActixManaged {
    type Error = ApiError;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let state = req.app_data::<AppState>().cloned();
        let tid = req.match_info().get("tid").unwrap_or_default().to_string();
        Box::pin(async move {
            ensure_manages(&state, &tid).await?;
            Ok(ActixManaged(tid))
        })
    }
}
"#;
        let handlers = r#"
use crate::extract::*;
pub async fn takes_it(ManagedTenant(tid): ManagedTenant, State(g): State<Graph>) { g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await; }
pub async fn takes_actix(ActixManaged(tid): ActixManaged, g: web::Data<Graph>) { g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await; }
pub async fn drops_the_result(LooselyManaged(tid): LooselyManaged, State(g): State<Graph>) { g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await; }
pub async fn optional(tenant: Option<ManagedTenant>, State(g): State<Graph>) { g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await; }
pub async fn does_not_take_it(Path(tid): Path<String>, State(g): State<Graph>) { g.run(query("MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d")).await; }
pub fn app() -> Router<AppState> {
    Router::new()
        .route("/e/:tid", get(does_not_take_it))
        .route_layer(from_extractor::<ManagedTenant>())
}
"#;
        let line = |line: usize, column: usize, handler: &str| {
            format!("src/partner/handlers.rs:{line}:{column}: deny[PS101] query reads tenant-owned `:Device` without scoping it to a tenant the partner manages (partner context: `partner::handlers::{handler}`)")
        };
        assert_eq!(
            check(
                "PS101",
                &[
                    ("src/partner/handlers.rs", handlers),
                    ("src/extract.rs", extractors),
                    ("src/guards.rs", GUARDS),
                ],
            ),
            [line(5, 113, "drops_the_result"), line(6, 99, "optional"),]
        );
    }

    #[test]
    fn test_code_is_never_partner_context() {
        // A test that builds a partner session and calls a store function does not make
        // the store run for a partner (R6); a handler that does, does.
        let store = "pub async fn all_users(graph: &Graph) { graph.execute(query(\"MATCH (u:User)-[:BELONGS_TO]->(t:Tenant) RETURN u\")).await; }\n";
        let test_caller = format!(
            "{CONTEXT}#[cfg(test)]\nmod tests {{\n    async fn lists(ctx: PartnerContext, graph: Graph) {{ super::all_users(&graph).await; }}\n}}\n#[tokio::test]\nasync fn lists_too(ctx: PartnerContext, graph: Graph) {{ all_users(&graph).await; }}\n"
        );
        assert_eq!(
            check(
                "PS101",
                &[("src/store.rs", store), ("src/api.rs", &test_caller)]
            ),
            Vec::<String>::new()
        );
        let handler = format!(
            "{CONTEXT}pub async fn lists(ctx: PartnerContext, graph: Graph) {{ all_users(&graph).await; }}\n"
        );
        assert_eq!(
            check("PS101", &[("src/store.rs", store), ("src/api.rs", &handler)]),
            ["src/store.rs:1:68: deny[PS101] query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `api::lists` → `store::all_users`)"]
        );
    }

    #[test]
    fn a_manages_scope_in_any_spelling_is_fine() {
        for query in [
            "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid})<-[:BELONGS_TO]-(u:User) RETURN u",
            "MATCH (t:Tenant {id: $tid})<-[:MANAGES]-(:Partner {id: $pid}) MATCH (u:User)-[:BELONGS_TO]->(t) RETURN u",
            "MATCH (p:Partner) WHERE p.id = $pid MATCH (p)-[:MANAGES]->(t:Tenant) WITH t MATCH (u:User)-[:BELONGS_TO]->(t) RETURN u",
            "MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tid}) WHERE EXISTS { (:Partner {id: $pid})-[:MANAGES]->(t) } RETURN u",
            "MATCH (p:Partner {id: 'acme'})-[:MANAGES]->(t:Tenant) RETURN t.name",
            // Partner-only data is not tenant-owned.
            "MATCH (p:Partner {id: $pid}) RETURN p.name",
        ] {
            let source = format!("{CONTEXT}\nfn f(ctx: PartnerContext, g: Graph) {{ g.run(query({query:?})); }}");
            assert_eq!(lint(&source), Vec::<String>::new(), "{query}");
        }
    }

    #[test]
    fn a_free_partner_or_a_manages_on_another_tenant_does_not_scope() {
        for (query, at) in [
            // The partner is not pinned: any partner manages some tenant.
            ("MATCH (p:Partner)-[:MANAGES]->(t:Tenant)<-[:BELONGS_TO]-(u:User) RETURN u", "`:Tenant`"),
            // MANAGES binds t, but the users read belong to t2.
            (
                "MATCH (:Partner {id: $pid})-[:MANAGES]->(t:Tenant) MATCH (u:User)-[:BELONGS_TO]->(t2:Tenant {id: $tid}) RETURN u, t",
                "`:User`",
            ),
            // An optional scope holds for no row.
            ("MATCH (t:Tenant {id: $tid}) OPTIONAL MATCH (:Partner {id: $pid})-[:MANAGES]->(t) RETURN t", "`:Tenant`"),
            // Matched on tenant_id, no label known to be tenant-owned.
            ("MATCH (r:Report {tenant_id: $tid}) RETURN r", "`:Report`"),
        ] {
            let source = format!("{CONTEXT}\nfn f(ctx: PartnerContext, g: Graph) {{ g.run(query({query:?})); }}");
            let findings = lint(&source);
            assert_eq!(findings.len(), 1, "{query}: {findings:?}");
            assert!(findings[0].contains(&format!("tenant-owned {at} without")), "{query}: {findings:?}");
        }
    }

    /// One partner-context function per query, plus a schema query outside partner context
    /// that teaches which labels belong to tenants: the findings as `line: label`.
    fn lint_each(queries: &[&str]) -> Vec<String> {
        let schema = r#"fn schema() { run(query("MATCH (t:Tenant)<-[:BELONGS_TO]-(x:Admin|Device|Report) RETURN x")); }"#;
        let mut source = CONTEXT.to_owned();
        for (index, query) in queries.iter().enumerate() {
            source.push_str(&format!(
                "fn f{index}(ctx: PartnerContext, g: Graph) {{ g.run(query({query:?})); }}\n"
            ));
        }
        check(
            "PS101",
            &[("src/partner/users.rs", &source), ("src/admin.rs", schema)],
        )
        .iter()
        .map(|finding| {
            let (place, message) = finding.split_once(": deny[PS101] ").expect("PS101");
            let line = place.split(':').nth(1).expect("line");
            let label = message
                .split("tenant-owned ")
                .nth(1)
                .and_then(|rest| rest.split(" without").next())
                .expect("label");
            format!("{line}: {label}")
        })
        .collect()
    }

    const MANAGED: &str = "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid})";

    #[test]
    fn nodes_reached_from_a_scoped_tenant_through_optional_or_predicate_patterns_are_scoped() {
        let queries = [
            format!("{MANAGED} OPTIONAL MATCH (t)-[:HAS]->(d:Device) RETURN d"),
            format!("{MANAGED} OPTIONAL MATCH (t)-[:HAS]->(d:Device)-[:FILED]->(r:Report) RETURN r"),
            format!("{MANAGED} OPTIONAL MATCH (d:Device) WHERE (t)-[:HAS]->(d) RETURN d"),
            "MATCH (p:Partner {id: $pid})-[:MANAGES]->(s:Tenant {id: $tid}) WHERE NOT (s)-[:ARCHIVED_BY]->(:Admin) RETURN s".to_owned(),
            format!("{MANAGED} WHERE (t)-[:HAS]->(:Device) OR t.open RETURN t"),
            format!("{MANAGED} RETURN [(t)-[:HAS]->(d:Device) | d.name] AS names"),
            format!("{MANAGED} RETURN COLLECT {{ MATCH (t)-[:HAS]->(d:Device) RETURN d.name }} AS names"),
            format!("{MANAGED} OPTIONAL MATCH (t)-[:HAS]->(d:Device) WITH d MATCH (d)-[:FILED]->(r:Report) RETURN r"),
            // The tenant's label from a label predicate.
            "MATCH (p:Partner {id: $pid})-[:MANAGES]->(t) WHERE t:Tenant RETURN t".to_owned(),
        ];
        let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
        assert_eq!(lint_each(&queries), Vec::<String>::new());
    }

    #[test]
    fn a_scope_that_need_not_hold_or_a_node_bound_elsewhere_is_still_flagged() {
        let queries = [
            // The MANAGES pattern itself optional, negated or an alternative.
            "OPTIONAL MATCH (p:Partner {id: $pid})-[:MANAGES]->(t:Tenant) MATCH (t)-[:HAS]->(d:Device) RETURN d".to_owned(),
            "MATCH (t:Tenant {id: $tid}) WHERE NOT (:Partner {id: $pid})-[:MANAGES]->(t) RETURN t".to_owned(),
            "MATCH (t:Tenant {id: $tid}) WHERE (:Partner {id: $pid})-[:MANAGES]->(t) OR t.open RETURN t".to_owned(),
            // Matched on its own, with no path to the scoped tenant.
            format!("{MANAGED} MATCH (d:Device {{id: $did}}) RETURN d"),
            // Bound before the optional pattern, which then constrains nothing.
            format!("{MANAGED} MATCH (d:Device {{id: $did}}) OPTIONAL MATCH (t)-[:HAS]->(d) RETURN d"),
            // The path to the tenant under OR or NOT keeps devices of other tenants.
            format!("{MANAGED} MATCH (d:Device) WHERE (t)-[:HAS]->(d) OR d.shared RETURN d"),
            format!("{MANAGED} MATCH (d:Device) WHERE NOT (t)-[:HAS]->(d) RETURN d"),
            // A predicate local to NOT, from a tenant that is not scoped.
            "MATCH (s:Tenant {id: $tid}) WHERE NOT (s)-[:ARCHIVED_BY]->(:Admin) RETURN s".to_owned(),
            // A partner label that is only an alternative is no partner.
            "MATCH (p {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid}) WHERE p:Partner OR p.legacy RETURN t".to_owned(),
        ];
        let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
        assert_eq!(
            lint_each(&queries),
            [
                "2: `:Tenant`",
                "3: `:Tenant`",
                "4: `:Tenant`",
                "5: `:Device`",
                "6: `:Device`",
                "7: `:Device`",
                "8: `:Device`",
                "9: `:Tenant`",
                "10: `:Tenant`",
            ]
        );
    }

    #[test]
    fn label_predicates_in_where_are_labels() {
        let queries = [
            "MATCH (t) WHERE t:Tenant RETURN t",
            "MATCH (t) WHERE t:Tenant:Active RETURN t",
            "MATCH (t) WHERE t:Tenant|Customer RETURN t",
            "MATCH (t) WHERE t IS Tenant RETURN t",
            "MATCH (t {id: $id}) WHERE t:Tenant AND t.open RETURN t",
            // An alternative may be tenant data.
            "MATCH (n {id: $id}) WHERE n:Device OR n:Archive RETURN n",
            "MATCH (n) WHERE EXISTS { MATCH (n) WHERE n:Tenant } RETURN n",
            "MATCH (n) WITH n WHERE n:Device RETURN n",
            // Under NOT it names what the node is not.
            "MATCH (n {id: $id}) WHERE NOT n:Tenant RETURN n",
            "MATCH (n {id: $id}) WHERE NOT (n:Tenant OR n:Device) RETURN n",
            // A value, not a filter.
            "MATCH (n {id: $id}) RETURN n:Tenant AS is_tenant",
        ];
        assert_eq!(
            lint_each(&queries),
            [
                "2: `:Tenant`",
                "3: `:Tenant`",
                "4: `:Tenant`",
                "5: `:Tenant`",
                "6: `:Tenant`",
                "7: `:Device`",
                "8: `:Tenant`",
                "9: `:Device`",
            ]
        );
        // Reported at the node pattern, with the label from the predicate.
        let source = format!(
            "{CONTEXT}fn f(ctx: PartnerContext, g: Graph) {{ g.run(query(\"MATCH (t) WHERE t:Tenant RETURN t\")); }}"
        );
        assert_eq!(
            lint(&source),
            ["src/partner/users.rs:2:58: deny[PS101] query reads tenant-owned `:Tenant` without scoping it to a tenant the partner manages (partner context: `partner::users::f`)"]
        );
    }

    #[test]
    fn queries_through_renamed_imports_inline_modules_and_trait_objects_are_judged() {
        let queries = r#"
pub const LIST: &str = "MATCH (t:Tenant {id: $tid}) RETURN t";
pub mod scoped { pub const LIST: &str = "MATCH (:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid}) RETURN t"; }
"#;
        let store = r#"
#[async_trait]
pub trait TenantRepo { async fn get(&self, tid: &str); }
pub struct Neo4jRepo { graph: Graph }
#[async_trait]
impl TenantRepo for Neo4jRepo {
    async fn get(&self, tid: &str) { self.graph.run(query("MATCH (t:Tenant {id: $tid}) RETURN t.name")).await; }
}
"#;
        let handlers = format!(
            r#"{CONTEXT}use crate::queries as q;
use crate::queries::scoped::LIST as SCOPED;
pub async fn renamed(ctx: PartnerContext, g: Graph) {{ g.run(query(q::LIST)); g.run(query(SCOPED)); }}
pub async fn through_trait(ctx: PartnerContext, repo: Arc<dyn TenantRepo>, tid: String) {{ repo.get(&tid).await; }}
"#
        );
        let findings = check(
            "PS101",
            &[
                ("src/partner/handlers.rs", &handlers),
                ("src/queries.rs", queries),
                ("src/store.rs", store),
            ],
        );
        assert_eq!(
            findings,
            [
                "src/queries.rs:2:31: deny[PS101] query reads tenant-owned `:Tenant` without scoping it to a tenant the partner manages (partner context: `partner::handlers::renamed`)",
                "src/store.rs:7:66: deny[PS101] query reads tenant-owned `:Tenant` without scoping it to a tenant the partner manages (partner context: `partner::handlers::through_trait` → `store::Neo4jRepo::get`)",
            ]
        );
    }

    #[test]
    fn outside_partner_context_nothing_is_flagged() {
        Expect::rule("PS101").findings(
            r#"
//- src/admin/users.rs
fn f(g: Graph) { g.run(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant) RETURN u")); }
"#,
        );
    }

    #[test]
    fn a_guard_in_the_handler_before_calling_the_store_is_fine() {
        let handler = format!(
            r#"{CONTEXT}
pub async fn guarded(ctx: PartnerContext, tenant_id: String) {{ ensure_manages(&ctx, &tenant_id).await?; store::users(&tenant_id).await; }}
pub async fn unguarded(ctx: PartnerContext, tenant_id: String) {{ if ctx.is_admin {{ ensure_manages(&ctx, &tenant_id).await?; }} store::audit_users(&tenant_id).await; }}
"#
        );
        let store = r#"
pub async fn users(tenant_id: &str) { run(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u")).await; }
pub async fn audit_users(tenant_id: &str) { run(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u.email")).await; }
"#;
        let findings = check(
            "PS101",
            &[
                ("src/partner/handlers.rs", &handler),
                ("src/store.rs", store),
            ],
        );
        assert_eq!(
            findings,
            ["src/store.rs:3:62: deny[PS101] query reads tenant-owned `:User` without scoping it to a tenant the partner manages (partner context: `partner::handlers::unguarded` → `store::audit_users`)"]
        );
    }

    #[test]
    fn a_const_query_is_reported_where_its_text_is_once() {
        let queries = r#"
pub const SCOPED: &str = "MATCH (:Partner {id: $pid})-[:MANAGES]->(t:Tenant {id: $tid}) RETURN t";
pub const UNSCOPED: &str = concat!("MATCH (t:Tenant {id: $tid}) ", "RETURN t");
"#;
        let handlers = format!(
            "{CONTEXT}\nfn a(ctx: PartnerContext) {{ run(query(queries::SCOPED)); run(query(queries::UNSCOPED)); }}\nfn b(ctx: PartnerContext) {{ run(query(UNSCOPED)); }}"
        );
        let findings = check(
            "PS101",
            &[
                ("src/partner/handlers.rs", &handlers),
                ("src/queries.rs", queries),
            ],
        );
        assert_eq!(
            findings,
            ["src/queries.rs:3:43: deny[PS101] query reads tenant-owned `:Tenant` without scoping it to a tenant the partner manages (partner context: `partner::handlers::a`)"]
        );
    }

    #[test]
    fn format_templates_let_bindings_and_cypher_files() {
        let handlers = format!(
            r#"{CONTEXT}
fn a(ctx: PartnerContext, label: &str) {{
    let q = format!("MATCH (n:{{}})-[:BELONGS_TO]->(t:Tenant {{{{id: $tid}}}}) RETURN n", label);
    run(query(&q));
}}
fn b(ctx: PartnerContext) {{ run(query(include_str!("../../queries/list.cypher"))); }}
"#
        );
        let findings = check(
            "PS101",
            &[
                ("src/partner/handlers.rs", &handlers),
                (
                    "queries/list.cypher",
                    "// all devices\nMATCH (d:Device)-[:BELONGS_TO]->(t:Tenant)\nRETURN d\n",
                ),
            ],
        );
        assert_eq!(
            findings,
            [
                "queries/list.cypher:2:7: deny[PS101] query reads tenant-owned `:Device` without scoping it to a tenant the partner manages (partner context: `partner::handlers::b`)",
                // The node whose label is a hole is not judged here: PS000 says why.
                "src/partner/handlers.rs:4:28: deny[PS000] Cypher query could not be analysed: the label of `(n:{})` is built at run time at the `{}` filled from `label`, so whether the node is tenant data cannot be told (partner context: `partner::handlers::a`)",
                "src/partner/handlers.rs:4:50: deny[PS101] query reads tenant-owned `:Tenant` without scoping it to a tenant the partner manages (partner context: `partner::handlers::a`)",
            ]
        );
    }

    #[test]
    fn labels_related_to_a_tenant_anywhere_are_tenant_owned() {
        // Outside partner context, this query teaches that invoices belong to tenants.
        let schema =
            r#"fn schema() { run(query("MATCH (i:Invoice)-[:ISSUED_TO]->(:Tenant) RETURN i")); }"#;
        let source = format!(
            r#"{CONTEXT}
fn f(ctx: PartnerContext) {{ run(query("MATCH (i:Invoice {{number: $n}}) RETURN i")); run(query("MATCH (s:Setting) RETURN s")); }}
"#
        );
        let findings = check(
            "PS101",
            &[
                ("src/partner/billing.rs", &source),
                ("src/admin.rs", schema),
            ],
        );
        assert_eq!(
            findings,
            ["src/partner/billing.rs:3:46: deny[PS101] query reads tenant-owned `:Invoice` without scoping it to a tenant the partner manages (partner context: `partner::billing::f`)"]
        );
    }
}
