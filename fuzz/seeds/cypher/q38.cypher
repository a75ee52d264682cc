//# id=q39 expect=ok tags=label_disjunction,neo4j5
MATCH (n:Resource|Document)-[:OWNED_BY]->(t:Tenant {id: $tenant_id})
RETURN n