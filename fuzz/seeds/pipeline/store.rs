//! Graph access shared by partner and customer handlers.

use neo4rs::{query, Graph};

/// Users of one tenant. Callers must check the partner manages the tenant first.
pub async fn tenant_users(graph: &Graph, tenant_id: &str) -> Vec<String> {
    let mut rows = graph
        .execute(query("MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u.email AS email").param("tenant_id", tenant_id))
        .await
        .expect("query");
    let mut emails = Vec::new();
    while let Ok(Some(row)) = rows.next().await {
        emails.push(row.get("email").unwrap_or_default());
    }
    emails
}

/// Whether the partner manages the tenant, for handlers that must check first.
pub async fn ensure_manages(graph: &Graph, partner_id: &str, tenant_id: &str) -> Result<(), String> {
    let mut rows = graph
        .execute(
            query("MATCH (:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id}) RETURN t.id")
                .param("partner_id", partner_id)
                .param("tenant_id", tenant_id),
        )
        .await
        .map_err(|_| "lookup failed".to_string())?;
    match rows.next().await {
        Ok(Some(_)) => Ok(()),
        _ => Err("not managed by this partner".to_string()),
    }
}
