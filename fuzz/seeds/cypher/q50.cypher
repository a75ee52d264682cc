//# id=q51 expect=ok tags=exists_subquery_pattern_form,neo4j5
MATCH (u:User {id: $user_id})
WHERE EXISTS { (u)-[:BELONGS_TO]->(:Tenant {id: $tenant_id}) }
RETURN u.email