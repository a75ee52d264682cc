//# id=q55 expect=ok tags=apoc,nested_cypher_string,unscoped
CALL apoc.periodic.iterate(
  'MATCH (e:AuditEvent) WHERE e.created_at < $cutoff RETURN e',
  'DETACH DELETE e',
  {batchSize: 1000, params: {cutoff: $cutoff}}
)