//# id=t06 expect=tmpl tags=hole_where_fragment
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) WHERE {} RETURN u