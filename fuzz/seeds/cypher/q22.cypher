//# id=q23 expect=ok tags=exists_subquery,neo4j5
MATCH (u:User {id: $user_id})
WHERE EXISTS {
  MATCH (u)-[:BELONGS_TO]->(:Tenant {id: $tenant_id})
}
RETURN u