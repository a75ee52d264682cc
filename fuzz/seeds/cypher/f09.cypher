MATCH (p:Partner {id: $partner_id})-[:MANAGES]->(t:Tenant {id: $tenant_id})
RETURN t.id, t.name