//# id=t01 expect=tmpl tags=hole_label
MATCH (t:Tenant {id: $tenant_id})-[:OWNS]->(r:{}) RETURN r