//# id=t02 expect=tmpl tags=hole_property_key
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) WHERE u.{} = $value RETURN u