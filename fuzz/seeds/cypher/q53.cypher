//# id=q54 expect=ok tags=index_hint
MATCH (u:User)
USING INDEX u:User(email)
WHERE u.email = $email AND u.tenant_id = $tenant_id
RETURN u