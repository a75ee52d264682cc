//# id=q03 expect=ok tags=map_projection,order,skip_limit,ends_with
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
WHERE u.active = true AND u.email ENDS WITH $domain
RETURN u {.id, .name, .email} AS user
ORDER BY u.name ASC
SKIP $offset LIMIT $limit