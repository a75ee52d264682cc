//# id=q25 expect=ok tags=pattern_predicate,not
MATCH (u:User)-[:BELONGS_TO]->(t:Tenant {id: $tenant_id})
WHERE NOT (u)-[:HAS_ROLE]->(:Role {name: 'admin'})
RETURN u.id