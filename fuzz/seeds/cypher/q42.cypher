//# id=q43 expect=ok tags=in_list,regex,distinct,starts_with
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant)
WHERE t.id IN $tenant_ids AND u.email =~ '.*@example\\.com' AND NOT u.name STARTS WITH 'test'
RETURN DISTINCT u.id