//# id=q21 expect=ok tags=call_subquery,scoped_call,neo4j5
MATCH (t:Tenant {id: $tenant_id})
CALL (t) {
  MATCH (t)-[:OWNS]->(r:Resource)
  RETURN collect(r.id) AS resources
}
RETURN resources