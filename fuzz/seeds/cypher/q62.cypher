//# id=t04 expect=tmpl tags=hole_named,format_escaped_braces
MATCH (n:{label} {{id: $id}})-[:BELONGS_TO]->(t:Tenant {{id: $tenant_id}}) RETURN n