//# id=q12 expect=ok tags=set,set_plus_eq,anon_node
MATCH (u:User {id: $user_id})-[:BELONGS_TO]->(:Tenant {id: $tenant_id})
SET u += $props, u.updated_at = timestamp()
RETURN u