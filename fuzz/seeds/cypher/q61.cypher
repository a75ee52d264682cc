//# id=t03 expect=tmpl tags=hole_keyword_position
MATCH (t:Tenant {id: $tenant_id})-[:OWNS]->(r:Resource) RETURN r ORDER BY r.{} {} LIMIT {}