// The tenant's users.
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id}) /* scoped */
WHERE u.created_at > $since
RETURN u.id AS id
ORDER BY u.created_at DESC
LIMIT 50
