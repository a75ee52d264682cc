//# id=q32 expect=ok tags=string_escapes
MATCH (u:User {id: $user_id})-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
SET u.bio = 'It\'s a "test"\nline two', u.path = "C:\\tmp\\x"
RETURN u