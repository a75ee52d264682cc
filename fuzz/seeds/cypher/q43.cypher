//# id=q44 expect=ok tags=set_label,set_map,coalesce
MATCH (u:User {id: $user_id})-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
SET u:Suspended, u.reason = coalesce($reason, 'unspecified')
SET t.suspended_users = t.suspended_users + 1