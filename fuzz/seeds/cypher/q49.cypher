//# id=q50 expect=ok tags=dynamic_label,neo4j5
MATCH (t:Tenant {id: $tenant_id})
CREATE (n:$($label) {id: $id})-[:OWNED_BY]->(t)
RETURN n