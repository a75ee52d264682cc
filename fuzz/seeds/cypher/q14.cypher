//# id=q15 expect=ok tags=remove
MATCH (u:User {id: $user_id})-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
REMOVE u:Suspended, u.suspended_reason
RETURN u