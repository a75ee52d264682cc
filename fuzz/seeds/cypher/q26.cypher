//# id=q27 expect=ok tags=pattern_comprehension,map_projection
MATCH (t:Tenant {id: $tenant_id})
RETURN t {.id, .name, users: [(t)<-[:BELONGS_TO]-(u:User) | u.email]} AS tenant