//! Guards where real services put them (RULES.md R13): an axum service guarded by a route
//! layer and one guarded by an extractor get no PS101, while the unguarded twin route does.

use crate::common::{short, workspace, MANIFEST};

const GUARDS: &str = r#"
use crate::access;
pub async fn ensure_manages(state: &AppState, tid: &str) -> Result<(), ApiError> {
    access::lookup(&state.partner_id, tid).await
}
pub async fn require_manages(
    State(state): State<AppState>,
    Path(tid): Path<String>,
    req: Request,
    next: Next,
) -> Result<Response, StatusCode> {
    ensure_manages(&state, &tid).await.map_err(|_| StatusCode::FORBIDDEN)?;
    Ok(next.run(req).await)
}
pub struct ManagedTenant(pub String);
impl<S: Send + Sync> FromRequestParts<S> for ManagedTenant {
    type Rejection = StatusCode;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Path(tid) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|_| StatusCode::BAD_REQUEST)?;
        ensure_manages(&AppState::from_ref(state), &tid)
            .await
            .map_err(|_| StatusCode::FORBIDDEN)?;
        Ok(ManagedTenant(tid))
    }
}
"#;

const HANDLERS: &str = r#"
use crate::guards::ManagedTenant;
const DEVICES: &str = "MATCH (d:Device)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN d";
pub async fn devices(State(graph): State<Graph>, Path(tid): Path<String>) -> Json<Vec<Device>> {
    graph.execute(query(DEVICES).param("tid", tid)).await
}
pub async fn users(ManagedTenant(tid): ManagedTenant, State(graph): State<Graph>) -> Json<Vec<User>> {
    graph.execute(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN u").param("tid", tid)).await
}
pub async fn reports(State(graph): State<Graph>, Path(tid): Path<String>) -> Json<Vec<Report>> {
    graph.execute(query("MATCH (r:Report)-[:BELONGS_TO]->(t:Tenant {id: $tid}) RETURN r").param("tid", tid)).await
}
"#;

const ROUTES: &str = r#"
use crate::guards::require_manages;
use crate::partner::handlers;
fn partner_routes(state: AppState) -> Router<AppState> {
    Router::new()
        .route("/tenants/:tid/devices", get(handlers::devices))
        .route_layer(middleware::from_fn_with_state(state, require_manages))
}
pub fn app(state: AppState) -> Router {
    Router::new()
        .nest("/partner", partner_routes(state.clone()))
        .route("/partner/tenants/:tid/users", get(handlers::users))
        .route("/partner/tenants/:tid/reports", get(handlers::reports))
        .with_state(state)
}
"#;

#[test]
fn a_route_layer_or_an_extractor_guards_and_the_unguarded_twin_is_flagged() {
    let dir = workspace(&[
        ("Cargo.toml", MANIFEST),
        (
            "src/lib.rs",
            "pub mod access;\npub mod guards;\npub mod partner;\npub mod routes;\n",
        ),
        (
            "src/access.rs",
            "pub async fn lookup(partner: &str, tid: &str) -> Result<(), ApiError> { run(query(\"MATCH (:Partner {id: $p})-[:MANAGES]->(:Tenant {id: $t}) RETURN 1\")).await }\n",
        ),
        ("src/guards.rs", GUARDS),
        ("src/partner/mod.rs", "pub mod handlers;\n"),
        ("src/partner/handlers.rs", HANDLERS),
        ("src/routes.rs", ROUTES),
    ]);
    let (code, findings) = short(dir.path(), &["-A", "all", "-D", "PS101"]);
    assert_eq!(
        findings,
        ["src/partner/handlers.rs:11:32: deny[PS101 unscoped-tenant-query]: query reads tenant-owned `:Report` without scoping it to a tenant the partner manages (partner context: `partner::handlers::reports`)"]
    );
    assert_eq!(code, 1);
}
