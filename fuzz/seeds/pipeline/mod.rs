//! Partner-facing handlers: a partner acts on the customer tenants it manages.

use crate::auth::PartnerSession;
use crate::integrations::{RotateKeyRequest, TenantIntegration};
use crate::store;
use crate::tenants::Tenant;
use axum::extract::{Extension, Json, Path, State};
use neo4rs::{query, Graph};
use std::time::Duration;

/// Users of a managed tenant: the handler checks the partner manages it first.
pub async fn tenant_users(
    State(graph): State<Graph>,
    Extension(session): Extension<PartnerSession>,
    Path(tenant_id): Path<String>,
) -> Result<Json<Vec<String>>, String> {
    store::ensure_manages(&graph, &session.partner_id, &tenant_id).await?;
    Ok(Json(store::tenant_users(&graph, &tenant_id).await))
}

/// User export for a tenant: the same store call, but nothing checks the partner manages the tenant.
pub async fn export_tenant_users(State(graph): State<Graph>, Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) -> Json<Vec<String>> {
    tracing::info!(partner = %session.partner_id, "export");
    Json(store::tenant_users(&graph, &tenant_id).await)
}

/// Devices of a tenant, from a query kept in a .cypher file.
pub async fn tenant_devices(State(graph): State<Graph>, Extension(session): Extension<PartnerSession>, Path(tenant_id): Path<String>) -> usize {
    let _ = &session;
    let rows = graph.execute(query(include_str!("../../queries/tenant_devices.cypher")).param("tenant_id", tenant_id)).await;
    usize::from(rows.is_ok())
}

/// Remembers for a day that the partner may act on the tenant.
pub async fn warm_access_cache(
    State(graph): State<Graph>,
    Extension(session): Extension<PartnerSession>,
    Path(tenant_id): Path<String>,
    mut redis_conn: redis::aio::MultiplexedConnection,
) {
    let allowed = store::ensure_manages(&graph, &session.partner_id, &tenant_id).await.is_ok();
    let _: () = redis_conn.set_ex(format!("access:{}:{}", session.partner_id, tenant_id), allowed, Duration::from_secs(86_400).as_secs()).await.unwrap_or(());
}

pub async fn list_tenants(State(graph): State<Graph>, Extension(session): Extension<PartnerSession>) -> Json<Vec<Tenant>> {
    let mut rows = graph
        .execute(
            query("MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant) RETURN t.id AS id, t.name AS name, t.plan AS plan")
                .param("partner_id", session.partner_id.as_str()),
        )
        .await
        .expect("query");
    let mut tenants = Vec::new();
    while let Ok(Some(row)) = rows.next().await {
        tenants.push(Tenant { id: row.get("id").unwrap_or_default(), name: row.get("name").unwrap_or_default(), plan: row.get("plan").unwrap_or_default() });
    }
    Json(tenants)
}

pub async fn tenant_integrations(
    State(graph): State<Graph>,
    Extension(session): Extension<PartnerSession>,
    Path(tenant_id): Path<String>,
) -> Json<Vec<TenantIntegration>> {
    let mut rows = graph
        .execute(
            query(
                "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})-[:HAS_INTEGRATION]->(i:Integration) RETURN i",
            )
            .param("partner_id", session.partner_id.as_str())
            .param("tenant_id", tenant_id.as_str()),
        )
        .await
        .expect("query");
    let mut integrations = Vec::new();
    while let Ok(Some(row)) = rows.next().await {
        if let Ok(integration) = row.get::<TenantIntegration>("i") {
            integrations.push(integration);
        }
    }
    Json(integrations)
}

pub async fn rotate_integration_key(
    State(graph): State<Graph>,
    Extension(session): Extension<PartnerSession>,
    Path((tenant_id, name)): Path<(String, String)>,
    Json(request): Json<RotateKeyRequest>,
) {
    graph
        .run(
            query(
                "MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})-[:HAS_INTEGRATION]->(i:Integration {name: $name}) SET i.api_key = $api_key",
            )
            .param("partner_id", session.partner_id.as_str())
            .param("tenant_id", tenant_id.as_str())
            .param("name", name.as_str())
            .param("api_key", request.api_key.as_str()),
        )
        .await
        .expect("query");
}
