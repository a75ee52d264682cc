//! Partner portal: customer tenant administration for managed-service partners.

mod auth;
mod integrations;
mod onboarding;
mod partner;
mod store;
mod tenants;

use axum::routing::{get, put};
use axum::Router;

#[tokio::main]
async fn main() {
    let graph = neo4rs::Graph::new("bolt://localhost:7687", "neo4j", "neo4j").await.expect("graph");
    let app = Router::new()
        .route("/partner/tenants", get(partner::list_tenants))
        .route("/partner/tenants/{tenant_id}/integrations", get(partner::tenant_integrations))
        .route("/partner/tenants/{tenant_id}/integrations/{name}/key", put(partner::rotate_integration_key))
        .with_state(graph);
    let listener = tokio::net::TcpListener::bind("0.0.0.0:8080").await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
