//# id=e05 expect=err tags=trailing_limit
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) RETURN u LIMIT