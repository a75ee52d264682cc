//# id=q10 expect=ok tags=merge,on_create,on_match
MATCH (t:Tenant {id: $tenant_id})
MERGE (u:User {email: $email})-[:BELONGS_TO]->(t)
ON CREATE SET u.id = randomUUID(), u.created_at = timestamp()
ON MATCH SET u.last_seen = timestamp()
RETURN u.id