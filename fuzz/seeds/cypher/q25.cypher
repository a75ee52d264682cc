//# id=q26 expect=ok tags=list_comprehension
MATCH (t:Tenant {id: $tenant_id})-[:OWNS]->(r:Resource)
RETURN [x IN collect(r) WHERE x.size > 100 | x.id] AS big_ids