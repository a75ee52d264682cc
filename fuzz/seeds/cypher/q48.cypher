//# id=q49 expect=ok tags=reduce,exists_fn,legacy
MATCH (t:Tenant {id: $tenant_id})-[:OWNS]->(r:Resource)
WITH t, collect(r) AS rs
RETURN t.id, reduce(total = 0, x IN rs | total + x.size) AS bytes, size(rs) AS n