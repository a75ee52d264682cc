//# id=q16 expect=ok tags=unwind,create,batch
UNWIND $rows AS row
MATCH (t:Tenant {id: row.tenant_id})
CREATE (r:Resource {id: row.id, kind: row.kind})-[:OWNED_BY]->(t)