//! Customer-side partner management: a customer invites a partner, and can
//! cut it off at any time.

use neo4rs::{query, Graph};

/// The signed-in customer administrator.
pub struct CustomerSession {
    pub tenant_id: String,
    pub user_id: String,
}

/// The customer grants a partner the support permissions it asked for.
pub async fn invite_partner(session: &CustomerSession, graph: &Graph, partner_id: &str, permissions: Vec<String>) {
    graph
        .run(
            query(
                "MATCH (p:Partner {id: $partner_id}), (t:Tenant {id: $tenant_id}) \
                 CREATE (p)-[:MANAGES {permissions: $permissions, granted_by: $user_id}]->(t)",
            )
            .param("partner_id", partner_id)
            .param("tenant_id", session.tenant_id.as_str())
            .param("permissions", permissions)
            .param("user_id", session.user_id.as_str()),
        )
        .await
        .expect("grant");
}

/// Partners migrated from the old portal keep "whatever they had".
pub async fn import_legacy_partner(session: &CustomerSession, graph: &Graph, partner_id: &str) {
    graph
        .run(
            query("MATCH (p:Partner {id: $partner_id}), (t:Tenant {id: $tenant_id}) MERGE (p)-[:MANAGES]->(t)")
                .param("partner_id", partner_id)
                .param("tenant_id", session.tenant_id.as_str()),
        )
        .await
        .expect("grant");
}

/// Break-glass: the customer revokes a partner's access at once.
pub async fn revoke_partner(session: &CustomerSession, graph: &Graph, partner_id: &str) {
    graph
        .run(
            query("MATCH (:Partner {id: $partner_id})-[m:MANAGES]->(:Tenant {id: $tenant_id}) SET m.revoked_at = datetime()")
                .param("partner_id", partner_id)
                .param("tenant_id", session.tenant_id.as_str()),
        )
        .await
        .expect("revoke");
}
