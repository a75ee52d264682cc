//# id=q40 expect=ok tags=param_props_map
MATCH (t:Tenant {id: $tenant_id})
CREATE (u:User $props)-[:BELONGS_TO]->(t)
RETURN u