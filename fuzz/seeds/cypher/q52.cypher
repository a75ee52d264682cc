//# id=q53 expect=ok tags=collect_subquery,neo4j5
MATCH (t:Tenant {id: $tenant_id})
RETURN t.id, COLLECT { MATCH (t)<-[:BELONGS_TO]-(u:User) RETURN u.email } AS emails